"""Both styles on the same workload: the experiments behind notebook 08, and the verdicts."""
import math

import pytest

from chanlab import aio, claims
from chanlab.experiments import styles as S


def test_workload_is_seeded_and_has_the_mean():
    a, b = S.workload(500, rate=100, service=0.01, seed=3), S.workload(500, rate=100, service=0.01, seed=3)
    assert a == b and a != S.workload(500, rate=100, service=0.01, seed=4)
    assert len(a) == 500 and a.arrivals[0] == 0.0
    assert list(a.arrivals) == sorted(a.arrivals)
    assert sum(a.service) / 500 == pytest.approx(0.01, rel=0.15)
    assert a.arrivals[-1] == pytest.approx(5.0, rel=0.15)  # 500 orders at 100/s
    assert set(S.workload(5, service=0.2, distribution="constant").service) == {0.2}


@pytest.mark.parametrize("kwargs, error, msg", [
    ({"n": 0}, ValueError, "n must be an int >= 1, got 0"), ({"n": True}, TypeError, "n must be"),
    ({"rate": 0}, ValueError, "rate must be a number > 0 orders/s, got 0"),
    ({"rate": "fast"}, TypeError, "rate must be a number > 0 orders/s, not str 'fast'"),
    ({"rate": math.inf}, ValueError, "rate"), ({"rate": math.nan}, ValueError, "rate"),
    ({"distribution": "zipf"}, ValueError, "distribution must be one of 'exponential', 'constant'"),
    ({"service": -1}, ValueError, "service must be a number >= 0 s, got -1"),
])
def test_workload_bad_input(kwargs, error, msg):
    with pytest.raises(error, match=msg):
        S.workload(**kwargs)


@pytest.mark.parametrize("kwargs, msg", [
    ({"style": "actor"}, "style"), ({"workers": 0}, "workers"), ({"layout": "ring"}, "layout"),
    ({"mode": "threads"}, "mode"),
    ({"style": "message", "policy": "drop_newest"}, "never drops"),
    ({"style": "message", "layout": "shards"}, "never drops"),
])
def test_run_style_bad_input(kwargs, msg):
    args = {"style": "event", "wl": S.workload(3), **kwargs}
    with pytest.raises(ValueError, match=msg):
        S.run_style(**args)


@pytest.mark.parametrize("call, error, msg", [
    (lambda: S.run_style("event", S.workload(3), 1.5), TypeError, "workers must be an int >= 1"),
    (lambda: S.run_style(None, S.workload(3)), TypeError, "style must be one of 'event', 'message'"),
    (lambda: S.run_style("event", S.workload(3), join_at="soon"), TypeError, "join_at"),
    (lambda: S.crash_recovery(every=0), ValueError, "every must be an int >= 1, got 0"),
    (lambda: S.rendezvous(-1), ValueError, "receiver_delay must be a number >= 0 s"),
    (lambda: S.one_channel(values=0), ValueError, "values must be an int >= 1"),
    (lambda: S.one_channel(receivers=False), TypeError, "receivers"),
    (lambda: S.observer_vs_pubsub(service=math.nan), ValueError, "service"),
    (lambda: S.fan_out_reactions("3"), TypeError, "reactions must be an int >= 1, not str '3'"),
    (lambda: S.handoff_cost(0), ValueError, "n must be an int >= 1"),
    (lambda: S.sync_async(service=-0.5), ValueError, "service"),
])
def test_experiments_check_their_arguments_with_one_contract(call, error, msg):
    with pytest.raises(error, match=msg):
        call()


def test_one_handler_fifo_gives_the_queueing_latency_computed_by_hand():
    # arrivals 0, 0, 0.5; service 0.2 each; one handler: done at 0.2, 0.4, 0.7
    wl = S.Workload((0.0, 0.0, 0.5), (0.2, 0.2, 0.2))
    for style in S.STYLES:
        r = S.run_style(style, wl)
        assert r.latencies == pytest.approx([0.2, 0.4, 0.2]), style
        assert r.handled == 3 and r.makespan == pytest.approx(0.7) and r.left == 0


def test_same_workload_same_latency_in_virtual_time_and_repeatable():
    wl = S.workload(150, rate=80, service=0.01)
    runs = S.latency(wl)
    assert runs["event"].latencies == pytest.approx(runs["message"].latencies)
    assert S.latency(wl)["event"].latencies == runs["event"].latencies
    p50, p99 = S.percentile(runs["event"].latencies, 50), S.percentile(runs["event"].latencies, 99)
    assert 0 < p50 < p99


