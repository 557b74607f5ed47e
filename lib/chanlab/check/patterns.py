"""Checkers for the exercises of notebook 02b (Go's concurrency patterns in Python).

Each function checks one exercise and returns a :class:`~chanlab.check.feedback.Feedback`::

    check.patterns.close_results(double_all)
"""
from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from dataclasses import replace

from .. import aio
from ..errors import DeadlockError, PanicError
from .feedback import goroutines_left as _goroutines_end
from ..i18n import _
from .feedback import goroutines_running, panic_hint
from .feedback import checker, Feedback, Raised, attempt, failed, first_failure, not_attempted, passed

__all__ = ["close_results", "cancel_pipeline", "bursty_limiter", "word_owner"]


def _panic_feedback(ex: str, out: Raised, what: str) -> Feedback:
    err = out.error
    if isinstance(err, PanicError) and isinstance(err.__cause__, NotImplementedError):
        return not_attempted(ex, what)
    return out.feedback


@checker
def close_results(fn) -> Feedback:
    """02b.1: ``fn(values, workers)`` doubles every value in a pool of ``workers`` goroutines and
    returns what ``for r in results:`` received, ``results`` being closed once every worker is done
    (Go: ``go func() { wg.Wait(); close(results) }()``)."""
    ex = "02b.1"
    hints = {DeadlockError: _("main waited on results forever: nobody closed it. Start one more "
                              "goroutine that does wg.wait() and then results.close().")}
    results = []
    for values, workers in (([1, 2, 3, 4, 5], 3), ([], 2), (list(range(20)), 4)):
        base = goroutines_running()
        out = attempt(ex, fn, values, workers, hints=hints)
        if isinstance(out, Raised):
            fb = _panic_feedback(ex, out, _("Write double_all(values, workers) in the cell above."))
            if fb.attempted:
                fb = replace(fb, hint=panic_hint(out.error, fb.hint))
            return fb
        if out is None or not hasattr(out, "__iter__"):
            return failed(ex, _("It should return the results it received, as a list."), got=repr(out),
                          hint=_("return sorted(results) (iterating the channel until it is closed)."))
        expected = sorted(2 * v for v in values)
        if sorted(out) != expected:
            results.append(failed(ex, _("double_all({values}, {workers}) received other results.").format(values=values, workers=workers),
                                  expected=repr(expected), got=repr(sorted(out)),
                                  hint=_("Each worker sends j * 2 for every job j it receives.")))
        left = _goroutines_end(base)
        if left:
            results.append(failed(ex, _("{left} goroutine(s) still running after it returned.").format(left=left),
                                  expected=_("every worker and the closer have ended"),
                                  got=_("{left} left").format(left=left), hint=_("Join every goroutine you started.")))
    return first_failure(ex, results, _("main ranged over results until the closer goroutine closed it: no count of "
                                        "expected results needed, no goroutine left."))


@contextlib.contextmanager
def _cancel_when_stages_wait(base, within=0.5):
    """While the check runs, ``cancel()`` first lets every goroutine the answer started run as far
    as it can (until each waits in chanlab without a timeout, or ``within`` seconds pass), then
    cancels: the race of cancel() with a stage's next send is forced the unlucky way, so a stage
    that checks ctx.err() and then does a plain send is left blocked every time, never by luck."""
    from ..context import Context
    from ..runtime import sched

    real = Context._cancel  # the method behind every cancel() of chanlab.context (threads)

    def cancel(ctx, err):
        if ctx._err is None and threading.current_thread() is me:
            deadline = time.monotonic() + within
            while time.monotonic() < deadline:
                stages = [sched.gs.get(t) for t in goroutines_running() - base]
                if all(g is None or g.blocked for g in stages):
                    break
                time.sleep(0.002)
        real(ctx, err)

    me = threading.current_thread()
    Context._cancel = cancel
    try:
        yield
    finally:
        Context._cancel = real


@checker
def cancel_pipeline(fn) -> Feedback:
    """02b.2: ``fn(n)`` runs numbers -> squares, takes the first ``n`` squares, cancels a context,
    and returns them; afterwards no goroutine of the pipeline is still running."""
    ex = "02b.2"
    hints = {DeadlockError: _("Every goroutine waits: did a stage block on a send or receive that "
                              "nobody will match? Put ctx.done().receiving() in every select.")}
    results = []
    for n in (5, 1, 12):
        base = goroutines_running()
        with _cancel_when_stages_wait(base):
            out = attempt(ex, fn, n, hints=hints)
        if isinstance(out, Raised):
            return _panic_feedback(ex, out, _("Write first_squares(n) in the cell above."))
        expected = [i * i for i in range(1, n + 1)]
        if list(out or []) != expected:
            results.append(failed(ex, _("first_squares({value}) returned other values.").format(value=n),
                                  expected=repr(expected), got=repr(out),
                                  hint=_("numbers sends 1, 2, 3, ...; squares sends v * v; main receives n of them, in "
                                         "order.")))
        left = _goroutines_end(base)
        if left:
            return failed(ex, _("first_squares({value}) returned, but {left} pipeline goroutine(s) are still "
                                "running.").format(value=n, left=left), expected=_("0 goroutines still running"),
                          got=f"{left}", hint=_("After taking n squares, cancel(); every send and receive in a stage is a "
                                                "select that also has a ctx.done().receiving() case. Then join the stages."))
    return first_failure(ex, results, _("The pipeline gave the first squares, and cancel() ended both stages: nothing "
                                        "left running."))


