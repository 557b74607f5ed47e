"""Checkers for the exercises of notebook 08 (the article's claims, tested).

Each function checks one exercise and returns a :class:`~chanlab.check.feedback.Feedback`::

    check.claims.balance_flip(my_workload, "partly true")
    check.claims.safe_rate(safe_rate)
    check.claims.channel_shop(channel_shop)
    check.claims.retrying(retrying)
"""
from __future__ import annotations

import inspect

from .. import aio
from ..experiments import styles
from .feedback import checker, Feedback, Raised, attempt, digest, failed, not_attempted, passed
from ..i18n import _

__all__ = ["balance_flip", "safe_rate", "channel_shop", "retrying"]

VERDICTS = ("true", "partly true")


@checker
def balance_flip(wl, predicted) -> Feedback:
    """08.1: a workload on which 'message-driven suits load balancing' is no longer simply true,
    and the verdict predicted for it (``"true"`` or ``"partly true"``)."""
    ex = "08.1"
    if wl is ... or predicted is ...:
        return not_attempted(ex, _("Make my_workload and write your predicted verdict, then run this cell again."))
    if not isinstance(wl, styles.Workload):
        return failed(ex, _("my_workload should be a Workload."), got=f"{type(wl).__name__} {wl!r}",
                      hint=_("Make it with workload(n, rate=..., service=..., distribution=...)."))
    if predicted not in VERDICTS:
        return failed(ex, _("The prediction should be one of the two verdicts."), expected=" or ".join(
                      repr(v) for v in VERDICTS), got=repr(predicted),
                      hint=_("Predict before you measure: does pulling from one queue still balance better "
                             "than fixed shards?"))
    if len(wl) < 16:
        return failed(ex, _("The workload is too small to say anything about balance."),
                      expected=_("at least 16 orders"), got=_("{n} orders").format(n=len(wl)),
                      hint=_("Use about a hundred orders, as in section 2."))
    verdict, pull, shards = styles.balance_verdict(styles.scaling(wl, workers=(1, 4)))
    measured = _("with 4 workers the busiest did x{pull:.2f} the mean work (pull) vs x{shards:.2f} "
                 "(shards)").format(pull=pull, shards=shards)
    if verdict == "true":
        return failed(ex, _("On this workload the verdict does not flip: pulling still balances better."),
                      expected=_("a workload where the shards are as balanced as the pull"),
                      got=measured,
                      hint=_("Shards are unbalanced when orders differ in size: make every order the same "
                             "size (distribution=\"constant\") and a multiple of 4 orders."))
    sizes = {round(t, 9) for t in wl.service}
    if len(sizes) > 1:      # an unequal workload whose shards happen to balance is luck, not the point
        return failed(ex, _("The orders of this workload differ in size, so a fixed split balances them "
                            "only by luck (another seed and it does not)."),
                      expected=_("every order the same size"), got=_("{n_sizes} different sizes, from {sizes:.3g} to {sizes2:.3g} ms").format(n_sizes=len(sizes), sizes=min(sizes) * 1000, sizes2=max(sizes) * 1000),
                      hint=_("What varies in section 2's orders is their size: make it constant "
                             "(distribution=\"constant\"), and n a multiple of 4."))
    if predicted != verdict:
        return failed(ex, _("The verdict flipped, but not to what you predicted."),
                      expected=repr(verdict), got=repr(predicted),
                      hint=_("Measured: {measured}. Equal balance means the claim holds only partly: load "
                             "balancing is then not an advantage of the queue.").format(measured=measured))
    return passed(ex, _("Predicted and measured: {verdict!r} ({measured}). With equal sizes a fixed "
                        "split is as fair as pulling; the queue wins only when work varies.").format(verdict=verdict, measured=measured))


