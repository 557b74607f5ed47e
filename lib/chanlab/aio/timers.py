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
import math
import weakref

from chanlab import args
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


class _TimerChan(Chan):
    """The channel of a Timer or Ticker (Go: ``t.C``, receive-only). ``len`` and ``cap`` are 0, as
    in Go 1.23; the one value kept for a slow receiver is out of sight and ``stop``/``reset`` take
    it back."""

    __slots__ = ("_alarm", "_period", "_loop", "_forever")

    def __init__(self, name, period, loop):
        super().__init__(1, name=name)
        self._alarm = _Alarm()
        self._period = period
        self._loop = loop
        self._forever = False  # armed with an infinite delay: pending, never fires
        weakref.finalize(self, self._alarm.cancel)  # nobody can receive any more: stop (Go 1.23)

    def __len__(self):
        return 0

    @property
    def cap(self):
        return 0

    def __repr__(self):
        return f"<timer channel {self.name!r} cap=0 len=0>"

    def awaited(self):
        """Is a goroutine parked on this channel (so that the timer may still wake it)?"""
        return any(not w.fut.done() for w in self._recvq)

    async def send(self, value, timeout=None):
        raise TypeError(f"cannot send to {self.name}: a timer's channel is receive-only (Go: "
                        "invalid operation: cannot send to receive-only channel)")

    def try_send(self, value):
        raise TypeError(f"cannot send to {self.name}: a timer's channel is receive-only")

    def sending(self, value):
        raise TypeError(f"cannot send to {self.name}: a timer's channel is receive-only")

    def close(self):
        raise TypeError(f"cannot close {self.name}: a timer's channel is receive-only (Go: "
                        "invalid operation: cannot close receive-only channel); stop the timer")

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


def _duration(seconds, name):
    return args.number(seconds, name, finite=False)


def _period(seconds, name):
    seconds = args.number(seconds, name, finite=False)
    if seconds <= 0:
        raise ValueError(f"{name} must be a number > 0 s, got {seconds:g} "
                         "(Go panics: non-positive interval for NewTicker)")
    return seconds


def _start_timer(seconds, what, label):
    seconds = _duration(seconds, f"{what}(seconds)")
    ch = _TimerChan(f"{label}({seconds:g})", None, _loop(what))
    ch._arm(seconds)
    return ch


class Timer:
    """``t := time.NewTimer(d)``: ``t.c`` receives the loop time once, ``seconds`` from now.
    Make it inside a coroutine (it belongs to the running loop)."""

    __slots__ = ("c",)

    def __init__(self, seconds):
        self.c = _start_timer(seconds, "Timer", "time.NewTimer")

    def stop(self):
        """``t.Stop()``: True if this call stopped the timer, False if it was already stopped or
        its value was already received (Go 1.23)."""
        return self.c._disarm()

    def reset(self, seconds):
        """``t.Reset(d)``: stop (taking back a value nobody received), then fire ``seconds`` from
        now. Returns what ``stop()`` would have returned."""
        seconds = _duration(seconds, "Timer.reset(seconds)")
        active = self.c._disarm()
        self.c._arm(seconds)
        return active

    def __repr__(self):
        return f"<Timer {self.c.name!r}>"


class Ticker:
    """``time.NewTicker(d)``: ``ticker.c`` receives the loop time every ``seconds``; ``stop()``
    ends it. A slow receiver is handed one missed tick, late; the others are dropped (each drop is
    a ``drop`` event in the active trace)."""

    __slots__ = ("c",)

    def __init__(self, seconds):
        seconds = _period(seconds, "Ticker(seconds)")
        self.c = _TimerChan(f"time.NewTicker({seconds:g})", seconds, _loop("Ticker"))
        self.c._arm(seconds)

    def stop(self):
        """``ticker.Stop()``: no more ticks, and none left to receive (the channel stays open)."""
        self.c._disarm()

    def reset(self, seconds):
        """``ticker.Reset(d)``: stop, then tick every ``seconds`` from now."""
        seconds = _period(seconds, "Ticker.reset(seconds)")
        self.c._disarm()
        self.c._period = seconds
        self.c._arm(seconds)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def __repr__(self):
        return f"<Ticker {self.c.name!r}>"


def after(seconds):
    """``time.After(d)``: the channel of a timer that receives the loop time once, ``seconds``
    from now. Zero or negative ``seconds`` are ready at once, as in Go; ``math.inf`` never fires."""
    return _start_timer(seconds, "after", "time.After")


def tick(seconds):
    """``time.Tick(d)``: the channel of a ticker you cannot stop; it stops when its loop closes or
    when nothing refers to the channel any more. Raises ``ValueError`` unless ``seconds > 0``."""
    seconds = _period(seconds, "tick(seconds)")
    ch = _TimerChan(f"time.Tick({seconds:g})", seconds, _loop("tick"))
    ch._arm(seconds)
    return ch


async def sleep(seconds):
    """``time.Sleep(d)``: pause this goroutine (only this one: never use ``time.sleep`` in async
    code, it stops every goroutine)."""
    await asyncio.sleep(seconds)
