"""Checkers of notebook 02a's exercises: right answers pass, typical wrong ones get specific feedback."""
from chanlab import Chan, after, aio, select
from chanlab.check import channels as ck


def test_try_send():
    def try_send(ch, value):
        return select(ch.sending(value), default=True).index == 0

    assert ck.try_send(try_send).ok

    def blocks(ch, value):
        ch.send(value)
        return True

    fb = ck.try_send(blocks)
    assert not fb.ok and "DeadlockError" in fb.got and "default=True" in fb.hint

    def looks_at_room(ch, value):
        if len(ch) < ch.cap:
            ch.send(value)
            return True
        return False

    fb = ck.try_send(looks_at_room)
    assert not fb.ok and "receiver" in fb.summary

    def forgets_to_return(ch, value):
        select(ch.sending(value), default=True)

    assert "True, False" in ck.try_send(forgets_to_return).expected

    def stub(ch, value):
        raise NotImplementedError

    assert not ck.try_send(stub).attempted


def _consumer(readings):
    total = missing = 0
    for r in readings:
        if r is None:
            missing += 1
        else:
            total += r
    return total, missing


def test_close_consumers():
    assert ck.close_consumers(_consumer).ok

    def stops_at_none(readings):
        total = 0
        while (r := readings.recv()) is not None:
            total += r
        return total, 0

    fb = ck.close_consumers(stops_at_none)
    assert not fb.ok and "missing 0" in fb.got

    def only_total(readings):
        return _consumer(readings)[0]

    assert "pair" in ck.close_consumers(only_total).summary

    def stub(readings):
        raise NotImplementedError

    assert not ck.close_consumers(stub).attempted


def test_first():
    def first(chans, timeout):
        sel = select(*[c.receiving() for c in chans], after(timeout).receiving())
        if sel.index == len(chans):
            raise TimeoutError("none")
        return sel.index, sel.value

    assert ck.first(first).ok

    def in_turn(chans, timeout):  # waits on each channel in turn
        for i, c in enumerate(chans):
            try:
                return i, c.recv(timeout=timeout)
            except TimeoutError:
                pass
        raise TimeoutError("none")

    fb = ck.first(in_turn)
    assert not fb.ok and "waited on the empty channel" in fb.summary

    def returns_none_on_timeout(chans, timeout):
        sel = select(*[c.receiving() for c in chans], after(timeout).receiving())
        return None if sel.index == len(chans) else (sel.index, sel.value)

    assert "TimeoutError" in ck.first(returns_none_on_timeout).expected

    def value_only(chans, timeout):
        return select(*[c.receiving() for c in chans], after(timeout).receiving()).value

    assert "(sel.index, sel.value)" in ck.first(value_only).hint

    def stub(chans, timeout):
        raise NotImplementedError

    assert not ck.first(stub).attempted


async def _gen(out):
    for i in range(1, 5):
        await aio.sleep(1)
        await out.send(i)
    out.close()


async def _square(inp, out):
    async for v in inp:
        await out.send(v * v)
    out.close()


def test_pipeline():
    assert ck.pipeline(_gen, _square).ok

    async def no_close(inp, out):
        async for v in inp:
            await out.send(v * v)

    fb = ck.pipeline(_gen, no_close)
    assert not fb.ok and "close" in fb.hint

    async def no_sleep(out):
        for i in range(1, 5):
            await out.send(i)
        out.close()

    fb = ck.pipeline(no_sleep, _square)
    assert not fb.ok and "t = 0 s" in fb.got

    async def doubles(inp, out):
        async for v in inp:
            await out.send(v * 2)
        out.close()

    assert "[2, 4, 6, 8]" in ck.pipeline(_gen, doubles).got

    async def stub(out):
        raise NotImplementedError

    assert not ck.pipeline(stub, _square).attempted
    assert not ck.pipeline(..., ...).attempted