#: the cases of 08.2: (rates, limit) -> the right answer's :func:`~chanlab.check.feedback.digest` (the
#: answers are not written here, nor the code that finds them: tests/test_check_claims.py measures them
#: again and checks these)
_SAFE_RATE_CASES = {
    ((20, 50, 90, 95, 99, 110, 150), 10): "e37db50fd42b8305c9d44695d84d08f8",
    ((150, 80, 40, 120), 3): "7c57d2fa27b46edf3c0f902e27b2d46f",
    ((300, 400), 10): "2529d4a35674d1133bf6466836f7d426",
}


@checker
def safe_rate(fn) -> Feedback:
    """08.2: ``fn(rates, limit)`` returns the highest rate (orders per second) in ``rates`` at which an
    unbounded event inbox never holds more than ``limit`` orders (200 orders, 10 ms each)."""
    ex = "08.2"
    for (rates, limit), want in _SAFE_RATE_CASES.items():
        got = attempt(ex, fn, list(rates), limit)
        if isinstance(got, Raised):
            return got.feedback
        rate = got
        if isinstance(got, (int, float)) and not isinstance(got, bool) and float(got).is_integer():
            rate = int(got)  # 95.0 is the rate 95
        if digest(ex, f"{rates}/{limit}", rate) != want:
            hint = _("Run each rate with run_style('event', workload(200, rate=r, service=0.01, "
                     "distribution='constant')) and keep the largest r whose high_water <= limit; "
                     "the rates may come in any order, and None means no rate is safe.")
            return failed(ex, _("safe_rate({rates}, {limit}) differs from the measurement.").format(rates=list(rates), limit=limit),
                          expected=_("the largest rate in the list whose high_water stays <= the limit (None if none does)"),
                          got=repr(got), hint=hint)
    return passed(ex, _("Well below 100 orders per second (load < 1) the inbox stays short; near and "
                        "above it, it grows with every order: the 'leak' is a rate mismatch, set by a "
                        "knob."))


async def _double(order):
    await aio.sleep(0.01)
    return order * 2


@checker
def channel_shop(fn) -> Feedback:
    """08.3: ``async def channel_shop(orders, handle, workers=2)``: the shop with plain channels and
    goroutines (Go by hand), returning the results; then counted like the other two."""
    ex = "08.3"
    if not callable(fn) or not inspect.iscoroutinefunction(fn):
        if fn is ... or fn is None:
            return not_attempted(ex, _("Write async def channel_shop(orders, handle, workers=2) above."))
        return failed(ex, _("channel_shop should be an async def function."), got=repr(fn),
                      hint=_("Start with: async def channel_shop(orders, handle, workers=2):"))
    try:
        got = aio.run(fn(range(10), _double), virtual_time=True, timeout=30)
    except NotImplementedError:
        return not_attempted(ex, _("Write channel_shop above, then run this cell again."))
    except Exception as err:
        first = str(err).splitlines()[0] if str(err) else ""
        return failed(ex, _("channel_shop raised {__name__}.").format(__name__=type(err).__name__), got=f"{type(err).__name__}: {first}",
                      hint=_("A DeadlockError means someone waits forever: close the jobs channel after the "
                             "last send, and wait for the workers with a WaitGroup."))
    try:
        src = inspect.getsource(fn)
    except (OSError, TypeError):
        return failed(ex, _("Cannot read the source of channel_shop to count it."),
                      hint=_("Define it with def in a notebook cell (not with exec or a lambda)."))
    if got is None and "..." in src and "Chan" not in src:
        return not_attempted(ex, _("Replace the ... in channel_shop by your program."))
    if got is ...:
        return not_attempted(ex, _("Write channel_shop above, then run this cell again."))
    want = [i * 2 for i in range(10)]
    if not isinstance(got, list) or sorted(got) != want:
        return failed(ex, _("channel_shop did not return every order's result exactly once."),
                      expected=_("{want} (in any order)").format(want=want), got=repr(got),
                      hint=_("Wait for every worker before returning (wg.wait()), or the last results are "
                             "not in yet."))
    counts = styles.complexity({"channels": fn}, libraries=False)["channels"]
    if counts["queues"] == 0 or counts["goroutines"] == 0:
        return failed(ex, _("It works, but it has no channel or no goroutine: that is a function call, not "
                            "message passing."), expected=_("aio.Chan(...) and aio.go(...)"),
                      got=f"{counts['queues']} channels, {counts['goroutines']} goroutines",
                      hint=_("Send each order on a channel; let worker goroutines receive them."))
    ref = styles.complexity(libraries=False)
    return passed(ex, _("All 10 results. Counted: {lines} lines, {parts} moving parts (event-driven: "
                        "{lines2}/{parts2}, message-driven: {lines3}/{parts3}).").format(lines=counts['lines'], parts=counts['moving parts'], lines2=ref['event-driven']['lines'], parts2=ref['event-driven']['moving parts'], lines3=ref['message-driven']['lines'], parts3=ref['message-driven']['moving parts']),
                  _("Without a library, each style is a few channels and goroutines: the complexity "
                    "lives in what you must add (acks, timers, per-subscriber inboxes)."))


