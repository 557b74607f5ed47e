"""The checkers of notebook 06: the right answer passes; typical wrong answers and stubs do not."""
import asyncio

import pytest

from chanlab import aio, check
from chanlab.aio.messaging import exponential


# ---- 06.1 idempotent -------------------------------------------------------------------------------

def idempotent_right(handler):
    done = {}

    def handle(body):
        if body["id"] in done:
            return done[body["id"]]
        result = handler(body)  # raises: nothing recorded, a redelivery runs it again
        done[body["id"]] = result
        return result

    return handle


def idempotent_none(handler):
    return handler  # no deduplication at all


def idempotent_mark_first(handler):
    seen = set()

    def handle(body):
        if body["id"] in seen:
            return None
        seen.add(body["id"])  # marked before the effect: a failure loses the payment
        return handler(body)

    return handle


def idempotent_mark_first_keeps_result(handler):
    done, seen = {}, set()

    def handle(body):
        if body["id"] in seen:
            return done.get(body["id"])
        seen.add(body["id"])
        done[body["id"]] = handler(body)
        return done[body["id"]]

    return handle


def idempotent_no_result(handler):
    seen = set()

    def handle(body):
        if body["id"] in seen:
            return None  # skips the effect, but a requester gets None the second time
        result = handler(body)
        seen.add(body["id"])
        return result

    return handle


def idempotent_by_content(handler):
    done = {}

    def handle(body):
        key = (body["account"], body["amount"])  # two different payments look the same
        if key not in done:
            done[key] = handler(body)
        return done[key]

    return handle


def idempotent_swallows(handler):
    done = {}

    def handle(body):
        if body["id"] in done:
            return done[body["id"]]
        try:
            done[body["id"]] = handler(body)
        except Exception:
            return None  # the worker acks: the failed payment is lost
        return done[body["id"]]

    return handle


def idempotent_stub(handler):
    raise NotImplementedError  # your code here (the notebook's stub)


def idempotent_ellipsis(handler):
    return ...


def test_idempotent_right():
    fb = check.messaging.idempotent(idempotent_right)
    assert fb.ok, str(fb)
    assert "exactly once" in str(fb)


@pytest.mark.parametrize("wrong, words", [
    (idempotent_none, "applied twice"),
    (idempotent_mark_first, "first result"),
    (idempotent_mark_first_keeps_result, "lost"),
    (idempotent_no_result, "first result"),
    (idempotent_by_content, "same account and amount"),
    (idempotent_swallows, "let the exception through"),
])
def test_idempotent_wrong(wrong, words):
    fb = check.messaging.idempotent(wrong)
    assert not fb.ok and fb.attempted
    assert words in str(fb) and "Hint:" in str(fb)


def test_idempotent_stub_and_not_a_function():
    assert not check.messaging.idempotent(idempotent_stub).attempted
    assert not check.messaging.idempotent(idempotent_ellipsis).attempted
    fb = check.messaging.idempotent(lambda handler: None)  # forgot to return the inner function
    assert fb.attempted and not fb.ok and "return a function" in str(fb)
    fb = check.messaging.idempotent(lambda handler: 42)
    assert fb.attempted and not fb.ok and "return a function" in str(fb)


# ---- 06.2 poison -----------------------------------------------------------------------------------

def test_poison_right():
    for backoff in (2, exponential(2, 2, 30), (2, 3)):
        fb = check.messaging.poison(3, backoff)
        assert fb.ok, str(fb)


@pytest.mark.parametrize("max_deliveries, backoff, words", [
    (2, 2, "flaky message"),                      # counts retries, not deliveries
    (4, 2, "tried 4 times"),
    (None, 2, "never became a dead letter"),
    (3, exponential(1, 2, 30), "sooner than 2 s"),  # the default backoff: 1 s first
    (3, exponential(4, 2, 30), "only at t = 13.5 s"),
    (0, 2, "does not accept"),
    (3, "2 s", "does not accept"),
])
def test_poison_wrong(max_deliveries, backoff, words):
    fb = check.messaging.poison(max_deliveries, backoff)
    assert not fb.ok and fb.attempted
    assert words in str(fb), str(fb)


def test_poison_stub():
    assert not check.messaging.poison(..., ...).attempted
    assert not check.messaging.poison(3, ...).attempted