def test_percentile_nearest_rank():
    assert S.percentile([5, 1, 4, 2, 3], 50) == 3
    assert S.percentile(list(range(1, 101)), 99) == 99
    assert S.percentile([None, 2.0], 99) == 2.0
    assert S.percentile([], 50) is None


def test_competing_consumers_scale_copies_do_not_and_shards_balance_worse():
    sc = S.scaling(workers=(1, 4))
    msg = dict(sc["message: competing consumers"])
    copies = dict(sc["event: every subscriber gets a copy"])
    shards = dict(sc["event: one shard per subscriber"])
    assert msg[4] / msg[1] > 3.0
    assert copies[4] == pytest.approx(copies[1])
    assert msg[4] > shards[4] > shards[1]
    verdict, pull, static = S.balance_verdict(sc)
    assert verdict == "true" and pull < static


def test_equal_sizes_balance_equally_so_the_load_balancing_verdict_flips():
    wl = S.workload(120, rate=1000, service=0.01, distribution="constant")
    verdict, pull, static = S.balance_verdict(S.scaling(wl, workers=(1, 4)))
    assert verdict == "partly true" and pull == pytest.approx(static) == pytest.approx(1.0)


def test_crashes_lose_events_but_messages_are_redelivered():
    runs = S.crash_recovery(S.workload(20, rate=50, service=0.01), every=5)
    assert runs["message"].handled == 20 and runs["message"].lost == 0
    assert runs["message"].handlings == 20
    assert runs["event"].handled == 16 and runs["event"].lost == 4
    assert [i for i, x in enumerate(runs["event"].latencies) if x is None] == [4, 9, 14, 19]


def test_late_and_slow_subscribers_miss_events_late_and_slow_consumers_do_not():
    m = S.missed_events()
    assert m[("late", "event")] > 0 and m[("slow", "event")] > 0
    assert m[("late", "message")] == 0 and m[("slow", "message")] == 0


def test_late_subscriber_misses_exactly_what_came_before_it_joined():
    wl = S.Workload((0.0, 0.1, 0.2, 0.3), (0.01,) * 4)
    r = S.run_style("event", wl, join_at=0.15)
    assert [x is not None for x in r.latencies] == [False, False, True, True]
    r = S.run_style("message", wl, join_at=0.15)
    assert r.latencies[0] == pytest.approx(0.16)  # it waited in the queue


def test_unbounded_buffers_grow_with_the_orders_bounded_ones_do_not_and_all_are_released():
    mg = S.memory_growth(sizes=(50, 200), capacity=8)
    unb = dict(mg["event, unbounded inbox"])
    assert unb[200] > 3 * unb[50]
    assert dict(mg["message, unbounded queue"])[200] > 3 * unb[50]
    assert max(dict(mg["event, drop_oldest (capacity 8)"]).values()) <= 8
    assert max(dict(mg["message, capacity 8 (put waits)"]).values()) <= 8
    assert set(mg["after"].values()) == {0}


def test_both_styles_do_sync_and_async():
    sa = S.sync_async(service=0.05)
    for style in S.STYLES:
        waited, ok = sa[(style, "sync")]
        assert ok and waited == pytest.approx(0.05)
        assert sa[(style, "async")][0] == 0


def test_small_demonstrations():
    assert S.rendezvous(0.3) == pytest.approx(0.3)
    got = S.one_channel(9, 3)
    assert sorted(v for vs in got.values() for v in vs) == list(range(9))
    ob = S.observer_vs_pubsub(5, 0.02)
    assert ob["observer (sync)"] == pytest.approx(0.02) and ob["publish/subscribe (async)"] == 0
    assert S.fan_out_reactions(4) == {"event": (1, 4, 1), "message": (4, 4, 4)}


def test_handoff_cost_reports_every_kind_in_microseconds():
    h = S.handoff_cost(200)
    assert set(h) == {"function call", "channel send + recv", "event, sync subscriber",
                      "event, async subscriber", "message, put + get + ack"}
    assert all(v > 0 and math.isfinite(v) for v in h.values())


@pytest.mark.parametrize("program", [S.event_driven_shop, S.message_driven_shop])
def test_the_two_counted_programs_really_work(program):
    async def handle(order):
        await aio.sleep(0.01)
        return order * 10

    results = aio.run(program(range(12), handle), virtual_time=True, timeout=30)
    assert sorted(results) == [i * 10 for i in range(12)]


def test_message_driven_shop_retries_a_failing_order():
    tries = {}

    async def flaky(order):
        tries[order] = tries.get(order, 0) + 1
        if order == 3 and tries[order] == 1:
            raise RuntimeError("flaky")
        return order

    results = aio.run(S.message_driven_shop(range(5), flaky), virtual_time=True, timeout=30)
    assert sorted(results) == [0, 1, 2, 3, 4] and tries[3] == 2


