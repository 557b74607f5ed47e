"""A work queue under load: competing consumers, failures, crashes, retries and backpressure.

:func:`run_queue` publishes ``messages`` messages (one every ``interval`` seconds) to a
:class:`chanlab.aio.messaging.WorkQueue` and lets ``workers`` consumers compete for them. Each
consumer is the explicit loop of a JetStream pull consumer (or of the Go program in notebook 06)::

    for {
        msg, err := cons.Next()                 // q.get(): the next message, to whoever asks first
        if err != nil { return }                // None: the queue is closed and finished
        err = handle(msg.Data())                // ... seconds of work
        switch {
        case crashed:  return                   // dies holding msg: no ack (redelivered after AckWait)
        case err != nil: msg.Nak()              // failed: again, after the backoff
        default:       msg.Ack()                // done
        }
    }

A delivery fails (nack) with probability ``failure_rate`` and crashes its worker with probability
``crash_rate`` (seeded); message numbers in ``poison`` fail on every delivery (they end as dead
letters), and those in ``crash_on`` crash their worker on the first delivery. A crashed worker is
replaced at once by a fresh one (a supervisor, as for a crashed process). With ``capacity``, the
producer's ``put`` waits while the queue holds that many unfinished messages: backpressure, from the
consumers back to the producer.

It returns a :class:`QueueRun`: every delivery, every message's fate and its end-to-end latency
(from the moment the producer *wanted* to publish it, so time spent waiting for room counts), and
the queue's contents over time. ``mode="virtual"`` (default) runs on a virtual clock: exact and the
same every run; ``mode="asyncio"`` runs the same program on the real clock.
"""
import asyncio
import math
import random
from dataclasses import dataclass, field

from .. import aio, args
from ..aio.messaging import AckError, WorkQueue
from ..messaging import Stats, check_backoff, exponential
from .jobs import DISTRIBUTIONS, check_count, check_seconds, job_sizes

__all__ = ["MODES", "OUTCOMES", "Delivery", "MessageRecord", "QueueRun", "run_queue", "sweep"]

MODES = ("virtual", "asyncio")
#: what a delivery ended in: acked; nacked (failed, to be tried again or dead-lettered); the
#: worker crashed holding it; or its ack came after the ack timeout (it had been taken back)
OUTCOMES = ("acked", "nacked", "crashed", "late")


@dataclass(frozen=True)
class Delivery:
    """One delivery of message ``seq`` (attempt 1, 2, ...) to ``worker``: ``start`` and ``end`` in
    seconds after the start of the run, and its ``outcome`` (one of :data:`OUTCOMES`)."""

    seq: int
    attempt: int
    worker: str
    start: float
    end: float
    outcome: str


@dataclass(frozen=True)
class MessageRecord:
    """One message: when the producer wanted to publish it (``offered``), when ``put`` returned
    (``published``: later under backpressure), its ``fate`` (``"acked"`` or ``"dead"``), when that
    was settled (``done``) and how many deliveries it took."""

    seq: int
    offered: float
    published: float
    fate: str
    done: float
    attempts: int

    @property
    def latency(self):
        """End to end: from the moment the producer wanted to publish it to its ack or death (s)."""
        return self.done - self.offered

    @property
    def producer_wait(self):
        """How long the producer waited for room in the queue (backpressure), seconds."""
        return self.published - self.offered


