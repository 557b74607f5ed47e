"""chanlab.experiments.search: Pike's Google Search on a virtual clock, seeded and measured."""
import matplotlib

matplotlib.use("Agg")

import pytest

from chanlab import aio
from chanlab.experiments.search import Backends, search_latencies
from chanlab.plots import draw_search_latencies


async def sequential(query, b):
    return [await b.web[0](query), await b.image[0](query), await b.video[0](query)]


async def first_of_two(query, b):
    c = aio.Chan(2)

    async def ask(search):
        await c.send(await search(query))

    for r in b.web:
        aio.go(ask, r)
    return [await c.recv()]


def test_same_seed_same_numbers_and_sequential_pays_the_sum():
    a = search_latencies(sequential, "1.0", queries=50, seed=7)
    b = search_latencies(sequential, "1.0", queries=50, seed=7)
    assert a.latencies == b.latencies and a.calls == 150
    assert all(0 <= t < 0.3 for t in a.latencies)
    assert a.complete_share == 1.0
    assert a.percentile(0) == min(a.latencies) and a.percentile(100) == max(a.latencies)
    assert search_latencies(sequential, "1.0", queries=50, seed=8).latencies != a.latencies


def test_replicas_take_the_faster_answer():
    run = search_latencies(first_of_two, "first", queries=200, seed=1)
    assert run.calls == 400 and max(run.latencies) < 0.1
    assert run.complete_share == 0.0  # one result of three


def test_bad_arguments_and_the_figure():
    with pytest.raises(ValueError, match="replicas"):
        Backends(replicas=0)
    with pytest.raises(TypeError, match="queries"):
        search_latencies(sequential, "x", queries="10")
    with pytest.raises(ValueError, match="p must be"):
        search_latencies(sequential, "x", queries=3).percentile(101)
    run = search_latencies(sequential, "1.0", queries=20)
    ax = draw_search_latencies([run], deadline=0.08)
    assert ax.get_title() and ax.get_xlabel().endswith("(ms)") and ax.get_legend() is not None