@checker
def bursty_limiter(fn) -> Feedback:
    """02b.3: ``async def fn(requests, burst, every)`` serves ``requests`` requests that all arrive
    at t = 0, at most ``burst`` at once and then one per ``every`` seconds, and returns the
    (virtual) time at which each was served. Run here under ``aio.run(..., virtual_time=True)``."""
    ex = "02b.3"
    cases = [((6, 2, 0.5), [0.0, 0.0, 0.5, 1.0, 1.5, 2.0]), ((4, 1, 1.0), [0.0, 1.0, 2.0, 3.0]),
             ((3, 3, 1.0), [0.0, 0.0, 0.0])]
    if fn is ... or not callable(fn):
        return not_attempted(ex, _("Write async def serve_times(requests, burst, every) above."))
    for args, expected in cases:
        try:
            got = aio.run(fn(*args), virtual_time=True, timeout=60)
        except NotImplementedError:
            return not_attempted(ex, _("Write async def serve_times(requests, burst, every) above."))
        except DeadlockError:
            return failed(ex, _("serve_times{args} deadlocked.").format(args=args), got="DeadlockError",
                          hint=_("Something must refill the tokens: a goroutine looping over aio.tick(every) "
                                 "that sends one token per tick."))
        except TypeError as err:
            return failed(ex, _("serve_times is not a coroutine function."), got=f"TypeError: {err}",
                          hint=_("Write it with async def, and await aio.sleep / channel operations."))
        if got is ...:
            return not_attempted(ex, _("Write async def serve_times(requests, burst, every) above."))
        got = [round(t, 3) for t in got] if isinstance(got, (list, tuple)) else got
        if got != expected:
            return failed(ex, _("serve_times{args} served at other times.").format(args=args), expected=repr(expected),
                          got=repr(got),
                          hint=_("Fill a Chan(burst) with burst tokens before serving (that is the burst), then "
                                 "add one token per tick of aio.tick(every)."))
    return passed(ex, _("A burst at t = 0, then one request per interval, in virtual time: a token "
                        "bucket is a buffered channel plus a ticker."))


@checker
def word_owner(fn) -> Feedback:
    """02b.4: ``fn(lines, k)`` counts words with one goroutine per line and one owner goroutine
    that keeps the counts, and returns the ``k`` most common ``(word, count)`` pairs, ties in
    alphabetical order; no goroutine is left running."""
    ex = "02b.4"
    texts = [["the cat sat on the mat", "the dog sat on the log", "a cat and a dog", "the end"],
             ["b a", "a b c", "c c"], ["one"]]
    results = []
    for lines, k in ((texts[0], 3), (texts[1], 2), (texts[2], 5), (texts[0], 1)):
        base = goroutines_running()
        out = attempt(ex, fn, lines, k, hints={DeadlockError: _("Every goroutine waits: did main "
                                                 "ask the owner before the counters finished, or "
                                                 "forget to close words and asks?")})
        if isinstance(out, Raised):
            return _panic_feedback(ex, out, _("Write top_words(lines, k) in the cell above."))
        counts = Counter(w for line in lines for w in line.split())
        expected = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
        got = [tuple(p) for p in out] if isinstance(out, (list, tuple)) else out
        if got != expected:
            results.append(failed(ex, _("top_words(..., k={value}) returned another list.").format(value=k),
                                  expected=repr(expected), got=repr(out),
                                  hint=_("Sort by (-count, word) so that ties come out alphabetically, and return the "
                                         "first k pairs.")))
        left = _goroutines_end(base)
        if left:
            return failed(ex, _("{left} goroutine(s) still running after top_words returned.").format(left=left),
                          expected="0", got=str(left),
                          hint=_("Close words and asks at the end, so that the owner's select sees ok == False "
                                 "and returns; join every goroutine."))
    return first_failure(ex, results, _("One owner goroutine kept the counts, every other goroutine talked to it by "
                                        "message: no lock, and nothing left running."))
