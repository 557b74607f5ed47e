"""The event loops behind ``run()``: a real or a virtual clock, and Go's deadlock check.

Go (``runtime/proc.go``)::

    func checkdead() { ... throw("all goroutines are asleep - deadlock!") }

chanlab.aio: when the loop is about to sleep with nothing to run and no timer pending, it asks
:func:`check_deadlock`. If every goroutine is parked in a chanlab operation (or waits for another
goroutine that is), nothing can ever wake them, and main gets
``DeadlockError("all goroutines are asleep - deadlock!")``.

The virtual-time loop's clock starts at 0.0 and, instead of sleeping until the next timer, jumps to
it: ``await asyncio.sleep(60)`` returns at once with ``loop.time()`` 60 s later.
"""

import asyncio
import selectors
import weakref

from chanlab.errors import DeadlockError, add_note

from .park import label

__all__ = ["RealTimeLoop", "VirtualTimeLoop", "Program", "program", "raise_in_main",
           "check_deadlock"]

#: How long a loop with nothing to do waits for IO or threads before it looks again.
_SLICE = 0.05


# --------------------------------------------------------------------------------------------------
# The program: what run() knows about the goroutines it runs
# --------------------------------------------------------------------------------------------------


class Program:
    """The state of one ``run()``: its main task, its parked goroutines, a panic to report."""

    def __init__(self):
        self.main = None  # the task running the coroutine given to run()
        self.asleep = {}  # task -> (future, what, chan): goroutines parked in a chanlab operation
        self.pending = None  # a panic or deadlock to raise in main, not raised there yet
        self.closing = False  # main has ended: the remaining goroutines are being cancelled
        self.aborted = False  # interrupted or timed out: everything is being cancelled
        self.kicks = 0  # cancel rounds while closing
        self.names = {}  # goroutine name -> how many goroutines got that name so far
        self.chans = 0  # channels numbered so far (for traces)
        # channels of pending timers (aio.timers): as in Go 1.23, a channel timer keeps the
        # deadlock detector quiet only while a goroutine waits on its channel
        self.chan_timers = weakref.WeakSet()

    def goroutine_name(self, base):
        n = self.names.get(base, 0) + 1
        self.names[base] = n
        return f"{base}-{n}"


#: counters for names when no run() is in charge (e.g. under asyncio.run or top-level await)
_outside = Program()


def program(loop=None):
    """The Program of the running loop, or None if the loop was not started by run()."""
    if loop is None:
        loop = asyncio._get_running_loop()
    return getattr(loop, "_chanlab", None)


def raise_in_main(prog, exc):
    """Make ``exc`` (a panic or a deadlock) happen in the main goroutine.

    If main is parked in a chanlab operation, the exception is raised right there, at the line that
    waits. Otherwise main is cancelled and the wrapper around it turns the cancellation into ``exc``.
    """
    main = prog.main
    if main is None or main.done() or prog.aborted:
        return
    if prog.pending is not None:
        exc = prog.pending  # the first fatal error wins
    parked = prog.asleep.get(main)
    if parked is not None and not parked[0].done():
        prog.pending = None
        parked[0].set_exception(exc)
    else:
        prog.pending = exc
        main.cancel()


# --------------------------------------------------------------------------------------------------
# Deadlock detection
# --------------------------------------------------------------------------------------------------

_GatheringFuture = getattr(asyncio.tasks, "_GatheringFuture", None)


def _waits_for(task, prog):
    """What a sleeping task waits for, if it can only be woken by another goroutine, else None."""
    parked = prog.asleep.get(task)
    if parked is not None:
        _, what, chan = parked
        return f"{what} on {label(chan)}" if chan is not None else what
    waiting_on = getattr(task, "_fut_waiter", None)
    if isinstance(waiting_on, asyncio.Task):  # await other_goroutine
        return f"waiting for goroutine {waiting_on.get_name()!r}"
    if _GatheringFuture is not None and isinstance(waiting_on, _GatheringFuture):
        children = getattr(waiting_on, "_children", ())
        if all(c.done() or isinstance(c, asyncio.Task) for c in children):
            return "asyncio.gather of goroutines"
    return None  # waits for something else (a timer, IO, a thread, a plain future): not our business


