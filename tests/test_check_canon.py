"""Checkers of notebooks 02c and 02d: right answers pass, typical wrong ones get specific feedback,
an untouched stub is "not attempted"."""
import threading
import time

from chanlab import Chan, Once, WaitGroup, aio, context, errgroup, go
from chanlab.check import canon as ck


def stub(*args):
    raise NotImplementedError


async def astub(*args):
    raise NotImplementedError


# --- 02c.1 merge ---------------------------------------------------------------------------


def merge(*chans):
    out, wg = Chan(), WaitGroup()

    def output(c):
        try:
            for v in c:
                out.send(v)
        finally:
            wg.done()

    for c in chans:
        wg.add(1)
        go(output, c)
    go(lambda: (wg.wait(), out.close()))
    return out


def test_merge_right():
    fb = ck.merge_all(merge)
    assert fb.ok, str(fb)


def test_merge_never_closes():
    started = []

    def never_closes(*chans):
        out = Chan()

        def output(c):
            for v in c:
                out.send(v)

        for c in chans:
            started.append(go(output, c))
        return out

    fb = ck.merge_all(never_closes)
    assert not fb.ok and "never closed" in fb.summary


def test_merge_closes_after_the_first_input_closes():
    def closes_early(*chans):
        out = Chan()

        def output(c):
            for v in c:
                out.send(v)
            if not out.closed:
                out.close()

        for c in chans:
            go(output, c)
        return out

    fb = ck.merge_all(closes_early)
    assert not fb.ok and fb.attempted


def test_merge_reads_only_the_first_input():
    def first_only(*chans):
        out = Chan()

        def run():
            for v in chans[0]:
                out.send(v)
            out.close()

        go(run)
        return out

    fb = ck.merge_all(first_only)
    assert not fb.ok and fb.attempted


def test_merge_stub():
    fb = ck.merge_all(stub)
    assert not fb.attempted
    assert not ck.merge_all(...).attempted


# --- 02c.2 hedged --------------------------------------------------------------------------


def make_hedged(buffered=True):
    """02c.2's answer, right when the replies' channel has room for every replica's answer."""
    async def hedged(query, replicas, hedge_after):
        c = aio.Chan(len(replicas) if buffered else 0)

        async def ask(search):
            await c.send(await search(query))

        for search in replicas[:-1]:
            aio.go(ask, search)
            sel = await aio.select(c.receiving(), aio.after(hedge_after).receiving())
            if sel.index == 0:
                return sel.value
        aio.go(ask, replicas[-1])
        return await c.recv()
    return hedged


hedged = make_hedged()


def test_hedged_right():
    fb = ck.hedged_request(hedged)
    assert fb.ok, str(fb)


def test_hedged_unbuffered_leaks_a_goroutine():
    fb = ck.hedged_request(make_hedged(buffered=False))
    assert not fb.ok and "still blocked" in fb.summary and "buffered" in fb.hint


def test_hedged_asks_everyone_at_once():
    async def all_at_once(query, replicas, hedge_after):  # Google Search 3.0's First
        c = aio.Chan(len(replicas))

        async def ask(search):
            await c.send(await search(query))

        for search in replicas:
            aio.go(ask, search)
        return await c.recv()

    fb = ck.hedged_request(all_at_once)
    assert not fb.ok and "asked" in fb.summary


def test_hedged_waits_for_each_replica_in_turn():
    async def sequential(query, replicas, hedge_after):
        return await replicas[0](query)

    fb = ck.hedged_request(sequential)
    assert not fb.ok and fb.attempted


def test_hedged_stub():
    assert not ck.hedged_request(astub).attempted


# --- 02d.1 once_value ----------------------------------------------------------------------


def once_value(load):
    once, box = Once(), {}

    def get():
        once.do(lambda: box.setdefault("value", load()), timeout=10)
        return box.get("value")

    return get


def test_once_value_right():
    fb = ck.once_value(once_value)
    assert fb.ok, str(fb)


def test_once_value_check_then_set_fails_every_time():
    def check_then_set(load):
        box = {}

        def get():
            if "value" not in box:
                box["value"] = load()
            return box["value"]

        return get

    for _ in range(3):  # the race is forced: never passes by luck
        fb = ck.once_value(check_then_set)
        assert not fb.ok and "ran" in fb.summary and "Once" in fb.hint


def test_once_value_flag_set_before_loading_returns_none_to_the_others():
    def flag_first(load):
        state = {"started": False, "value": None}
        lock = threading.Lock()

        def get():
            with lock:
                first = not state["started"]
                state["started"] = True
            if first:
                state["value"] = load()
            return state["value"]

        return get

    fb = ck.once_value(flag_first)
    assert not fb.ok and "did not get" in fb.summary


