"""Parking a goroutine that cannot go on: Go's ``gopark`` and ``sudog``.

Go (``runtime/chan.go``, simplified)::

    gp := getg()
    mysg := acquireSudog()        // a record of "this goroutine waits here, with this value"
    c.recvq.enqueue(mysg)
    gopark(...)                   // sleep until a sender completes mysg

chanlab.aio::

    value = await park(((ch._recvq, None, None),), timeout, "chan receive", ch)

A goroutine that must wait puts a :class:`Waiter` in a channel's queue (one per select case) and
sleeps on a single future. The first peer to set the future's result wins: that is the one-time
claim that lets a select park on many channels at once. This module also holds the small helpers
that record trace events.
"""

import asyncio

from chanlab import trace as _trace
from chanlab.chan import check_timeout

__all__ = ["Waiter", "park", "withdraw", "label", "record", "CLOSED", "TIMEOUT", "WOKEN", "EMPTY"]


class _Marker:
    """A private result value that no program can send."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return self.name


#: a receive found the channel closed and empty / a send found it closed
CLOSED = _Marker("CLOSED")
#: the timeout of a parked operation ran out
TIMEOUT = _Marker("TIMEOUT")
#: a WaitGroup's counter reached zero
WOKEN = _Marker("WOKEN")
#: a receive that cannot go on without waiting
EMPTY = _Marker("EMPTY")


class Waiter:
    """A goroutine parked in one queue (Go: ``sudog``).

    ``fut`` is the goroutine's one future: the first peer to set its result wins (a select parks one
    Waiter per case, all sharing one future, so only one case can ever complete). ``value`` is what a
    parked sender sends; ``index`` is the select case (None for a plain send/receive).
    """

    __slots__ = ("fut", "value", "index", "task")

    def __init__(self, fut, value, index, task):
        self.fut = fut
        self.value = value
        self.index = index
        self.task = task

    def __repr__(self):
        state = "done" if self.fut.done() else "waiting"
        who = self.task.get_name() if self.task is not None else "?"
        return f"<Waiter {who} case={self.index} {state}>"


def _expire(fut):
    if not fut.done():
        fut.set_result(TIMEOUT)


def _is_handoff(result, select):
    """Did the peer that woke us hand over a value (which must then never be lost)?"""
    if result is TIMEOUT or result is CLOSED or result is WOKEN:
        return False
    return not select or result.ok


def _handoff_won(fut, select, task, prog):
    """A parked goroutine was cancelled. Had a peer already handed it a value in this same turn of
    the loop? Then the operation is done and the cancellation came too late."""
    if fut.cancelled() or not fut.done() or fut.exception() is not None:
        return False
    if prog is not None and prog.pending is not None and task is prog.main:
        return False  # main is being ended by a panic: let the cancellation through
    return _is_handoff(fut.result(), select)


def withdraw(waiters):
    """Take a parked goroutine's waiters out of the queues they are still in."""
    for queue, waiter in waiters:
        try:
            queue.remove(waiter)
        except ValueError:
            pass  # a peer already took it out


async def park(ops, timeout, what, chan=None, select=False):
    """Sleep until a peer completes one of ``ops`` (Go: ``gopark``) and return what it handed over.

    ``ops`` is a sequence of ``(queue, value, index)``: a Waiter goes into each queue, all sharing one
    future. ``what`` names the wait for deadlock reports (Go: ``[chan receive]``), ``chan`` is the
    Chan (None for a select or a WaitGroup).
    Raises ``TimeoutError`` after ``timeout`` seconds.

    If the goroutine is cancelled, its waiters leave the queues as if it had never waited. If a peer
    handed over a value in the same instant (the hand-off and the cancellation in one loop
    iteration), the operation counts as done: the value is returned and the cancellation comes too
    late, so nothing is lost or received twice.
    """
    timeout = check_timeout(timeout)
    if timeout is not None and not timeout > 0:  # 0: do not wait at all
        raise TimeoutError(_timeout_message(what, chan, timeout))
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    task = asyncio.current_task(loop)
    waiters = []
    for queue, value, index in ops:
        waiter = Waiter(fut, value, index, task)
        queue.append(waiter)
        waiters.append((queue, waiter))
    timer = None if timeout is None else loop.call_later(timeout, _expire, fut)
    prog = getattr(loop, "_chanlab", None)
    if prog is not None:
        prog.asleep[task] = (fut, what, chan)
    if _trace.active is not None:
        record("block", label(chan), what)
    try:
        result = await fut
    except asyncio.CancelledError:
        if not _handoff_won(fut, select, task, prog):
            withdraw(waiters)
            raise
        result = fut.result()  # keep the value; the cancellation is absorbed
    except BaseException:  # a deadlock or panic raised in main, or the coroutine was closed
        withdraw(waiters)
        raise
    finally:
        if timer is not None:
            timer.cancel()
        if prog is not None:
            prog.asleep.pop(task, None)
        if _trace.active is not None:
            record("unblock", label(chan), what)
    if select or result is TIMEOUT:
        withdraw(waiters)
    if result is TIMEOUT:
        raise TimeoutError(_timeout_message(what, chan, timeout))
    return result


def label(chan):
    """How messages and traces name a channel (``chan`` may be None, as for a WaitGroup)."""
    return chan._label() if chan is not None else None


def _timeout_message(what, chan, timeout):
    on = f" on {label(chan)}" if chan is not None else ""
    return f"{what}{on} timed out after {timeout} s"


# --------------------------------------------------------------------------------------------------
# Tracing helpers
# --------------------------------------------------------------------------------------------------


def stamp(tr):
    """(who, t) for an event now: the running goroutine, or ``timer`` inside a timer callback."""
    loop = asyncio._get_running_loop()
    if loop is not None and asyncio.current_task(loop) is None:
        return "timer", (loop.time() if getattr(loop, "virtual_time", False) else tr.real_time())
    return _trace.now(tr)


def record(kind, chan=None, value=None, who=None):
    """Add an event to the active trace (callers check ``trace.active is not None`` first)."""
    tr = _trace.active
    if tr is None:
        return
    me, t = stamp(tr)
    tr.record(t, me if who is None else who, kind, chan, value)
