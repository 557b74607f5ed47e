"""chanlab.messaging (threads): work queues with acks, redelivery, dead letters, idempotency,
request/reply and backpressure. Timeouts here are real but short (tens of milliseconds); the
asyncio twin (test_aio_messaging.py) runs the bigger experiments on a virtual clock."""
import gc
import random
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chanlab import DeadlockError, go, messaging, runtime, trace
from chanlab.messaging import (AckError, ClosedQueueError, Crash, IdempotencyStore, InProgressError,
                               WorkQueue, consume, exponential)
from chanlab.messaging import backoff_delay, check_backoff
from chanlab.runtime import sched


@pytest.fixture(autouse=True)
def no_timer_left_behind():
    """A test may abandon messages in flight; once its queue is garbage, their ack timers must be
    gone, or they would keep the deadlock detector quiet for later tests."""
    yield
    gc.collect()
    deadline = time.monotonic() + 1.0
    while sched.timers and time.monotonic() < deadline:
        time.sleep(0.005)  # a timer that is firing right now
    assert sched.timers == 0


def needs_a_sure_deadlock_detector():
    """The threads deadlock detector says "deadlock" only when no thread it does not know is alive
    (such a thread might be about to put). An earlier test may have left one (test_gorun's IPython
    history thread); then the detector never fires and the test would hang: skip it."""
    unknown = [t.name for t in threading.enumerate()
               if t is not threading.current_thread() and t not in sched.gs and t not in sched.quiet
               and not t.name.startswith("chanlab")
               and (not t.daemon or t not in runtime._before_chanlab)]
    if unknown:
        pytest.skip(f"threads unknown to the deadlock detector are alive: {unknown}")


def drain_and_close(q, pool, timeout=5):
    q.close()
    pool.join(timeout=timeout)


def consume_all(q, handler, items, timeout=5, **kw):
    """Start ``consume(q, handler, **kw)``, put ``items`` in ``q``, close it, wait for the pool."""
    pool = consume(q, handler, **kw)
    for item in items:
        q.put(item)
    drain_and_close(q, pool, timeout)
    return pool


# ---- the public API ----------------------------------------------------------------------------


def test_public_names():
    for name in messaging.__all__:
        assert getattr(messaging, name) is not None
    from chanlab.errors import ClosedChannelError

    assert issubclass(ClosedQueueError, ClosedChannelError)  # code catching the channel error catches it too


def test_ids_are_generated_or_given_and_returned():
    q = WorkQueue("jobs")
    assert q.put("a") == "jobs:1"
    assert q.put("b", id="order-17") == "order-17"
    assert q.put("c", id=42) == 42
    assert [q.get(timeout=1).id for _ in range(3)] == ["jobs:1", "order-17", 42]


# ---- competing consumers, ack -------------------------------------------------------------------


def test_competing_consumers_each_get_distinct_messages(wait_until):
    q = WorkQueue("jobs")
    got = []
    lock = threading.Lock()

    def consumer(name):
        for msg in q:  # until closed and finished
            time.sleep(0.002)  # some work: the others get a turn
            with lock:
                got.append((name, msg.id))
            msg.ack()

    gs = [go(consumer, f"c{n}") for n in range(3)]
    wait_until(lambda: len(q._getters) == 3, what="three consumers waiting")
    for i in range(30):
        q.put(i)  # the first three go straight to the three waiting consumers
    q.close()
    for g in gs:
        g.join(timeout=5)
    ids = [i for _, i in got]
    assert sorted(ids) == sorted(f"jobs:{i}" for i in range(1, 31))  # each message exactly once
    assert len({name for name, _ in got}) == 3  # shared among the consumers
    s = q.stats
    assert (s.put, s.delivered, s.acked, s.redelivered, s.in_flight, s.depth) == (30, 30, 30, 0, 0, 0)


def test_ack_removes_the_message():
    q = WorkQueue("jobs")
    q.put("x")
    msg = q.get(timeout=1)
    assert (msg.body, msg.attempt, msg.redelivered) == ("x", 1, False)
    assert msg.published <= msg.first_delivered == msg.last_delivered
    assert q.stats.in_flight == 1
    msg.ack()
    assert (q.stats.in_flight, q.stats.depth, q.stats.acked) == (0, 0, 1)
    with pytest.raises(TimeoutError, match="no message is ready"):
        q.get(timeout=0)
    q.close()
    assert q.get(timeout=1) is None  # closed and finished: like a receive from a closed channel