@checker
def retrying(fn) -> Feedback:
    """08.4: ``retrying(handler, attempts)`` returns an ``async def`` handler that calls ``handler``
    up to ``attempts`` times until it succeeds, and raises the last error if every attempt failed."""
    ex = "08.4"
    calls = []

    def flaky(fail_times):
        async def handler(order):
            calls.append(order)
            await aio.sleep(0.01)
            if calls.count(order) <= fail_times:
                raise RuntimeError(f"crash {calls.count(order)} on order {order}")
            return order
        return handler

    wrapped = attempt(ex, fn, flaky(2), 3)
    if isinstance(wrapped, Raised):
        return wrapped.feedback
    if not callable(wrapped):
        return failed(ex, _("retrying(handler, attempts) should return a function."), got=repr(wrapped),
                      hint=_("Define async def wrapped(order): ... inside retrying and return wrapped."))

    async def run(w, order):
        try:
            return ("ok", await w(order))
        except RuntimeError as err:
            return ("raised", str(err))
    try:
        got = aio.run(run(wrapped, 7), virtual_time=True, timeout=10)
    except Exception as err:
        return failed(ex, _("Calling the wrapped handler failed."), got=f"{type(err).__name__}: {err}",
                      hint=_("The wrapped handler is awaited: make it async def, and await handler(order)."))
    if got != ("ok", 7) or calls.count(7) != 3:
        return failed(ex, _("A handler that fails twice should succeed on its third attempt."),
                      expected=_("result 7 after 3 calls"), got=_("{got} after {count} calls").format(got=got, count=calls.count(7)),
                      hint=_("Loop over range(attempts); return at the first success; catch Exception."))
    calls.clear()
    wrapped = attempt(ex, fn, flaky(5), 2)
    if isinstance(wrapped, Raised):
        return wrapped.feedback
    got = aio.run(run(wrapped, 1), virtual_time=True, timeout=10)
    if calls.count(1) != 2:
        return failed(ex, _("With attempts=2 the handler should be called exactly twice."),
                      expected="2 calls", got=f"{calls.count(1)} calls",
                      hint=_("Stop after attempts tries: retrying forever hides a poison message."))
    if got[0] != "raised":
        return failed(ex, _("When every attempt fails, the error must not be swallowed."),
                      expected=_("the last RuntimeError raised"), got=_("returned {got!r}").format(got=got[1]),
                      hint=_("After the loop, raise the last exception: the bus then counts it in "
                             "sub.errors, like a dead letter."))
    return passed(ex, _("Retries turn a crash into a delay: the event-driven shop now handles the "
                        "orders that crashed once, by adding what a work queue has built in (and "
                        "without its ack timeout, a retry happens only while the subscriber lives)."))
