"""Channels (threads): the statements 1-5, 9 and 10 of go-semantics.md, plus timeouts and bad input."""
import pytest

from chanlab import Chan, ClosedChannelError, go


def blocked_receivers(ch):
    return len(ch._recvq)


def blocked_senders(ch):
    return len(ch._sendq)


# 1. unbuffered is a rendezvous
def test_unbuffered_send_waits_for_a_receiver(wait_until):
    ch = Chan()
    g = go(ch.send, "v")
    wait_until(lambda: blocked_senders(ch) == 1, what="the sender to block")
    assert g.is_alive(), "send returned before anyone received"
    assert len(ch) == 0 and ch.cap == 0
    assert ch.recv() == "v"
    g.join(timeout=2)


def test_unbuffered_recv_waits_for_a_sender(wait_until):
    ch = Chan()
    g = go(ch.recv)
    wait_until(lambda: blocked_receivers(ch) == 1, what="the receiver to block")
    ch.send(7)
    assert g.join(timeout=2) == 7


# 2. buffered: FIFO, send blocks only when full, recv only when empty
def test_buffered_fifo_and_blocking_points():
    ch = Chan(3)
    for v in "abc":
        ch.send(v, timeout=0)  # never blocks while there is room
    with pytest.raises(TimeoutError):
        ch.send("d", timeout=0)  # full
    assert [ch.recv(timeout=0) for _ in range(3)] == ["a", "b", "c"]
    with pytest.raises(TimeoutError):
        ch.recv(timeout=0)  # empty


def test_full_buffer_sender_moves_in_when_a_slot_frees(wait_until):
    ch = Chan(2)
    ch.send(1)
    ch.send(2)
    g = go(ch.send, 3)
    wait_until(lambda: blocked_senders(ch) == 1, what="the sender to block on a full buffer")
    assert ch.recv() == 1
    g.join(timeout=2)
    assert len(ch) == 2
    assert [ch.recv(), ch.recv()] == [2, 3]


# 3. len and cap
def test_len_and_cap():
    ch = Chan(5)
    assert (len(ch), ch.cap) == (0, 5)
    ch.send(None)
    ch.send(None)
    assert (len(ch), ch.cap) == (2, 5)
    assert (len(Chan()), Chan().cap) == (0, 0)


# 4. close: drain first, then the zero value and ok == False
def test_receive_after_close_matches_go():
    ch = Chan(2)
    ch.send(1)
    ch.send(2)
    ch.close()
    got = [ch.recv_ok() for _ in range(4)]
    assert got == [(1, True), (2, True), (None, False), (None, False)]  # Go: 1 true 2 true 0 false 0 false
    assert ch.recv() is None


def test_none_is_a_value_and_ok_tells_it_from_closed():
    ch = Chan(1)
    ch.send(None)
    assert ch.recv_ok() == (None, True)
    ch.close()
    assert ch.recv_ok() == (None, False)


# 5. panics: send on closed, close of closed
def test_send_on_closed_channel_raises():
    ch = Chan(1)
    ch.close()
    with pytest.raises(ClosedChannelError, match="^send on closed channel$"):
        ch.send(1)


def test_close_of_closed_channel_raises():
    ch = Chan()
    ch.close()
    with pytest.raises(ClosedChannelError, match="^close of closed channel$"):
        ch.close()


def test_close_wakes_every_blocked_receiver_and_sender(wait_until):
    rx = Chan()
    receivers = [go(rx.recv_ok) for _ in range(3)]
    wait_until(lambda: blocked_receivers(rx) == 3, what="three receivers to block")
    rx.close()
    assert [g.join(timeout=2) for g in receivers] == [(None, False)] * 3

    tx = Chan()
    outcomes = Chan(3)

    def sender(v):
        try:
            tx.send(v)
            outcomes.send("sent")
        except ClosedChannelError as e:
            outcomes.send(str(e))

    senders = [go(sender, i) for i in range(3)]
    wait_until(lambda: blocked_senders(tx) == 3, what="three senders to block")
    tx.close()
    for g in senders:
        g.join(timeout=2)
    assert sorted(outcomes.recv() for _ in range(3)) == ["send on closed channel"] * 3


# 10. range ends only when closed and drained
def test_range_ends_when_closed_and_drained():
    ch = Chan(10)
    for i in range(5):
        ch.send(i)
    ch.close()
    assert list(ch) == [0, 1, 2, 3, 4]


def test_range_over_a_channel_fed_by_a_goroutine():
    ch = Chan()

    def produce():
        for i in range(100):
            ch.send(i)
        ch.close()

    g = go(produce)
    assert list(ch) == list(range(100))
    g.join(timeout=2)


# timeouts leave the channel as if nothing happened
def test_send_timeout_leaves_nothing_behind():
    ch = Chan()
    with pytest.raises(TimeoutError):
        ch.send("lost?", timeout=0.05)
    assert blocked_senders(ch) == 0
    with pytest.raises(TimeoutError):
        ch.recv(timeout=0.05)  # the timed-out value was never sent
    assert blocked_receivers(ch) == 0


def test_recv_timeout_then_later_send_is_not_taken_by_the_ghost(wait_until):
    ch = Chan()
    with pytest.raises(TimeoutError):
        ch.recv(timeout=0.05)
    g = go(ch.send, 1)
    wait_until(lambda: blocked_senders(ch) == 1, what="the sender to block")
    assert ch.recv(timeout=2) == 1
    g.join(timeout=2)


# bad input gets a clear error
@pytest.mark.parametrize("cap, exc, msg", [
    (-1, ValueError, "must be an int >= 0"),
    (1.5, TypeError, "must be an int"),
    ("3", TypeError, "must be an int"),
    (True, TypeError, "must be an int"),
    (None, TypeError, "must be an int"),
])
def test_bad_capacity(cap, exc, msg):
    with pytest.raises(exc, match=msg):
        Chan(cap)


@pytest.mark.parametrize("timeout, exc", [(-1, ValueError), ("1", TypeError), (float("nan"), ValueError)])
def test_bad_timeout(timeout, exc):
    with pytest.raises(exc, match="timeout"):
        Chan().recv(timeout=timeout)


def test_repr_says_what_the_channel_holds():
    ch = Chan(2, name="jobs")
    ch.send(1)
    assert repr(ch) == "<Chan 'jobs' cap=2 len=1 open, 0 senders and 0 receivers waiting>"