def test_get_times_out_with_a_clear_message():
    q = WorkQueue("jobs")
    t0 = time.monotonic()
    with pytest.raises(TimeoutError, match="get from work queue 'jobs' timed out after 0.05 s"):
        q.get(timeout=0.05)
    assert time.monotonic() - t0 >= 0.04


def test_a_waiting_consumer_gets_a_message_put_later():
    q = WorkQueue("jobs")
    g = go(q.get, 2.0)
    time.sleep(0.02)
    q.put("late")
    msg = g.join(timeout=2)
    assert msg.body == "late"
    msg.ack()


# ---- nack, backoff, ack timeout ------------------------------------------------------------------


def test_nack_redelivers_after_the_backoff():
    q = WorkQueue("jobs", backoff=0.25)
    q.put("x")
    msg = q.get(timeout=1)
    msg.nack()
    with pytest.raises(TimeoutError):
        q.get(timeout=0)  # it waits out its backoff first
    assert (q.stats.depth, q.stats.in_flight) == (1, 0)
    again = q.get(timeout=2)
    assert again.last_delivered - msg.last_delivered >= 0.25
    assert (again.id, again.attempt, again.redelivered) == (msg.id, 2, True)
    assert again.first_delivered == msg.first_delivered < again.last_delivered
    again.ack()
    s = q.stats
    assert (s.nacked, s.redelivered, s.acked, s.delivered) == (1, 1, 1, 2)


def test_nack_with_delay_zero_is_at_once_and_redeliveries_go_first():
    q = WorkQueue("jobs", backoff=10)
    q.put("a")
    q.put("b")
    a = q.get(timeout=1)
    a.nack(delay=0)  # JetStream's plain Nak()
    assert q.get(timeout=0).id == a.id  # redelivered before the newer 'b' (JetStream's rdq)


def test_backoff_forms():
    assert [backoff_delay(check_backoff(0.5), n) for n in (1, 2, 9)] == [0.5, 0.5, 0.5]
    assert [backoff_delay(check_backoff((1, 5, 30)), n) for n in (1, 2, 3, 4, 10)] == [1, 5, 30, 30, 30]
    exp = exponential(0.1, 2, 1)
    assert [backoff_delay(exp, n) for n in range(1, 7)] == pytest.approx([0.1, 0.2, 0.4, 0.8, 1, 1])
    assert backoff_delay(exp, 10_000) == 1  # no overflow
    assert repr(exp) == "exponential(first=0.1, factor=2, cap=1)"
    assert backoff_delay(check_backoff(lambda n: n * 3), 2) == 6


def test_ack_timeout_redelivers_a_message_nobody_acked():
    q = WorkQueue("jobs", ack_timeout=0.05)
    q.put("x")
    first = q.get(timeout=1)  # ... and this consumer "crashes": it never acks
    again = q.get(timeout=2)
    assert again.last_delivered - first.last_delivered >= 0.05
    assert (again.id, again.attempt) == (first.id, 2)
    assert q.stats.timed_out == 1
    with pytest.raises(AckError, match=r"ack too late: delivery 1 .* ack_timeout=0.05 s, so the queue took it back "
                                       r"\(it is out again as attempt 2\)"):
        first.ack()  # the first consumer wakes up: too late
    again.ack()
    with pytest.raises(AckError, match="a later delivery acked it"):
        first.nack()


def test_in_progress_restarts_the_ack_timer():
    q = WorkQueue("jobs", ack_timeout=0.4)
    q.put("slow")
    msg = q.get(timeout=1)
    time.sleep(0.25)
    msg.in_progress()
    time.sleep(0.25)  # 0.5 s since delivery, 0.25 s since in_progress
    msg.ack()
    assert (q.stats.timed_out, q.stats.acked) == (0, 1)


def test_no_ack_timeout_means_a_crashed_consumer_holds_the_message_forever():
    q = WorkQueue("jobs", ack_timeout=None)
    q.put("x")
    q.get(timeout=1)  # never acked
    with pytest.raises(TimeoutError):
        q.get(timeout=0.05)
    assert q.stats.in_flight == 1


# ---- dead letters --------------------------------------------------------------------------------


