"""The small part of Go's runtime that chanlab needs, for threads.

Go's runtime keeps a record for every goroutine (a ``g``); a goroutine that must wait on a channel
puts a ``sudog`` ("g waiting on something") in the channel's queue and *parks*; whoever completes
the operation writes the result into the waiter's record and makes it runnable again (``goready``).
chanlab does the same with threads:

=========================  ===============================================================
Go runtime                 chanlab.runtime
=========================  ===============================================================
``g``                      :class:`G`, one per thread that has blocked in chanlab
``sudog``                  :class:`Sudog`, one entry in a channel's queue of waiters
``gopark`` / ``goready``   ``G.park.acquire()`` / ``G.park.release()`` (a per-thread lock
                           used as a binary semaphore, made once and reused)
``selectDone``             ``G.claim``: the first peer to take it completes the select
``checkdead()``            :func:`deadlocked`, run by a waiting main thread every 50 ms
a panic ends the program   :func:`take_panic`: a goroutine's exception surfaces in the main
                           thread's next (or current) wait
=========================  ===============================================================

Goroutines (threads started by :func:`chanlab.go`) park with a plain blocking ``acquire``. Any
other thread -- in practice the main thread of a script or a notebook cell -- waits in 50 ms
slices, so that it can notice a deadlock or a goroutine's panic, and so that a kernel interrupt
stops it at once.
"""

import _thread
import threading
import time
import weakref
from collections import deque

from . import trace as _trace
from .errors import DeadlockError, PanicError, add_note

__all__ = ["G", "Sudog", "current_g", "block", "will_park", "ready", "deadlocked", "take_panic", "sched"]

#: How long a non-goroutine thread waits between two looks for a deadlock or a panic (seconds).
POLL = 0.05


class _Sched:
    """Global counters (Go: ``runtime.sched``)."""

    def __init__(self):
        self.epoch = 0  # bumped whenever a thread goes to sleep: a deadlock needs two equal looks
        self.timers = 0  # callback timers that will still fire (time.AfterFunc, context deadlines)
        # pending channel timers (time.After, NewTimer, tickers): as in Go 1.23, one counts only
        # while a goroutine waits on its channel (each has ``awaited()``)
        self.chan_timers = set()
        self.gs = {}  # threading.Thread -> G, for every thread that is a goroutine or has waited
        self.panics = deque()  # goroutines that ended with an exception nobody has seen yet
        self.quiet = set()  # chanlab's own threads (the timer thread): covered by `timers` instead


sched = _Sched()


class G:
    """What chanlab knows about one thread (Go: ``runtime.g``)."""

    __slots__ = ("thread", "name", "goroutine", "park", "claim", "blocked", "sudog",
                 "index", "value", "ok", "waiting")

    def __init__(self, thread, goroutine=False):
        self.thread = thread
        self.name = thread.name
        self.goroutine = goroutine
        self.park = _thread.allocate_lock()  # held while the thread runs; released to wake it
        self.park.acquire()
        self.claim = _thread.allocate_lock()  # taken by the one peer that completes a select
        self.blocked = False  # waiting in chanlab with no timeout: what checkdead counts
        self.sudog = Sudog(self, None, 0, False)  # reused by plain send/recv (one wait at a time)
        self.index = 0  # written by the peer that wakes us: which case, which value, ok
        self.value = None
        self.ok = True
        self.waiting = None  # what it waits on, for traces and deadlock reports: "chan receive on jobs"


class Sudog:
    """One waiter in a channel's queue (Go: ``runtime.sudog``)."""

    __slots__ = ("g", "elem", "index", "sel", "done")

    def __init__(self, g, elem, index, sel):
        self.g = g
        self.elem = elem  # the value a sender offers
        self.index = index  # the select case this entry stands for
        self.sel = sel  # part of a select: a peer must win g.claim first
        self.done = False  # a peer took this entry off the queue and completed it


def current_g():
    """The :class:`G` of the calling thread, made on first use."""
    t = threading.current_thread()
    g = sched.gs.get(t)
    if g is None:
        for old in [old for old, og in list(sched.gs.items()) if not og.goroutine and not old.is_alive()]:
            sched.gs.pop(old, None)  # threads that have ended can wake nobody
        g = sched.gs[t] = G(t)
    return g


def ready(g, index, value, ok):
    """Complete ``g``'s wait and wake it (Go: ``goready(gp)``, after the value has been copied
    into the waiter's record).

    Call it with the lock of the channel (or WaitGroup) held, where ``g`` queued itself: a waiter
    that then fails to withdraw under that same lock knows its wake-up has been posted.
    """
    g.index = index
    g.value = value
    g.ok = ok
    g.blocked = False
    g.park.release()
    t = threading.current_thread()
    if t not in sched.gs and t not in sched.quiet:
        current_g()  # whoever wakes a thread takes part: the deadlock detector must see it


def will_park(g, timeout):
    """``g`` has queued itself and is about to park (call under the same lock, before ready() can
    run): without a timeout it now counts as blocked for the deadlock detector."""
    if timeout is None:
        g.blocked = True
        sched.epoch += 1


def take_panic():
    """Raise :class:`PanicError` for a goroutine that ended with an exception nobody has seen."""
    try:
        gr = sched.panics.popleft()
    except IndexError:
        return
    err = PanicError(gr.name, gr.exception)
    err.source = gr  # to put it back if a completed operation wins the race
    raise err from gr.exception


