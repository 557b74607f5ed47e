"""chanlab.aio.events: the event bus for asyncio, mostly on a virtual clock, where a slow subscriber is
simply one that sleeps, and every policy's outcome (and its timing) is exact."""
import asyncio
import operator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chanlab import aio, events, trace
from chanlab.aio import events as aio_events
from chanlab.aio.events import Bus
from chanlab.errors import PanicError
from chanlab.events import POLICIES, BusClosedError, Envelope, HandlerError, Stats, matches
from aio_support import now, vrun  # tests/aio_support.py

pytestmark = pytest.mark.usefixtures("no_new_thread_at_all")  # run() joins its loop thread


def test_the_same_api_as_the_threads_flavour():
    assert aio_events.__all__ == events.__all__
    for name in ("Stats", "Envelope", "HandlerError", "BusClosedError", "matches", "POLICIES"):
        assert getattr(aio_events, name) is getattr(events, name)
    assert aio_events.matches("order.#", "order") and not matches("order.*", "order")


# --- synchronous dispatch -------------------------------------------------------------------------------
def test_sync_handlers_plain_or_async_run_in_order_inside_publish():
    async def main():
        bus = Bus()
        calls = []

        def plain(topic, event):
            calls.append(("plain", event, asyncio.current_task().get_name(), now()))

        async def slow(topic, event):
            await aio.sleep(1)
            calls.append(("slow", event, asyncio.current_task().get_name(), now()))

        bus.subscribe("order.*", plain)
        bus.subscribe("order.#", slow)
        bus.subscribe("#", plain)
        assert await bus.publish("order.placed", 1) == 3
        assert now() == 1.0  # publish waited for the async sync-handler
        return calls

    assert vrun(main()) == [("plain", 1, "main", 0.0), ("slow", 1, "main", 1.0), ("plain", 1, "main", 1.0)]


def test_errors_are_data_for_plain_and_async_handlers():
    async def main():
        bus = Bus()
        told = []

        async def tell(topic, event, exc):
            told.append((event, type(exc).__name__))

        async def async_failing(topic, event):
            await aio.sleep(0.5)
            raise KeyError(event)

        a = bus.subscribe("t", lambda t, e: 1 / 0, on_error=tell)
        b = bus.subscribe("t", async_failing, on_error=tell)
        c = bus.subscribe("t", async_failing, mode="async", capacity=5)
        got = []
        bus.subscribe("t", lambda t, e: got.append(e))
        for i in range(3):
            assert await bus.publish("t", i) == 4
        await bus.close()
        return a, b, c, got, told

    a, b, c, got, told = vrun(main())
    assert got == [0, 1, 2]
    assert [(e.event, type(e.exception)) for e in a.errors] == [(0, ZeroDivisionError), (1, ZeroDivisionError),
                                                                (2, ZeroDivisionError)]
    assert isinstance(b.errors[0], HandlerError) and b.stats.errors == 3 and c.stats.errors == 3
    assert told == [(0, "ZeroDivisionError"), (0, "KeyError"), (1, "ZeroDivisionError"), (1, "KeyError"),
                    (2, "ZeroDivisionError"), (2, "KeyError")]


def test_unsubscribe_inside_a_handler_during_publish():
    async def main():
        bus = Bus()
        got, subs = [], {}

        async def a(topic, event):
            got.append(("a", event))
            subs["b"].close()

        subs["a"] = bus.subscribe("t", a)
        subs["b"] = bus.subscribe("t", lambda t, e: got.append(("b", e)))
        subs["c"] = bus.subscribe("t", lambda t, e: got.append(("c", e)), mode="async", capacity=5)
        assert await bus.publish("t", 1) == 2
        assert await bus.publish("t", 2) == 2
        await bus.close()
        return got, subs

    got, subs = vrun(main())
    assert got == [("a", 1), ("a", 2), ("c", 1), ("c", 2)]
    assert subs["b"].stats.published == 0


