"""after, tick, context (statements 15-16) and tracing, for threads."""
import time

import pytest

from chanlab import Chan, Ticker, after, context, go, select, tick, trace
from chanlab.runtime import sched


def test_after_fires_once_after_the_delay():
    t0 = time.monotonic()
    ch = after(0.05)
    fired_at = ch.recv(timeout=2)
    assert fired_at - t0 >= 0.05
    with pytest.raises(TimeoutError):
        ch.recv(timeout=0.1)  # only once


def test_after_zero_fires_at_once():
    assert after(0).recv(timeout=1) is not None


def test_ticker_drops_ticks_for_a_slow_receiver():
    with trace.tracing() as tr, Ticker(0.01) as ticker:
        time.sleep(0.2)  # about 20 ticks pass; one is kept for the slow receiver
        assert len(ticker.c) == 0 and ticker.c.cap == 0  # Go 1.23: a timer channel is synchronous
        first = ticker.c.recv(timeout=1)
        second = ticker.c.recv(timeout=1)  # a fresh tick, not a backlog
    drops = [e for e in tr.events if e.kind == "drop" and e.chan == ticker.c.name]
    assert len(drops) >= 5
    assert drops[-1].goroutine == "timer"
    assert second > first


def test_ticker_stop_and_bad_period():
    ticker = Ticker(0.01)
    ticker.stop()
    time.sleep(0.05)
    with pytest.raises(TimeoutError):
        ticker.c.recv(timeout=0.05)
    with pytest.raises(ValueError, match="> 0"):
        Ticker(0)
    with pytest.raises(TypeError):
        after("1s")


def test_tick_stops_when_its_channel_is_dropped():
    before = len(sched.chan_timers)
    ch = tick(0.01)
    assert len(sched.chan_timers) == before + 1
    ch.recv(timeout=1)
    del ch
    assert len(sched.chan_timers) == before  # the ticker stopped (Go 1.23: time.Tick is collected)


def test_context_cancel_closes_done_and_sets_err():
    ctx, cancel = context.with_cancel(context.background())
    assert ctx.err() is None
    assert select(ctx.done().receiving(), default=True).index is None
    cancel()
    assert ctx.done().recv_ok(timeout=1) == (None, False)
    assert ctx.err() is context.Canceled
    assert str(ctx.err()) == "context canceled"
    cancel()  # cancelling twice is fine, as in Go


def test_context_timeout_sets_deadline_exceeded():
    ctx, cancel = context.with_timeout(context.background(), 0.05)
    try:
        sel = select(Chan().receiving(), ctx.done().receiving())
        assert sel.index == 1
        assert ctx.err() is context.DeadlineExceeded
        assert str(ctx.err()) == "context deadline exceeded"
        assert isinstance(ctx.err(), TimeoutError)
    finally:
        cancel()


def test_cancelling_a_parent_cancels_children_not_the_other_way():
    parent, cancel_parent = context.with_cancel(context.background())
    child, cancel_child = context.with_cancel(parent)
    grandchild, _ = context.with_timeout(child, 60)
    cancel_child()
    assert parent.err() is None and child.err() is context.Canceled
    assert grandchild.err() is context.Canceled
    other, _ = context.with_cancel(parent)
    cancel_parent()
    assert other.err() is context.Canceled
    late, _ = context.with_cancel(parent)  # born from a cancelled parent: already cancelled
    assert late.err() is context.Canceled


def test_cancel_frees_the_timer():
    before = sched.timers
    ctx, cancel = context.with_timeout(context.background(), 3600)
    assert sched.timers == before + 1
    cancel()
    assert sched.timers == before


def test_cancel_does_not_wait_for_the_work():
    ctx, cancel = context.with_cancel(context.background())
    stopped = Chan(1)

    def worker():
        ctx.done().recv()
        time.sleep(0.1)  # cleaning up
        stopped.send(True)

    g = go(worker)
    t0 = time.monotonic()
    cancel()
    assert time.monotonic() - t0 < 0.05
    assert stopped.recv(timeout=2)
    g.join(timeout=2)


def test_background_done_is_a_nil_channel():
    nil = context.background().done()
    assert not nil and nil.receiving() is None and nil.sending(1) is None
    with pytest.raises(TimeoutError):
        nil.recv(timeout=0.05)  # <-nil blocks forever
    assert context.background().err() is None
    with pytest.raises(TypeError, match="background"):
        context.with_cancel(None)


def test_trace_records_a_rendezvous():
    ch = Chan(name="ping")
    with trace.tracing() as tr:
        g = go(ch.send, "hi")
        assert ch.recv() == "hi"
        g.join(timeout=2)
        ch.close()
    kinds = [(e.goroutine == g.name, e.kind) for e in tr.events if e.kind in ("start", "send", "recv", "end", "close")]
    assert (True, "start") in kinds and (True, "send") in kinds and (True, "end") in kinds
    assert (False, "recv") in kinds and (False, "close") in kinds
    sends = tr.of_kind("send")
    recvs = tr.of_kind("recv")
    assert [(e.chan, e.value) for e in sends] == [("ping", "hi")]
    assert [(e.chan, e.value) for e in recvs] == [("ping", "hi")]
    assert sends[0].t == recvs[0].t  # one hand-off, one instant
    assert all(a.t <= b.t for a, b in zip(tr.events, tr.events[1:]))
    assert trace.active is None


def test_trace_records_blocking():
    ch = Chan(name="slow")
    with trace.tracing() as tr:
        g = go(lambda: (time.sleep(0.05), ch.send(1)))
        ch.recv()
        g.join(timeout=2)
    main_events = [e.kind for e in tr.events if e.goroutine == "MainThread"]
    assert main_events[:3] == ["block", "recv", "unblock"] or main_events[:3] == ["block", "unblock", "recv"]


def test_tracing_does_not_nest():
    with trace.tracing():
        with pytest.raises(RuntimeError, match="already"):
            with trace.tracing():
                pass