def test_complexity_counts_the_source_not_constants():
    cx = S.complexity()
    e, m = cx["event-driven"], cx["message-driven"]
    assert e["acks"] == 0 and m["acks"] == 2  # ack and nack
    assert m["timers"] >= 2  # ack_timeout and the nack delay
    assert e["moving parts"] < m["moving parts"] and e["lines"] < m["lines"]
    assert m["library lines"] > e["library lines"] > 100

    async def tiny(orders, handle):
        """A docstring is not code."""
        ch = aio.Chan(4)  # a comment is not code either

        async def worker():
            async for o in ch:
                await handle(o)
        aio.go(worker)
        for o in orders:
            await ch.send(o)
        ch.close()

    t = S.complexity({"tiny": tiny}, libraries=False)["tiny"]
    assert t["lines"] == 9  # def, ch, def worker, async for, await, go, for, send, close
    assert (t["goroutines"], t["queues"], t["acks"], t["timers"], t["joins"]) == (1, 1, 0, 0, 1)
    assert t["moving parts"] == 3 and "library lines" not in t


def test_verdicts_cover_every_claim_in_ledger_order_and_repeat():
    handoff = S.handoff_cost(500)  # real time: measured once, so that the repeat compares the rest
    vs = S.verdicts({"handoff": handoff})
    assert [v.id for v in vs] == [c.id for c in claims.CLAIMS]
    byid = {v.id: v for v in vs}
    assert byid["real-time"].verdict == "false" and byid["real-time"].measured
    assert byid["low-decoupling"].verdict == "false"
    assert byid["loose-coupling"].verdict == "true"
    assert byid["missed-events"].verdict == "true"
    assert byid["memory-leak"].verdict == "partly true"
    assert byid["messages-more-complex"].verdict == "true"
    assert byid["events-more-complex"].verdict == "false"
    assert byid["channel-is-full"].verdict == "wrong"
    assert not byid["program-1-compiles"].measured and not byid["coupling-grows"].measured
    assert sum(v.measured for v in vs) >= 15
    again = S.verdicts({"handoff": handoff})
    assert [v.verdict for v in again] == [v.verdict for v in vs]
    table = S.verdict_table(vs)
    assert table.count("\n") == len(claims.CLAIMS) + 1


def test_a_verdict_follows_the_measurement_it_is_given():
    wl = S.workload(60, rate=80, service=0.01)
    slow = S.run_style("event", wl, 1)
    fast = S.run_style("message", wl, 4)
    vs = {v.id: v for v in S.verdicts({"latency": {"event": fast, "message": slow}})}
    assert vs["real-time"].verdict == "true"  # the event run given here had 4 handlers
    vs = {v.id: v for v in S.verdicts({"latency": {"event": slow, "message": fast}})}
    assert vs["real-time"].verdict == "false"


def test_real_time_mode_runs_the_same_program():
    wl = S.workload(20, rate=400, service=0.002)
    runs = S.latency(wl, mode="asyncio")
    for r in runs.values():
        assert r.handled == 20 and r.mode == "asyncio"
        assert all(x >= 0.002 * 0.5 for x in r.latencies)


def test_every_claim_has_exactly_one_small_verdict_function_keyed_by_its_id():
    assert set(S.VERDICTS) == {c.id for c in claims.CLAIMS}
    assert {cid for cid, (_, measured) in S.VERDICTS.items() if not measured} == {
        "coupling-grows", "new", "waitgroup-is-messaging", "program-1-compiles", "program-2-compiles",
        "go-fast"}
    with pytest.raises(ValueError, match="already has a verdict"):
        S.verdict("real-time")
    with pytest.raises(ValueError, match="claim_id must be one of 'new', .*, got 'no-such-claim'"):
        S.verdict("no-such-claim")
    with pytest.raises(TypeError, match="claim_id must be one of"):
        S.verdict(7)


def test_one_verdict_function_reads_only_what_it_needs():
    judge, measured = S.VERDICTS["only-async"]
    assert measured and judge({"rendezvous": 0.5})[0] == "false"
    assert judge({"rendezvous": 0.0})[0] == "true"
    judge, _ = S.VERDICTS["channel-is-pubsub"]
    assert judge({"one_channel": {"r0": [0, 1], "r1": [2]}})[0] == "partly true"
    assert judge({"one_channel": {"r0": [0, 1], "r1": [0, 1]}})[0] == "true"  # each got every value
