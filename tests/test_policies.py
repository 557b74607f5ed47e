"""chanlab.policies: every overflow policy as an object, the one capacity rule, the step that never
waits, and the block-with-timeout policy end to end (bus, both flavours; publisher experiment)."""
import asyncio
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chanlab import Chan, aio, events, policies
from chanlab.aio import events as aio_events
from chanlab.errors import ClosedChannelError
from chanlab.experiments import publish
from chanlab.experiments.events import fan_out
from chanlab.policies import (BLOCK, DROP_NEWEST, DROP_OLDEST, KEEP_LATEST, NAMES, POLICIES,
                              UNBOUNDED, UNBOUNDED_POLICY, WAIT, BlockTimeout)

EVERY = [policies.get(n) for n in NAMES] + [BlockTimeout(0.003), BlockTimeout(0.05)]


def vrun(main):
    return aio.run(main, virtual_time=True, timeout=20)


# --- the objects -------------------------------------------------------------------------------------
def test_names_are_listed_once_and_every_user_shares_them():
    assert POLICIES == ("block", "drop_newest", "drop_oldest", "keep_latest", "unbounded")
    assert NAMES == POLICIES + ("block_timeout",)
    from chanlab.experiments.publisher import POLICIES as publisher_policies
    assert events.POLICIES is aio_events.POLICIES is publisher_policies is POLICIES


@pytest.mark.parametrize("policy, waits, drops, go", [
    (BLOCK, True, False, "ch <- v"),
    (DROP_NEWEST, False, True, "select { case ch <- v: default: }"),
    (DROP_OLDEST, False, True, "<-ch"),
    (KEEP_LATEST, False, True, "make(chan T, 1)"),
    (UNBOUNDED_POLICY, False, False, "append"),
    (BlockTimeout(0.02), True, True, "time.After"),
])
def test_each_policy_says_whether_the_publisher_waits_and_whether_it_drops(policy, waits, drops, go):
    assert (policy.waits, policy.drops) == (waits, drops)
    assert go in policy.go and type(policy).__doc__
    assert policies.get(policy.name).name == policy.name and policies.get(policy) is policy


@pytest.mark.parametrize("policy, given, size", [
    (BLOCK, None, 0), (BLOCK, 0, 0), (BLOCK, 5, 5),
    (DROP_NEWEST, None, 0), (DROP_NEWEST, 3, 3),
    (DROP_OLDEST, 1, 1), (DROP_OLDEST, 4, 4),
    (KEEP_LATEST, None, 1), (KEEP_LATEST, 0, 1), (KEEP_LATEST, 1, 1),
    (UNBOUNDED_POLICY, None, UNBOUNDED), (UNBOUNDED_POLICY, 0, UNBOUNDED),
    (BlockTimeout(), None, 0), (BlockTimeout(), 2, 2),
])
def test_one_capacity_rule_none_and_zero_mean_no_buffer_asked_for(policy, given, size):
    assert policy.buffer(given) == size
    assert policies.buffer_for(policy.name, given) == (policies.get(policy.name), size)


@pytest.mark.parametrize("policy, capacity, error, message", [
    ("drop_oldest", None, ValueError, "capacity >= 1"),
    ("drop_oldest", 0, ValueError, "capacity >= 1"),
    ("keep_latest", 2, ValueError, "one-slot mailbox.*got 2"),
    ("unbounded", 5, ValueError, "no capacity.*got 5"),
    ("block", -1, ValueError, "capacity must be an int >= 0.*got -1"),
    ("block", 1.5, TypeError, "capacity must be an int >= 0.*not float 1.5"),
    ("block", True, TypeError, "capacity must be an int.*bool"),
    ("drop_newset", 0, ValueError, "unknown policy 'drop_newset'.*'block_timeout'"),
    (3, 0, TypeError, "policy must be one of.*not int 3"),
])
def test_bad_policies_and_capacities_say_what_is_allowed(policy, capacity, error, message):
    with pytest.raises(error, match=message):
        policies.buffer_for(policy, capacity)


def test_block_timeout_carries_its_timeout():
    p = BlockTimeout(0.02)
    assert p.timeout == 0.02 and p.label == "block_timeout(0.02 s)" and str(p) == p.label
    assert policies.label("block") == "block" and policies.label(p) == p.label
    assert policies.get("block_timeout") == BlockTimeout(0.01)  # the name gives the default
    assert p == BlockTimeout(0.02) != BlockTimeout(0.03)
    assert p.patience() == (0.02, True)  # its own limit: running out means drop
    assert p.patience(0.5) == (0.02, True)
    assert p.patience(0.005) == (0.005, False)  # the caller's limit comes first: a timeout
    assert BLOCK.patience() == (None, False) and BLOCK.patience(0.3) == (0.3, False)
    for bad, error in ((0, ValueError), (-1, ValueError), (float("nan"), ValueError),
                       ("1", TypeError), (True, TypeError)):
        with pytest.raises(error, match="timeout must be a number > 0 s"):
            BlockTimeout(bad)


def test_wait_is_neither_true_nor_false():
    with pytest.raises(TypeError, match="is WAIT"):
        bool(WAIT)


