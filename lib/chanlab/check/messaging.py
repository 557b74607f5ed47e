"""Checkers for the exercises of notebook 06 (message-driven work queues).

Each function checks one exercise and returns a :class:`~chanlab.check.feedback.Feedback`::

    check.messaging.idempotent(idempotent)
    check.messaging.poison(MAX_DELIVERIES, BACKOFF)
    check.messaging.crash_prediction(prediction)
    check.messaging.request_with_timeout(request)

Every scenario runs in virtual time (``aio.run(..., virtual_time=True)``): exact, instant, and the
same every run.
"""
from __future__ import annotations

import asyncio
import inspect

from .. import aio
from ..aio.messaging import WorkQueue, consume
from ..experiments.messaging import run_queue
from .feedback import checker, Feedback, Raised, attempt, failed, not_attempted, passed
from ..i18n import _

__all__ = ["idempotent", "poison", "crash_prediction", "request_with_timeout"]


def _vrun(coro):
    return aio.run(coro, virtual_time=True, timeout=20)


def _now():
    return asyncio.get_running_loop().time()


# ---- 06.1 -------------------------------------------------------------------------------------------

def _payments():
    # two payments with the same account and amount but different ids: both must count
    return [{"id": "pay-1", "account": "alice", "amount": 10},
            {"id": "pay-2", "account": "bob", "amount": 5},
            {"id": "pay-3", "account": "alice", "amount": 10},
            {"id": "pay-4", "account": "bob", "amount": 7}]


@checker
def idempotent(make) -> Feedback:
    """06.1: ``make(handler)`` returns a handler that applies ``handler(body)`` once per
    ``body["id"]``: a repeat returns the first result without a second effect; a handler that
    raised has had no effect, so a later delivery of the same id must run it again."""
    ex = "06.1"
    balances = {}
    calls = []

    def deposit(body):
        calls.append(body["id"])
        balances[body["account"]] = balances.get(body["account"], 0) + body["amount"]
        return balances[body["account"]]

    wrapped = attempt(ex, make, deposit)
    if isinstance(wrapped, Raised):
        return wrapped.feedback
    if not callable(wrapped):
        return failed(ex, _("idempotent(handler) should return a function (the wrapped handler)."),
                      expected=_("a function body -> result"), got=repr(wrapped),
                      hint=_("Define an inner def handle(body): ... and return handle."))
    p1, _unused, p3, _unused = _payments()
    first = attempt(ex, wrapped, p1)
    if isinstance(first, Raised):
        return first.feedback
    again = attempt(ex, wrapped, dict(p1))
    if isinstance(again, Raised):
        return again.feedback
    if calls.count("pay-1") != 1:
        return failed(ex, _("The same payment, delivered twice, was applied twice."),
                      expected=_("alice's balance 10 after two deliveries of pay-1"),
                      got=_("alice's balance {balance}").format(balance=balances.get('alice')),
                      hint=_("Remember the ids you have applied (a dict id -> result) and skip a repeat."))
    if again != first:
        return failed(ex, _("A repeated delivery should return the first result (a requester may be waiting "
                            "for it)."), expected=repr(first), got=repr(again),
                      hint=_("Store the handler's result under the id and return it for a repeat."))
    attempt(ex, wrapped, p3)
    if calls.count("pay-3") != 1 or balances.get("alice") != 20:
        return failed(ex, _("Another payment with the same account and amount (but its own id) was skipped."), expected=_("alice's balance 20 after pay-1 and pay-3"),
                      got=_("alice's balance {balance}").format(balance=balances.get('alice')),
                      hint=_("Key on body['id'] only: two payments of 10 to alice are two payments."))

    # a handler that fails once: the failed delivery must not count as done
    fails = {"pay-x"}
    balances.clear()
    calls.clear()

    def flaky(body):
        if body["id"] in fails:
            fails.discard(body["id"])
            raise ConnectionError("the bank timed out")
        return deposit(body)

    wrapped = attempt(ex, make, flaky)
    if isinstance(wrapped, Raised):
        return wrapped.feedback
    px = {"id": "pay-x", "account": "carol", "amount": 3}
    try:
        wrapped(px)
    except ConnectionError:
        pass
    except Exception as err:
        return failed(ex, _("When the handler raises, the wrapper should let the exception through."),
                      expected=_("ConnectionError (so the worker nacks and the message comes back)"),
                      got=f"{type(err).__name__}: {err}", hint=_("Do not catch the handler's exception."))
    else:
        return failed(ex, _("When the handler raises, the wrapper should let the exception through."),
                      expected="ConnectionError", got=_("it returned normally"),
                      hint=_("Do not catch the handler's exception: the worker must nack."))
    try:
        wrapped(dict(px))
    except Exception as err:
        return failed(ex, _("A redelivery after a failure raised instead of applying the payment."),
                      expected=_("carol's balance {balance}").format(balance=3), got=f"{type(err).__name__}: {err}",
                      hint=_("Record the id only after the handler returns."))
    if balances.get("carol") != 3:
        return failed(ex, _("The payment failed once, then its redelivery was skipped: it is lost."),
                      expected=_("carol's balance 3 after the retry"), got=_("carol's balance {balance}").format(balance=balances.get('carol')),
                      hint=_("Record the id as done only after the handler has returned; a handler that "
                             "raised had no effect."))

    # the real thing: workers that crash after the effect, before the ack
    balances.clear()
    calls.clear()
    wrapped = attempt(ex, make, deposit)
    if isinstance(wrapped, Raised):
        return wrapped.feedback

    async def main():
        q = WorkQueue("payments", ack_timeout=5)
        pool = consume(q, wrapped, workers=2,
                       crash_before_ack=lambda msg: msg.attempt == 1 and msg.id in ("pay-2", "pay-4"))
        for p in _payments():
            await q.put(p, id=p["id"])
        q.close()
        await pool.join(timeout=600)
        return q.stats, pool.stats

    try:
        qs, ps = _vrun(main())
    except Exception as err:
        return failed(ex, _("The queue run with your handler failed."), got=f"{type(err).__name__}: {err}",
                      hint=_("Run your wrapper by hand on a payment dict and read the error."))
    if balances != {"alice": 20, "bob": 12}:
        return failed(ex, _("Two workers crashed after paying, before acking: their payments were "
                            "redelivered."), expected="{'alice': 20, 'bob': 12}", got=repr(balances),
                      hint=_("The redelivered payments must be skipped by id."))
    return passed(ex, _("Four payments, {crashed} worker crashes after the effect and {redelivered} "
                        "redeliveries: every payment applied exactly once, a failed one retried, and a "
                        "repeat answered with the first result.").format(crashed=ps.crashed, redelivered=qs.redelivered))


