"""chanlab.aio.messaging: work queues for asyncio, on a virtual clock.

Ack timeouts and backoffs follow the event loop's clock, so under ``aio.run(..., virtual_time=True)``
crash-and-redelivery experiments are exact (a redelivery happens at t == ack_timeout, not "about
then"), instant, and the same every run.
"""
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chanlab import aio, trace
from chanlab import messaging as threads_messaging
from chanlab.aio import messaging
from chanlab.aio.messaging import (AckError, ClosedQueueError, Crash, IdempotencyStore,
                                   InProgressError, WorkQueue, consume, exponential)
from chanlab.errors import DeadlockError
from aio_support import now, vrun  # tests/aio_support.py

# stricter than the autouse check: run() has joined its loop thread by the time it returns
pytestmark = pytest.mark.usefixtures("no_new_thread_at_all")


# ---- the public API ----------------------------------------------------------------------------


def test_same_names_as_the_threads_flavour():
    assert messaging.__all__ == threads_messaging.__all__
    for name in messaging.__all__:
        assert getattr(messaging, name) is not None
    # the records, errors and helpers are the very same objects
    for shared in ("Stats", "DeadLetter", "WorkerStats", "exponential", "Crash", "AckError",
                   "ClosedQueueError", "InProgressError"):
        assert getattr(messaging, shared) is getattr(threads_messaging, shared)


def test_ids_times_and_attempts_on_the_virtual_clock():
    async def main():
        q = WorkQueue("jobs")
        await aio.sleep(2)
        assert await q.put("a") == "jobs:1"
        assert await q.put("b", id="order-17") == "order-17"
        await aio.sleep(3)
        msg = await q.get()
        assert (msg.id, msg.body, msg.attempt) == ("jobs:1", "a", 1)
        assert (msg.published, msg.first_delivered, msg.last_delivered) == (2.0, 5.0, 5.0)
        await msg.ack()
        assert (await q.get(timeout=1)).id == "order-17"

    vrun(main())


# ---- competing consumers, ack ---------------------------------------------------------------------


def test_competing_consumers_each_get_distinct_messages():
    async def main():
        q = WorkQueue("jobs")
        got = {}

        async def consumer(name):
            async for msg in q:
                got.setdefault(name, []).append(msg.body)
                await aio.sleep(1)  # one second of work
                await msg.ack()

        for n in range(9):
            await q.put(n)
        q.close()
        wg = aio.WaitGroup()
        for name in ("a", "b", "c"):
            wg.add(1)

            async def run(name=name):
                try:
                    await consumer(name)
                finally:
                    wg.done()

            aio.go(run)
        await wg.wait()
        return got, now(), q.stats

    got, t, s = vrun(main())
    assert sorted(sum(got.values(), [])) == list(range(9))  # each message exactly once
    assert sorted(len(v) for v in got.values()) == [3, 3, 3]  # shared out evenly ...
    assert t == 3.0  # ... so 9 seconds of work took 3
    assert (s.put, s.delivered, s.acked, s.in_flight, s.depth) == (9, 9, 9, 0, 0)


def test_ack_removes_and_get_returns_none_once_closed_and_finished():
    async def main():
        q = WorkQueue("jobs")
        await q.put("x")
        msg = await q.get()
        assert q.stats.in_flight == 1
        await msg.ack()
        with pytest.raises(TimeoutError, match="get from work queue 'jobs' timed out after 5 s"):
            await q.get(timeout=5)
        assert now() == 5.0
        q.close()
        assert await q.get() is None

    vrun(main())


def test_a_consumer_waiting_for_the_end_wakes_when_the_last_message_is_acked():
    async def main():
        q = WorkQueue("jobs")
        await q.put("x")
        msg = await q.get()
        q.close()
        waiting = aio.go(q.get)  # the queue is closed but msg could still come back
        await aio.sleep(1)
        assert not waiting.done()
        await msg.ack()
        assert await waiting is None

    vrun(main())


# ---- nack, backoff, ack timeout, in progress -------------------------------------------------------


def test_nack_redelivers_after_the_backoff_exactly():
    async def main():
        q = WorkQueue("jobs", backoff=exponential(first=1, factor=2, cap=3), max_deliveries=None)
        await q.put("x")
        times = []
        for _ in range(5):
            msg = await q.get()
            times.append((msg.attempt, now()))
            await msg.nack()
        msg = await q.get()
        await msg.ack()
        return times, msg.attempt, now(), q.stats

    times, attempt, t, s = vrun(main())
    # waits 1, 2, 3 (capped), 3, 3 seconds
    assert times == [(1, 0.0), (2, 1.0), (3, 3.0), (4, 6.0), (5, 9.0)]
    assert (attempt, t) == (6, 12.0)
    assert (s.nacked, s.redelivered, s.delivered, s.acked) == (5, 5, 6, 1)