# --- a slow subscriber and each policy, timed exactly -----------------------------------------------------
def slow_subscriber(bus, policy, capacity, handled):
    async def slow(topic, event):
        handled.append((event, now()))
        await aio.sleep(1)

    return bus.subscribe("t", slow, mode="async", capacity=capacity, policy=policy, name="slow")


@pytest.mark.parametrize("policy, capacity, handled, dropped, high_water", [
    ("drop_newest", 2, [(0, 0.0), (1, 1.0), (2, 2.0)], 3, 2),
    ("drop_newest", 0, [(0, 0.0)], 5, 0),
    ("drop_oldest", 2, [(0, 0.0), (4, 1.0), (5, 2.0)], 3, 2),
    ("keep_latest", 0, [(0, 0.0), (5, 1.0)], 4, 1),
    ("unbounded", 0, [(i, float(i)) for i in range(6)], 0, 5),
    ("block", 2, [(i, float(i)) for i in range(6)], 0, 2),
])
def test_policy_with_a_slow_subscriber(policy, capacity, handled, dropped, high_water):
    async def main():
        bus = Bus()
        got = []
        sub = slow_subscriber(bus, policy, capacity, got)
        await aio.sleep(0)  # let the subscriber's goroutine start and wait on its inbox
        times = []
        for i in range(6):  # six events at once, for a subscriber that takes 1 s each
            await bus.publish("t", i)
            times.append(now())
        await bus.close()
        return sub, got, times

    with trace.tracing() as tr:
        sub, got, times = vrun(main())
    assert got == handled
    assert sub.stats == Stats(6, len(handled), dropped, 0, high_water, 0)
    assert len(tr.of_kind("drop")) == dropped
    if policy == "block":  # backpressure: the publisher is slowed to the subscriber's pace
        assert times == [0.0, 0.0, 0.0, 1.0, 2.0, 3.0]
    else:
        assert times == [0.0] * 6


def test_start_up_race_unbuffered_drop_newest_drops_while_the_goroutine_has_not_started():
    """The article's publisher in one line: with nobody waiting *yet*, select/default drops."""
    async def main():
        bus = Bus()
        got = []
        sub = slow_subscriber(bus, "drop_newest", 0, got)
        for i in range(3):
            await bus.publish("t", i)  # no await in between: the goroutine never got to run
        await bus.close()
        return sub, got

    sub, got = vrun(main())
    assert got == [] and sub.stats.dropped == 3


def test_block_publish_times_out_on_the_loop_clock():
    async def main():
        bus = Bus()
        got = []
        sub = slow_subscriber(bus, "block", 1, got)
        await aio.sleep(0)
        await bus.publish("t", 0)  # handed to the goroutine
        await bus.publish("t", 1)  # fills the inbox
        with pytest.raises(TimeoutError, match="inbox of slow stayed full"):
            await bus.publish("t", 2, timeout=0.5)
        t_timeout = now()
        await bus.publish("t", 3)  # waits until the handler takes 1 from the inbox
        t_room = now()
        await bus.close()
        return sub, got, t_timeout, t_room

    sub, got, t_timeout, t_room = vrun(main())
    assert (t_timeout, t_room) == (0.5, 1.0)
    assert [e for e, _ in got] == [0, 1, 3]
    assert sub.stats == Stats(4, 3, 1, 0, 1, 0)


def test_high_water_mark():
    async def main():
        bus = Bus()
        got = []
        sub = slow_subscriber(bus, "unbounded", 0, got)
        await aio.sleep(0)
        for i in range(8):
            await bus.publish("t", i)
        peak = sub.stats
        await bus.close()
        return peak, sub.stats

    peak, after = vrun(main())
    assert (peak.queued, peak.high_water) == (7, 7)
    assert (after.queued, after.high_water) == (0, 7)


