"""Checkers for the exercises of notebook 02a (Go's channels in Python).

Each function checks one exercise and returns a :class:`~chanlab.check.feedback.Feedback`::

    check.channels.try_send(try_send)
"""
from __future__ import annotations

import asyncio
import time

from .. import aio
from ..chan import Chan
from ..errors import DeadlockError, PanicError
from ..goroutine import go
from ..runtime import current_g
from .feedback import (checker, Feedback, Raised, attempt, failed, first_failure, from_panic, not_attempted,
                       passed)
from ..i18n import N_, _

__all__ = ["try_send", "close_consumers", "first", "pipeline"]

_DEADLOCK = {DeadlockError: N_("It waited where Go's select with a default case would not: "
                               "select(ch.sending(value), default=True) never waits."),
             TimeoutError: N_("It waited: a non-blocking send must not wait at all, not even briefly.")}


def _hints(table: dict) -> dict:
    """``table`` (exception type -> hint marked with N_) in the language of this moment."""
    return {kind: _(hint) for kind, hint in table.items()}


@checker
def try_send(fn) -> Feedback:
    """02a.1: ``fn(ch, value)`` sends without waiting and returns True, or returns False.

    Go: ``select { case ch <- v: return true; default: return false }``.
    """
    ex = "02a.1"
    box = Chan(1)
    results = []
    me = current_g()
    for value in ("a", "b"):
        me.waiting = None        # set by the runtime whenever this thread waits on a channel
        out = attempt(ex, fn, box, value, hints=_hints(_DEADLOCK))
        if isinstance(out, Raised):
            return out.feedback
        if me.waiting is not None:
            return failed(ex, _("try_send waited on the channel (a send with a timeout still waits)."),
                          expected=_("no wait at all: True or False at once"),
                          got=_("it waited ({waiting})").format(waiting=me.waiting),
                          hint=_("Not ch.send(v, timeout=...): a select with a default case never waits: "
                                 "select(ch.sending(value), default=True)."))
        results.append(out)
    if results != [True, False]:
        return failed(ex, _("On a Chan(1), the first try_send should get in and the second find it full."),
                      expected="True, False", got=", ".join(map(repr, results)),
                      hint=_("Return True only when the select chose the send case (index 0)."))
    if box.recv(timeout=1) != "a" or len(box):
        return failed(ex, _("The buffer should hold exactly the first value."), expected=_("'a'"),
                      got=_("something else"), hint=_("Send value itself, once."))
    out = attempt(ex, fn, Chan(), "c", hints=_hints(_DEADLOCK))
    if isinstance(out, Raised):
        return out.feedback
    if out is not False:
        return failed(ex, _("On an unbuffered Chan() that nobody receives from, try_send should fail."),
                      expected="False", got=repr(out),
                      hint=_("An unbuffered channel accepts a value only when a receiver is waiting."))
    # an unbuffered channel with a receiver waiting: the send happens at once
    ch = Chan()
    received = []

    def receiver():
        try:
            received.append(ch.recv(timeout=1.0))
        except TimeoutError:
            pass

    g = go(receiver)
    sent, deadline = False, time.monotonic() + 0.8
    try:
        while not sent and time.monotonic() < deadline:
            out = attempt(ex, fn, ch, "d", hints=_hints(_DEADLOCK))
            if isinstance(out, Raised):
                return out.feedback
            sent = out is True
            time.sleep(0.005)
    finally:
        g.join(timeout=2)
    if not sent or received != ["d"]:
        return failed(ex, _("With a receiver waiting on an unbuffered Chan(), try_send never got in."),
                      expected=_("True (the waiting receiver takes the value)"), got=_("False every time"),
                      hint=_("Do not look at len(ch) or ch.cap: a rendezvous has no room, yet a send "
                             "succeeds when a receiver waits. Let select decide."))
    return passed(ex, _("try_send got in while there was room or a waiting receiver, and returned False "
                        "at once otherwise."))