def test_backoff_tuple_and_nack_delay():
    async def main():
        q = WorkQueue("jobs", backoff=(1, 5), max_deliveries=None)
        await q.put("x")
        seen = []
        for delay in (None, None, None, 0.5, 0):
            msg = await q.get()
            seen.append(now())
            await msg.nack(delay=delay)
        msg = await q.get()
        seen.append(now())
        await msg.ack()
        return seen

    # backoff 1, then 5, 5 (the last repeats), then delay=0.5, then delay=0 (at once)
    assert vrun(main()) == [0.0, 1.0, 6.0, 11.0, 11.5, 11.5]


def test_ack_timeout_redelivers_exactly_on_time():
    async def main():
        q = WorkQueue("jobs", ack_timeout=30)
        await q.put("x")
        first = await q.get()  # this consumer hangs: it never acks
        again = await q.get()
        assert (again.id, again.attempt, now()) == (first.id, 2, 30.0)
        with pytest.raises(AckError, match="ack too late: delivery 1 .* ack_timeout=30 s"):
            await first.ack()
        await again.ack()
        return q.stats

    s = vrun(main())
    assert (s.timed_out, s.redelivered, s.acked) == (1, 1, 1)


def test_in_progress_restarts_the_ack_timer():
    async def main():
        q = WorkQueue("jobs", ack_timeout=10)
        await q.put("slow")
        msg = await q.get()
        for _ in range(5):  # 40 s of work, with a heartbeat every 8 s
            await aio.sleep(8)
            await msg.in_progress()
        await msg.ack()
        return q.stats.timed_out, now()

    assert vrun(main()) == (0, 40.0)


# ---- dead letters ------------------------------------------------------------------------------------


def test_max_deliveries_then_dead_letter():
    async def main():
        q = WorkQueue("jobs", ack_timeout=5, max_deliveries=3, backoff=1)
        await q.put("poison", id="p")
        await (await q.get()).nack()  # fails at t=0, back at t=1
        await q.get()  # attempt 2: times out at t=6, back at once
        msg = await q.get()  # attempt 3, the last
        await msg.nack()
        q.close()
        assert await q.get() is None
        return q.dead_letters, now(), q.stats

    dead, t, s = vrun(main())
    assert [(d.id, d.body, d.attempts, d.at) for d in dead] == [("p", "poison", 3, 6.0)]
    assert dead[0].reason == "max_deliveries=3 reached (last attempt nacked)"
    assert (s.dead_lettered, s.in_flight, s.depth, s.timed_out, s.nacked) == (1, 0, 0, 1, 2)


def test_term_dead_letters_at_once():
    async def main():
        q = WorkQueue("jobs")
        await q.put("bad")
        await (await q.get()).term("cannot parse")
        return q.dead_letters

    [d] = vrun(main())
    assert (d.attempts, d.reason) == (1, "cannot parse")


# ---- consume: workers that ack, nack and crash ------------------------------------------------------


def test_consume_with_async_and_plain_handlers():
    async def main():
        q = WorkQueue("jobs", backoff=2)
        tried = set()
        done = []

        async def handler(n):
            await aio.sleep(1)
            if n == 2 and n not in tried:
                tried.add(n)
                raise ValueError("flaky")
            done.append(n)

        pool = consume(q, handler, workers=2)
        for n in range(4):
            await q.put(n)
        q.close()
        await pool.join()
        plain = WorkQueue("plain")
        seen = []
        pool2 = consume(plain, seen.append)  # a plain function runs inline (it must not block)
        await plain.put("x")
        plain.close()
        await pool2.join()
        return sorted(done), pool.stats, [str(e) for _, _, e in pool.errors], seen, now()

    done, s, errors, seen, t = vrun(main())
    assert done == [0, 1, 2, 3] and errors == ["flaky"] and seen == ["x"]
    assert (s.handled, s.failed, s.crashed, s.workers) == (4, 1, 0, 2)
    assert t == 5.0  # 2 workers x 2 s, then message 2 again after a 2 s backoff ... and 1 s of work


