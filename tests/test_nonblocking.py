"""``ch.try_send(v)`` and ``ch.try_recv()`` (Go's select with a default case) on both flavours, and
the channel invariants of chan.py's docstring (``Chan._check_invariants``)."""

import pytest

from chanlab import Chan, ClosedChannelError, aio, go, trace


def vrun(main):
    return aio.run(main, virtual_time=True, timeout=20)


# ---- the same answers in both flavours, without anybody waiting ------------------------------------


def _script(ch):
    """What try_send / try_recv answer on a channel of capacity 1, step by step."""
    return [
        ch.try_recv(),  # empty: would wait
        ch.try_send("a"),  # room: sent
        ch.try_send("b"),  # full: would wait
        len(ch),
        ch.try_recv(),  # ("a", True)
        ch.try_send(None),  # None is a value like any other
        ch.try_recv(),  # (None, True), not the closed result
        ch.close(),
        ch.try_recv(),  # (None, False): closed and drained
    ]


EXPECTED = [None, True, False, 1, ("a", True), True, (None, True), None, (None, False)]


def test_threads_answers():
    assert _script(Chan(1)) == EXPECTED


def test_aio_answers():
    async def main():
        return _script(aio.Chan(1))

    assert vrun(main()) == EXPECTED


@pytest.mark.parametrize("flavour", ["threads", "aio"])
def test_closed_channel_panics_on_try_send_in_both_flavours(flavour):
    def check(ch):
        ch.close()
        with pytest.raises(ClosedChannelError, match="send on closed channel"):
            ch.try_send(1)
        assert ch.try_recv() == (None, False)
        return True

    if flavour == "threads":
        assert check(Chan())
    else:
        async def main():
            return check(aio.Chan())

        assert vrun(main())


def test_buffered_values_drain_after_close():
    ch = Chan(2)
    assert ch.try_send(1) and ch.try_send(2)
    ch.close()
    assert [ch.try_recv(), ch.try_recv(), ch.try_recv()] == [(1, True), (2, True), (None, False)]


def test_unbuffered_needs_a_waiting_partner_threads(wait_until):
    ch = Chan()
    assert ch.try_send(1) is False and ch.try_recv() is None
    got = []
    g = go(lambda: got.append(ch.recv_ok(timeout=10)))
    wait_until(lambda: len(ch._recvq) == 1, what="the receiver to wait")
    assert ch.try_send(7) is True
    g.join(timeout=10)
    assert got == [(7, True)]

    g = go(ch.send, 8, timeout=10)
    wait_until(lambda: len(ch._sendq) == 1, what="the sender to wait")
    assert ch.try_recv() == (8, True)
    g.join(timeout=10)


def test_unbuffered_needs_a_waiting_partner_aio():
    async def main():
        ch = aio.Chan()
        first = (ch.try_send(1), ch.try_recv())
        r = aio.go(ch.recv_ok)
        await aio.sleep(0)  # the receiver parks
        sent = ch.try_send(7)
        received = await r
        s = aio.go(ch.send, 8)
        await aio.sleep(0)
        taken = ch.try_recv()
        await s
        return first, sent, received, taken

    assert vrun(main()) == ((False, None), True, (7, True), (8, True))


def test_try_recv_moves_a_waiting_sender_into_the_buffer(wait_until):
    ch = Chan(1)
    ch.send("first")
    g = go(ch.send, "second", timeout=10)
    wait_until(lambda: len(ch._sendq) == 1, what="the sender to wait on the full buffer")
    assert ch.try_recv() == ("first", True)
    g.join(timeout=10)
    assert len(ch) == 1 and ch.try_recv() == ("second", True)
    ch._check_invariants()


def test_trace_events_as_a_blocking_operation():
    ch = Chan(1)
    with trace.tracing() as tr:
        ch.try_send(5)
        ch.try_send(6)  # would wait: no event
        ch.try_recv()
    kinds = [(e.kind, e.value) for e in tr.events]
    assert kinds == [("send", 5), ("recv", 5)]


# ---- the invariants ------------------------------------------------------------------------------


def test_invariants_hold_and_a_broken_channel_is_caught(wait_until):
    ch = Chan(2)
    ch._check_invariants()
    ch.send(1)
    ch._check_invariants()
    ch._buf.extend([2, 3])  # corrupt it by hand: more values than the capacity
    with pytest.raises(AssertionError, match="len"):
        ch._check_invariants()
    ch._buf.clear()
    g = go(ch.recv, timeout=10)
    wait_until(lambda: len(ch._recvq) == 1, what="the receiver to wait")
    ch._check_invariants()
    ch._buf.append("x")  # a value in the buffer while a receiver waits: impossible
    with pytest.raises(AssertionError, match="receivers wait"):
        ch._check_invariants()
    ch._buf.clear()
    ch.send("y")
    g.join(timeout=10)
    ch._check_invariants()


def test_one_select_on_both_sides_of_an_unbuffered_channel_is_allowed(wait_until):
    from chanlab import select

    ch = Chan()
    g = go(select, ch.sending(1), ch.receiving(), timeout=10)
    wait_until(lambda: len(ch._recvq) == 1 and len(ch._sendq) == 1, what="select to wait")
    ch._check_invariants()  # the exception Go's chan.go names
    assert ch.try_recv() == (1, True)
    g.join(timeout=10)
    ch._check_invariants()


def test_aio_invariants_caught():
    async def main():
        ch = aio.Chan(1)
        r = aio.go(ch.recv)
        await aio.sleep(0)
        ch._check_invariants()
        ch._buf.append("x")
        try:
            ch._check_invariants()
        except AssertionError as e:
            caught = str(e)
        else:
            caught = None
        ch._buf.clear()
        ch.try_send("y")
        await r
        ch._check_invariants()
        return caught

    assert "receivers wait" in vrun(main())
