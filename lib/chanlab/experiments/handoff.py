"""What one hand-off between two threads costs, across cores and on one core.

Under the GIL, a rendezvous between two threads needs one thread switch per message: the sender
hands its value to a parked receiver, then parks; ``queue.Queue(1)`` needs two. A switch is
putting one thread to sleep and waking the other, and when the other sleeps on *another core* the
wake-up crosses cores (an inter-processor interrupt, a cold cache), which costs several times a
switch on the same core. Go's scheduler avoids exactly that cost: a goroutine woken by a channel
operation is put in its P's ``runnext`` slot and runs next on the same thread::

    ch := make(chan int)       // the woken receiver runs next on this P, no cross-core wake-up
    go func() { for range ch {} }()
    for i := 0; i < n; i++ { ch <- i }

:func:`switch_cost` measures, with two threads left where the OS puts them (on a machine with two
idle cores, mostly one on each) or both pinned to one core by ``os.sched_setaffinity`` (Linux; on
other systems the threads stay unpinned, and the record says so):

* ``"thread switch"``: two threads handing a lock back and forth (ns per switch);
* ``"Chan(0)"``: chanlab's unbuffered channel, one producer and one consumer (ns per message);
* ``"queue.Queue(1)"``: the standard library's nearest equivalent (ns per message).

It is a real-time measurement (noisy on a loaded machine): compare the ratios of one run, never the
absolute numbers. :func:`pinning` runs both placements; :func:`chanlab.plots.draw_switch_cost`
draws them.
"""
import _thread
import os
import queue
import threading
import time
from dataclasses import dataclass, field

from .. import args
from ..chan import Chan

__all__ = ["CASES", "PLACEMENTS", "SwitchCost", "switch_cost", "pinning", "can_pin"]

CASES = ("thread switch", "Chan(0)", "queue.Queue(1)")
PLACEMENTS = ("unpinned", "one core")
TIMEOUT = 10.0  # seconds any one wait may take before the experiment gives up (a lost wake-up)


@dataclass(frozen=True)
class SwitchCost:
    """One placement measured: ``ns[case]`` is the least ns per message (per switch for
    ``"thread switch"``) of ``repeat`` runs of ``n``; ``cpus`` are the two threads' cores (``None``:
    not pinned). ``placement`` is ``"one core"`` or ``"unpinned"``."""

    placement: str
    cpus: tuple
    n: int
    repeat: int
    ns: dict = field(default_factory=dict)

    def switches_per_message(self, case):
        """How many thread switches one message of ``case`` costs, by time (about 1 for an
        unbuffered channel, 2 for ``queue.Queue(1)``)."""
        args.choice(case, "case", CASES)
        return self.ns[case] / self.ns["thread switch"]


def can_pin():
    """The CPUs this process may run on, if this OS lets a thread be pinned (Linux), else ``()``."""
    if not hasattr(os, "sched_setaffinity"):
        return ()
    return tuple(sorted(os.sched_getaffinity(0)))


def _lock_pingpong(n):
    """``n`` switches: two threads each waiting for the other's lock (one switch per hand-over)."""
    a, b = _thread.allocate_lock(), _thread.allocate_lock()
    a.acquire()
    b.acquire()

    def ping():
        for _ in range(n // 2):
            a.release()
            if not b.acquire(timeout=TIMEOUT):
                raise TimeoutError("lock ping-pong: no reply within the timeout")

    def pong():
        for _ in range(n // 2):
            if not a.acquire(timeout=TIMEOUT):
                raise TimeoutError("lock ping-pong: no ping within the timeout")
            b.release()
    return ping, pong


def _chan(n):
    ch = Chan(0)

    def produce():
        for i in range(n):
            ch.send(i, timeout=TIMEOUT)
        ch.close()

    def consume():
        for _ in range(n):
            ch.recv(timeout=TIMEOUT)
    return produce, consume


def _queue(n):
    q = queue.Queue(1)

    def produce():
        for i in range(n):
            q.put(i, timeout=TIMEOUT)

    def consume():
        for _ in range(n):
            q.get(timeout=TIMEOUT)
    return produce, consume


PAIRS = {"thread switch": _lock_pingpong, "Chan(0)": _chan, "queue.Queue(1)": _queue}


def _timed_pair(first, second, cpus):
    """Seconds for two threads running ``first`` and ``second``, thread i pinned to ``cpus[i]``
    (``None``: unpinned), timed from the moment both are ready; both are joined before returning."""
    go = threading.Barrier(3, timeout=TIMEOUT)
    errors = []

    def body(fn, cpu):
        try:
            if cpu is not None:
                os.sched_setaffinity(0, {cpu})  # on Linux, 0 is the calling thread
            go.wait()
            fn()
        except BaseException as e:  # noqa: BLE001 - reported by the caller below
            errors.append(e)
            go.abort()

    threads = [threading.Thread(target=body, args=(fn, cpu), daemon=True, name=f"handoff-{i}")
               for i, (fn, cpu) in enumerate(zip((first, second), cpus))]
    for t in threads:
        t.start()
    t0 = None
    try:
        go.wait()
        t0 = time.perf_counter()
    except threading.BrokenBarrierError:
        pass  # a thread failed before starting: its error is raised below
    except BaseException:
        go.abort()  # interrupted (Ctrl-C) before the start: release the threads at once
        raise
    finally:
        for t in threads:  # a run takes well under a second; each wait gives up after TIMEOUT
            t.join(2 * TIMEOUT + 1)
    if errors:
        raise errors[0]
    return time.perf_counter() - t0


def switch_cost(pinned=False, n=1000, repeat=5):
    """Measure the three :data:`CASES` with both threads pinned to one core (``pinned=True``), or
    where the OS puts them (``pinned=False``: on an idle multi-core machine, mostly on two cores, so
    each hand-off wakes a thread on the other core). The cases take turns, ``repeat`` times each, and
    the least time is kept, as :mod:`timeit` does: other programs on the machine only ever add time.
    Returns a :class:`SwitchCost`; takes about ``3 * repeat * n * 50`` µs on a slow VM."""
    if not isinstance(pinned, bool):
        raise TypeError(f"pinned must be True (one core) or False (where the OS puts the threads), not "
                        f"{type(pinned).__name__} {pinned!r}")
    n = args.count(n, "n", minimum=2, maximum=1_000_000)
    repeat = args.count(repeat, "repeat", minimum=1, maximum=100)
    cpus = can_pin()
    if pinned and cpus:
        placement, where = "one core", (cpus[0], cpus[0])
    else:
        placement, where = "unpinned", (None, None)
    samples = {case: [] for case in CASES}
    for _ in range(repeat):
        for case in CASES:
            samples[case].append(_timed_pair(*PAIRS[case](n), where) / n * 1e9)
    return SwitchCost(placement, where, n, repeat, {c: min(v) for c, v in samples.items()})


def pinning(n=1000, repeat=5):
    """Both placements, unpinned first: ``{placement: SwitchCost}`` (one entry, ``"unpinned"``, where
    this OS cannot pin a thread)."""
    runs = {}
    for pinned in (False, True):
        run = switch_cost(pinned, n, repeat)
        runs.setdefault(run.placement, run)
    return runs