# --- pull subscriptions, late subscribers -----------------------------------------------------------------
def test_pull_subscription_and_late_subscriber():
    async def main():
        bus = Bus()
        early = bus.subscribe("news.#", mode="async", capacity=10)
        await bus.publish("news.today", 1)
        late = bus.subscribe("news.#", mode="async", capacity=10)
        await bus.publish("news.today", 2)
        assert await early.recv(timeout=1) == Envelope("news.today", 1)
        assert await late.recv(timeout=1) == Envelope("news.today", 2)
        with pytest.raises(TimeoutError):
            await late.recv(timeout=3)  # nothing more for 3 (virtual) seconds
        assert now() == 3.0
        await bus.close()
        rest = [e async for e in early]
        assert await early.recv(timeout=1) is None
        return rest, early.stats, late.stats

    rest, early, late = vrun(main())
    assert rest == [Envelope("news.today", 2)]
    assert early == Stats(2, 2, 0, 0, 2, 0)
    assert late == Stats(1, 1, 0, 0, 1, 0)  # the late subscriber never saw event 1


def test_a_pull_loop_in_a_goroutine():
    async def main():
        bus = Bus()
        feed = bus.subscribe("#", mode="async")  # unbuffered: each publish waits for the reader
        got = []

        async def reader():
            async for topic, event in feed:
                got.append((event, now()))
                await aio.sleep(1)

        task = aio.go(reader)
        for i in range(3):
            await bus.publish("n", i)
        await bus.close()
        await task
        return got

    assert vrun(main()) == [(0, 0.0), (1, 1.0), (2, 2.0)]


def test_unsubscribe_drops_what_is_queued():
    async def main():
        bus = Bus()
        got, never = [], []
        sub = slow_subscriber(bus, "unbounded", 0, got)
        not_started = slow_subscriber(bus, "unbounded", 0, never)
        feed = bus.subscribe("t", mode="async", capacity=5)
        await aio.sleep(0)
        for i in range(4):
            await bus.publish("t", i)
        not_started.close()  # event 0 was handed to its goroutine, whose handler has not started
        await aio.sleep(0.5)  # sub's handler is busy with event 0
        sub.close()
        bus.unsubscribe(feed)
        await bus.close()
        return sub.stats, not_started.stats, feed.stats, got, never

    sub, not_started, feed, got, never = vrun(main())
    assert got == [(0, 0.0)] and never == []  # after unsubscribe, a handler is not called again
    assert sub == Stats(4, 1, 3, 0, 3, 0)
    assert not_started == Stats(4, 0, 4, 0, 3, 0)
    assert feed == Stats(4, 0, 4, 0, 4, 0)


# --- closing ------------------------------------------------------------------------------------------------
def test_close_drains_and_waits_for_every_goroutine():
    async def main():
        bus = Bus()
        logs = [[], []]
        for log in logs:
            slow_subscriber(bus, "block", 10, log)
        for i in range(5):
            await bus.publish("t", i)
        await bus.close()
        return now(), logs, len(asyncio.all_tasks())

    t, logs, tasks = vrun(main())
    assert t == 5.0 and tasks == 1  # only main is left
    assert all([e for e, _ in log] == [0, 1, 2, 3, 4] for log in logs)


def test_close_times_out_and_can_be_called_again():
    async def main():
        bus = Bus()

        async def stuck(topic, event):
            await aio.sleep(100)

        bus.subscribe("t", stuck, mode="async", capacity=5, name="stuck")
        await bus.publish("t", 1)
        await bus.publish("t", 2)
        with pytest.raises(TimeoutError, match=r"stuck \(1 events waiting\)"):
            await bus.close(timeout=1)
        t = now()
        with pytest.raises(BusClosedError):
            await bus.publish("t", 3)
        await bus.close()
        return t, now()

    assert vrun(main()) == (1.0, 200.0)


def test_a_program_that_forgets_close_still_accounts_for_every_event():
    async def main():
        bus = Bus()
        got = []
        sub = slow_subscriber(bus, "unbounded", 0, got)
        for i in range(3):
            await bus.publish("t", i)
        await aio.sleep(0.5)
        return sub  # run() cancels the goroutine in the middle of event 0

    sub = vrun(main())
    assert sub.stats == Stats(3, 1, 2, 0, 3, 0)