def _only_idle_timers(loop):
    """Go 1.23: are all the loop's pending timers channel timers that nobody waits on? Then they
    cannot wake anyone, and the deadlock check runs as if no timer were pending."""
    timers = loop._chanlab.chan_timers
    if not timers or len(loop._scheduled) - loop._timer_cancelled_count > len(timers):
        return False  # some other timer (a sleep, a timeout, a callback) is pending
    return not any(ch.awaited() for ch in list(timers))


def check_deadlock(loop):
    """Called when the loop would sleep with no timer pending. Returns True if it raised a deadlock."""
    prog = loop._chanlab
    tasks = asyncio.all_tasks(loop)
    if not tasks:
        return False
    reasons = {}
    for task in tasks:
        reason = _waits_for(task, prog)
        if reason is None:
            return False
        reasons[task.get_name()] = reason
    if prog.closing or prog.aborted:
        # Shutting down, and goroutines that caught the cancellation went back to sleep: cancel
        # them again, a few times, then give up on them.
        prog.kicks += 1
        if prog.kicks > 3:
            loop.stop()
        else:
            for task in tasks:
                task.cancel()
        return True
    main = prog.main
    if main is None or main.done():
        return False
    err = DeadlockError("all goroutines are asleep - deadlock!")
    for name in sorted(reasons):
        add_note(err, f"goroutine {name!r} [{reasons[name]}]")
    raise_in_main(prog, err)
    return True


# --------------------------------------------------------------------------------------------------
# The event loops: real time and virtual time
# --------------------------------------------------------------------------------------------------


class _Selector(selectors.BaseSelector):
    """The loop's IO selector, wrapped so that the loop asks us before it sleeps."""

    def __init__(self):
        self._real = selectors.DefaultSelector()
        self.loop = None

    def register(self, fileobj, events, data=None):
        return self._real.register(fileobj, events, data)

    def unregister(self, fileobj):
        return self._real.unregister(fileobj)

    def modify(self, fileobj, events, data=None):
        return self._real.modify(fileobj, events, data)

    def get_key(self, fileobj):
        return self._real.get_key(fileobj)

    def get_map(self):
        return self._real.get_map()

    def close(self):
        self._real.close()

    def select(self, timeout=None):
        return self.loop._sleep(self._real, timeout)


class RealTimeLoop(asyncio.SelectorEventLoop):
    """An event loop that detects deadlocks: run()'s loop on the real clock."""

    virtual_time = False

    def __init__(self):
        selector = _Selector()
        super().__init__(selector)
        selector.loop = self
        self._chanlab = Program()

    def _sleep(self, real, timeout):
        """The loop wants to wait ``timeout`` seconds for IO (None: nothing else to do, ever)."""
        if timeout is not None and not (timeout > 0 and _only_idle_timers(self)):
            return real.select(timeout)
        events = real.select(0)
        if events or check_deadlock(self):
            return events
        if timeout is not None:
            return real.select(timeout)  # the timers nobody waits on; a thread or IO may come
        # Not a deadlock: something outside chanlab (a thread, IO) will wake us. Wait in slices.
        return real.select(_SLICE)


class VirtualTimeLoop(RealTimeLoop):
    """An event loop whose clock starts at 0.0 and jumps straight to the next timer.

    ``asyncio.sleep``, ``asyncio.wait_for``, ``asyncio.timeout``, ``loop.call_later``, ``after`` and
    ``tick`` all follow it. Real IO (and callbacks from threads) still works: the loop looks for it
    without waiting before every jump. What it cannot do is wait for a thread: while a timer is
    pending, the clock jumps to it instead of giving the thread time.
    """

    virtual_time = True

    def __init__(self):
        self._now = 0.0
        super().__init__()

    def time(self):
        return self._now

    def call_at(self, when, callback, *args, context=None):
        # Timers land on a nanosecond grid, so that 0.01 + 0.01 + 0.01 and 0.03 are the same
        # instant (on a virtual clock, float rounding must not decide who goes first).
        return super().call_at(round(when, 9), callback, *args, context=context)

    def _sleep(self, real, timeout):
        if timeout is None or timeout <= 0:
            return super()._sleep(real, timeout)
        events = real.select(0)
        if not events and _only_idle_timers(self) and check_deadlock(self):
            return events
        if not events:
            target = self._now + timeout
            if self._scheduled:  # land exactly on the next timer (no rounding drift)
                when = self._scheduled[0]._when
                if when <= target:
                    target = max(self._now, when)
            self._now = target
        return events