# Daemon threads that were already running when chanlab was imported (in a notebook: the kernel's
# own threads) are assumed to take no part in a chanlab program until they wake or wait for one of
# its goroutines (then they are registered). A daemon thread started before chanlab was imported
# that will later send on a channel can therefore make a wait look like a deadlock: start such
# threads after importing chanlab, or with go(). The same holds for threads started with
# _thread.start_new_thread or by C extensions.
_before_chanlab = weakref.WeakSet(threading.enumerate())

# Daemon threads of the notebook machinery, started at any time, that run no chanlab program of
# yours: ipykernel's own threads (control, IOPub, and the subshell threads that ipykernel 7 starts
# when a frontend shows a widget; they mark themselves ``is_pydev_daemon_thread``), pyzmq's garbage
# collector and IPython's history saver. Were they counted, one of them started after
# ``import chanlab`` (a widget shown, a kernel client in a test) would hide every later deadlock.
_MACHINERY = {"GarbageCollectorThread", "HistorySavingThread"}


def _machinery(t):
    """Is ``t`` a daemon thread of Jupyter's own machinery (see above)?"""
    return t.daemon and (getattr(t, "is_pydev_daemon_thread", False)
                         or type(t).__name__ in _MACHINERY)


def deadlocked(me):
    """Go's ``checkdead``: is every other thread that could act waiting forever in chanlab?

    True only when no callback timer is pending and nobody waits on a pending channel timer; every goroutine, and every other thread that has waited in
    chanlab, is blocked in chanlab without a timeout; and no other thread is alive that might be
    about to send (any thread we do not know, except daemon threads that were already running when
    chanlab was imported, such as a notebook kernel's own). When in doubt, the answer is False.
    """
    epoch = sched.epoch
    if sched.timers or not me.blocked or _timer_awaited():
        return False
    for t, g in list(sched.gs.items()):
        if g is me:
            continue
        if not g.goroutine and not t.is_alive():
            sched.gs.pop(t, None)  # a thread that has ended can wake nobody
            continue
        if not g.blocked:
            return False
    for t in threading.enumerate():
        if t is me.thread or t in sched.gs or t in sched.quiet or t.name.startswith("chanlab"):
            continue
        if not t.daemon or (t not in _before_chanlab and not _machinery(t)):
            return False  # a thread we do not know: it might be about to send
    return sched.epoch == epoch and not sched.timers and me.blocked and not _timer_awaited()


def _timer_awaited():
    """Go 1.23: is a goroutine waiting on the channel of a pending timer (which may wake it)?"""
    return any(entry.awaited() for entry in list(sched.chan_timers))


def _deadlock_error(me):
    """Go's message, with a note per goroutine saying what it waits on (as Go's dump does)."""
    err = DeadlockError("all goroutines are asleep - deadlock!")
    for g in [me] + [g for g in list(sched.gs.values()) if g is not me and g.blocked]:
        add_note(err, f"goroutine {g.name!r} [{g.waiting}]")
    return err


def _park(g, timeout):
    """Sleep until a peer wakes ``g`` (True) or ``timeout`` seconds pass (False)."""
    if g.goroutine:
        if timeout is None:
            g.park.acquire()
            return True
        return g.park.acquire(True, timeout)
    # Not a goroutine (the main thread, or a thread you started yourself): wait in slices.
    deadline = None if timeout is None else time.monotonic() + timeout
    strikes = 0
    while True:
        if sched.panics:
            take_panic()
        if deadline is None:
            wait = POLL
        else:
            wait = min(POLL, deadline - time.monotonic())
            if wait <= 0:
                return False
        if g.park.acquire(True, wait):
            return True
        if deadline is None:
            # two looks in a row, 50 ms apart, with nothing going to sleep in between
            strikes = strikes + 1 if deadlocked(g) else 0
            if strikes >= 2:
                raise _deadlock_error(g)


def block(g, timeout, withdraw, chan=None, reason="chan receive"):
    """Park ``g``, which has queued itself and called :func:`will_park` under a lock it has since
    released.

    Returns True once a peer has completed the operation, False when ``timeout`` passed first.
    On a timeout, a deadlock, a panic or an interrupt it calls ``withdraw()``, which takes the
    waiter off its queues under the lock and returns True, or returns False when a peer has already
    completed the operation (and so, under that lock, posted the wake-up) -- then the operation
    stands, as in Go, and its result is returned. An interrupt that loses that race is raised again
    right after (``_thread.interrupt_main``), so it lands just after the completed operation.
    ``reason`` is Go's name for the wait (``chan receive``, ``chan send``, ``select``,
    ``sync.WaitGroup.Wait``): traces and deadlock reports show it.
    """
    g.waiting = reason if chan is None else f"{reason} on {chan}"
    tr = _trace.active
    if tr is not None:
        tr.record(tr.real_time(), g.name, "block", chan, reason)
    try:
        woken = _park(g, timeout)
        exc = None
    except BaseException as e:  # DeadlockError, PanicError, KeyboardInterrupt
        woken, exc = False, e
    if not woken:
        if withdraw():
            g.blocked = False
            if tr is not None:
                tr.record(tr.real_time(), g.name, "unblock", chan, reason)
            if exc is not None:
                raise exc
            return False
        # A peer completed the operation first and has posted the wake-up: take it, unless the
        # acquire that an interrupt cut short had taken it already.
        g.park.acquire(False)
        if isinstance(exc, KeyboardInterrupt):
            _thread.interrupt_main()  # the operation completed; the interrupt comes right after
        elif isinstance(exc, PanicError):
            sched.panics.appendleft(exc.source)  # raised at the next wait instead
    g.blocked = False
    if tr is not None:
        tr.record(tr.real_time(), g.name, "unblock", chan, reason)
    return True