@dataclass
class QueueRun:
    """What :func:`run_queue` measured. Times are seconds after the start (virtual in mode
    ``"virtual"``). ``samples`` are ``(t, waiting, in_flight)`` after every put and settle."""

    params: dict
    mode: str
    messages: list
    deliveries: list
    stats: Stats
    workers_started: int
    dead_letters: list
    samples: list = field(repr=False)
    wall: float = 0.0

    # ---- the counts of the crash demo ------------------------------------------------------------
    @property
    def published(self):
        return self.stats.put

    @property
    def acked(self):
        return self.stats.acked

    @property
    def dead_lettered(self):
        return self.stats.dead_lettered

    @property
    def redelivered(self):
        return self.stats.redelivered

    @property
    def processed(self):
        """Handler runs: every delivery, including those that failed, crashed or came back."""
        return len(self.deliveries)

    @property
    def crashed(self):
        return sum(d.outcome == "crashed" for d in self.deliveries)

    def counts(self):
        """The ledger: published, processed, redelivered, crashed, acked, dead-lettered."""
        return {"published": self.published, "processed": self.processed,
                "redelivered": self.redelivered, "crashed": self.crashed, "acked": self.acked,
                "dead-lettered": self.dead_lettered}

    @property
    def nothing_lost(self):
        """Every published message ended acked or dead-lettered: published = acked + dead-lettered."""
        return self.published == self.acked + self.dead_lettered == len(self.messages)

    # ---- rates -----------------------------------------------------------------------------------
    @property
    def throughput(self):
        """Acked messages per second over the whole run."""
        return self.acked / self.wall if self.wall > 0 else 0.0

    @property
    def sustained_throughput(self):
        """Acked messages per second *while the producer was publishing* (from 0 to the last
        offer): whether the consumers keep up with the offered rate, without the tail of retries
        after the last offer. Equals :attr:`throughput` when everything was offered at once."""
        end = max(m.offered for m in self.messages)
        if end <= 0:
            return self.throughput
        return sum(m.fate == "acked" and m.done <= end for m in self.messages) / end

    @property
    def latencies(self):
        """End-to-end latency of every acked message, seconds, in message order."""
        return [m.latency for m in self.messages if m.fate == "acked"]

    def throughput_series(self, bin_seconds=1.0):
        """``[(bin start, acks per second in that bin)]`` from 0 to the end of the run; a bin
        ``(start, start + bin_seconds]`` holds the acks after its start, up to and including its end."""
        bin_seconds = check_seconds(bin_seconds, "bin_seconds", 1e-9)
        n = max(1, math.ceil(self.wall / bin_seconds))
        counts = [0] * n
        for m in self.messages:
            if m.fate == "acked":
                counts[min(n - 1, max(0, math.ceil(m.done / bin_seconds) - 1))] += 1
        return [(i * bin_seconds, c / bin_seconds) for i, c in enumerate(counts)]


def _check_seqs(values, what, messages):
    seqs = frozenset(values)
    bad = sorted(s for s in seqs if isinstance(s, bool) or not isinstance(s, int) or not 0 <= s < messages)
    if bad:
        raise ValueError(f"{what} lists message numbers 0 .. {messages - 1}; {bad} are not among them")
    return seqs