def test_a_crashed_worker_loses_nothing_and_is_replaced():
    async def main():
        q = WorkQueue("jobs", ack_timeout=10)
        crashed = []
        done = []

        async def handler(n):
            if n == 1 and not crashed:
                crashed.append(now())
                raise Crash()  # the worker dies holding message 1
            done.append((n, now()))

        pool = consume(q, handler, workers=1)
        for n in range(3):
            await q.put(n)
        q.close()
        await pool.join()
        return done, pool.stats, [t.get_name() for t in pool.tasks]

    done, s, names = vrun(main())
    assert done == [(0, 0.0), (2, 0.0), (1, 10.0)]  # the replacement took 2 at once, 1 after 10 s
    assert (s.crashed, s.workers, s.handled) == (1, 2, 3)
    assert names == ["worker-1", "worker-2"]


def test_stop_and_async_with():
    async def main():
        q = WorkQueue("jobs")
        async with consume(q, lambda n: None, workers=3, name="w") as pool:
            await aio.sleep(1)
        await q.put("left for later")
        return pool.stats, all(t.done() for t in pool.tasks), q.stats.depth

    stats, ended, depth = vrun(main())
    assert stats.workers == 3 and ended and depth == 1


def test_join_without_close_is_a_deadlock():
    async def main():
        q = WorkQueue("jobs")
        pool = consume(q, lambda n: None, workers=2)
        await q.put(1)
        await pool.join()  # nobody closes the queue: the workers wait forever

    with pytest.raises(DeadlockError):
        vrun(main())


def test_join_timeout_gives_advice():
    async def main():
        q = WorkQueue("jobs")
        pool = consume(q, lambda n: None)
        with pytest.raises(TimeoutError, match="close the queue"):
            await pool.join(timeout=1)
        await pool.stop()

    vrun(main())


# ---- idempotency ---------------------------------------------------------------------------------


def test_idempotency_store():
    async def main():
        store = IdempotencyStore()
        effects = []

        async def effect(x):
            await aio.sleep(1)
            effects.append(x)
            return x * 10

        assert await store.run("a", effect, 1) == 10
        assert await store.run("a", effect, 2) == 10  # the first result, no second effect
        slow = aio.go(store.run("b", effect, 3))
        await aio.sleep(0.5)
        with pytest.raises(InProgressError):
            await store.run("b", effect, 3)
        assert await slow == 30
        assert await store.run("c", lambda: "sync") == "sync"
        return effects, store.applied, store.skipped

    assert vrun(main()) == ([1, 3], 3, 1)


def test_a_handler_slower_than_the_ack_timeout_has_its_effect_once_with_idempotency():
    async def main(idempotency, max_deliveries):
        q = WorkQueue("jobs", ack_timeout=10, backoff=3, max_deliveries=max_deliveries)
        effects = []

        async def slow(n):
            await aio.sleep(25)  # longer than the ack timeout: delivered again meanwhile
            effects.append(n)

        pool = consume(q, slow, workers=3, idempotency=idempotency)
        await q.put("order-17")
        q.close()
        await pool.join()
        return effects, pool.stats, q.stats

    # Without idempotency every delivery does the work and every ack comes too late: the effect
    # happens once per attempt, and the message still ends as a dead letter (unbounded, forever).
    effects, ps, qs = vrun(main(None, 3))
    assert effects == ["order-17"] * 3 and ps.late_acks == 3
    assert qs.dead_lettered == 1 and qs.acked == 0
    effects, ps, qs = vrun(main(True, None))
    assert effects == ["order-17"]  # with it: once
    assert ps.late_acks >= 1 and ps.failed >= 1  # a too-late ack; InProgressError nacks meanwhile
    assert qs.acked == 1 and qs.timed_out >= 1


# ---- at least once, exactly-once effects: random crashes ---------------------------------------------


async def crash_scenario(n, workers, p_during, p_after, work, seed, idempotency):
    """n messages; workers whose handler takes ``work`` (virtual) seconds, crashing before the
    effect with probability p_during, and after it (before the ack) with probability p_after."""
    rng = random.Random(seed)
    q = WorkQueue("jobs", ack_timeout=10, backoff=exponential(1, 2, 8), max_deliveries=None)
    processed, effects = [], []

    async def handler(i):
        processed.append(i)
        await aio.sleep(rng.choice(work))
        if rng.random() < p_during:
            raise Crash()
        effects.append(i)
        return i

    pool = consume(q, handler, workers=workers, idempotency=idempotency,
                   crash_before_ack=lambda msg: rng.random() < p_after)
    for i in range(n):
        await q.put(i)
    q.close()
    await pool.join()
    return processed, effects, q.stats, pool.stats, q.dead_letters, now()


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(n=st.integers(1, 25), workers=st.integers(1, 4),
       p_during=st.sampled_from([0.0, 0.1, 0.3, 0.5]), p_after=st.sampled_from([0.0, 0.1, 0.3, 0.5]),
       work=st.sampled_from([(1,), (1, 4), (2, 15)]),  # 15 s > ack_timeout: redelivered while running
       seed=st.integers(0, 2**32 - 1))