# --- the step that never waits, on both channel flavours ----------------------------------------------
def offers(policy, ch, values):
    """Offer every value; return (what each offer answered, what was dropped, what is queued)."""
    dropped, answers = [], []
    for v in values:
        answers.append(policy.offer(ch, v, dropped.append))
    queued = []
    while (got := ch.try_recv()) is not None and got[1]:
        queued.append(got[0])
    return answers, dropped, queued


@pytest.mark.parametrize("make", [Chan, aio.Chan], ids=["threads", "asyncio"])
@pytest.mark.parametrize("policy, capacity, answers, dropped, queued", [
    (DROP_NEWEST, 2, [True, True, False, False], [2, 3], [0, 1]),
    (DROP_NEWEST, 0, [False] * 4, [0, 1, 2, 3], []),  # unbuffered, nobody receiving
    (DROP_OLDEST, 2, [True] * 4, [0, 1], [2, 3]),
    (KEEP_LATEST, 1, [True] * 4, [0, 1, 2], [3]),
    (UNBOUNDED_POLICY, UNBOUNDED, [True] * 4, [], [0, 1, 2, 3]),
    (BLOCK, 2, [True, True, WAIT, WAIT], [], [0, 1]),
    (BlockTimeout(0.01), 2, [True, True, WAIT, WAIT], [], [0, 1]),
])
def test_offer_never_waits(make, policy, capacity, answers, dropped, queued):
    got = offers(policy, make(capacity), range(4))
    assert got == (answers, dropped, queued)


@pytest.mark.parametrize("make", [Chan, aio.Chan], ids=["threads", "asyncio"])
def test_offer_on_a_closed_channel_raises_as_go_panics(make):
    ch = make(3)
    ch.close()
    for policy in EVERY:
        with pytest.raises(ClosedChannelError):
            policy.offer(ch, 1, print)
    assert ch.try_recv() == (None, False)


def test_try_send_reaches_a_waiting_receiver_on_an_unbuffered_channel():
    async def main():
        ch = aio.Chan()
        got = aio.go(ch.recv())
        await aio.sleep(0)  # the receiver waits now
        assert DROP_NEWEST.offer(ch, "v", print) is True
        return await got

    assert vrun(main()) == "v"


# --- block_timeout end to end, on the virtual clock ------------------------------------------------------
def test_block_timeout_in_the_publisher_waits_exactly_its_timeout_then_drops():
    # 30 messages every 10 ms, an unbuffered channel, a consumer that takes 25 ms
    run = publish(30, 0.010, 0.025, None, BlockTimeout(0.012))
    assert run.policy == "block_timeout(0.012 s)" and run.overflow == BlockTimeout(0.012)
    assert run.delivered + run.dropped == 30 and run.delivered > 0 and run.dropped > 0
    offered = [m.offered for m in run.messages]
    for m, nxt in zip(run.messages, offered[1:]):
        if m.outcome == "dropped":  # given up after exactly the timeout; the next offer 10 ms later
            assert m.at - m.offered == pytest.approx(0.012)
            assert nxt - m.offered == pytest.approx(0.022)
        else:  # sent within the timeout
            assert 0.010 - 1e-9 <= nxt - m.offered <= 0.022 + 1e-9
    block = publish(30, 0.010, 0.025, None, "block")
    newest = publish(30, 0.010, 0.025, None, "drop_newest")
    # between the two it translates: fewer drops than drop_newest, faster than block
    assert newest.dropped > run.dropped > block.dropped == 0
    assert newest.wall < run.wall < block.wall


def test_block_timeout_longer_than_the_consumer_is_block():
    assert [m.outcome for m in publish(20, 0.010, 0.025, 0, BlockTimeout(0.03)).messages] == \
        ["delivered"] * 20


def test_block_timeout_in_the_asyncio_bus_bounds_every_publish():
    r = fan_out([0.005, 0.03], events=50, interval=0.01, capacity=1, policy=BlockTimeout(0.015))
    fast, slow = r.subscribers
    waits = [b - a for a, b in zip(r.published_at, r.returned_at)]
    assert max(waits) == pytest.approx(0.015) and min(waits) == 0
    assert sum(w == pytest.approx(0.015) for w in waits) == slow.dropped > 0  # one wait, one drop
    assert fast.handled == tuple(range(50)) and slow.delivered + slow.dropped == 50
    block = fan_out([0.005, 0.03], events=50, interval=0.01, capacity=1, policy="block")
    newest = fan_out([0.005, 0.03], events=50, interval=0.01, capacity=1, policy="drop_newest")
    assert newest.publisher_done < r.publisher_done < block.publisher_done
    assert newest.subscribers[1].dropped > slow.dropped > block.subscribers[1].dropped == 0