def test_max_deliveries_then_dead_letter():
    q = WorkQueue("jobs", max_deliveries=2, backoff=0)
    q.put("poison", id="p")
    q.get(timeout=1).nack()
    msg = q.get(timeout=1)
    assert msg.attempt == 2
    msg.nack()  # the last attempt failed too
    [dead] = q.dead_letters
    assert (dead.id, dead.body, dead.attempts) == ("p", "poison", 2)
    assert "max_deliveries=2" in dead.reason
    s = q.stats
    assert (s.dead_lettered, s.in_flight, s.depth) == (1, 0, 0)
    q.close()
    assert q.get(timeout=1) is None


def test_ack_timeouts_count_towards_max_deliveries():
    q = WorkQueue("jobs", ack_timeout=0.02, max_deliveries=1)
    q.put("x")
    msg = q.get(timeout=1)
    q.close()
    assert q.get(timeout=2) is None  # timed out: its one attempt is used up, so it is dead
    assert "not acked in time" in q.dead_letters[0].reason
    with pytest.raises(AckError, match="it is now a dead letter"):
        msg.ack()


def test_term_dead_letters_at_once():
    q = WorkQueue("jobs", max_deliveries=5)
    q.put({"bad": True})
    msg = q.get(timeout=1)
    msg.term("cannot parse")
    assert [(d.attempts, d.reason) for d in q.dead_letters] == [(1, "cannot parse")]
    q.put("y")
    q.get(timeout=1).term()
    assert q.dead_letters[-1].reason == "term"


# ---- consume: workers that ack, nack and crash -----------------------------------------------------


def test_consume_acks_on_success_and_nacks_on_exception():
    q = WorkQueue("jobs", backoff=0.01)
    failed_once = set()
    done = []

    def handler(n):
        if n % 2 and n not in failed_once:
            failed_once.add(n)
            raise ValueError(f"flaky {n}")
        done.append(n)

    pool = consume_all(q, handler, range(10), workers=3)
    assert sorted(done) == list(range(10))
    assert pool.stats.failed == 5 and pool.stats.handled == 10
    assert sorted(str(e) for _, _, e in pool.errors) == sorted(f"flaky {n}" for n in (1, 3, 5, 7, 9))
    assert q.stats.acked == 10 and q.stats.nacked == 5


def test_a_crashed_worker_loses_nothing():
    q = WorkQueue("jobs", ack_timeout=0.1)
    crashed = []
    done = []

    def handler(n):
        if n == 3 and not crashed:
            crashed.append(n)
            raise Crash()  # the worker dies holding message 3: no ack, no nack
        done.append(n)

    pool = consume_all(q, handler, range(6), workers=2)
    assert sorted(done) == list(range(6))
    s = pool.stats
    assert (s.crashed, s.workers) == (1, 3)  # a fresh worker replaced the dead one
    assert q.stats.timed_out >= 1 and q.stats.redelivered >= 1 and q.stats.acked == 6


def test_without_restart_dead_workers_stay_dead(wait_until):
    q = WorkQueue("jobs", ack_timeout=0.02)

    def always_crash(n):
        raise Crash()

    pool = consume(q, always_crash, workers=2, restart=False)
    for n in range(3):
        q.put(n)
    pool.join(timeout=2)  # both died: nothing pulls any more
    assert pool.stats.crashed == 2 and pool.stats.workers == 2
    # the messages are safe in the queue, waiting for a consumer
    wait_until(lambda: q.stats.depth == 3, what="both crashed deliveries back in the queue")
    q.close()


def test_stop_leaves_unfinished_messages_in_the_queue():
    q = WorkQueue("jobs")
    with consume(q, lambda n: None, workers=3) as pool:
        time.sleep(0.02)  # all three wait in get
    assert pool.stats.workers == 3
    assert all(not g.is_alive() for g in pool.goroutines)
    q.put("after")
    assert q.stats.depth == 1


def test_join_without_close_times_out_with_advice():
    q = WorkQueue("jobs")
    pool = consume(q, lambda n: None, workers=2)
    with pytest.raises(TimeoutError, match=r"close the queue \(q.close\(\)\)"):
        pool.join(timeout=0.05)
    pool.stop(timeout=2)


def test_join_without_close_is_a_deadlock_when_nothing_can_wake_the_workers():
    needs_a_sure_deadlock_detector()
    q = WorkQueue("jobs")
    pool = consume(q, lambda n: None, workers=2)
    with pytest.raises(DeadlockError):
        pool.join()  # the workers wait for messages that nobody will ever put
    pool.stop(timeout=2)


def test_get_on_an_empty_queue_with_nobody_else_is_a_deadlock():
    needs_a_sure_deadlock_detector()
    q = WorkQueue("jobs")
    with pytest.raises(DeadlockError):
        q.get()