# ---- 06.2 -------------------------------------------------------------------------------------------

WORK = 0.5  # seconds per delivery in 06.2


@checker
def poison(max_deliveries, backoff) -> Feedback:
    """06.2: a poison message becomes a dead letter after exactly 3 deliveries and within 10 s; a
    flaky message (fails twice, then works) is acked; no retry comes sooner than 2 s after a failure."""
    ex = "06.2"
    if max_deliveries is ... or backoff is ...:
        return not_attempted(ex, _("Set MAX_DELIVERIES and BACKOFF in the cell above, then run this cell."))
    try:
        WorkQueue("check", max_deliveries=max_deliveries, backoff=backoff)
    except (TypeError, ValueError) as err:
        return failed(ex, _("WorkQueue does not accept these settings."), got=f"{type(err).__name__}: {err}",
                      hint=_("max_deliveries is an int; backoff is seconds, a tuple of seconds, or "
                             "exponential(first, factor, cap)."))

    async def main():
        q = WorkQueue("jobs", max_deliveries=max_deliveries, backoff=backoff, ack_timeout=30)
        tries = {"poison": [], "flaky": [], "fine": []}

        async def handler(name):
            tries[name].append(_now())
            await aio.sleep(WORK)
            if name == "poison" or (name == "flaky" and len(tries[name]) <= 2):
                raise ValueError(f"{name} failed")
            return name

        pool = consume(q, handler, workers=2)
        for name in tries:
            await q.put(name, id=name)
        q.close()
        try:
            await pool.join(timeout=300)
        except TimeoutError:  # still retrying after 300 s: max_deliveries=None
            await pool.stop(timeout=300)
        return tries, q.dead_letters

    try:
        tries, dead = _vrun(main())
    except Exception as err:
        return failed(ex, _("The run with these settings failed."), got=f"{type(err).__name__}: {err}",
                      hint=_("A backoff function must return seconds >= 0 for attempt 1, 2, ..."))
    dead_ids = {d.id: d for d in dead}
    if "flaky" in dead_ids:
        return failed(ex, _("The flaky message (fails twice, then works) became a dead letter too."),
                      expected=_("flaky acked on its 3rd delivery"),
                      got=_("dead after {attempts} deliveries").format(attempts=dead_ids['flaky'].attempts),
                      hint=_("max_deliveries counts deliveries, not retries: the first try is delivery 1."))
    if "poison" not in dead_ids:
        return failed(ex, _("The poison message never became a dead letter."), expected=_("dead after 3 deliveries"),
                      got=_("{n_poison} deliveries and still retrying").format(n_poison=len(tries['poison'])),
                      hint=_("max_deliveries=None means no limit."))
    n = dead_ids["poison"].attempts
    if n != 3:
        return failed(ex, _("The poison message was tried {value} times.").format(value=n), expected=_("3 deliveries"), got=str(n),
                      hint=_("max_deliveries is the number of deliveries, the first one included."))
    gaps = [b - (a + WORK) for a, b in zip(tries["poison"], tries["poison"][1:])]
    if min(gaps) < 2 - 1e-9:
        return failed(ex, _("A retry came sooner than 2 s after a failure."),
                      expected=_("waits of at least 2 s"),
                      got=_("waits of {waits}").format(waits=", ".join(f"{g:g} s" for g in gaps)),
                      hint=_("exponential(first, factor, cap) waits first, first*factor, ...: raise first."))
    at = dead_ids["poison"].at
    if at > 10 + 1e-9:
        return failed(ex, _("The poison message became a dead letter only at t = {at:g} s.").format(at=at),
                      expected=_("at most 10 s"),
                      got=_("{at:g} s (waits {waits})").format(at=at, waits=", ".join(f"{g:g} s" for g in gaps)),
                      hint=_("Three deliveries take {WORK:g} s of work; the two waits must fit in the rest.").format(WORK=3 * WORK))
    return passed(ex, _("The poison message was a dead letter after 3 deliveries at t = {at:g} s "
                        "(waits {waits}); the flaky one was acked.").format(
                            at=at, waits=", ".join(f"{g:g} s" for g in gaps)))