def test_the_publishers_timeout_still_comes_first():
    async def main():
        bus = aio_events.Bus()

        async def stuck(topic, event):
            await aio.sleep(10)

        sub = bus.subscribe("t", stuck, mode="async", capacity=1, policy=BlockTimeout(1.0),
                            name="slow")
        await aio.sleep(0)
        await bus.publish("t", 0)  # taken by the handler
        await bus.publish("t", 1)  # fills the inbox
        t0 = asyncio.get_running_loop().time()
        with pytest.raises(TimeoutError, match="inbox of slow stayed full"):
            await bus.publish("t", 2, timeout=0.25)
        waited = asyncio.get_running_loop().time() - t0
        t0 = asyncio.get_running_loop().time()
        assert await bus.publish("t", 3) == 0  # its own timeout: dropped, no error
        own = asyncio.get_running_loop().time() - t0
        stats = sub.stats
        await bus.close()  # the handler's 10 s pass on the virtual clock
        return waited, own, stats

    waited, own, stats = vrun(main())
    assert waited == pytest.approx(0.25) and own == pytest.approx(1.0)
    assert (stats.published, stats.dropped, stats.queued) == (4, 2, 1)
    assert "block_timeout(1 s)" in repr(aio_events.Bus().subscribe("t", mode="async",
                                                                     policy=BlockTimeout(1.0)))


def test_block_timeout_in_the_threads_bus():
    with events.Bus() as bus:
        release = Chan()
        sub = bus.subscribe("t", lambda t, e: release.recv(timeout=5), mode="async", capacity=1,
                            policy=BlockTimeout(0.05), name="slow")
        bus.publish("t", 0)
        deadline = time.monotonic() + 5
        while sub.stats.queued and time.monotonic() < deadline:  # the handler has taken event 0
            time.sleep(0.001)
        assert bus.publish("t", 1) == 1  # into the inbox
        t0 = time.monotonic()
        assert bus.publish("t", 2) == 0  # no room for 50 ms: dropped, publish returns
        assert time.monotonic() - t0 >= 0.05
        release.close()
    s = sub.stats
    assert (s.published, s.delivered, s.dropped, s.queued) == (3, 2, 1, 0)


@pytest.mark.parametrize("mode", ["asyncio", "threads"])
def test_block_timeout_in_the_real_time_publishers(mode):
    run = publish(8, 0.005, 0.02, 0, BlockTimeout(0.004), mode=mode)
    assert run.delivered + run.dropped == 8 and run.delivered >= 1
    for m in run.messages:
        if m.outcome == "dropped":
            assert m.at - m.offered >= 0.004 - 0.002  # it waited (real clocks round)


def test_the_subscribe_rule_is_the_publishers():
    bus = events.Bus()
    for capacity in (None, 0):  # the same for both explorers now
        assert bus.subscribe("t", mode="async", policy="unbounded", capacity=capacity).capacity == UNBOUNDED
        assert bus.subscribe("t", mode="async", policy="keep_latest", capacity=capacity).capacity == 1
        assert bus.subscribe("t", mode="async", policy="block", capacity=capacity).capacity == 0
    assert bus.subscribe("t", print).policy is None  # sync: no inbox, no policy
    with pytest.raises(ValueError, match="pass mode='async'"):
        bus.subscribe("t", print, policy=BlockTimeout(0.1))
    bus.close()


# --- accounting: every event is delivered or dropped, whatever the policy --------------------------------
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(EVERY), st.integers(1, 4), st.lists(st.sampled_from([0.0, 0.002, 0.007, 0.02]),
                                                          min_size=1, max_size=3),
       st.integers(1, 40), st.sampled_from([0.001, 0.005, 0.01]))
def test_per_subscriber_delivered_plus_dropped_is_published(policy, capacity, handler_times, n,
                                                            interval):
    cap = 0 if policy.fixed is not None else capacity
    r = fan_out(handler_times, events=n, interval=interval, capacity=cap, policy=policy)
    for s in r.subscribers:
        assert s.stats.published == n == s.delivered + s.dropped == s.stats.delivered + s.stats.dropped
        assert s.stats.queued == 0 and list(s.handled) == sorted(s.handled)
        if not policy.drops:
            assert s.dropped == 0
    p = publish(n, interval, handler_times[-1], cap or None, policy)
    assert p.delivered + p.dropped == n and [m.seq for m in p.messages] == list(range(n))
    if not policy.drops:
        assert p.dropped == 0


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([policies.get(n) for n in NAMES] + [BlockTimeout(0.001)]), st.integers(1, 3),
       st.integers(1, 15))
def test_per_subscriber_accounting_in_the_threads_bus(policy, capacity, n):
    cap = 0 if policy.fixed is not None else capacity
    with events.Bus() as bus:
        slow = bus.subscribe("t", lambda t, e: time.sleep(0.002), mode="async", capacity=cap,
                             policy=policy, name="slow")
        # a pull inbox that nobody reads until the end: only for the policies that never wait
        pull = None if policy.waits else bus.subscribe("t", mode="async", capacity=cap, policy=policy)
        for seq in range(n):
            bus.publish("t", seq, timeout=5)
    got = [e for _, e in pull] if pull is not None else []  # what the pull inbox still holds
    for sub, delivered in ((slow, None), (pull, len(got))):
        if sub is None:
            continue
        s = sub.stats
        assert s.published == n == s.delivered + s.dropped and s.queued == 0
        if delivered is not None:
            assert delivered == s.delivered and got == sorted(got)
        if not policy.drops:
            assert s.dropped == 0
