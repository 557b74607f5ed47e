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
"""
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
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
    executor = ThreadPoolExecutor if kind == "threads" else ProcessPoolExecutor
    with executor(workers) as pool:
        list(pool.map(spin, [0] * workers))  # start every worker before the clock starts
        t0 = time.perf_counter()
        list(pool.map(spin, [n] * jobs))
        wall = time.perf_counter() - t0
    return CpuRun(kind, workers, jobs, n, wall)


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