def test_on_error_that_raises_is_a_panic_reported_by_close():
    async def main():
        bus = Bus()

        async def fragile(topic, event):
            await aio.sleep(1)
            raise ValueError(event)

        def escalate(topic, event, exc):
            raise exc

        sub = bus.subscribe("t", fragile, mode="async", capacity=5, on_error=escalate, name="fragile")
        for i in range(3):
            await bus.publish("t", i)
        with pytest.raises(PanicError, match="fragile"):
            await bus.close()
        return sub.stats

    assert vrun(main()) == Stats(3, 1, 2, 1, 3, 0)


def test_async_with_and_misuse():
    async def main():
        got = []
        async with Bus() as bus:
            bus.subscribe("t", lambda t, e: got.append(e), mode="async", capacity=5)
            await bus.publish("t", 1)
        assert bus.closed and got == [1]
        with pytest.raises(BusClosedError, match="subscribe on closed bus"):
            bus.subscribe("t", print)
        with pytest.raises(TypeError, match="async with"):
            with Bus():
                pass
        closer = Bus()
        sub = closer.subscribe("t", lambda t, e: closer.close(), mode="async", capacity=1)
        await closer.publish("t", 1)
        await aio.sleep(0)
        await closer.close()
        return sub.errors

    (error,) = vrun(main())
    # the plain handler returns the coroutine closer.close(); the bus awaits it, and close refuses
    assert isinstance(error.exception, RuntimeError) and "its own goroutine" in str(error.exception)


def test_an_async_handler_needs_a_running_loop_but_a_bus_does_not():
    bus = Bus()
    feed = bus.subscribe("t", mode="async", capacity=1)  # fine outside a loop
    with pytest.raises(RuntimeError, match="inside a coroutine"):
        bus.subscribe("t", print, mode="async")
    assert bus.subscriptions == (feed,)
    with pytest.raises(ValueError, match="unknown policy"):
        bus.subscribe("t", print, mode="async", policy="latest")


# --- re-entrancy ----------------------------------------------------------------------------------------------
def test_nested_publish_is_depth_first_and_runaway_recursion_is_stopped():
    async def main():
        bus = Bus()
        log = []

        async def place(topic, event):
            log.append(("place", topic))
            log.append(("place saw", await bus.publish("stock.reserve", event)))

        bus.subscribe("order.placed", place)
        bus.subscribe("#", lambda t, e: log.append(("audit", t)))
        await bus.publish("order.placed", 1)

        async def echo(topic, event):
            await bus.publish("ping", event + 1)

        ping = bus.subscribe("ping", echo)
        await bus.publish("ping", 0)
        return log, ping

    log, ping = vrun(main())
    assert log[:4] == [("place", "order.placed"), ("audit", "stock.reserve"), ("place saw", 1),
                       ("audit", "order.placed")]
    assert log[4:] == [("audit", "ping")] * events.MAX_DEPTH
    (error,) = ping.errors
    assert isinstance(error.exception, RecursionError) and ping.stats.published == events.MAX_DEPTH


# --- every event accounted for: a property test on the virtual clock -------------------------------------------
TOPICS = ("a", "a.b", "b.c")
PATTERNS = ("a", "a.*", "#", "b.#", "*.c", "a.#")
DELAYS = (0.0, 0.5, 1.0, 3.0)

subscribe_op = st.tuples(
    st.just("sub"), st.sampled_from(PATTERNS), st.sampled_from(("sync", "async", "pull")),
    st.sampled_from(POLICIES), st.integers(0, 3), st.sampled_from(DELAYS))