# ---- 06.3 -------------------------------------------------------------------------------------------

CRASH_SCENARIO = dict(workers=2, messages=6, work=1.0, crash_on=[2], ack_timeout=5.0)


@checker
def crash_prediction(prediction) -> Feedback:
    """06.3: predict ``{"redelivered": ..., "processed": ..., "finished_at": ...}`` for
    :data:`CRASH_SCENARIO` (2 workers, 6 messages of 1 s, the worker holding message 2 crashes
    after its work, ack timeout 5 s)."""
    ex = "06.3"
    keys = ("redelivered", "processed", "finished_at")
    if prediction is ... or (isinstance(prediction, dict) and any(prediction.get(k, ...) is ... for k in keys)):
        return not_attempted(ex, _("Fill in every value of prediction, then run this cell."))
    if not isinstance(prediction, dict):
        return failed(ex, _("prediction should be a dict."), expected=_("keys {keys}").format(keys=keys), got=repr(prediction),
                      hint='prediction = {"redelivered": 0, "processed": 0, "finished_at": 0.0}')
    run = run_queue(**CRASH_SCENARIO)
    truth = {"redelivered": run.redelivered, "processed": run.processed, "finished_at": run.wall}
    hints = {
        "redelivered": _("A crash loses no message: the one the worker held comes back once (no other "
                         "delivery failed)."),
        "processed": _("Count handler runs: every message once, plus every redelivery."),
        "finished_at": _("The ack timeout starts when message 2 is delivered (t = 1), not when the worker "
                         "dies; then it needs 1 s of work."),
    }
    for k in keys:
        got = prediction.get(k)
        try:
            right = abs(float(got) - truth[k]) < 1e-9
        except (TypeError, ValueError):
            right = False
        if not right:
            return failed(ex, _("Your {value} differs from the run.").format(value=k), expected=repr(truth[k]), got=repr(got),
                          hint=hints[k])
    return passed(ex, _("Message 2 came back at t = {ack_timeout:g} s (its delivery at t = 1 plus the 5 "
                        "s ack timeout): {processed} handler runs for {published} messages, all acked "
                        "at t = {wall:g} s.").format(ack_timeout=CRASH_SCENARIO['ack_timeout'] + 1, processed=run.processed, published=run.published, wall=run.wall))


# ---- 06.4 -------------------------------------------------------------------------------------------

