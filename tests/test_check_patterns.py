"""Checkers of notebook 02b's exercises: right answers pass, typical wrong ones get specific feedback."""
import asyncio
from collections import Counter

from chanlab import Chan, WaitGroup, aio, context, go, select
from chanlab.check import patterns as ck


def _pool(values, workers, double=lambda j: j * 2, close_jobs=True, keep=None):
    jobs, results, wg = Chan(len(values) + 1), Chan(len(values) + 1), WaitGroup()
    if keep is not None:
        keep.append(jobs)

    def worker():
        try:
            for j in jobs:
                results.send(double(j))
        finally:
            wg.done()

    gs = []
    for _ in range(workers):
        wg.add(1)
        gs.append(go(worker))
    for v in values:
        jobs.send(v)
    if close_jobs:
        jobs.close()
    return jobs, results, wg, gs


def test_close_results():
    def double_all(values, workers=3):
        _, results, wg, gs = _pool(values, workers)
        gs.append(go(lambda: (wg.wait(), results.close())))
        got = sorted(results)
        for g in gs:
            g.join()
        return got

    assert ck.close_results(double_all).ok

    def never_closes(values, workers=3):
        _, results, wg, gs = _pool(values, workers)
        got = sorted(results)
        return got

    fb = ck.close_results(never_closes)
    assert not fb.ok and "DeadlockError" in fb.got and "results.close()" in fb.hint

    def squares(values, workers=3):
        _, results, wg, gs = _pool(values, workers, double=lambda j: j * j)
        gs.append(go(lambda: (wg.wait(), results.close())))
        return sorted(results)

    assert "[2, 4, 6, 8, 10]" in ck.close_results(squares).expected

    kept = []

    def counts_instead(values, workers=3):  # never closes jobs: the workers wait for ever
        _, results, wg, gs = _pool(values, workers, close_jobs=False, keep=kept)
        return sorted(results.recv() for _ in values)

    fb = ck.close_results(counts_instead)
    for jobs in kept:
        jobs.close()
    assert not fb.ok and "still running" in fb.summary

    def stub(values, workers=3):
        raise NotImplementedError

    assert not ck.close_results(stub).attempted


def _numbers(ctx, out, start=1):
    i = start
    while select(out.sending(i), ctx.done().receiving()).index == 0:
        i += 1


def _squares(ctx, inp, out):
    while True:
        got = select(inp.receiving(), ctx.done().receiving())
        if got.index == 1 or select(out.sending(got.value ** 2), ctx.done().receiving()).index == 1:
            return


def _first_squares(n, start=1, cancels=None):
    ctx, cancel = context.with_cancel(context.background())
    nums, sqs = Chan(), Chan()
    stages = [go(_numbers, ctx, nums, start), go(_squares, ctx, nums, sqs)]
    got = [sqs.recv() for _ in range(n)]
    if cancels is not None:
        cancels.append((cancel, stages))
        return got
    cancel()
    for g in stages:
        g.join(timeout=1)
    return got


def test_cancel_pipeline():
    assert ck.cancel_pipeline(_first_squares).ok
    fb = ck.cancel_pipeline(lambda n: _first_squares(n, start=0))
    assert not fb.ok and "[1, 4, 9, 16, 25]" in fb.expected

    cancels = []
    fb = ck.cancel_pipeline(lambda n: _first_squares(n, cancels=cancels))
    for cancel, stages in cancels:
        cancel()
        for g in stages:
            g.join(timeout=1)
    assert not fb.ok and "still running" in fb.summary and "cancel()" in fb.hint

    def stub(n):
        raise NotImplementedError

    assert not ck.cancel_pipeline(stub).attempted


async def _serve(requests, burst, every, prefill=True):
    loop = asyncio.get_running_loop()
    tokens = aio.Chan(burst)
    for _ in range(burst if prefill else 0):
        await tokens.send(None)

    async def refill():
        async for _ in aio.tick(every):
            await tokens.send(None)

    aio.go(refill)
    served = []
    for _ in range(requests):
        await tokens.recv()
        served.append(loop.time())
    return served


def test_bursty_limiter():
    assert ck.bursty_limiter(_serve).ok
    fb = ck.bursty_limiter(lambda r, b, e: _serve(r, b, e, prefill=False))
    assert not fb.ok and "0.5" in fb.got and "burst tokens" in fb.hint

    async def steady(requests, burst, every):  # no burst at all: one every interval
        loop = asyncio.get_running_loop()
        served = []
        for i in range(requests):
            served.append(loop.time())
            await aio.sleep(every)
        return served

    assert not ck.bursty_limiter(steady).ok

    async def stub(requests, burst, every):
        raise NotImplementedError

    assert not ck.bursty_limiter(stub).attempted


def _top_words(lines, k=3, ignore_k=False, leave=None):
    def owner(words, asks):
        counts = Counter()
        while True:
            sel = select(words.receiving(), asks.receiving())
            if not sel.ok:
                return
            if sel.index == 0:
                counts[sel.value] += 1
            else:
                n = 3 if ignore_k else k
                sel.value.send(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n])

    def count_line(line, words, wg):
        try:
            for w in line.split():
                words.send(w)
        finally:
            wg.done()

    words, asks, wg = Chan(), Chan(), WaitGroup()
    o = go(owner, words, asks)
    readers = []
    for line in lines:
        wg.add(1)
        readers.append(go(count_line, line, words, wg))
    wg.wait()
    reply = Chan()
    asks.send(reply)
    top = reply.recv()
    if leave is not None:
        leave.append((words, asks, o))
    else:
        words.close()
        asks.close()
        o.join()
    for g in readers:
        g.join()
    return top


def test_word_owner():
    assert ck.word_owner(_top_words).ok
    fb = ck.word_owner(lambda lines, k=3: _top_words(lines, k, ignore_k=True))
    assert not fb.ok and "k=2" in fb.summary

    left = []
    fb = ck.word_owner(lambda lines, k=3: _top_words(lines, k, leave=left))
    for words, asks, o in left:
        words.close()
        asks.close()
        o.join(timeout=1)
    assert not fb.ok and "still running" in fb.summary

    def stub(lines, k=3):
        raise NotImplementedError

    assert not ck.word_owner(stub).attempted
