"""``time.After``, ``time.NewTimer``, ``time.Tick`` and ``time.NewTicker`` for threads (Go 1.23+).

Go::

    select {
    case v := <-results:
        fmt.Println(v)
    case <-time.After(500 * time.Millisecond):
        fmt.Println("timeout")
    }

    t := time.NewTimer(time.Second)
    if t.Stop() { ... }             // stopped before anyone received its value
    t.Reset(2 * time.Second)

    ticker := time.NewTicker(100 * time.Millisecond)
    defer ticker.Stop()
    for t := range ticker.C { ... }

chanlab::

    sel = select(results.receiving(), after(0.5).receiving())
    if sel.index == 1:
        print("timeout")

    t = Timer(1.0)
    if t.stop(): ...
    t.reset(2.0)

    with Ticker(0.1) as ticker:
        for t in ticker.c: ...

Each channel receives ``time.monotonic()`` at the moment it fires (Go sends a ``time.Time``).
All timers are served by one daemon thread, ``chanlab-timers`` (Go: the runtime's timer heap).

What Go 1.23 changed, and chanlab follows (a ``%%go`` cell has no go.mod, so Go runs it with
these rules too):

* a timer's channel is synchronous: ``len(t.c)`` and ``t.c.cap`` are 0, even after it fired and
  nobody received;
* after ``stop()`` or ``reset()`` returns, no stale value can be received; ``stop()`` returns True
  unless the value was already received (or the timer was already stopped);
* a slow ticker receiver is handed one missed tick, late; the ticks after it are dropped;
* ``after(0)`` (or a negative duration) is ready at once;
* a timer or ticker whose channel nothing references any more stops by itself (``tick`` no
  longer leaks);
* a channel timer keeps the deadlock detector quiet only while some goroutine waits on its
  channel (an ``after(3600)`` kept in a variable no longer hides a deadlock); a callback timer
  (:func:`schedule`, Go's ``time.AfterFunc``) always does.
"""
import heapq
import itertools
import math
import sys
import threading
import time
import weakref

from . import args
from . import trace as _trace
from .chan import Chan
from .runtime import sched

__all__ = ["after", "tick", "Timer", "Ticker", "schedule", "cancel"]


class _Entry:
    """One entry of the timer heap (Go: ``runtime.timer``). ``chan`` is a weak reference to the
    channel of a channel timer (None for a callback timer)."""

    __slots__ = ("when", "seq", "fire", "period", "active", "chan")

    def __init__(self, when, seq, fire, period, chan):
        self.when, self.seq, self.fire, self.period, self.chan = when, seq, fire, period, chan
        self.active = True

    def __lt__(self, other):
        return (self.when, self.seq) < (other.when, other.seq)

    def awaited(self):
        """Does a goroutine wait on this channel timer's channel (so that it may still wake one)?"""
        c = self.chan()
        return c is not None and c.awaited()


_cond = threading.Condition()
_heap = []
_seq = itertools.count()
_thread = None


def _count(entry, delta):
    """Book a pending timer for the deadlock detector (``runtime.sched``): a callback timer always
    counts; a channel timer counts only while someone waits on its channel (Go 1.23)."""
    if entry.chan is None:
        sched.timers += delta
    elif delta > 0:
        sched.chan_timers.add(entry)
    else:
        sched.chan_timers.discard(entry)


def schedule(delay, fire, period=None, *, chan=None):
    """Call ``fire()`` from the timer thread after ``delay`` seconds (then every ``period`` seconds
    while it returns True). Returns a handle for :func:`cancel`. ``fire`` must never block.

    Go: ``time.AfterFunc(d, f)``. While it is pending, the deadlock detector stays quiet (``f``
    may still wake someone). ``chan`` (a weak reference) marks the timer of a channel instead.
    """
    global _thread
    delay = min(max(delay, 0.0), threading.TIMEOUT_MAX)
    entry = _Entry(time.monotonic() + delay, next(_seq), fire, period, chan)
    with _cond:
        heapq.heappush(_heap, entry)
        _count(entry, +1)
        if _thread is None:
            _thread = threading.Thread(target=_serve, name="chanlab-timers", daemon=True)
            sched.quiet.add(_thread)
            _thread.start()
        _cond.notify()
    return entry


