"""select (threads): statements 6-9 of go-semantics.md."""
import math
from collections import Counter

import pytest

from chanlab import Chan, ClosedChannelError, Selected, after, go, select


def full(value, cap=1):
    ch = Chan(cap)
    ch.send(value)
    return ch


def test_picks_uniformly_among_ready_cases():
    # Go: about 10,000 each of 30,000 tries over 3 ready cases.
    chans = [Chan(1) for _ in range(3)]
    counts = Counter()
    for _ in range(30_000):
        for i, ch in enumerate(chans):
            if len(ch) == 0:
                ch.send(i)
        counts[select(*(ch.receiving() for ch in chans)).index] += 1
    n, p = 30_000, 1 / 3
    sd = math.sqrt(n * p * (1 - p))  # 81.6
    for i in range(3):
        assert abs(counts[i] - n * p) < 6 * sd, counts  # a fair choice fails this with p < 1e-8
    chi2 = sum((counts[i] - n * p) ** 2 / (n * p) for i in range(3))
    assert chi2 < 30, counts  # chi-square, 2 degrees of freedom: P(> 30) < 1e-6


def test_the_chosen_receive_reports_value_and_ok():
    assert select(full("x").receiving()) == Selected(0, "x", True)


def test_default_runs_when_nothing_is_ready():
    assert select(Chan().receiving(), Chan().sending(1), default=True) == Selected(None, None, True)


def test_none_case_is_never_chosen():
    # Go: a nil channel blocks forever and select never picks it.
    for _ in range(200):
        assert select(None, full(1).receiving(), None).index == 1
    assert select(None, default=True).index is None


def test_closed_channel_is_ready_for_receiving():
    closed = Chan()
    closed.close()
    assert select(Chan().receiving(), closed.receiving()) == Selected(1, None, False)


def test_send_case_on_closed_channel_raises():
    closed = Chan(1)
    closed.close()
    with pytest.raises(ClosedChannelError, match="send on closed channel"):
        select(closed.sending(1), default=True)


def test_unbuffered_send_beside_default_needs_a_waiting_receiver(wait_until):
    # Statement 9: the article's publisher "drops" only when no receiver is waiting at that instant.
    ch = Chan()
    assert select(ch.sending(1), default=True).index is None  # nobody waiting: default
    g = go(ch.recv)
    wait_until(lambda: len(ch._recvq) == 1, what="the receiver to wait")
    assert select(ch.sending(2), default=True) == Selected(0, None, True)
    assert g.join(timeout=2) == 2


def test_blocking_select_completes_exactly_one_case(wait_until):
    a, b = Chan(), Chan()
    result = Chan(1)
    g = go(lambda: result.send(select(a.receiving(), b.receiving())))
    wait_until(lambda: len(a._recvq) == 1 and len(b._recvq) == 1, what="select to wait on both")
    b.send("from b")
    g.join(timeout=2)
    assert result.recv() == Selected(1, "from b", True)
    # the stale waiter on `a` is gone: a send on `a` now finds nobody
    assert len(a._recvq) == 0
    assert select(a.sending(1), default=True).index is None


def test_blocked_select_send_case_completes(wait_until):
    out = Chan()
    g = go(lambda: select(out.sending("hello"), Chan().receiving()))
    wait_until(lambda: len(out._sendq) == 1, what="select to offer its send")
    assert out.recv() == "hello"
    assert g.join(timeout=2) == Selected(0, None, True)


def test_select_timeout_and_after():
    with pytest.raises(TimeoutError):
        select(Chan().receiving(), timeout=0.05)
    assert select(Chan().receiving(), after(0.02).receiving()).index == 1


def test_select_woken_by_close_of_send_case_raises(wait_until):
    ch = Chan()
    errors = Chan(1)

    def selector():
        try:
            select(ch.sending(1))
        except ClosedChannelError as e:
            errors.send(str(e))

    g = go(selector)
    wait_until(lambda: len(ch._sendq) == 1, what="the select to wait")
    ch.close()
    g.join(timeout=2)
    assert errors.recv() == "send on closed channel"


def test_not_a_case_is_a_clear_error():
    with pytest.raises(TypeError, match=r"ch.receiving\(\) or ch.sending\(value\)"):
        select(Chan())


def test_same_channel_twice_in_one_select():
    ch = Chan(1)
    ch.send(5)
    sel = select(ch.receiving(), ch.receiving())
    assert sel.value == 5 and sel.index in (0, 1)


def test_mixing_flavours_is_a_clear_error():
    from chanlab import aio

    with pytest.raises(TypeError, match="not a chanlab \\(threads\\) channel"):
        select(aio.Chan().receiving(), default=True)
