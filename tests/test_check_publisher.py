"""Checkers of notebook 04's exercises: right answers pass, typical wrong ones get specific feedback."""
import math
import queue

from chanlab import Chan, Selected, after, aio, go, select
from chanlab.check import publisher as ck


def test_predict_drops():
    k = math.ceil(35 / 10)
    assert ck.predict_drops({"delivered": 8, "messages": list(range(0, 30, k))}).ok
    fb = ck.predict_drops({"delivered": 10, "messages": list(range(0, 30, 3))})  # 35 // 10
    assert not fb.ok and "t = 40 ms" in fb.hint
    assert not ck.predict_drops({"delivered": 30, "messages": list(range(30))}).ok  # no drops
    assert not ck.predict_drops({"delivered": 8}).ok
    assert not ck.predict_drops({"delivered": ..., "messages": ...}).attempted


async def _offer(ch, v, dropped):
    while True:
        match await aio.select(ch.sending(v), default=True):
            case Selected(0):
                return
            case Selected(None):
                old = await aio.select(ch.receiving(), default=True)
                if old.index == 0:
                    dropped.append(old.value)


def test_drop_oldest():
    assert ck.drop_oldest(_offer).ok

    async def drops_newest(ch, v, dropped):
        if (await aio.select(ch.sending(v), default=True)).index is None:
            dropped.append(v)

    fb = ck.drop_oldest(drops_newest)
    assert not fb.ok and "OLDEST" in fb.hint

    async def blocks(ch, v, dropped):
        await ch.send(v)

    fb = ck.drop_oldest(blocks)
    assert not fb.ok and "Nothing was dropped" in fb.hint

    async def forgets_the_list(ch, v, dropped):
        await _offer(ch, v, [])

    assert "delivered or in dropped" in ck.drop_oldest(forgets_the_list).summary

    async def stub(ch, v, dropped):
        raise NotImplementedError

    assert not ck.drop_oldest(stub).attempted


def _publisher(ctx, watch_ctx=True, close=True):
    ch = Chan()

    def loop():
        try:
            i = 0
            while True:
                if watch_ctx:
                    if select(ctx.done().receiving(), ch.sending(i)).index == 0:
                        return
                else:
                    ch.send(i)
                i += 1
                if select(ctx.done().receiving(), after(0.005).receiving()).index == 0:
                    return
        finally:
            if close:
                ch.close()

    return ch, go(loop)


def test_stop_cleanly():
    assert ck.stop_cleanly(_publisher).ok
    fb = ck.stop_cleanly(lambda ctx: _publisher(ctx, watch_ctx=False))
    assert not fb.ok and "still running" in fb.summary and "ctx.done()" in fb.hint
    fb = ck.stop_cleanly(lambda ctx: _publisher(ctx, close=False))
    assert not fb.ok and "open" in fb.summary
    assert "return ch, go(loop)" in ck.stop_cleanly(lambda ctx: _publisher(ctx)[0]).hint

    def stub(ctx):
        raise NotImplementedError

    assert not ck.stop_cleanly(stub).attempted


def _drops_queue(q, offers=20):
    dropped = 0
    for i in range(offers):
        try:
            q.put_nowait(i)
        except queue.Full:
            dropped += 1
    return dropped


def _drops_chan(ch, offers=20):
    return sum(select(ch.sending(i), default=True).index is None for i in range(offers))


def test_never_drops():
    assert ck.never_drops(_drops_queue, _drops_chan).ok

    def waits(q, offers=20):
        for i in range(offers):
            q.put(i)
        return 0

    fb = ck.never_drops(waits, _drops_chan)
    assert not fb.ok and "put_nowait" in fb.hint

    def chan_waits(ch, offers=20):
        for i in range(offers):
            ch.send(i)
        return 0

    fb = ck.never_drops(_drops_queue, chan_waits)
    assert not fb.ok and "default=True" in fb.hint

    def off_by_one(ch, offers=20):
        return _drops_chan(ch, offers) - 1

    assert "Chan(1)" in ck.never_drops(_drops_queue, off_by_one).summary

    def stub(q, offers=20):
        raise NotImplementedError

    assert not ck.never_drops(stub, stub).attempted


async def _offer_block_timeout(ch, v, timeout, dropped):
    if (await aio.select(ch.sending(v), aio.after(timeout).receiving())).index == 1:
        dropped.append(v)


def test_block_timeout():
    fb = ck.block_timeout(_offer_block_timeout)
    assert fb.ok and "block_timeout" in fb.summary

    async def blocks(ch, v, timeout, dropped):
        await ch.send(v)

    fb = ck.block_timeout(blocks)
    assert not fb.ok and "Nothing was dropped" in fb.hint

    async def drops_newest(ch, v, timeout, dropped):
        if (await aio.select(ch.sending(v), default=True)).index is None:
            dropped.append(v)

    fb = ck.block_timeout(drops_newest)
    assert not fb.ok and "drop_newest" in fb.hint

    async def waits_half(ch, v, timeout, dropped):
        await _offer_block_timeout(ch, v, timeout / 2, dropped)

    fb = ck.block_timeout(waits_half)
    assert not fb.ok and "at most timeout" in fb.hint

    async def forgets_the_list(ch, v, timeout, dropped):
        await _offer_block_timeout(ch, v, timeout, [])

    assert "delivered or in dropped" in ck.block_timeout(forgets_the_list).summary

    async def stub(ch, v, timeout, dropped):
        raise NotImplementedError

    assert not ck.block_timeout(stub).attempted
    assert not ck.block_timeout(...).attempted