# ---- 06.3 crash prediction ------------------------------------------------------------------------

def test_crash_prediction_right():
    fb = check.messaging.crash_prediction({"redelivered": 1, "processed": 7, "finished_at": 7.0})
    assert fb.ok, str(fb)


@pytest.mark.parametrize("prediction, words", [
    ({"redelivered": 1, "processed": 7, "finished_at": 8.0}, "delivered (t = 1)"),  # from the crash
    ({"redelivered": 0, "processed": 6, "finished_at": 3.0}, "comes back once"),
    ({"redelivered": 1, "processed": 6, "finished_at": 7.0}, "plus every redelivery"),
    ({"redelivered": "one", "processed": 7, "finished_at": 7.0}, "redelivered differs"),
    ([1, 7, 7.0], "should be a dict"),
])
def test_crash_prediction_wrong(prediction, words):
    fb = check.messaging.crash_prediction(prediction)
    assert not fb.ok and fb.attempted
    assert words in str(fb), str(fb)


def test_crash_prediction_stub():
    assert not check.messaging.crash_prediction(...).attempted
    fb = check.messaging.crash_prediction({"redelivered": ..., "processed": ..., "finished_at": ...})
    assert not fb.attempted


# ---- 06.4 request with a timeout ------------------------------------------------------------------

async def request_right(requests, body, timeout):
    reply = aio.Chan(1)  # room for the one answer: a late responder never blocks
    await requests.send((body, reply))
    sel = await aio.select(reply.receiving(), aio.after(timeout).receiving())
    if sel.index == 1:
        raise TimeoutError(f"no reply within {timeout} s")
    return sel.value


async def request_right_recv_timeout(requests, body, timeout):
    reply = aio.Chan(1)
    await requests.send((body, reply))
    return await reply.recv(timeout=timeout)


async def request_no_timeout(requests, body, timeout):
    reply = aio.Chan(1)
    await requests.send((body, reply))
    return await reply.recv()


async def request_unbuffered(requests, body, timeout):
    reply = aio.Chan()  # a late responder blocks forever on its send
    await requests.send((body, reply))
    return await reply.recv(timeout=timeout)


async def request_sleeps(requests, body, timeout):
    reply = aio.Chan(1)
    await requests.send((body, reply))
    await aio.sleep(timeout)  # always waits the whole timeout
    sel = await aio.select(reply.receiving(), default=True)
    if sel.index is None:
        raise TimeoutError("no reply")
    return sel.value


SHARED = {}


async def request_shared_reply(requests, body, timeout):
    # one reply channel for every request of a program (each checker run has its own event loop)
    reply = SHARED.setdefault(id(asyncio.get_running_loop()), aio.Chan(10))
    await requests.send((body, reply))
    return await reply.recv(timeout=timeout)


async def request_bad_message(requests, body, timeout):
    await requests.send(body)  # no reply channel at all
    raise TimeoutError("no reply")


async def request_stub(requests, body, timeout):
    ...  # your code here


async def request_not_implemented(requests, body, timeout):
    raise NotImplementedError


def test_request_right():
    for fn in (request_right, request_right_recv_timeout):
        fb = check.messaging.request_with_timeout(fn)
        assert fb.ok, str(fb)


@pytest.mark.parametrize("wrong, words", [
    (request_no_timeout, "TimeoutError at t = 2 s"),
    (request_unbuffered, "blocked on its reply"),
    (request_sleeps, "returned only later"),
    (request_bad_message, "could not read the request"),
])
def test_request_wrong(wrong, words):
    fb = check.messaging.request_with_timeout(wrong)
    assert not fb.ok and fb.attempted
    assert words in str(fb), str(fb)


def test_request_shared_reply_channel_mixes_answers():
    SHARED.clear()
    fb = check.messaging.request_with_timeout(request_shared_reply)
    SHARED.clear()
    assert not fb.ok and "mixed-up answers" in str(fb), str(fb)


def test_request_stub_and_plain_function():
    assert not check.messaging.request_with_timeout(request_stub).attempted
    assert not check.messaging.request_with_timeout(request_not_implemented).attempted
    fb = check.messaging.request_with_timeout(lambda requests, body, timeout: "pong")
    assert fb.attempted and not fb.ok and "async def" in str(fb)
