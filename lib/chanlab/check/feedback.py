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
* :func:`first_failure` returns the first failing result of several, or the combined pass;
* :func:`checker` wraps every checker: the answer is judged on its own, with the runtime's pending
  panics (a goroutine an earlier cell started, which panicked) set aside and reported as a
  separate note, never as the answer's fault;
* :func:`digest` fingerprints an expected answer, so that a checker holds it without showing it
  (the student bundle carries the library: no answer may be readable there);
* :func:`graded` is ``chanlab.check`` for an autograder (nbgrader's hidden tests, tools/grading.py):
  the same checkers and feedback, and an ``AssertionError`` unless the answer is right.
"""
from __future__ import annotations

import functools
import threading
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Any, Callable
from ..i18n import N_, _

__all__ = ["Feedback", "passed", "failed", "not_attempted", "expect", "attempt", "first_failure",
           "from_panic", "Raised", "goroutines_left", "goroutines_running", "checker",
           "panic_hint", "graded", "digest"]

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
            head = _("{mark} Exercise {exercise}: right. {summary}")
        elif not self.attempted:
            head = _("{mark} Exercise {exercise}: not attempted yet. {summary}")
        else:
            head = _("{mark} Exercise {exercise}: not yet. {summary}")
        mark = _OK if self.ok else _NO if self.attempted else _TODO
        lines = [head.format(mark=mark, exercise=self.exercise, summary=self.summary).rstrip()]
        labels = (_("Expected:"), self.expected), (_("Got:"), self.got), (_("Hint:"), self.hint)
        width = max(_width(label) for label, _text in labels) + 1
        for label, text in labels:
            if text:
                first, *rest = str(text).splitlines() or [""]
                lines.append(f"  {label}{' ' * (width - _width(label))}{first}")
                lines.extend(f"  {' ' * width}{line}" for line in rest)
        lines.extend(f"  {line}" for line in self.details)
        return "\n".join(lines)

    __repr__ = __str__


def _width(text: str) -> int:
    """Columns ``text`` takes in a monospaced font (a CJK character takes two)."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


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
        return not_attempted(exercise, _("Compute {what} in the cell above, then run this cell again.")
                             .format(what=what))
    if got == expected:
        return passed(exercise, right or _("{What} is {expected!r}.").format(What=what[:1].upper() + what[1:],
                                                                          expected=expected))
    return failed(exercise, _("{What} differs.").format(What=what[:1].upper() + what[1:]), expected=repr(expected),
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
    name = getattr(fn, "__name__", _("your function"))
    todo = what or _("Write {name} in the cell above, then run this cell again.").format(name=name)
    if not callable(fn):
        return Raised(TypeError(f"{fn!r} is not callable"), failed(
            exercise, _("Expected a function, got {kind} {value!r}.").format(kind=type(fn).__name__, value=fn),
            hint=_("Define it with def, then pass the function itself (no parentheses).")))
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
        return Raised(err, failed(exercise, _("{name} raised {error}.").format(name=name, error=type(err).__name__),
                                  got=f"{type(err).__name__}: {first_line}".rstrip(": "),
                                  hint=hint or _("Read the error above the hint, fix the line it "
                                                 "names, and run both cells again.")))
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


#: Go's panic messages and the mistake each one names
_PANICS = {
    "close of closed channel": N_("The channel was closed twice: only one goroutine may close it. "
                                  "Not each worker: one closer goroutine that does wg.wait() and then "
                                  "results.close()."),
    "send on closed channel": N_("A worker sent on a closed channel: close results only after "
                                 "wg.wait(), that is, after every worker has returned."),
    "negative WaitGroup counter": N_("wg.done() ran more often than wg.add(): one wg.add(1) per "
                                     "worker, before go, and one wg.done() per worker."),
}


def panic_hint(err: BaseException, default: str | None = None) -> str | None:
    """The hint for a panic ``err`` (a PanicError, or the exception itself) that names the mistake
    Go's message describes (close twice, send on closed, negative WaitGroup counter); ``default``
    when the message is none of them."""
    cause = err.__cause__ or err
    for text, hint in _PANICS.items():
        if text in str(cause):
            return _(hint)
    return default


def goroutines_running() -> frozenset:
    """The goroutines running now (their threads): a baseline for :func:`goroutines_left` that a
    goroutine of an earlier cell ending meanwhile cannot skew."""
    from ..runtime import sched

    return frozenset(t for t, g in list(sched.gs.items()) if g.goroutine and t.is_alive())


def goroutines_left(baseline: frozenset, within: float = 1.0) -> int:
    """How many goroutines that were not running at ``baseline`` (from :func:`goroutines_running`)
    are still running, after waiting up to ``within`` seconds for the learner's goroutines to end
    (0 means nothing was left behind)."""
    import time

    def new():
        return len(goroutines_running() - baseline)

    deadline = time.monotonic() + within
    while new() and time.monotonic() < deadline:
        time.sleep(0.005)
    return new()

class _Quarantine(deque):
    """The runtime's queue of unseen panics while a check runs: a panic of a goroutine that was
    already running when the check began (started by an earlier cell) is set aside in ``earlier``
    instead of being raised in the check's next wait."""

    def __init__(self, foreign):
        super().__init__()
        self.foreign = foreign
        self.earlier = []

    def append(self, gr):
        if getattr(gr, "thread", None) in self.foreign:
            self.earlier.append(gr)
        else:
            super().append(gr)


_inside = threading.local()


def _panic_line(gr) -> str:
    err = gr.exception
    return f"goroutine {gr.name!r}: {type(err).__name__}: {err}".rstrip(": ")


def checker(fn: Callable[..., Feedback]) -> Callable[..., Feedback]:
    """Decorate a checker so that it judges the answer on its own.

    Go ends the program at a panic; a notebook lives on, and chanlab raises a goroutine's panic at
    the main thread's next wait -- which may be inside a later cell's check. So while the check
    runs, the runtime's pending panics are saved and cleared (``sched.panics`` is swapped for an
    empty queue), a goroutine that was already running and panics meanwhile is set aside, and the
    feedback gains a note for each: "something earlier panicked". A panic of a goroutine that the
    answer started and nobody joined is noted too (it would otherwise blame the next check).
    """
    @functools.wraps(fn)
    def check(*args: Any, **kwargs: Any) -> Feedback:
        if getattr(_inside, "active", False):
            return fn(*args, **kwargs)       # a checker called by another: one isolation is enough
        from ..runtime import sched

        saved = sched.panics
        earlier = list(saved)
        saved.clear()
        quarantine = _Quarantine({t for t, g in list(sched.gs.items()) if g.goroutine})
        sched.panics, _inside.active = quarantine, True
        try:
            fb = fn(*args, **kwargs)
        finally:
            sched.panics, _inside.active = saved, False
        earlier += quarantine.earlier
        own = list(quarantine)
        if not isinstance(fb, Feedback) or not (earlier or own):
            return fb
        notes = []
        if earlier:
            notes.append(_("Note: something earlier panicked (a goroutine started by another cell, "
                           "not by this answer); this answer was judged on its own:"))
            notes.extend(f"  {_panic_line(gr)}" for gr in earlier)
        if own:
            notes.append(_("Note: a goroutine this answer started panicked and nobody joined it:"))
            notes.extend(f"  {_panic_line(gr)}" for gr in own)
        return replace(fb, details=fb.details + tuple(notes))

    return check


def digest(exercise: str, name: str, value: Any) -> str:
    """A fingerprint of ``value`` as the answer ``name`` of ``exercise`` (SHA-256 of the three, value by
    ``repr``): a checker compares ``digest(ex, name, answer)`` with the fingerprint it holds, and so
    judges an answer without holding it in a form a learner can read off the library."""
    import hashlib

    return hashlib.sha256(f"chanlab {exercise} {name}={value!r}".encode()).hexdigest()[:32]


class _GradedTopic:
    """One checker module seen through :func:`graded`: each checker prints its feedback when it is a
    right answer to the exercise, and raises ``AssertionError`` (carrying the feedback) otherwise."""

    def __init__(self, module, exercise: str):
        self._module, self._exercise = module, exercise

    def __getattr__(self, name: str):
        fn = getattr(self._module, name)
        if not callable(fn) or isinstance(fn, type):
            return fn
        exercise = self._exercise

        @functools.wraps(fn)
        def judged(*args: Any, **kwargs: Any) -> None:
            fb = fn(*args, **kwargs)
            if not isinstance(fb, Feedback) or fb.exercise != exercise:
                raise AssertionError(f"{self._module.__name__}.{name} is not the check of exercise "
                                     f"{exercise}: it returned {fb!r}")
            if not fb.ok:
                raise AssertionError(str(fb))
            print(fb)

        return judged


class _Graded:
    def __init__(self, exercise: str):
        self._exercise = exercise

    def __getattr__(self, name: str) -> _GradedTopic:
        if name.startswith("_"):
            raise AttributeError(name)
        from .. import check

        return _GradedTopic(getattr(check, name), self._exercise)

    def __repr__(self) -> str:
        return f"graded({self._exercise!r})"


def graded(exercise: str):
    """``chanlab.check`` as an autograder sees it, for ``exercise`` (``"09.1"``)::

        check = graded("09.1")
        check.sagas.predict_messages(prediction)   # the same checker; prints its feedback if right

    A checker reached through it runs as usual; when the answer is right (``fb.ok``) it prints the
    feedback and returns ``None``, otherwise it raises ``AssertionError`` whose message is the feedback
    (not yet, not attempted yet, or a check of another exercise). nbgrader gives a test cell its points
    when it raises nothing (and reads a value the cell returns as partial credit, hence ``None``), so
    the points follow the checker's verdict (tools/grading.py writes these lines into the hidden
    tests)."""
    if not isinstance(exercise, str) or not exercise:
        raise TypeError(f"exercise must be an exercise id such as '09.1', not {exercise!r}")
    return _Graded(exercise)
