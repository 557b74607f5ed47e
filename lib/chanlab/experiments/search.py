"""Rob Pike's Google Search 1.0 to 3.0 on a virtual clock: the latency of each version, measured.

Go (Pike, "Go Concurrency Patterns", 2012)::

    func fakeSearch(kind string) Search {
        return func(query string) Result {
            time.Sleep(time.Duration(rand.Intn(100)) * time.Millisecond)
            return Result(fmt.Sprintf("%s result for %q\\n", kind, query))
        }
    }

Here the fake back ends are :class:`Backends`: ``b.web[0]``, ``b.web[1]``, ... are replicas of the
web search (likewise ``image`` and ``video``), each an ``async def`` that sleeps a seeded random
latency, uniform in ``[0, max_latency)``, and returns its result. :func:`search_latencies` runs a
version of Google Search (an ``async def google(query, b)`` written in the notebook) for many
queries under ``aio.run(..., virtual_time=True)`` and returns what the clock said: the same numbers
on every machine, however loaded. :func:`chanlab.plots.draw_search_latencies` draws them.
"""
from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field

from .. import args, aio

__all__ = ["KINDS", "Backends", "SearchRun", "search_latencies"]

KINDS = ("web", "image", "video")


class Backends:
    """Fake back ends for one run: ``replicas`` replicas of each of ``KINDS``, seeded."""

    def __init__(self, seed=1, replicas=2, max_latency=0.1):
        self.replicas = args.count(replicas, "replicas", minimum=1)
        self.max_latency = args.seconds(max_latency, "max_latency", positive=True)
        self._rng = random.Random(args.seed(seed))
        self.calls = 0  # how many back-end requests were made (replicas cost servers)
        for kind in KINDS:
            setattr(self, kind, [self._fake(kind, r) for r in range(self.replicas)])

    def _fake(self, kind, replica):
        async def search(query):
            self.calls += 1
            await aio.sleep(self._rng.random() * self.max_latency)
            return f"{kind} result for {query!r}"
        search.__name__ = f"{kind}{replica + 1}"
        return search


@dataclass
class SearchRun:
    """What :func:`search_latencies` measured for one version: per query, the virtual seconds it
    took and how many of the three results it returned; and the back-end calls it made."""

    name: str
    latencies: list = field(default_factory=list)
    complete: list = field(default_factory=list)
    calls: int = 0

    def percentile(self, p):
        """The ``p``-th percentile (0-100) of the latencies, in seconds (nearest rank)."""
        p = args.number(p, "p", minimum=0, maximum=100)
        xs = sorted(self.latencies)
        rank = max(1, -(-len(xs) * p // 100))
        return xs[int(rank) - 1]

    @property
    def complete_share(self):
        """The fraction of queries that got all three results."""
        return sum(1 for c in self.complete if c == len(KINDS)) / len(self.complete)


def search_latencies(google, name, *, queries=1000, seed=1, replicas=2, max_latency=0.1):
    """Run ``google(query, backends)`` (an ``async def`` returning a list of results) for
    ``queries`` queries, one after another, on a virtual clock; return a :class:`SearchRun`."""
    queries = args.count(queries, "queries", minimum=1)
    backends = Backends(seed, replicas, max_latency)

    async def main():
        loop = asyncio.get_running_loop()
        run = SearchRun(name)
        for q in range(queries):
            start = loop.time()
            results = await google(f"golang {q}", backends)
            run.latencies.append(loop.time() - start)
            run.complete.append(len(results))
        run.calls = backends.calls
        return run

    return aio.run(main(), virtual_time=True, timeout=120)
