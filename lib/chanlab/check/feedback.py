"""Feedback for exercises: what was expected, what happened, and a hint -- never just "wrong".

A checker is a small function, one per exercise, that runs the learner's answer and returns a
:class:`Feedback`. The notebook shows it as plain text::

    ✔ Exercise 02a.1: right. try_send sent 'a', then found the buffer full and returned False.

    ✘ Exercise 02a.1: not yet.
      Expected: try_send(Chan(1), 'b') after one send returns False
      Got:      it waited (the channel was full and nobody received)
      Hint:     a select with a default case never waits: select(ch.sending(v), default=True)

Checkers never raise for a wrong answer (the learner keeps going); a checker's own bug does raise.
The helpers here do the common work:

* :func:`attempt` calls the learner's function and turns an exception into a :class:`Feedback`
  (``NotImplementedError`` or a stub that returns ``...`` means "not attempted yet");
* :func:`expect` compares a value with the expected one;
* :func:`passed`, :func:`failed`, :func:`not_attempted` build a result directly;
* :func:`first_failure` returns the first failing result of several, or the combined pass.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

__all__ = ["Feedback", "passed", "failed", "not_attempted", "expect", "attempt", "first_failure",
           "from_panic", "Raised", "goroutines_left"]

_OK, _NO, _TODO = "✔", "✘", "…"


@dataclass(frozen=True)
class Feedback:
    """The result of checking one exercise; ``bool(fb)`` is ``fb.ok``.

    ``exercise`` names it (``"03.2"``: notebook 03, exercise 2); ``summary`` is one sentence on what
    happened; ``expected``/``got``/``hint`` explain a wrong answer; ``attempted`` is False when the
    learner has not written anything yet.
    """

    exercise: str
    ok: bool
    summary: str
    expected: str | None = None
    got: str | None = None
    hint: str | None = None
    attempted: bool = True
    details: tuple[str, ...] = field(default=())

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        if self.ok:
            head = f"{_OK} Exercise {self.exercise}: right. {self.summary}"
        elif not self.attempted:
            head = f"{_TODO} Exercise {self.exercise}: not attempted yet. {self.summary}"
        else:
            head = f"{_NO} Exercise {self.exercise}: not yet. {self.summary}"
        lines = [head.rstrip()]
        for label, text in (("Expected", self.expected), ("Got", self.got), ("Hint", self.hint)):
            if text:
                first, *rest = str(text).splitlines() or [""]
                lines.append(f"  {label + ':':<9} {first}")
                lines.extend(f"  {'':<9} {line}" for line in rest)
        lines.extend(f"  {line}" for line in self.details)
        return "\n".join(lines)

    __repr__ = __str__


def passed(exercise: str, summary: str, *details: str) -> Feedback:
    """A right answer: ``summary`` says what it did, in the learner's terms."""
    return Feedback(exercise, True, summary, details=tuple(details))


def failed(exercise: str, summary: str, *, expected: Any = None, got: Any = None,
           hint: str | None = None) -> Feedback:
    """A wrong answer: say what was expected, what happened, and give a hint."""
    return Feedback(exercise, False, summary,
                    expected=None if expected is None else str(expected),
                    got=None if got is None else str(got), hint=hint)


def not_attempted(exercise: str, what: str) -> Feedback:
    """Nothing written yet: ``what`` says what to write, e.g. "write try_send(ch, value) above"."""
    return Feedback(exercise, False, what, attempted=False)


def expect(exercise: str, got: Any, expected: Any, *, what: str, hint: str,
           right: str | None = None) -> Feedback:
    """Compare ``got`` with ``expected`` (``==``); ``what`` names the quantity, e.g. "the results"."""
    if got is ...:
        return not_attempted(exercise, f"Compute {what} in the cell above, then run this cell again.")
    if got == expected:
        return passed(exercise, right or f"{what[:1].upper() + what[1:]} is {expected!r}.")
    return failed(exercise, f"{what[:1].upper() + what[1:]} differs.", expected=repr(expected),
                  got=repr(got), hint=hint)


@dataclass(frozen=True)
class Raised:
    """What :func:`attempt` returns when the learner's code raised: the exception, and its feedback."""

    error: BaseException
    feedback: Feedback


def attempt(exercise: str, fn: Callable[..., Any], *args: Any, what: str = "",
            hints: dict[type, str] | None = None, **kwargs: Any) -> Any:
    """Call the learner's ``fn(*args, **kwargs)``; return its value, or a :class:`Raised`.

    ``NotImplementedError``, a name that is not a function, or a stub whose body is ``...``
    (it returns ``Ellipsis``) gives "not attempted yet". Any other exception becomes a "not yet"
    feedback that names it; ``hints`` maps an exception type to a hint (``DeadlockError``:
    "who is still waiting to receive?"). ``KeyboardInterrupt`` is never swallowed.
    """
    name = getattr(fn, "__name__", "your function")
    todo = what or f"Write {name} in the cell above, then run this cell again."
    if not callable(fn):
        return Raised(TypeError(f"{fn!r} is not callable"), failed(
            exercise, f"Expected a function, got {type(fn).__name__} {fn!r}.",
            hint="Define it with def, then pass the function itself (no parentheses)."))
    try:
        value = fn(*args, **kwargs)
    except NotImplementedError as err:
        return Raised(err, not_attempted(exercise, todo))
    except Exception as err:  # the learner's bug, reported as feedback
        hint = None
        for kind, text in (hints or {}).items():
            if isinstance(err, kind):
                hint = text
                break
        first_line = str(err).splitlines()[0] if str(err) else ""
        return Raised(err, failed(exercise, f"{name} raised {type(err).__name__}.",
                                  got=f"{type(err).__name__}: {first_line}".rstrip(": "),
                                  hint=hint or "Read the error above the hint, fix the line it "
                                               "names, and run both cells again."))
    if value is ...:
        return Raised(NotImplementedError(name), not_attempted(exercise, todo))
    return value


def first_failure(exercise: str, results: list[Feedback], summary: str) -> Feedback:
    """The first result that is not ok, else one pass with ``summary``."""
    for fb in results:
        if not fb.ok:
            return fb
    return passed(exercise, summary)


def from_panic(exercise: str, err: BaseException, *, todo: str, summary: str, hint: str) -> Feedback:
    """Feedback for a ``PanicError`` raised by the learner's goroutine: "not attempted yet" (saying
    ``todo``) when its cause is a stub's ``NotImplementedError``, else "not yet" naming the cause."""
    cause = err.__cause__ or err
    if isinstance(cause, NotImplementedError):
        return not_attempted(exercise, todo)
    return failed(exercise, summary, got=f"{type(cause).__name__}: {cause}", hint=hint)


def goroutines_left(baseline: int, within: float = 1.0) -> int:
    """How many more goroutines than ``baseline`` are still running, after waiting up to ``within``
    seconds for the learner's goroutines to end (0 means nothing was left behind)."""
    import time

    from ..goroutine import num_goroutine

    deadline = time.monotonic() + within
    while num_goroutine() > baseline and time.monotonic() < deadline:
        time.sleep(0.005)
    return num_goroutine() - baseline
