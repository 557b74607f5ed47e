"""A worker pool, measured: the message-driven version of the article's WaitGroup program.

Go::

    jobs := make(chan Job)
    results := make(chan Result, len(work))
    for w := 1; w <= workers; w++ {
        go func(w int) {
            for j := range jobs {              // pull the next job when free
                time.Sleep(j.Size)             // the work (IO-bound: waiting)
                results <- Result{j, w}
            }
        }(w)
    }
    go func() { for _, j := range work { jobs <- j }; close(jobs) }()
    for range work { <-results }

:func:`worker_pool` runs that program and returns a :class:`PoolRun` (data: which worker did which
job, when), in one of three modes:

``virtual``   chanlab.aio on a virtual clock: instant, and the same numbers every run (default)
``threads``   chanlab goroutines (threads) sleeping for real
``asyncio``   chanlab.aio tasks sleeping for real

``partition="static"`` is the other way to share work: job i goes to worker i mod N up front, as in
the article's program, where each worker is handed its work. With jobs of unequal size, pulling
from a shared channel balances the load and a static split does not.
"""
import asyncio
import time
from dataclasses import dataclass, field

from .. import aio, args
from .. import trace as _trace
from ..chan import Chan
from ..goroutine import go
from .jobs import check_count, check_seconds, job_sizes

__all__ = ["JobRecord", "PoolRun", "worker_pool", "MODES", "PARTITIONS"]

MODES = ("virtual", "threads", "asyncio")
PARTITIONS = ("shared", "static")


@dataclass(frozen=True)
class JobRecord:
    job: int  # 0, 1, 2, ... in the order the jobs were offered
    worker: int  # 1 .. workers
    size: float  # seconds of work
    start: float  # seconds after the pool started
    end: float


@dataclass
class PoolRun:
    """What one run of the pool did. Times are seconds: virtual or wall-clock, by ``mode``."""

    workers: int
    mode: str
    partition: str
    sizes: list
    records: list
    wall: float  # from the first job offered to the last result received
    trace: object = field(default=None, repr=False)  # a chanlab Trace when run with trace=True

    @property
    def work(self):
        """Total seconds of work (the time one worker alone would need)."""
        return sum(self.sizes)

    @property
    def ideal(self):
        """The shortest possible wall time: the work split perfectly, or the longest job if longer."""
        return max(self.work / self.workers, max(self.sizes, default=0.0))

    @property
    def efficiency(self):
        """ideal / wall: 1.0 is perfect; 0.5 means it took twice as long as it had to."""
        return self.ideal / self.wall if self.wall > 0 else 1.0

    def busy(self):
        """Seconds of work each worker did: {worker: seconds}."""
        out = {w: 0.0 for w in range(1, self.workers + 1)}
        for r in self.records:
            out[r.worker] += r.size
        return out


def _plan(workers, sizes, partition):
    """For each worker, the jobs it will do (static) or None (shared: it pulls)."""
    if partition == "static":
        return {w: [(j, s) for j, s in enumerate(sizes) if j % workers == w - 1] for w in range(1, workers + 1)}
    return None