def cancel(entry):
    """Stop a timer made by :func:`schedule`; True if it had not fired (or, periodic, was running)."""
    with _cond:
        if not entry.active:
            return False
        entry.active = False
        _count(entry, -1)
        try:
            _heap.remove(entry)
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
            entry = _heap[0]
            delay = entry.when - time.monotonic()
            if delay > 0:
                _cond.wait(delay)
                continue
            heapq.heappop(_heap)
            _cond.release()
            try:
                again = entry.fire()
            except Exception as exc:  # a timer callback must never kill the timer thread
                again = False
                print(f"chanlab timer callback failed: {exc!r}", file=sys.stderr)
            finally:
                _cond.acquire()
            if not entry.active:
                continue
            if again and entry.period:
                now = time.monotonic()
                entry.when += entry.period
                if entry.when <= now:  # we fell behind: skip the missed ticks, as Go does
                    entry.when += entry.period * (math.floor((now - entry.when) / entry.period) + 1)
                heapq.heappush(_heap, entry)
            else:
                entry.active = False
                _count(entry, -1)  # only now: the value has been delivered


class ReceiveOnly:
    """What a receive-only channel (Go: ``<-chan T``, such as a timer's ``C``) refuses: Go rejects
    a send or a close at compile time; chanlab raises ``TypeError``. ``len`` and ``cap`` are 0, as
    in Go 1.23: the one value a timer may hold for a slow receiver is out of sight. Shared with
    chanlab.aio."""

    __slots__ = ()

    def __len__(self):
        return 0

    @property
    def cap(self):
        return 0

    def refuse(self, what):
        raise TypeError(f"cannot {what} {self.name}: a timer's channel is receive-only (Go: invalid "
                        f"operation: cannot {what} receive-only channel); stop or reset the timer")

    def try_send(self, value):
        self.refuse("send to")

    def sending(self, value):
        self.refuse("send to")

    def close(self):
        self.refuse("close")


class _TimerChan(ReceiveOnly, Chan):
    """The channel of a Timer or Ticker (Go: ``t.C``, a ``<-chan time.Time``): receive from it
    only. ``len`` and ``cap`` are 0, as in Go 1.23: the one value a timer may hold for a slow
    receiver is kept out of sight, and ``stop``/``reset`` take it back."""

    __slots__ = ("_mu", "_gen", "_pending", "_period", "_forever")

    def __init__(self, name, period):
        super().__init__(1, name=name)
        self._mu = threading.Lock()  # held while arming, firing and stopping (never while waiting)
        self._gen = 0  # Go's timer seq: a firing that belongs to an earlier arming is dropped
        self._pending = [None]  # the heap entry while the timer is pending (a list: see below)
        self._period = period
        self._forever = False  # armed with an infinite delay: pending, but never fires
        # Nobody can receive any more: stop the timer (Go 1.23). The finalizer holds the list,
        # not the channel, so that the channel can be collected.
        weakref.finalize(self, _cancel_pending, self._pending)

    def __repr__(self):
        return f"<timer channel {self.name!r} cap=0 len=0, {len(self._recvq)} receivers waiting>"

    def awaited(self):
        """Is a goroutine waiting to receive from this channel?"""
        return bool(self._recvq)

    def send(self, value, timeout=None):
        self.refuse("send to")

    # --- with self._mu held ---------------------------------------------------------------------
    def _arm(self, seconds):
        self._gen += 1
        if seconds <= 0 and self._period is None:
            self._deliver()  # Go: a timer already expired is ready at once
            return
        if math.isinf(seconds):
            self._forever = True
            return
        ref = weakref.ref(self)
        self._pending[0] = schedule(seconds, _Ring(ref, self._gen), self._period, chan=ref)

    def _disarm(self):
        """Stop, and take back a value nobody has received. True if that stopped a pending timer
        or took back a value (Go 1.23's ``Stop`` result)."""
        self._gen += 1
        entry, self._pending[0] = self._pending[0], None
        stopped = (entry is not None and cancel(entry)) or self._forever
        self._forever = False
        return Chan.try_recv(self) is not None or stopped

    def _deliver(self):
        """Go's ``sendTime``: ``select { case c <- now: default: }``."""
        if not Chan.try_send(self, time.monotonic()):
            tr = _trace.active
            if tr is not None:
                tr.record(tr.real_time(), "timer", "drop", self.name, "tick")



def _cancel_pending(pending):
    entry = pending[0]
    if entry is not None:
        cancel(entry)