# ---- idempotency -----------------------------------------------------------------------------------


def test_idempotency_store_applies_an_effect_once_per_id():
    store = IdempotencyStore()
    effects = []
    assert store.run("a", lambda: effects.append("a") or 1) == 1
    assert store.run("a", lambda: effects.append("a") or 2) == 1  # the first result, no effect
    assert effects == ["a"] and "a" in store and len(store) == 1
    assert (store.applied, store.skipped, store.result("a")) == (1, 1, 1)
    with pytest.raises(ZeroDivisionError):
        store.run("b", lambda: 1 / 0)
    assert "b" not in store  # a failed effect is not recorded: it may be tried again
    assert store.run("b", lambda: 2) == 2


def test_idempotency_store_refuses_a_concurrent_duplicate():
    store = IdempotencyStore()
    inside = threading.Event()
    leave = threading.Event()

    def slow():
        inside.set()
        leave.wait(2)
        return "done"

    g = go(store.run, "k", slow)
    assert inside.wait(2)
    with pytest.raises(InProgressError, match="being handled by another delivery"):
        store.run("k", slow)
    leave.set()
    assert g.join(timeout=2) == "done"


def test_a_slow_handler_whose_ack_times_out_has_its_effect_once_with_idempotency():
    q = WorkQueue("jobs", ack_timeout=0.05, backoff=0.02, max_deliveries=None)
    effects = []

    def slow(n):
        time.sleep(0.15)  # three ack timeouts long: the message is delivered again meanwhile
        effects.append(n)
        return n

    pool = consume(q, slow, workers=2, idempotency=True)
    q.put(1)
    drain_and_close(q, pool)
    assert effects == [1]
    assert pool.stats.late_acks >= 1  # the slow worker's ack came too late ...
    assert q.stats.redelivered >= 1 and q.stats.acked == 1  # ... and a redelivery was acked


def test_a_duplicate_id_is_ignored_while_in_the_queue_and_accepted_after():
    q = WorkQueue("jobs")
    assert q.put("a", id="x") == "x"
    assert q.put("a again", id="x") == "x"
    assert q.stats.duplicates == 1 and q.stats.put == 1
    q.get(timeout=1).ack()
    q.put("b", id="x")  # a new message with an old id: the queue delivers it ...
    store = IdempotencyStore()
    store.run("x", lambda: None)
    msg = q.get(timeout=1)
    assert msg.body == "b" and msg.id in store  # ... and idempotency is the consumer's job


# ---- at least once, exactly-once effects: random crashes (a small threads version) -------------------