def worker_pool(workers=4, jobs=20, job_time=1.0, distribution="constant", seed=0, *, sizes=None,
                mode="virtual", partition="shared", trace=False, max_seconds=20.0, progress=None):
    """Run ``jobs`` jobs on ``workers`` workers; return a :class:`PoolRun`.

    Job sizes come from :func:`chanlab.experiments.job_sizes` (``job_time`` is their mean), or give
    ``sizes`` yourself. Real-time modes refuse runs expected to take longer than ``max_seconds`` and
    call ``progress(done, total)`` as results arrive.
    """
    workers = check_count(workers, "workers", 1)
    max_seconds = args.seconds(max_seconds, "max_seconds", positive=True, finite=False)
    if sizes is None:
        sizes = job_sizes(args.count(jobs, "jobs"), args.seconds(job_time, "job_time"), distribution,
                          args.integer(seed, "seed"))
    else:
        sizes = [check_seconds(s, "a job size") for s in sizes]
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if partition not in PARTITIONS:
        raise ValueError(f"partition must be one of {PARTITIONS}, got {partition!r}")
    plan = _plan(workers, sizes, partition)
    if mode != "virtual":
        expected = max(sum(sizes) / workers, max(sizes, default=0.0))
        if expected > max_seconds:
            raise ValueError(
                f"this run would take about {expected:.1f} s of real time (more than max_seconds="
                f"{max_seconds:g}); use mode='virtual', fewer jobs, shorter jobs, or more workers")
    runner = {"virtual": _run_aio, "asyncio": _run_aio, "threads": _run_threads}[mode]
    if trace:
        with _trace.tracing() as tr:
            records, wall = runner(workers, sizes, plan, mode, progress)
    else:
        tr = None
        records, wall = runner(workers, sizes, plan, mode, progress)
    records.sort(key=lambda r: (r.start, r.worker))
    return PoolRun(workers, mode, partition, list(sizes), records, wall, tr)


# --- asyncio (virtual or real time) ----------------------------------------------------------------
def _run_aio(workers, sizes, plan, mode, progress):
    async def main():
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        jobs = aio.Chan(name="jobs")
        results = aio.Chan(len(sizes), name="results")

        async def worker(w, mine):
            source = jobs if mine is None else _aiter(mine)
            async for j, size in source:
                start = loop.time() - t0
                await asyncio.sleep(size)
                await results.send(JobRecord(j, w, size, start, loop.time() - t0))

        async def feed():
            for item in enumerate(sizes):
                await jobs.send(item)
            jobs.close()

        for w in range(1, workers + 1):
            aio.go(worker, w, None if plan is None else plan[w], name=f"worker {w}")
        if plan is None:
            aio.go(feed, name="feeder")
        got = []
        for _ in sizes:
            got.append(await results.recv())
            if progress is not None:
                progress(len(got), len(sizes))
        return got, loop.time() - t0

    return aio.run(main(), virtual_time=(mode == "virtual"), timeout=None if mode == "virtual" else 3600)


async def _aiter(items):
    for item in items:
        yield item


# --- threads -----------------------------------------------------------------------------------------
def _run_threads(workers, sizes, plan, mode, progress):
    t0 = time.perf_counter()
    jobs = Chan(name="jobs")
    results = Chan(len(sizes), name="results")
    stop = Chan(name="stop")  # closed to stop every worker at once (an interrupt, an error)

    def worker(w, mine):
        for j, size in (jobs if mine is None else mine):
            start = time.perf_counter() - t0
            if _stopped_while_sleeping(stop, size):
                return
            results.send(JobRecord(j, w, size, start, time.perf_counter() - t0))

    def feed():
        try:
            for item in enumerate(sizes):
                if select_stop_or_send(stop, jobs, item):
                    return
        finally:
            jobs.close()

    gs = [go(worker, w, None if plan is None else plan[w]) for w in range(1, workers + 1)]
    if plan is None:
        gs.append(go(feed))
    got = []
    try:
        for _ in sizes:
            got.append(results.recv())
            if progress is not None:
                progress(len(got), len(sizes))
        return got, time.perf_counter() - t0
    finally:
        if len(got) < len(sizes):
            stop.close()  # interrupted: wake every sleeping worker and the feeder
        for g in gs:
            g.join(timeout=5)


def _stopped_while_sleeping(stop, seconds):
    """Sleep ``seconds`` unless ``stop`` is closed first (Go: select on ctx.Done() and time.After)."""
    try:
        stop.recv(timeout=seconds)
        return True
    except TimeoutError:
        return False


def select_stop_or_send(stop, ch, value):
    """Send ``value`` on ``ch`` unless ``stop`` is closed first; True if stopped."""
    from ..select import select

    return select(stop.receiving(), ch.sending(value)).index == 0
