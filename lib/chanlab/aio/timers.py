"""Go's ``time.After``, ``time.NewTimer``, ``time.Tick``, ``time.NewTicker`` and ``time.Sleep`` for
asyncio (Go 1.23+ semantics).

Go::

    select {
    case v := <-results:
    case <-time.After(2 * time.Second):     // give up after 2 s
    }
    t := time.NewTimer(time.Second); t.Stop(); t.Reset(time.Second)
    ticker := time.NewTicker(500 * time.Millisecond); defer ticker.Stop()
    for t := range time.Tick(500 * time.Millisecond) { ... }
    time.Sleep(100 * time.Millisecond)

chanlab.aio::

    s = await select(results.receiving(), after(2).receiving())
    t = Timer(1); t.stop(); t.reset(1)
    with Ticker(0.5) as ticker: ...
    async for t in tick(0.5): ...
    await sleep(0.1)

Times are the event loop's clock (``loop.time()``), which is virtual under
``run(..., virtual_time=True)``: there ``after(60)`` fires at once in wall time, at t = 60.0.

As in Go 1.23 (see :mod:`chanlab.timers` for the list): a timer's channel has ``len`` and ``cap``
0; ``stop()``/``reset()`` leave no stale value; a slow ticker receiver gets one late tick; a timer
whose channel nothing references stops; and a pending channel timer keeps ``run``'s deadlock
detector quiet only while a goroutine waits on its channel (a ``loop.call_later`` callback, Go's
``time.AfterFunc``, always does).
"""

import asyncio
import contextlib
import math
import weakref

from chanlab import args
from chanlab import timers as _threads
from chanlab import trace as _trace

from .chan import Chan
from .loop import program
from .park import record

__all__ = ["after", "tick", "Timer", "Ticker", "sleep"]


def _loop(fn):
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        raise RuntimeError(f"{fn}() needs a running event loop: call it inside a coroutine") from None


class _Alarm:
    """The pending loop callback of one timer channel, kept apart from the channel so that a
    finalizer can cancel it once the channel is gone."""

    __slots__ = ("handle",)

    def __init__(self):
        self.handle = None

    def cancel(self):
        if self.handle is not None:
            self.handle.cancel()
            self.handle = None


class _TimerChan(_threads.ReceiveOnly, Chan):
    """The channel of a Timer or Ticker (Go: ``t.C``, receive-only). ``len`` and ``cap`` are 0, as
    in Go 1.23; the one value kept for a slow receiver is out of sight and ``stop``/``reset`` take
    it back."""

    __slots__ = ("_alarm", "_period", "_loop", "_forever")
    _mu = contextlib.nullcontext()  # one thread: nothing to lock (the threads flavour locks here)

    def __init__(self, name, period):
        super().__init__(1, name=name)
        self._alarm = _Alarm()
        self._period = period
        self._loop = _loop(name.partition("(")[0])
        self._forever = False  # armed with an infinite delay: pending, never fires
        weakref.finalize(self, self._alarm.cancel)  # nobody can receive any more: stop (Go 1.23)

    def __repr__(self):
        return f"<timer channel {self.name!r} cap=0 len=0>"

    def awaited(self):
        """Is a goroutine parked on this channel (so that the timer may still wake it)?"""
        return any(not w.fut.done() for w in self._recvq)

    async def send(self, value, timeout=None):
        self.refuse("send to")

    def _arm(self, seconds):
        if seconds <= 0 and self._period is None:
            self._deliver()  # Go: a timer already expired is ready at once
        elif math.isinf(seconds):
            self._forever = True
        else:
            self._alarm.handle = self._loop.call_later(seconds, _ring, weakref.ref(self))
            self._book(True)

    def _disarm(self):
        """Stop, and take back a value nobody received; True if that stopped a pending timer or
        took back a value (Go 1.23's ``Stop`` result)."""
        stopped = self._alarm.handle is not None or self._forever
        self._alarm.cancel()
        self._forever = False
        self._book(False)
        return Chan.try_recv(self) is not None or stopped

    def _book(self, pending):
        """Tell run()'s deadlock detector which channel timers are pending (see aio.loop)."""
        prog = program(self._loop)
        if prog is not None:
            (prog.chan_timers.add if pending else prog.chan_timers.discard)(self)

    def _deliver(self):
        """Go's ``sendTime``: ``select { case c <- now: default: }``."""
        now = self._loop.time()
        if not Chan.try_send(self, now) and _trace.active is not None:
            record("drop", self.name, now)


def _ring(ref):
    ch = ref()
    if ch is None:
        return  # nobody holds the channel any more: nobody can receive the value
    ch._deliver()
    if ch._period is None:
        ch._alarm.handle = None
        ch._book(False)
        return
    now = ch._loop.time()
    when = ch._alarm.handle.when() + ch._period
    if when <= now:  # the loop was late: skip the ticks that were missed, as Go's ticker does
        when += ch._period * (math.floor((now - when) / ch._period) + 1)
    ch._alarm.handle = ch._loop.call_at(when, _ring, ref)


class Timer(_threads.Timer):
    """``t := time.NewTimer(d)``: ``t.c`` receives the loop time once, ``seconds`` from now; ``stop()``
    and ``reset(seconds)`` as in :class:`chanlab.Timer` (Go 1.23). Make it inside a coroutine: it
    belongs to the running loop."""

    __slots__ = ()
    _chan_type = _TimerChan
    _label = "time.NewTimer({:g})"


class Ticker(_threads.Ticker):
    """``time.NewTicker(d)``: ``ticker.c`` receives the loop time every ``seconds``; ``stop()`` and
    ``reset(seconds)`` as in :class:`chanlab.Ticker`. A slow receiver is handed one missed tick,
    late; the others are dropped (each drop is a ``drop`` event in the active trace)."""

    __slots__ = ()
    _chan_type = _TimerChan
    _label = "time.NewTicker({:g})"


def after(seconds):
    """``time.After(d)``: the channel of a timer that receives the loop time once, ``seconds``
    from now. Zero or negative ``seconds`` are ready at once, as in Go; ``math.inf`` never fires."""
    seconds = _threads.duration(seconds, "after(seconds)")
    return _threads.start(_TimerChan, f"time.After({seconds:g})", seconds)


def tick(seconds):
    """``time.Tick(d)``: the channel of a ticker you cannot stop; it stops when its loop closes or
    when nothing refers to the channel any more. Raises ``ValueError`` unless ``seconds > 0``."""
    seconds = _threads.period(seconds, "tick(seconds)")
    return _threads.start(_TimerChan, f"time.Tick({seconds:g})", seconds, seconds)


async def sleep(seconds):
    """``time.Sleep(d)``: pause this goroutine (only this one: never use ``time.sleep`` in async
    code, it stops every goroutine). Zero or negative ``seconds`` return at once, as in Go."""
    args.number(seconds, "seconds", finite=False)  # math.inf: sleep forever
    await asyncio.sleep(seconds)
