"""CPU-bound work on a pool: threads vs processes vs Go goroutines. Real time only (the point is
what the CPU does), so every figure here is a wall-clock measurement of this machine.

Go::

    runtime.GOMAXPROCS(workers)          // goroutines really run in parallel on that many cores
    for w := 0; w < workers; w++ { go func() { for n := range jobs { results <- spin(n) } }() }

Python::

    ThreadPoolExecutor(workers).map(spin, jobs)    # the GIL: one thread runs Python at a time
    ProcessPoolExecutor(workers).map(spin, jobs)   # one interpreter per process: parallel

:func:`cpu_pool` returns a :class:`CpuRun` with the wall time; :func:`speedups` measures 1..N workers
of each kind and returns the speed-up over one worker, which is what a learner should look at.

Interrupting a run (Jupyter's stop button: SIGINT, sent to the kernel *and* its pool workers, its
whole process group) ends it at once and cleanly: the jobs not started are cancelled, the worker
processes are terminated (a thread ends after its current job: threads cannot be stopped), and
``KeyboardInterrupt`` is raised to the caller. For that, while a pool runs, SIGINT only *sets a
flag* that the waiting loop checks every 50 ms, rather than raising at whatever line Python is on
(inside the pool's start-up, a lock's release or a weakref callback, where it was "ignored" and the
run went on), and the worker processes ignore SIGINT: stopping them is the parent's job.
"""
import contextlib
import signal
import threading
import time
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from .. import args
from ..envcheck import find_tool
from ..gorun import run_go
from ..workloads import spin
from .jobs import check_count

__all__ = ["CpuRun", "cpu_pool", "speedups", "KINDS"]

KINDS = ("threads", "processes", "go")
GO_SOURCE = Path(__file__).resolve().parent / "cpu_pool.go"


@dataclass(frozen=True)
class CpuRun:
    kind: str
    workers: int
    jobs: int
    n: int
    wall: float  # seconds, wall clock, excluding pool start-up


def cpu_pool(kind="threads", workers=2, jobs=16, n=200_000):
    """Run ``jobs`` jobs of ``spin(n)`` on ``workers`` threads, processes or Go goroutines."""
    workers = check_count(workers, "workers", 1)
    jobs = check_count(jobs, "jobs", 1)
    n = check_count(n, "n")
    if kind == "go":
        result = run_go(GO_SOURCE.read_text(), args=[str(jobs), str(n)], gomaxprocs=workers, timeout=120)
        if result.status != 0:
            raise RuntimeError(f"the Go CPU pool failed: {result.stderr}")
        return CpuRun(kind, workers, jobs, n, float(result.stdout.split()[0]))
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    interrupted = threading.Event()
    with _sigint_sets(interrupted):
        pool = (ThreadPoolExecutor(workers) if kind == "threads"
                else ProcessPoolExecutor(workers, initializer=_ignore_sigint))
        try:
            _run(pool, spin, [0] * workers, interrupted)  # start every worker before the clock starts
            t0 = time.perf_counter()
            _run(pool, spin, [n] * jobs, interrupted)
            wall = time.perf_counter() - t0
        except KeyboardInterrupt as stopped:
            _stop(pool)
            raise KeyboardInterrupt(f"cpu_pool({kind!r}) stopped: {stopped}") from None
        except BaseException:
            _stop(pool)
            raise
        pool.shutdown(wait=True)
    if interrupted.is_set():  # (during the shutdown, when every job had run)
        raise KeyboardInterrupt(f"cpu_pool({kind!r}) interrupted")
    return CpuRun(kind, workers, jobs, n, wall)


POLL = 0.05  # seconds between two looks at the interrupt flag while jobs run


def _run(pool, fn, items, interrupted):
    """``[fn(item) for item in items]`` on ``pool``; ``KeyboardInterrupt`` as soon as ``interrupted`` is
    set (checked every :data:`POLL` seconds), the first job's error as soon as a job fails."""
    futures = [pool.submit(fn, item) for item in items]
    pending = set(futures)
    while pending:
        if interrupted.is_set():
            raise KeyboardInterrupt(f"{len(pending)} of {len(futures)} jobs not run")
        done, pending = wait(pending, timeout=POLL, return_when=FIRST_EXCEPTION)
        if any(f.exception() is not None for f in done):
            break  # (result() below raises it)
    return [f.result() for f in futures]


def _stop(pool):
    """End ``pool`` now: cancel the jobs not started and terminate its worker processes (a thread
    cannot be stopped: it ends after its current job). Waits at most a second for each process."""
    if hasattr(pool, "terminate_workers"):  # Python 3.14+
        pool.terminate_workers()
        return
    processes = list((getattr(pool, "_processes", None) or {}).values())  # (a ProcessPoolExecutor's)
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=1.0)


def _ignore_sigint():
    """A worker process's initializer: SIGINT reaches the workers too (Jupyter signals the kernel's
    process group), and stopping them is the parent's job (:func:`_stop`), not a traceback's."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextlib.contextmanager
def _sigint_sets(event):
    """While the block runs, SIGINT sets ``event`` instead of raising ``KeyboardInterrupt`` (a forked
    worker inherits this too, until it ignores SIGINT). Only in the main thread, and only over
    Python's usual handler (``signal.default_int_handler``, which a kernel sets while a cell runs);
    otherwise SIGINT does what it did."""
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        yield
        return
    previous = signal.signal(signal.SIGINT, lambda signum, frame: event.set())
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def speedups(kinds=KINDS, max_workers=2, jobs=16, n=200_000, go_scale=50, progress=None):
    """{kind: [(workers, speed-up over 1 worker of that kind)]} for 1..max_workers workers.

    Go adds up numbers about a hundred times faster than Python, so its jobs are ``go_scale`` times
    bigger (else they end before the clock can see them); a speed-up compares a kind only with itself.
    Without a Go toolchain the result has no ``"go"`` entry.
    """
    max_workers = args.count(max_workers, "max_workers", minimum=1)
    args.count(jobs, "jobs", minimum=1)
    args.count(n, "n")
    args.number(go_scale, "go_scale", minimum=0, exclusive_minimum=True)
    if "go" in kinds and find_tool("go") is None:
        kinds = [k for k in kinds if k != "go"]  # no Go toolchain here: measure the others
    out = {}
    steps = [(k, w) for k in kinds for w in range(1, max_workers + 1)]
    walls = {}
    for i, (k, w) in enumerate(steps, 1):
        walls[k, w] = cpu_pool(k, w, jobs, n * go_scale if k == "go" else n).wall
        if progress is not None:
            progress(i, len(steps))
    for k in kinds:
        out[k] = [(w, walls[k, 1] / walls[k, w]) for w in range(1, max_workers + 1)]
    return out