def run_queue(workers=3, messages=30, work=1.0, *, distribution="constant", interval=0.0,
              failure_rate=0.0, crash_rate=0.0, poison=(), crash_on=(), capacity=None,
              ack_timeout=10.0, max_deliveries=5, backoff=None, restart=True, seed=0,
              mode="virtual", max_seconds=20.0):
    """Run one work-queue scenario (see the module docstring) and return a :class:`QueueRun`.

    ``work`` is the mean seconds of work per delivery (sizes from
    :func:`chanlab.experiments.job_sizes` with ``distribution`` and ``seed``; a redelivery takes as
    long as the first try); ``backoff`` defaults to ``exponential(1, 2, 8)``. The real-time mode
    refuses runs that would take more than ``max_seconds``.
    """
    workers = check_count(workers, "workers", 1)
    messages = check_count(messages, "messages", 1)
    interval = check_seconds(interval, "interval")
    work = args.seconds(work, "work")
    failure_rate = args.probability(failure_rate, "failure_rate")
    crash_rate = args.probability(crash_rate, "crash_rate")
    seed = args.integer(seed, "seed")
    max_seconds = args.seconds(max_seconds, "max_seconds", positive=True, finite=False)
    poison = _check_seqs(poison, "poison", messages)
    crash_on = _check_seqs(crash_on, "crash_on", messages)
    if distribution not in DISTRIBUTIONS:
        raise ValueError(f"distribution must be one of {DISTRIBUTIONS}, got {distribution!r}")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if capacity == 0:
        capacity = None  # a slider's "0": no limit
    backoff = exponential(1, 2, 8) if backoff is None else check_backoff(backoff)
    sizes = job_sizes(messages, work, distribution, seed)
    if mode != "virtual":
        expected = max(messages * interval, sum(sizes) / workers)
        if expected > max_seconds:
            raise ValueError(f"this run would take about {expected:.1f} s of real time (more than "
                             f"max_seconds={max_seconds:g}); use mode='virtual', fewer or shorter "
                             f"messages, or more workers")
    params = dict(workers=workers, messages=messages, work=work, distribution=distribution,
                  interval=interval, failure_rate=failure_rate, crash_rate=crash_rate,
                  poison=sorted(poison), crash_on=sorted(crash_on), capacity=capacity,
                  ack_timeout=ack_timeout, max_deliveries=max_deliveries, backoff=backoff,
                  restart=restart, seed=seed)

    async def main():
        loop = asyncio.get_running_loop()
        t0 = loop.time()

        def now():
            return loop.time() - t0

        q = WorkQueue("jobs", ack_timeout=ack_timeout, max_deliveries=max_deliveries,
                      backoff=backoff, capacity=capacity)
        rng = random.Random(f"failures {seed}")  # a stream of its own, not the job sizes' one
        deliveries, offered, published, acked_at, samples = [], {}, {}, {}, []
        wg = aio.WaitGroup()
        started = 0

        def sample():
            s = q.stats
            samples.append((now(), s.depth, s.in_flight))

        async def producer():
            for seq in range(messages):
                due = seq * interval
                if due > now():
                    await aio.sleep(due - now())
                offered[seq] = due
                await q.put(seq, id=seq)          # waits while the queue is full (capacity)
                published[seq] = now()
                sample()
            q.close()

        async def consumer(name):
            try:
                while True:
                    msg = await q.get()           # Go: msg, err := cons.Next()
                    if msg is None:
                        return                    # closed, and every message acked or dead
                    seq, start = msg.body, now()
                    crash_roll, fail_roll = rng.random(), rng.random()
                    crash = crash_roll < crash_rate or (seq in crash_on and msg.attempt == 1)
                    fail = seq in poison or fail_roll < failure_rate
                    await aio.sleep(sizes[seq])   # the work
                    if crash:                     # dies holding msg: no ack, no nack
                        deliveries.append(Delivery(seq, msg.attempt, name, start, now(), "crashed"))
                        sample()
                        if restart:
                            spawn()               # a supervisor starts a fresh worker
                        return
                    try:
                        if fail:
                            await msg.nack()      # Go: msg.Nak()
                            outcome = "nacked"
                        else:
                            await msg.ack()       # Go: msg.Ack()
                            outcome = "acked"
                            acked_at[seq] = now()
                    except AckError:              # too late: the ack timeout had run out
                        outcome = "late"
                    deliveries.append(Delivery(seq, msg.attempt, name, start, now(), outcome))
                    sample()
            finally:
                wg.done()

        def spawn():
            nonlocal started
            started += 1
            wg.add(1)
            aio.go(consumer, f"worker-{started}", name=f"worker-{started}")

        for _ in range(workers):
            spawn()
        prod = aio.go(producer, name="producer")
        await prod
        await wg.wait()
        return (deliveries, offered, published, acked_at, samples, q.stats, list(q.dead_letters),
                started, now(), t0)

    timeout = 60.0 if mode == "virtual" else max_seconds * 2 + 5
    (deliveries, offered, published, acked_at, samples, stats, dead, started,
     wall, t0) = aio.run(main(), virtual_time=(mode == "virtual"), timeout=timeout)
    dead_at = {d.id: d for d in dead}
    tries = {}
    for d in deliveries:
        tries[d.seq] = max(tries.get(d.seq, 0), d.attempt)
    records = []
    for seq in range(messages):
        if seq in acked_at:
            fate, done = "acked", acked_at[seq]
        else:
            fate, done = "dead", dead_at[seq].at - t0   # on the queue's (the loop's) clock
        records.append(MessageRecord(seq, offered[seq], published[seq], fate, done, tries.get(seq, 0)))
    return QueueRun(params, mode, records, deliveries, stats, started, dead, samples, wall)


def sweep(param, values, **kwargs):
    """``{value: run_queue(**{param: value}, **kwargs)}`` for each value: one curve of a figure."""
    if param in kwargs:
        raise ValueError(f"{param!r} is the swept parameter; do not pass it in kwargs as well")
    return {v: run_queue(**{param: v}, **kwargs) for v in values}