class _Ring:
    """The callback of a channel timer's heap entry: holds its channel only weakly, so that a
    channel nobody references is collected and its timer stopped (Go 1.23)."""

    __slots__ = ("ref", "gen")

    def __init__(self, ref, gen):
        self.ref, self.gen = ref, gen

    def __call__(self):
        c = self.ref()
        if c is None:
            return False
        with c._mu:
            if c._gen != self.gen:
                return False  # stopped or reset since: a stale firing sends nothing
            c._deliver()
            if c._period is None:
                c._pending[0] = None  # fired: stop() now returns True only if the value is still there
            return True


def duration(seconds, name):
    """A Go duration in seconds: any number (negative: already expired; ``math.inf``: never).
    Shared with :mod:`chanlab.aio.timers`."""
    return args.number(seconds, name, finite=False)


def period(seconds, name):
    """A ticker's period: a number of seconds > 0 (Go panics on a non-positive interval)."""
    seconds = args.number(seconds, name, finite=False)
    if seconds <= 0:
        raise ValueError(f"{name} must be a number > 0 s, got {seconds:g} "
                         "(Go panics: non-positive interval for NewTicker)")
    return seconds


def start(chan_type, name, seconds, every=None):
    """A new timer channel of ``chan_type`` named ``name``, armed to fire in ``seconds`` (then
    every ``every`` seconds). Shared with :mod:`chanlab.aio.timers`, whose channel type differs."""
    c = chan_type(name, every)
    with c._mu:
        c._arm(seconds)
    return c


class Timer:
    """``t := time.NewTimer(d)``: ``t.c`` receives the time once, ``seconds`` from now.

    Go 1.23 semantics: ``len(t.c)`` and ``t.c.cap`` are 0; after ``stop()`` or ``reset()`` returns,
    no stale value can be received from ``t.c``.
    """

    __slots__ = ("c",)
    _chan_type = _TimerChan  # (chanlab.aio.timers.Timer changes these two)
    _label = "timer({:g}s)"

    def __init__(self, seconds):
        seconds = duration(seconds, "Timer(seconds)")
        self.c = start(self._chan_type, self._label.format(seconds), seconds)

    def stop(self):
        """``t.Stop()``: the timer will not fire. Returns True if this call stopped it, False if it
        had already been stopped or its value had already been received (Go 1.23: a value that
        fired but was not received is taken back, and that counts as stopping it)."""
        with self.c._mu:
            return self.c._disarm()

    def reset(self, seconds):
        """``t.Reset(d)``: stop the timer (taking back a value nobody received) and start it again,
        to fire ``seconds`` from now. Returns what ``stop()`` would have returned."""
        seconds = duration(seconds, "Timer.reset(seconds)")
        with self.c._mu:
            active = self.c._disarm()
            self.c._arm(seconds)
        return active

    def __repr__(self):
        return f"<Timer {self.c.name!r}>"


class Ticker:
    """``time.NewTicker(d)``: ``ticker.c`` receives the time every ``seconds``; ``stop()`` ends it.

    A slow receiver is handed one missed tick, late; the others are dropped (each drop is a
    ``drop`` event in the active trace).
    """

    __slots__ = ("c",)
    _chan_type = _TimerChan  # (chanlab.aio.timers.Ticker changes these two)
    _label = "tick({:g}s)"

    def __init__(self, seconds):
        seconds = period(seconds, "Ticker(seconds)")
        self.c = start(self._chan_type, self._label.format(seconds), seconds, seconds)

    def stop(self):
        """``ticker.Stop()``: no more ticks, and no tick left to receive. (The channel is not
        closed, as in Go.)"""
        with self.c._mu:
            self.c._disarm()

    def reset(self, seconds):
        """``ticker.Reset(d)``: stop, then tick every ``seconds`` from now."""
        seconds = period(seconds, "Ticker.reset(seconds)")
        with self.c._mu:
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
    """``time.After(d)``: the channel of a timer, receiving the time once, ``seconds`` from now.

    ``after(0)`` (or less) is ready at once, as in Go; ``after(math.inf)`` never fires.
    """
    seconds = duration(seconds, "after(seconds)")
    return start(_TimerChan, f"after({seconds:g}s)", seconds)


def tick(seconds):
    """``time.Tick(d)``: the channel of a ticker you cannot stop; it stops when the channel is dropped."""
    return Ticker(seconds).c