# a program: a few subscribers, then a busy mix of publishing, sleeping, (un)subscribing
ops = st.builds(operator.add, st.lists(subscribe_op, min_size=1, max_size=4), st.lists(st.one_of(
    subscribe_op,
    st.tuples(st.just("unsub"), st.integers(0, 9)),
    st.tuples(st.just("pub"), st.sampled_from(TOPICS)),
    st.tuples(st.just("pub"), st.sampled_from(TOPICS)),
    st.tuples(st.just("pub"), st.sampled_from(TOPICS)),
    st.tuples(st.just("sleep"), st.sampled_from(DELAYS)),
), min_size=5, max_size=30))


def fix_capacity(policy, capacity):
    return {"unbounded": 0, "keep_latest": 0, "drop_oldest": max(1, capacity)}.get(policy, capacity)


async def run_program(program):
    bus = Bus()
    subs, seen, window, readers, published, timeouts = [], [], [], [], [], 0
    calls_at_unsubscribe = {}
    for op in program:
        if op[0] == "sub":
            _, pattern, kind, policy, capacity, delay = op
            k = len(subs)
            seen.append([])

            async def handler(topic, event, k=k, delay=delay):
                seen[k].append(event)
                if delay:
                    await aio.sleep(delay)

            if kind == "sync":
                sub = bus.subscribe(pattern, handler)
            elif kind == "async":
                sub = bus.subscribe(pattern, handler, mode="async", policy=policy,
                                    capacity=fix_capacity(policy, capacity))
            else:
                sub = bus.subscribe(pattern, mode="async", policy=policy,
                                    capacity=fix_capacity(policy, capacity))

                async def reader(sub=sub, k=k, delay=delay):
                    async for _, event in sub:
                        seen[k].append(event)
                        await aio.sleep(delay)

                readers.append(aio.go(reader))
            subs.append(sub)
            window.append([len(published), None])  # the events it may see: published[start:end]
        elif op[0] == "unsub" and subs:
            k = op[1] % len(subs)
            subs[k].close()
            if window[k][1] is None:
                window[k][1] = len(published)
                calls_at_unsubscribe[k] = len(seen[k])
            if subs[k].handler is None:
                assert subs[k].stats.queued == 0  # unsubscribing drops what a pull inbox held
        elif op[0] == "pub":
            published.append(op[1])
            try:
                await bus.publish(op[1], len(published) - 1, timeout=1.5)
            except TimeoutError:
                timeouts += 1
        elif op[0] == "sleep":
            await aio.sleep(op[1])
    await bus.close()
    for task in readers:
        await task
    return subs, seen, window, published, timeouts, calls_at_unsubscribe


@settings(max_examples=200, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops)
def test_property_every_event_is_accounted_for(program):
    with trace.tracing() as tr:
        subs, seen, window, published, timeouts, frozen = vrun(run_program(program))
    total_dropped = 0
    for k, (sub, got, (start, end)) in enumerate(zip(subs, seen, window)):
        s = sub.stats
        total_dropped += s.dropped
        # every event offered was handled or dropped; nothing is left waiting
        assert s.published == s.delivered + s.dropped and s.queued == 0, (sub, s)
        assert len(got) == s.delivered
        # exactly the matching events published while it was subscribed were offered to it
        offered = [i for i in range(start, len(published) if end is None else end)
                   if matches(sub.pattern, published[i])]
        assert s.published == len(offered)
        # one publisher: handled in publish order, a subsequence of what it was offered
        assert got == sorted(set(got)) and set(got) <= set(offered)
        if sub.mode == "sync":
            assert got == offered and s.dropped == 0 and s.high_water == 0
        elif sub.policy == "keep_latest":
            assert s.high_water <= 1
        elif sub.policy != "unbounded":
            assert s.high_water <= sub.capacity
        if k in frozen:  # after unsubscribe, it was never called (or given an event) again
            assert len(got) == frozen[k]
        if end is None:  # never unsubscribed
            if sub.policy == "unbounded" or (sub.policy == "block" and not timeouts):
                assert s.dropped == 0 and got == offered
    assert len(tr.of_kind("drop")) == total_dropped
