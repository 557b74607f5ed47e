"""How many events are handled out of order, with and without partitions, and what it costs.

:func:`run_ordering` sends ``events`` events about ``keys`` keys (accounts; each key's events
numbered 1, 2, 3 ... in the order they were published) to ``workers`` consumers, on a virtual clock:

* ``"competing"``: one channel, every worker takes the next event (a queue group);
* ``"partitioned"``: ``workers`` partitions, each key always to the same one
  (:func:`chanlab.partition.partition_for`), one worker per partition.

An event is *out of order* when, at the moment it is applied, a later event of the same key has
already been applied (the account's balance went through a state it should never have had).
``skew`` > 0 draws keys from a Zipf-like law (key ``k`` with weight ``1 / k**skew``): a few hot keys.

It returns an :class:`OrderingRun` with the out-of-order count, the makespan (seconds until the last
event is applied), the throughput and how unevenly the work is spread (the busiest worker's share
over the mean: 1.0 is perfect balance).
"""
import asyncio
import random
from dataclasses import dataclass
from typing import NamedTuple

from .. import aio, args
from ..partition import partition_for

__all__ = ["LAYOUTS", "BRANCHES", "Event", "OrderingRun", "run_ordering", "by_account"]

LAYOUTS = ("competing", "partitioned")
BRANCHES = 3  #: account ``k`` is kept at branch ``k % BRANCHES``


class Event(NamedTuple):
    """One event of the stream: the ``seq``-th event of ``account`` (kept at ``branch``), and the
    seconds of work it takes to apply."""

    account: str
    branch: str
    seq: int
    work: float


def by_account(event):
    """The partition key that keeps each account's order: the account itself."""
    return event.account


@dataclass(frozen=True)
class OrderingRun:
    layout: str
    workers: int
    events: int
    out_of_order: int  #: events applied after a later event of their key
    makespan: float  #: seconds until the last event was applied
    throughput: float  #: events per second
    imbalance: float  #: the busiest worker's events over the mean per worker (1.0: even)
    per_worker: tuple  #: events handled by each worker


def run_ordering(layout="competing", workers=4, events=400, keys=20, work=0.01, skew=0.0, seed=0,
                 key=by_account):
    """Publish ``events`` events at once and let ``workers`` handle them in ``layout``; a
    partitioned layout sends each event to ``partition_for(key(event), workers)``."""
    args.choice(layout, "layout", LAYOUTS)
    workers = args.count(workers, "workers", minimum=1, maximum=256)
    events = args.count(events, "events", minimum=1, maximum=200_000)
    keys = args.count(keys, "keys", minimum=1, maximum=100_000)
    work = args.seconds(work, "work", positive=True, maximum=60)
    skew = args.number(skew, "skew", minimum=0.0, maximum=5.0)
    if not callable(key):
        raise TypeError(f"key must be a function event -> partition key, such as by_account, not {key!r}")
    rng = random.Random(args.seed(seed))
    weights = [1 / (k + 1) ** skew for k in range(keys)]
    stream, seq = [], {}
    for _ in range(events):
        a = rng.choices(range(keys), weights)[0]
        k = f"account-{a}"
        seq[k] = seq.get(k, 0) + 1
        stream.append(Event(k, f"branch-{a % BRANCHES}", seq[k], rng.expovariate(1 / work)))
    applied = {}  # key -> the highest seq applied so far
    counts = [0] * workers
    late = 0
    last = 0.0

    async def worker(i, inbox):
        nonlocal late, last
        async for e in inbox:
            await aio.sleep(e.work)
            if applied.get(e.account, 0) > e.seq:
                late += 1
            applied[e.account] = max(applied.get(e.account, 0), e.seq)
            counts[i] += 1
            last = max(last, _now())

    async def main():
        wg = aio.WaitGroup()
        if layout == "competing":
            queue = aio.Chan(events)
            inboxes = [queue] * workers
        else:
            inboxes = [aio.Chan(events) for _ in range(workers)]
        for i, inbox in enumerate(inboxes):
            wg.go(worker, i, inbox)
        for e in stream:
            target = inboxes[0] if layout == "competing" else inboxes[partition_for(key(e), workers)]
            await target.send(e)
        for inbox in {id(c): c for c in inboxes}.values():
            inbox.close()
        await wg.wait()

    aio.run(main(), virtual_time=True, timeout=120)
    mean = events / workers
    return OrderingRun(layout, workers, events, late, last, events / last if last else float("inf"),
                       max(counts) / mean, tuple(counts))



def _now():
    return asyncio.get_running_loop().time()
