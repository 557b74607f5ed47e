"""``time.After`` and ``time.Tick`` / ``time.NewTicker`` for threads.

Go::

    select {
    case v := <-results:
        fmt.Println(v)
    case <-time.After(500 * time.Millisecond):
        fmt.Println("timeout")
    }

    ticker := time.NewTicker(100 * time.Millisecond)
    defer ticker.Stop()
    for t := range ticker.C { ... }

chanlab::

    sel = select(results.receiving(), after(0.5).receiving())
    if sel.index == 1:
        print("timeout")

    ticker = Ticker(0.1)
    try:
        for t in ticker.c: ...
    finally:
        ticker.stop()

Each channel receives ``time.monotonic()`` at the moment it fires (Go sends a ``time.Time``).
All timers are served by one daemon thread, ``chanlab-timers`` (Go: the runtime's timer heap).
A ticker's channel holds one tick; when the receiver is slow, further ticks are dropped, as in Go.
As in Go 1.23, a timer or ticker whose channel is no longer referenced stops by itself.
While any timer is pending, the deadlock detector stays quiet: the timer may still wake someone.
"""
import heapq
import itertools
import math
import sys
import threading
import time
import weakref

from . import trace as _trace
from .chan import Chan
from .errors import ClosedChannelError
from .runtime import sched

__all__ = ["after", "tick", "Ticker", "schedule", "cancel"]


class _Timer:
    __slots__ = ("when", "seq", "fire", "period", "active")

    def __init__(self, when, seq, fire, period):
        self.when, self.seq, self.fire, self.period, self.active = when, seq, fire, period, True

    def __lt__(self, other):
        return (self.when, self.seq) < (other.when, other.seq)


_cond = threading.Condition()
_heap = []
_seq = itertools.count()
_thread = None


def _check_seconds(seconds, what):
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or math.isnan(seconds):
        raise TypeError(f"{what} takes a number of seconds, not {seconds!r}")
    return float(seconds)


def schedule(delay, fire, period=None):
    """Call ``fire()`` from the timer thread after ``delay`` seconds (then every ``period`` seconds
    while it returns True). Returns a handle for :func:`cancel`. ``fire`` must never block."""
    global _thread
    timer = _Timer(time.monotonic() + max(delay, 0.0), next(_seq), fire, period)
    with _cond:
        heapq.heappush(_heap, timer)
        sched.timers += 1
        if _thread is None:
            _thread = threading.Thread(target=_serve, name="chanlab-timers", daemon=True)
            sched.quiet.add(_thread)
            _thread.start()
        _cond.notify()
    return timer


def cancel(timer):
    """Stop a timer made by :func:`schedule`; True if it had not fired (or, periodic, was running)."""
    with _cond:
        if not timer.active:
            return False
        timer.active = False
        sched.timers -= 1
        try:
            _heap.remove(timer)
            heapq.heapify(_heap)
        except ValueError:
            pass  # firing right now; the serving thread sees it is inactive
        return True


def _serve():
    with _cond:
        while True:
            if not _heap:
                _cond.wait()
                continue
            timer = _heap[0]
            delay = timer.when - time.monotonic()
            if delay > 0:
                _cond.wait(delay)
                continue
            heapq.heappop(_heap)
            _cond.release()
            try:
                again = timer.fire()
            except Exception as exc:  # a timer callback must never kill the timer thread
                again = False
                print(f"chanlab timer callback failed: {exc!r}", file=sys.stderr)
            finally:
                _cond.acquire()
            if not timer.active:
                continue
            if again and timer.period:
                now = time.monotonic()
                timer.when += timer.period
                if timer.when <= now:  # we fell behind: skip the missed ticks, as Go does
                    timer.when = now + timer.period
                heapq.heappush(_heap, timer)
            else:
                timer.active = False
                sched.timers -= 1  # only now: the value has been delivered, nobody is left asleep


def _offer(ch, now):
    """Go's ``sendTime``: ``select { case c <- now: default: }``; False if the value was dropped
    (no room, or the channel was closed by hand: a timer never panics)."""
    try:
        return ch.try_send(now)
    except ClosedChannelError:
        return False


def _channel_timer(ch, delay, period):
    ref = weakref.ref(ch)

    def fire():
        c = ref()
        if c is None:
            return False
        tr = _trace.active
        if not _offer(c, time.monotonic()) and tr is not None:
            tr.record(tr.real_time(), "timer", "drop", c.name, "tick")
        return True

    timer = schedule(delay, fire, period)
    weakref.finalize(ch, cancel, timer)  # nobody can receive any more: stop (Go 1.23)
    return timer


def after(seconds):
    """``time.After(d)``: a channel that receives the time once, ``seconds`` from now.

    ``after(0)`` (or less) fires at once, as in Go.
    """
    seconds = _check_seconds(seconds, "after()")
    ch = Chan(1, name=f"after({seconds:g}s)")
    _channel_timer(ch, seconds, None)
    return ch


class Ticker:
    """``time.NewTicker(d)``: ``ticker.c`` receives the time every ``seconds``; ``stop()`` ends it."""

    def __init__(self, seconds):
        seconds = _check_seconds(seconds, "Ticker()")
        if seconds <= 0:
            raise ValueError(f"a ticker's period must be > 0 seconds, got {seconds} (Go panics: non-positive interval for NewTicker)")
        self.c = Chan(1, name=f"tick({seconds:g}s)")
        self._timer = _channel_timer(self.c, seconds, seconds)

    def stop(self):
        """``ticker.Stop()``: no more ticks. (The channel is not closed, as in Go.)"""
        cancel(self._timer)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def tick(seconds):
    """``time.Tick(d)``: the channel of a ticker you cannot stop; it stops when the channel is dropped."""
    return Ticker(seconds).c