@settings(max_examples=6, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(n=st.integers(1, 8), workers=st.integers(1, 3), p_during=st.sampled_from([0.0, 0.3]),
       p_after=st.sampled_from([0.0, 0.3]), seed=st.integers(0, 2**16))
def test_property_at_least_once_and_exactly_once_effects(n, workers, p_during, p_after, seed):
    rng = random.Random(seed)
    lock = threading.Lock()
    q = WorkQueue("jobs", ack_timeout=0.03, backoff=0.005, max_deliveries=None)
    processed, effects = [], []

    def handler(body):
        with lock:
            processed.append(body)
            crash = rng.random() < p_during
        if crash:
            raise Crash()  # dies before the effect
        with lock:
            effects.append(body)
        return body

    def crash_after(msg):  # dies after the effect, before the ack
        with lock:
            return rng.random() < p_after

    pool = consume_all(q, handler, range(n), timeout=10, workers=workers, idempotency=True,
                       crash_before_ack=crash_after)
    assert set(processed) == set(range(n))  # at least once
    assert sorted(effects) == list(range(n))  # the effect exactly once per id
    assert q.stats.acked == n and not q.dead_letters


# ---- request/reply -----------------------------------------------------------------------------------


def test_request_reply():
    q = WorkQueue("rpc")
    with consume(q, lambda x: x * x, workers=2):
        assert [q.request(x, timeout=2) for x in range(5)] == [0, 1, 4, 9, 16]
    assert q.inbox.accepted == 5 and q.inbox.ignored == []


def test_a_late_reply_after_the_timeout_is_ignored():
    q = WorkQueue("rpc")
    t0 = time.monotonic()
    with pytest.raises(TimeoutError, match="no reply within 0.05 s. The request stays in the queue"):
        q.request("ping", timeout=0.05, id="r1")
    assert time.monotonic() - t0 >= 0.04
    msg = q.get(timeout=1)  # the responder comes late ...
    assert (msg.id, msg.body) == ("r1", "ping")
    assert msg.reply("pong") is False  # ... and its reply is ignored
    msg.ack()
    assert q.inbox.ignored == [("r1", "late")]


def test_a_duplicate_reply_is_ignored():
    q = WorkQueue("rpc")

    def responder():
        msg = q.get(timeout=2)
        first = msg.reply("one")
        second = msg.reply("two")  # say, a redelivered request answered again
        msg.ack()
        return first, second

    g = go(responder)
    assert q.request("ping", timeout=2) == "one"
    assert g.join(timeout=2) == (True, False)
    assert [reason for _, reason in q.inbox.ignored] == ["duplicate"]


def test_replies_are_matched_by_correlation_id():
    q = WorkQueue("rpc")

    def responder():  # answers in the reverse order of arrival
        msgs = [q.get(timeout=2) for _ in range(3)]
        for msg in reversed(msgs):
            msg.reply(msg.body.upper())
            msg.ack()

    g = go(responder)
    results = {}
    rs = [go(lambda w=w: results.__setitem__(w, q.request(w, timeout=2))) for w in ("a", "b", "c")]
    for r in rs:
        r.join(timeout=3)
    g.join(timeout=3)
    assert results == {"a": "A", "b": "B", "c": "C"}


def test_reply_to_a_plain_message_is_an_error():
    q = WorkQueue("jobs")
    q.put("x")
    with pytest.raises(ValueError, match="not sent with request"):
        q.get(timeout=1).reply("y")


# ---- backpressure ------------------------------------------------------------------------------------


def test_capacity_makes_put_wait_until_a_message_is_acked():
    q = WorkQueue("jobs", capacity=2)
    q.put("a")
    q.put("b")
    with pytest.raises(TimeoutError, match="capacity=2 unfinished messages"):
        q.put("c", timeout=0.02)
    msg = q.get(timeout=1)  # delivered but not acked: still held, so still full
    with pytest.raises(TimeoutError):
        q.put("c", timeout=0)
    producer = go(q.put, "c", timeout=2)
    time.sleep(0.02)
    assert producer.is_alive()  # backpressure: the producer waits ...
    msg.ack()
    assert producer.join(timeout=2).startswith("jobs:")  # ... until an ack frees a place
    s = q.stats
    assert s.high_water == 2 and s.put == 3 and s.depth + s.in_flight == 2


def test_a_put_waiting_for_room_fails_when_the_queue_closes(wait_until):
    q = WorkQueue("jobs", capacity=1)
    q.put("a")

    def producer():
        try:
            q.put("b")
        except ClosedQueueError as err:
            return err

    g = go(producer)
    wait_until(lambda: q._putters, what="the producer waiting for room")
    q.close()
    assert "closed while this put waited for room" in str(g.join(timeout=2))


def test_a_fast_producer_is_held_to_the_pace_of_the_consumers():
    q = WorkQueue("jobs", capacity=3)
    pool = consume(q, lambda n: time.sleep(0.002), workers=2)
    for n in range(20):
        q.put(n, timeout=5)
    drain_and_close(q, pool)
    assert q.stats.high_water <= 3 and q.stats.acked == 20


# ---- bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, error, text", [
    (dict(max_deliveries=0), ValueError, "max_deliveries must be an int >= 1"),
    (dict(max_deliveries=1.5), TypeError, "max_deliveries must be an int"),
    (dict(ack_timeout=0), ValueError, "ack_timeout must be a number > 0 s"),
    (dict(ack_timeout=-1), ValueError, "ack_timeout must be a number > 0 s"),
    (dict(ack_timeout="5"), TypeError, "ack_timeout must be a number"),
    (dict(capacity=0), ValueError, "capacity"),
    (dict(backoff=-1), ValueError, "backoff must be a number >= 0 s"),
    (dict(backoff=(1, -2)), ValueError, r"backoff\[1\]"),
    (dict(backoff="fast"), TypeError, "exponential"),
    (dict(backoff=()), TypeError, "non-empty tuple"),
])
def test_bad_queue_arguments(kwargs, error, text):
    with pytest.raises(error, match=text):
        WorkQueue(**kwargs)


def test_bad_exponential():
    with pytest.raises(ValueError, match="factor"):
        exponential(1, 0.5)