@checker
def request_with_timeout(request) -> Feedback:
    """06.4: ``async def request(requests, body, timeout)`` sends ``(body, reply)`` on ``requests``
    (an ``aio.Chan``) with a fresh reply channel, and returns the answer, or raises ``TimeoutError``
    after ``timeout`` seconds; a late responder must never block."""
    ex = "06.4"
    if not callable(request):
        return failed(ex, _("request should be an async function."), expected="async def request(requests, body, timeout)",
                      got=repr(request), hint=_("Define it with async def."))
    if not inspect.iscoroutinefunction(request):
        out = attempt(ex, request, aio.Chan(1), "ping", 1)
        if isinstance(out, Raised):
            return out.feedback
        return failed(ex, _("request should be an 'async def' function (it waits, so it awaits)."),
                      expected="async def request(...)", got=_("a plain function returning {out!r}").format(out=out),
                      hint=_("Write async def request(requests, body, timeout): ... with await inside."))

    async def scenario(delays, timeout):
        """One responder per request body: answers body after delays[body] seconds."""
        requests = aio.Chan(len(delays))
        stuck, bad = [], []

        async def responder():
            for _unused in delays:
                try:
                    body, reply = await requests.recv(timeout=30)
                    assert isinstance(reply, aio.Chan) and body in delays
                except TimeoutError:
                    return  # nothing was sent
                except (TypeError, ValueError, AssertionError):
                    bad.append("?")
                    return

                async def answer(body=body, reply=reply):
                    await aio.sleep(delays[body])
                    try:
                        await reply.send(f"answer to {body}", timeout=1)
                    except TimeoutError:
                        stuck.append(body)

                aio.go(answer)

        resp = aio.go(responder)
        results = {}

        async def ask(body):
            t = _now()
            try:
                results[body] = (await request(requests, body, timeout), _now() - t)
            except TimeoutError:
                results[body] = ("TimeoutError", _now() - t)
            except NotImplementedError:
                results[body] = (NotImplemented, 0.0)

        asks = [aio.go(ask, b) for b in delays]
        for a in asks:
            await a
        await resp
        await aio.sleep(max(delays.values()) + 2)  # let late responders try to answer
        return results, stuck, bad

    try:
        results, stuck, bad = _vrun(scenario({"fast": 1.0}, 2.0))
    except Exception as err:
        cause = err.__cause__ or err
        return failed(ex, _("request raised."), got=f"{type(cause).__name__}: {cause}",
                      hint=_("Send (body, reply) on requests, then select on reply and a timer."))
    value, took = results["fast"]
    if value is NotImplemented or value is ... or (value is None and took == 0 and not bad):
        return not_attempted(ex, _("Write request(requests, body, timeout) above, then run this cell."))
    if bad:
        return failed(ex, _("The responder could not read the request."),
                      expected=_("(body, reply) with reply an aio.Chan"), got=_("something else"),
                      hint=_("await requests.send((body, reply)) with reply = aio.Chan(1)."))
    if value != "answer to fast":
        return failed(ex, _("An answer that came in time was not returned."), expected=_("'answer to fast'"),
                      got=repr(value), hint=_("Return the value received from the reply channel."))
    if took > 1.0 + 1e-9:
        return failed(ex, _("The answer came after 1 s, yet request returned only later."),
                      expected=_("returns at t = 1 s"), got=_("returned at t = {took:g} s").format(took=took),
                      hint=_("Do not sleep for the timeout: wait for whichever comes first, the reply or the "
                             "timer (select with aio.after(timeout).receiving(), or recv(timeout=...))."))
    results, stuck, _unused = _vrun(scenario({"slow": 3.0}, 2.0))
    value, took = results["slow"]
    if value != "TimeoutError" or abs(took - 2.0) > 1e-9:
        return failed(ex, _("The responder needs 3 s and the timeout is 2 s."),
                      expected=_("TimeoutError at t = 2 s"), got=_("{value!r} at t = {took:g} s").format(value=value, took=took),
                      hint=_("Raise TimeoutError when the timer fires first."))
    if stuck:
        return failed(ex, _("The late responder blocked on its reply: nobody will ever receive it."),
                      expected=_("a late reply that never waits"), got=_("the responder waited on reply.send"),
                      hint=_("Give each request a reply channel with room for its one answer: aio.Chan(1)."))
    results, stuck, _unused = _vrun(scenario({"a": 3.0, "b": 1.0, "c": 2.0}, 5.0))
    if {k: v for k, (v, _unused) in results.items()} != {k: f"answer to {k}" for k in "abc"}:
        return failed(ex, _("Three requests at once got mixed-up answers."),
                      expected=_("each request its own answer"), got=repr({k: v for k, (v, _unused) in results.items()}),
                      hint=_("Make a new reply channel inside request, one per call: it is the correlation."))
    return passed(ex, _("Answers in time came back at once, a slow one gave TimeoutError exactly at the "
                        "timeout, a late responder did not block, and concurrent requests got their own "
                        "answers."))
