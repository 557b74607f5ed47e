"""chanlab.experiments.events: fan-out, late subscribers, memory growth, on the virtual clock."""
import math
import statistics

import pytest

from chanlab.events import POLICIES
from chanlab.experiments.events import fan_out, late_subscriber, memory_growth, spread

FAST, SLOW = 0.005, 0.03


def run(policy, capacity=4, dispatch="async"):
    return fan_out([FAST, SLOW], events=50, interval=0.01, dispatch=dispatch, capacity=capacity,
                   policy=policy)


def test_sync_dispatch_makes_the_publisher_wait_for_every_handler():
    r = run(None, dispatch="sync")
    assert r.policy is None and r.capacity is None
    assert [s.delivered for s in r.subscribers] == [50, 50]
    assert r.publish_time == pytest.approx(50 * (FAST + SLOW))  # each publish runs both handlers
    assert r.publisher_done == pytest.approx(49 * (FAST + SLOW + 0.01) + FAST + SLOW)


@pytest.mark.parametrize("policy", POLICIES)
def test_every_event_is_accounted_for_and_the_fast_subscriber_gets_all(policy):
    r = run(policy, capacity=0 if policy in ("unbounded", "keep_latest") else 4)
    fast, slow = r.subscribers
    assert fast.handled == tuple(range(50))  # a fast subscriber loses nothing, whatever the policy
    for s in r.subscribers:
        assert s.stats.published == 50 == s.delivered + s.dropped and s.stats.queued == 0
        assert list(s.handled) == sorted(s.handled)  # one publisher: order kept, with gaps
    assert len(slow.queue) == 50


def test_policies_with_a_slow_subscriber():
    block, newest, oldest, latest, unbounded = (run(p, 0 if p in ("unbounded", "keep_latest") else 4)
                                                for p in POLICIES)
    # block: nothing lost, but the publisher (and so the fast subscriber) is slowed to the slow pace
    assert block.subscribers[1].dropped == 0 and block.publish_time > 0.5
    assert block.publisher_done > 2 * newest.publisher_done
    assert block.subscribers[0].at[-1] > 1.0 > newest.subscribers[0].at[-1]
    # the dropping policies never make publish wait
    for r in (newest, oldest, latest, unbounded):
        assert r.publish_time == 0 and r.publisher_done == pytest.approx(0.49)
    # a buffer of 4 plus one in hand: the same count lost, but drop_oldest keeps the newest events
    assert newest.subscribers[1].dropped == oldest.subscribers[1].dropped > 0
    assert newest.subscribers[1].handled[:6] == (0, 1, 2, 3, 4, 5)
    assert oldest.subscribers[1].handled[-5:] == (45, 46, 47, 48, 49)
    assert statistics.median(oldest.latencies(1)) < statistics.median(newest.latencies(1))
    assert latest.subscribers[1].stats.high_water == 1
    assert max(latest.latencies(1)) < max(newest.latencies(1))
    # unbounded: nothing lost, the queue grows, and the last event waits longest
    assert unbounded.subscribers[1].dropped == 0
    assert unbounded.subscribers[1].stats.high_water > 20
    assert max(unbounded.latencies("sub2")) > 0.9


def test_the_same_result_every_run():
    a, b = run("drop_oldest"), run("drop_oldest")
    assert a.subscribers == b.subscribers and a.published_at == b.published_at


def test_fan_out_bad_input():
    with pytest.raises(ValueError, match="dispatch must be"):
        fan_out(dispatch="threads")
    with pytest.raises(ValueError, match="unknown policy"):
        fan_out(policy="drop_all")
    with pytest.raises(ValueError, match="capacity >= 1"):
        fan_out(policy="drop_oldest", capacity=0)
    with pytest.raises(ValueError, match="handler_times is empty"):
        fan_out([])
    with pytest.raises(ValueError, match="handler time must be a number"):
        fan_out(["fast"])
    with pytest.raises(ValueError, match="a handler time must be a number >= 0 s, got -1"):
        fan_out([-1])
    with pytest.raises(ValueError, match="one name each"):
        fan_out([0.1, 0.2], names=["a"])
    with pytest.raises(KeyError, match="no subscriber"):
        run("block").subscriber("nobody")


def test_spread():
    assert spread(4, 0.04) == [0.01, 0.02, 0.03, 0.04]
    with pytest.raises(TypeError, match="subscribers must be an int"):  # chanlab.args: a type is a TypeError
        spread(0.5, 1)
    with pytest.raises(ValueError, match="subscribers must be an int >= 0, got -1"):
        spread(-1, 1)


@pytest.mark.parametrize("join_at", [0.0005, 0.035, 0.047, 0.095])
def test_a_late_subscriber_misses_what_was_published_before_it_joined(join_at):
    r = late_subscriber(events=10, interval=0.01, join_at=join_at)
    assert r.early == tuple(range(10))
    k = math.ceil(join_at / 0.01)
    assert r.missed == tuple(range(k)) and r.late == tuple(range(k, 10))


def test_a_subscriber_that_joins_after_the_end_misses_everything():
    r = late_subscriber(events=3, interval=0.01, join_at=0.5)
    assert r.late == () and r.missed == (0, 1, 2)


def test_memory_grows_with_the_unbounded_queue_and_is_capped_by_a_bounded_one():
    unbounded = memory_growth(events=200, interval=0.001, handler_time=0.004, payload_bytes=1000)
    assert unbounded.peak_queued == 150  # 200 in, 50 handled: 3 of every 4 stay
    per_event = unbounded.bytes_per_event
    assert 1000 < per_event < 1300  # the payload (1033 bytes) plus a little bookkeeping
    assert unbounded.peak_bytes > 150 * 1000
    bounded = memory_growth(events=200, interval=0.001, handler_time=0.004, policy="drop_oldest",
                            capacity=20, payload_bytes=1000)
    assert bounded.peak_queued == 20
    assert bounded.peak_bytes < 20 * 1300 + 5000
    assert bounded.peak_bytes * 4 < unbounded.peak_bytes
    with pytest.raises(ValueError, match="capacity >= 1"):
        memory_growth(policy="drop_oldest", capacity=0)


# --- the explorer ----------------------------------------------------------------------------------------
def test_explorer_draws_once_and_follows_the_sliders():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from chanlab.plots import draw_fan_out
    from chanlab.widgets import events_explorer

    w = events_explorer()
    assert [s.handler_time for s in w.result.subscribers] == [0.01, 0.02, 0.03]
    sliders = {c.description: c for c in w.children if hasattr(c, "description")}
    sliders["subscribers"].value = 5
    assert len(w.result.subscribers) == 5
    sliders["when an inbox is full"].value = "drop_oldest"
    sliders["inbox capacity"].value = 0  # drop_oldest needs a buffer: the explorer uses 1
    assert w.result.capacity == 1
    sliders["dispatch"].value = "sync"
    assert w.result.dispatch == "sync" and all(s.dropped == 0 for s in w.result.subscribers)
    left, right = draw_fan_out(run("unbounded", 0))
    for ax in (left, right):
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel() and ax.get_legend() is not None
    plt.close("all")