def test_negative_timeouts():
    q = WorkQueue("jobs")
    with pytest.raises(ValueError, match="timeout must be a number >= 0 s"):
        q.get(timeout=-1)
    with pytest.raises(ValueError, match="timeout must be a number >= 0 s"):
        q.put("x", timeout=-1)
    with pytest.raises(ValueError, match="timeout must be a number >= 0 s"):
        q.request("x", timeout=-1)
    with pytest.raises(ValueError, match="request\\(\\) needs timeout=seconds"):
        q.request("x", timeout=None)
    with pytest.raises(TypeError):
        q.request("x")  # timeout is required
    assert q.stats.put == 0


def test_settling_mistakes():
    q = WorkQueue("jobs")
    q.put("x")
    msg = q.get(timeout=1)
    with pytest.raises(ValueError, match="nack\\(delay=...\\) must be a number >= 0 s"):
        msg.nack(delay=-1)
    with pytest.raises(ValueError, match="finite"):
        msg.nack(delay=float("inf"))
    with pytest.raises(TypeError, match="term\\(reason=...\\) takes a str"):
        msg.term(reason=3)
    msg.ack()
    with pytest.raises(AckError, match="already settled with ack\\(\\)"):
        msg.ack()  # ack twice
    with pytest.raises(AckError, match="already settled"):
        msg.nack()
    with pytest.raises(AckError, match="already settled"):
        msg.in_progress()
    other = WorkQueue("other")
    with pytest.raises(AckError, match="came from work queue 'jobs'"):
        other._ack(msg, "me")


def test_put_after_close_and_close_twice():
    q = WorkQueue("jobs")
    q.close()
    with pytest.raises(ClosedQueueError, match="put on closed work queue 'jobs'"):
        q.put("x")
    with pytest.raises(ClosedQueueError, match="close of closed work queue"):
        q.close()


def test_bad_ids_and_consume_arguments():
    q = WorkQueue("jobs")
    with pytest.raises(TypeError, match="a message id is a str or an int"):
        q.put("x", id=True)
    with pytest.raises(TypeError, match="a message id"):
        q.put("x", id=["list"])
    with pytest.raises(TypeError, match="needs a chanlab.messaging.WorkQueue"):
        consume("jobs", print)
    with pytest.raises(TypeError, match="handler"):
        consume(q, 42)
    with pytest.raises(ValueError, match="workers must be an int >= 1"):
        consume(q, print, workers=0)
    with pytest.raises(TypeError, match="idempotency"):
        consume(q, print, idempotency="yes")

    async def handler(x):
        return x

    with pytest.raises(TypeError, match="chanlab.aio.messaging.consume"):
        consume(q, handler)


# ---- tracing -----------------------------------------------------------------------------------------


def test_redeliveries_and_dead_letters_are_traced():
    q = WorkQueue("jobs", ack_timeout=0.02, max_deliveries=2)
    with trace.tracing() as tr:
        q.put("x", id="m")
        q.get(timeout=1)  # not acked
        q.close()
        q.get(timeout=1)  # the redelivery, not acked either
        assert q.get(timeout=1) is None
    kinds = [(e.kind, e.value) for e in tr.events if e.chan == "jobs" and e.kind not in ("block", "unblock")]
    assert kinds == [("put", "m"), ("deliver", "m"), ("close", None), ("ack_timeout", "m"),
                     ("redeliver", "m"), ("ack_timeout", "m"), ("dead_letter", "m")]
    assert {e.goroutine for e in tr.events if e.kind == "ack_timeout"} == {"timer"}


def test_a_forgotten_queue_stops_its_timers():
    before = sched.timers
    q = WorkQueue("jobs", ack_timeout=60)
    q.put("x")
    q.get(timeout=1)  # in flight, never acked: a 60 s ack timer is pending ...
    assert sched.timers == before + 1
    del q  # ... until nobody refers to the queue (the timers hold it weakly)
    assert sched.timers == before


def test_reprs_say_what_is_going_on():
    q = WorkQueue("jobs", capacity=4)
    q.put("x")
    msg = q.get(timeout=1)
    assert repr(msg) == "<Message 'jobs:1' attempt 1 in flight body='x'>"
    msg.ack()
    assert repr(msg) == "<Message 'jobs:1' attempt 1 acked body='x'>"
    assert repr(q) == "<WorkQueue 'jobs' capacity=4: depth=0 in_flight=0 acked=1 dead=0>"
    pool = consume(q, print, workers=2)
    assert "2 started" in repr(pool)
    pool.stop(timeout=2)