def test_once_value_stub():
    assert not ck.once_value(stub).attempted

    def returns_stub_getter(load):
        def get():
            raise NotImplementedError
        return get

    assert not ck.once_value(returns_stub_getter).attempted


# --- 02d.2 fetch_all -----------------------------------------------------------------------


def fetch_all(urls, fetch, limit):
    g, ctx = errgroup.with_context(context.background())
    g.set_limit(limit)
    results = {}

    def one(url):
        results[url] = fetch(ctx, url)

    for url in urls:
        g.go(one, url, timeout=30)
    return results, g.wait(timeout=30)


def test_fetch_all_right():
    fb = ck.fetch_all(fetch_all)
    assert fb.ok, str(fb)


def test_fetch_all_without_a_limit():
    def no_limit(urls, fetch, limit):
        g, ctx = errgroup.with_context(context.background())
        results = {}

        def one(url):
            results[url] = fetch(ctx, url)

        for url in urls:
            g.go(one, url)
        return results, g.wait(timeout=30)

    fb = ck.fetch_all(no_limit)
    assert not fb.ok and "at once" in fb.summary and "set_limit" in fb.hint


def test_fetch_all_without_the_groups_context():
    def background(urls, fetch, limit):
        g = errgroup.Group()
        g.set_limit(limit)
        results = {}

        def one(url):
            results[url] = fetch(context.background(), url)

        for url in urls:
            g.go(one, url, timeout=30)
        return results, g.wait(timeout=30)

    fb = ck.fetch_all(background)
    assert not fb.ok and "context" in fb.summary


def test_fetch_all_raises_instead_of_returning():
    def raises(urls, fetch, limit):
        results, err = fetch_all(urls, fetch, limit)
        if err is not None:
            raise err
        return results, None

    fb = ck.fetch_all(raises)
    assert not fb.ok and "ValueError" in fb.got


def test_fetch_all_stub():
    assert not ck.fetch_all(stub).attempted


# --- 02c.3 conversation timeout --------------------------------------------------------------


async def listen(c, within):
    got, timeout = [], aio.after(within)
    while True:
        sel = await aio.select(c.receiving(), timeout.receiving())
        if sel.index == 1 or not sel.ok:
            return got
        got.append(sel.value)


def test_conversation_timeout_right():
    fb = ck.conversation_timeout(listen)
    assert fb.ok, str(fb)


def test_conversation_timeout_per_message_timer_fails():
    async def per_message(c, within):
        got = []
        while True:
            sel = await aio.select(c.receiving(), aio.after(within).receiving())
            if sel.index == 1 or not sel.ok:
                return got
            got.append(sel.value)

    fb = ck.conversation_timeout(per_message)
    assert not fb.ok and "once, before the loop" in fb.hint


def test_conversation_timeout_without_a_timer():
    async def until_closed(c, within):
        return [v async for v in c]

    fb = ck.conversation_timeout(until_closed)
    assert not fb.ok and "other messages" in fb.summary


def test_conversation_timeout_returns_after_the_first_message():
    async def first_only(c, within):
        sel = await aio.select(c.receiving(), aio.after(within).receiving())
        return [sel.value] if sel.index == 0 else []

    fb = ck.conversation_timeout(first_only)
    assert not fb.ok and fb.attempted


def test_conversation_timeout_stub():
    assert not ck.conversation_timeout(astub).attempted


# --- 02d.3 semaphore map ---------------------------------------------------------------------


def bounded_map(work, items, n):
    sem, results = Chan(n), [None] * len(items)

    def one(i):
        sem.send(None)
        try:
            results[i] = work(items[i])
        finally:
            sem.recv()

    for g in [go(one, i) for i in range(len(items))]:
        g.join(30)
    return results


def test_semaphore_map_right():
    fb = ck.semaphore_map(bounded_map)
    assert fb.ok, str(fb)


def test_semaphore_map_without_a_semaphore():
    def unbounded(work, items, n):
        results = [None] * len(items)
        gs = [go(lambda i=i: results.__setitem__(i, work(items[i]))) for i in range(len(items))]
        for g in gs:
            g.join(30)
        return results

    fb = ck.semaphore_map(unbounded)
    assert not fb.ok and "at once" in fb.summary and "Chan(n)" in fb.hint


def test_semaphore_map_with_a_lock_is_too_serial():
    def serial(work, items, n):
        lock, results = threading.Lock(), [None] * len(items)

        def one(i):
            with lock:
                results[i] = work(items[i])

        for g in [go(one, i) for i in range(len(items))]:
            g.join(30)
        return results

    fb = ck.semaphore_map(serial)
    assert not fb.ok and "only 1" in fb.summary


def test_semaphore_map_stub():
    assert not ck.semaphore_map(stub).attempted