def test_property_at_least_once_and_exactly_once_effects(n, workers, p_during, p_after, work, seed):
    processed, effects, qs, ps, dead, _ = vrun(
        crash_scenario(n, workers, p_during, p_after, work, seed, idempotency=True))
    assert set(processed) == set(range(n))  # every message processed at least once
    assert sorted(effects) == list(range(n))  # and its effect applied exactly once
    assert qs.acked == n and not dead and qs.in_flight == 0 and qs.depth == 0
    assert ps.workers == workers + ps.crashed  # every crashed worker was replaced


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(n=st.integers(1, 25), workers=st.integers(1, 4), p_after=st.sampled_from([0.1, 0.3, 0.5]),
       seed=st.integers(0, 2**32 - 1))
def test_property_without_idempotency_at_least_once_only(n, workers, p_after, seed):
    processed, effects, qs, ps, dead, _ = vrun(
        crash_scenario(n, workers, 0.0, p_after, (1,), seed, idempotency=None))
    assert set(effects) == set(range(n))  # at least once ...
    # ... and once more for every crash after the effect: nothing is lost, some work is repeated
    assert len(effects) == n + ps.crashed
    assert qs.acked == n and not dead


def test_crash_experiments_are_deterministic():
    runs = [vrun(crash_scenario(20, 3, 0.3, 0.3, (1, 4), 7, idempotency=True)) for _ in range(2)]
    assert runs[0] == runs[1]
    processed, effects, qs, ps, dead, t = runs[0]
    assert ps.crashed > 0 and qs.redelivered > 0 and t > 10  # crashes happened; took virtual time


# ---- request/reply -----------------------------------------------------------------------------------


def test_request_reply():
    async def main():
        q = WorkQueue("rpc")

        async def square(x):
            await aio.sleep(1)
            return x * x

        async with consume(q, square, workers=2):
            results = [await q.request(x, timeout=5) for x in range(3)]
        return results, now(), q.inbox.accepted

    assert vrun(main()) == ([0, 1, 4], 3.0, 3)


def test_a_late_reply_after_the_timeout_is_ignored():
    async def main():
        q = WorkQueue("rpc")
        with pytest.raises(TimeoutError, match="no reply within 2 s"):
            await q.request("ping", timeout=2, id="r1")
        assert now() == 2.0
        msg = await q.get()  # the responder comes late
        assert await msg.reply("pong") is False
        await msg.ack()
        return q.inbox.ignored

    assert vrun(main()) == [("r1", "late")]


def test_a_redelivered_request_answered_twice_gets_one_reply():
    async def main():
        q = WorkQueue("rpc", ack_timeout=3, max_deliveries=2)
        answered = []

        async def slow_responder(x):
            await aio.sleep(4)  # longer than the ack timeout: the request is delivered again
            answered.append(now())
            return f"answer {len(answered)}"

        pool = consume(q, slow_responder, workers=2)  # no idempotency: both deliveries answer
        reply = await q.request("question", timeout=10)
        await aio.sleep(10)
        await pool.stop()
        return reply, answered, q.inbox.ignored

    reply, answered, ignored = vrun(main())
    assert reply == "answer 1" and answered == [4.0, 7.0]
    assert [reason for _, reason in ignored] == ["duplicate"]


def test_concurrent_requests_are_matched_by_correlation_id():
    async def main():
        q = WorkQueue("rpc")

        async def echo(x):
            await aio.sleep(10 - x)  # later requests are answered first
            return x

        async with consume(q, echo, workers=5):
            tasks = [aio.go(q.request(x, timeout=20)) for x in range(5)]
            return [await t for t in tasks]

    assert vrun(main()) == [0, 1, 2, 3, 4]


# ---- backpressure ------------------------------------------------------------------------------------


def test_capacity_holds_the_producer_to_the_pace_of_the_consumer():
    async def main():
        q = WorkQueue("jobs", capacity=2)
        put_at = []

        async def producer():
            for n in range(6):
                await q.put(n)
                put_at.append(now())
            q.close()

        aio.go(producer)
        async for msg in q:
            await aio.sleep(1)
            await msg.ack()
        return put_at, q.stats

    put_at, s = vrun(main())
    assert put_at == [0.0, 0.0, 1.0, 2.0, 3.0, 4.0]  # two at once, then one per ack
    assert s.high_water == 2 and s.acked == 6