@checker
def close_consumers(consumer) -> Feedback:
    """02a.2: ``consumer(readings)`` ranges over a channel until it is closed, and returns
    ``(sum of the numbers, number of None readings)``. Checked with three consumers."""
    ex = "02a.2"
    if not callable(consumer):
        return attempt(ex, consumer).feedback
    if _stub(consumer):     # before any goroutine starts: a stub prints no panic, only this line
        return not_attempted(ex, _("Write consumer(readings) in the cell above."))
    readings = [3, None, 4, 5, None, 7]
    ch = Chan(name="readings")
    workers = [go(consumer, ch) for _unused in range(3)]
    problem = None
    try:
        for r in readings:
            ch.send(r, timeout=2.0)
    except TimeoutError:
        problem = _("nobody received a reading for 2 s (have the consumers stopped early?)")
    except PanicError:
        pass                    # a consumer raised: join() below reports it
    finally:
        ch.close()
    parts, errors, running = [], [], 0
    for g in workers:           # join every one, so that no panic is left for a later cell
        try:
            parts.append(g.join(timeout=2.0))
        except TimeoutError:
            running += 1
        except PanicError as err:
            errors.append(err.__cause__ or err)
    if errors:
        if all(isinstance(e, NotImplementedError) for e in errors):
            return not_attempted(ex, _("Write consumer(readings) in the cell above."))
        return failed(ex, _("A consumer raised an exception."),
                      got=f"{type(errors[0]).__name__}: {errors[0]}",
                      hint=_("Read the error, fix the consumer, and run both cells again."))
    if running:
        return failed(ex, _("{running} consumer(s) did not return within 2 s of close.").format(running=running),
                      expected=_("every consumer returns once the channel is closed and drained"),
                      got=_("still running"),
                      hint=_("A recv on a closed channel returns None at once, forever: loop with `for r in "
                             "readings:` (or recv_ok) so the loop ends at close."))
    if any(p is ... for p in parts):
        return not_attempted(ex, _("Write consumer(readings) in the cell above."))
    if not all(isinstance(p, tuple) and len(p) == 2 for p in parts):
        return failed(ex, _("Each consumer should return a pair (total, missing)."),
                      got=repr(parts), hint="return total, missing")
    total, missing = sum(p[0] for p in parts), sum(p[1] for p in parts)
    if (total, missing) != (19, 2) or problem:
        return failed(ex, _("Three consumers of 3, None, 4, 5, None, 7 did not count everything."),
                      expected=_("total {total}, missing {missing}").format(total=19, missing=2),
                      got=(_("total {total}, missing {missing}; {problem}") if problem else
                           _("total {total}, missing {missing}")).format(total=total, missing=missing,
                                                                          problem=problem),
                      hint=_("None is data here (a missing reading): count it and carry on. Only close() "
                             "ends the loop, for every consumer at once."))
    return passed(ex, _("Three consumers shared the readings, counted both missing ones, and all "
                        "stopped at close(): no sentinel needed, for any number of consumers."))


def _stub(consumer) -> bool:
    """Does ``consumer`` raise NotImplementedError (or return ...) on a closed, empty channel?
    Run in a plain thread (not a goroutine: no panic line is printed), joined for at most 1 s."""
    import threading

    done = Chan()
    done.close()
    out = []

    def probe():
        try:
            out.append(consumer(done))
        except NotImplementedError:
            out.append(NotImplementedError)
        except BaseException:  # the real check reports it
            out.append(None)

    t = threading.Thread(target=probe, name="chanlab-probe", daemon=True)
    t.start()
    t.join(1.0)
    return bool(out) and (out[0] is NotImplementedError or out[0] is ...)