def test_put_timeout_and_close_while_waiting():
    async def main():
        q = WorkQueue("jobs", capacity=1)
        await q.put("a")
        with pytest.raises(TimeoutError, match="capacity=1 unfinished messages"):
            await q.put("b", timeout=3)
        assert now() == 3.0
        with pytest.raises(TimeoutError):
            await q.put("b", timeout=0)
        waiting = aio.go(q.put("c"))
        await aio.sleep(1)
        q.close()
        with pytest.raises(ClosedQueueError, match="closed while this put waited"):
            await waiting
        return q.stats.put

    assert vrun(main()) == 1


# ---- bad input ---------------------------------------------------------------------------------------


def test_bad_arguments():
    with pytest.raises(ValueError, match="max_deliveries must be an int >= 1"):
        WorkQueue(max_deliveries=0)
    with pytest.raises(ValueError, match="ack_timeout must be a number > 0 s"):
        WorkQueue(ack_timeout=-5)
    with pytest.raises(ValueError, match="capacity"):
        WorkQueue(capacity=0)

    async def main():
        q = WorkQueue("jobs")
        with pytest.raises(ValueError, match="timeout must be a number >= 0 s"):
            await q.get(timeout=-1)
        with pytest.raises(ValueError, match="timeout must be a number >= 0 s"):
            await q.put("x", timeout=-1)
        with pytest.raises(ValueError, match="needs timeout=seconds"):
            await q.request("x", timeout=None)
        with pytest.raises(TypeError, match="message id"):
            await q.put("x", id=1.5)
        await q.put("x")
        msg = await q.get()
        with pytest.raises(ValueError, match=r"nack\(delay=...\) must be a number >= 0 s"):
            await msg.nack(delay=-1)
        await msg.ack()
        with pytest.raises(AckError, match="already settled with ack"):
            await msg.ack()  # ack twice
        with pytest.raises(AckError, match="already settled"):
            await msg.term()
        with pytest.raises(ValueError, match="not sent with request"):
            await msg.reply("y")
        with pytest.raises(TypeError, match="needs a chanlab.aio.messaging.WorkQueue"):
            consume(threads_messaging.WorkQueue(), print)
        q.close()
        with pytest.raises(ClosedQueueError, match="put on closed work queue 'jobs'"):
            await q.put("y")
        with pytest.raises(ClosedQueueError, match="close of closed"):
            q.close()
        return q

    q = vrun(main())

    async def reuse():
        await q.get()

    with pytest.raises(RuntimeError, match="belongs to another event loop"):
        vrun(reuse())
    with pytest.raises(RuntimeError, match="inside a coroutine"):
        consume(WorkQueue(), print)


def test_ack_after_redelivery_is_refused():
    async def main():
        q = WorkQueue("jobs", ack_timeout=1, max_deliveries=2)
        await q.put("x")
        first = await q.get()
        second = await q.get()  # at t=1
        await aio.sleep(1)  # the second times out too: its last attempt, so it is dead
        errors = []
        for msg in (first, second):
            with pytest.raises(AckError) as info:
                await msg.ack()
            errors.append(str(info.value))
        return errors, q.dead_letters

    errors, dead = vrun(main())
    assert "delivery 1" in errors[0] and "it is now a dead letter" in errors[0]
    assert "delivery 2" in errors[1] and len(dead) == 1


# ---- tracing -----------------------------------------------------------------------------------------


def test_redeliveries_and_dead_letters_are_traced_on_the_virtual_clock():
    async def main():
        q = WorkQueue("jobs", ack_timeout=5, max_deliveries=2, backoff=2)

        async def flaky(x):
            raise ValueError("no")

        pool = consume(q, flaky, name="w")
        await q.put("x", id="m")
        q.close()
        await pool.join()

    with trace.tracing() as tr:
        vrun(main())
    events = [(e.t, e.goroutine, e.kind, e.value) for e in tr.events
              if e.chan == "jobs" and e.kind not in ("block", "unblock")]
    assert events == [
        (0.0, "main", "put", "m"), (0.0, "main", "close", None),
        (0.0, "w-1", "deliver", "m"), (0.0, "w-1", "nack", "m"),
        (2.0, "w-1", "redeliver", "m"), (2.0, "w-1", "nack", "m"), (2.0, "w-1", "dead_letter", "m"),
    ]