@checker
def first(fn) -> Feedback:
    """02a.3: ``fn(chans, timeout)`` returns ``(index, value)`` of the first ready channel, or raises
    ``TimeoutError`` after ``timeout`` seconds."""
    ex = "02a.3"
    a, b, c = Chan(1), Chan(1), Chan(1)
    results = []
    b.send("from b")
    t0 = time.monotonic()
    out = attempt(ex, fn, [a, b], 0.5, hints=_hints(_NO_HANG))
    if isinstance(out, Raised):
        return out.feedback
    if time.monotonic() - t0 >= 0.45:
        return failed(ex, _("It waited on the empty channel a although b had a value."),
                      expected=_("(1, 'from b') at once"), got=_("{out!r} after about 0.5 s").format(out=out),
                      hint=_("Wait on all channels at once: one select with a case per channel."))
    results.append(_want(ex, out, (1, "from b"), "first([a, b], 0.5) after b.send('from b')"))
    c.send(42)
    out = attempt(ex, fn, [a, b, c], 0.5, hints=_hints(_NO_HANG))
    if isinstance(out, Raised):
        return out.feedback
    results.append(_want(ex, out, (2, 42), "first([a, b, c], 0.5) after c.send(42)"))
    t0 = time.monotonic()
    try:
        out = fn([a, b, c], 0.2)
    except TimeoutError:
        took = time.monotonic() - t0
        if took > 0.45:
            results.append(failed(ex, _("It timed out, but much later than asked."),
                                  expected=_("TimeoutError after about 0.2 s"), got=_("after {took:.2f} s").format(took=took),
                                  hint=_("One select over all channels and after(timeout): a separate timeout per "
                                         "channel adds up.")))
    except Exception as err:  # the learner's bug
        results.append(failed(ex, _("With nothing to receive it raised the wrong exception."),
                              expected="TimeoutError", got=f"{type(err).__name__}: {err}",
                              hint=_("When the after(timeout) case wins, raise TimeoutError(...).")))
    else:
        results.append(failed(ex, _("With nothing to receive it returned instead of raising."),
                              expected=_("TimeoutError after 0.2 s"), got=repr(out),
                              hint=_("When the after(timeout) case wins, raise TimeoutError(...).")))
    return first_failure(ex, results, _("first returned the ready channel's index and value, and raised TimeoutError on "
                                        "time when none was ready."))


_NO_HANG = {DeadlockError: N_("It waited on one channel while the value was on another: put a case "
                              "for every channel in one select."),
            TimeoutError: N_("It gave up although a value was ready: put a case for every channel "
                             "in one select, plus one for after(timeout).")}


def _want(ex, got, expected, call) -> Feedback:
    if got == expected:
        return passed(ex, "ok")
    return failed(ex, _("{call} returned something else.").format(call=call), expected=repr(expected), got=repr(got),
                  hint=_("Return a pair: (sel.index, sel.value)."))


@checker
def pipeline(gen, square) -> Feedback:
    """02a.4: ``async def gen(out)`` and ``async def square(inp, out)``, the Go pipeline in
    chanlab.aio; run here in virtual time: squares 1, 4, 9, 16, main ends at t = 4 s."""
    ex = "02a.4"
    for fn, name in ((gen, "gen"), (square, "square")):
        if fn is ... or not callable(fn):
            return not_attempted(ex, _("Write async def {name}(...) in the cell above.").format(name=name))

    async def main():
        nums, squares = aio.Chan(), aio.Chan()
        aio.go(gen, nums)
        aio.go(square, nums, squares)
        got = [s async for s in squares]
        return got, asyncio.get_running_loop().time()

    try:
        got, t = aio.run(main(), virtual_time=True, timeout=60)
    except NotImplementedError:
        return not_attempted(ex, _("Write gen and square in the cell above."))
    except DeadlockError:
        return failed(ex, _("The program deadlocked."), expected=_("squares 1, 4, 9, 16, then the end"),
                      got=_("DeadlockError: main waited on squares forever"),
                      hint=_("Each stage closes its output when its input is done (Go: close(out)), so that "
                             "the next stage's `async for` ends."))
    except PanicError as err:
        return from_panic(ex, err, todo=_("Write gen and square in the cell above."),
                          summary=_("A stage raised an exception."),
                          hint=_("gen and square must be `async def` and `await` every send and sleep."))
    except TypeError as err:
        return failed(ex, _("A stage is not a coroutine function."), got=f"TypeError: {err}",
                      hint=_("Write them with `async def`, and use `async for v in inp`."))
    if got != [1, 4, 9, 16]:
        return failed(ex, _("main received other values."), expected="[1, 4, 9, 16]", got=repr(got),
                      hint=_("gen sends 1..4; square sends v * v for each v it receives."))
    if abs(t - 4.0) > 1e-6:
        return failed(ex, _("The values are right, but main ended at another time."),
                      expected=_("t = 4.0 s (four sleeps of 1 s)"), got=f"t = {t:g} s",
                      hint=_("gen sleeps 1 s (await aio.sleep(1)) before each send; square does not sleep."))
    return passed(ex, _("The pipeline printed 1, 4, 9, 16 and ended at t = 4 s of virtual time, as the "
                        "Go program does in 4 real seconds."))
