"""Checkers of notebook 08: each against the right answer, typical wrong answers and the stub."""

from chanlab import aio
from chanlab.check import claims as C
from chanlab.experiments import styles as S


# --- 08.1 ------------------------------------------------------------------------------------------
def test_balance_flip_right():
    wl = S.workload(120, rate=1000, service=0.01, distribution="constant")
    fb = C.balance_flip(wl, "partly true")
    assert fb.ok, str(fb)


def test_balance_flip_wrong_workload_does_not_flip():
    fb = C.balance_flip(S.workload(120, rate=1000, service=0.01), "partly true")
    assert not fb.ok and fb.attempted and "does not flip" in str(fb) and "constant" in str(fb)


def test_balance_flip_wrong_prediction():
    wl = S.workload(120, rate=1000, service=0.01, distribution="constant")
    fb = C.balance_flip(wl, "true")
    assert not fb.ok and "not to what you predicted" in str(fb)


def test_balance_flip_bad_inputs_and_stub():
    assert not C.balance_flip(..., ...).attempted
    assert not C.balance_flip(S.workload(120), ...).attempted
    assert "Workload" in str(C.balance_flip([1, 2], "true"))
    assert "one of the two" in str(C.balance_flip(S.workload(120), "yes"))
    assert "too small" in str(C.balance_flip(S.workload(4, distribution="constant"), "true"))


# --- 08.2 ------------------------------------------------------------------------------------------
def right_safe_rate(rates, limit):
    safe = [r for r in rates
            if S.run_style("event", S.workload(200, rate=r, service=0.01,
                                               distribution="constant")).high_water <= limit]
    return max(safe) if safe else None


def test_safe_rate_right():
    fb = C.safe_rate(right_safe_rate)
    assert fb.ok, str(fb)


def test_safe_rate_wrong_first_safe_and_wrong_order_assumption():
    def first_safe(rates, limit):  # the lowest safe rate, not the highest
        safe = [r for r in rates if right_safe_rate([r], limit) is not None]
        return min(safe) if safe else None

    def last_before_unsafe(rates, limit):  # assumes the rates are sorted
        best = None
        for r in rates:
            if right_safe_rate([r], limit) is None:
                break
            best = r
        return best

    for wrong in (first_safe, last_before_unsafe):
        fb = C.safe_rate(wrong)
        assert not fb.ok and fb.attempted and "Expected:" in str(fb), wrong.__name__


def test_safe_rate_zero_instead_of_none_and_stub_and_bug():
    fb = C.safe_rate(lambda rates, limit: right_safe_rate(rates, limit) or 0)
    assert not fb.ok and "None" in str(fb)

    def stub(rates, limit):
        ...
        return ...
    assert not C.safe_rate(stub).attempted

    def buggy(rates, limit):
        return S.run_style("event", rates)
    fb = C.safe_rate(buggy)
    assert not fb.ok and fb.attempted and "raised" in str(fb)


# --- 08.3 ------------------------------------------------------------------------------------------
async def right_channel_shop(orders, handle, workers=2):
    jobs, results, wg = aio.Chan(4), [], aio.WaitGroup()

    async def worker():
        try:
            async for order in jobs:
                results.append(await handle(order))
        finally:
            wg.done()
    for _ in range(workers):
        wg.add(1)
        aio.go(worker)
    for order in orders:
        await jobs.send(order, timeout=10)
    jobs.close()
    await wg.wait(timeout=10)
    return results


def test_channel_shop_right():
    fb = C.channel_shop(right_channel_shop)
    assert fb.ok, str(fb)
    assert "moving parts" in str(fb)


async def no_wait_shop(orders, handle, workers=2):
    jobs, results = aio.Chan(4), []

    async def worker():
        async for order in jobs:
            results.append(await handle(order))
    for _ in range(workers):
        aio.go(worker)
    for order in orders:
        await jobs.send(order, timeout=10)
    jobs.close()
    return results  # the workers are still busy with the last orders


async def never_closed_shop(orders, handle, workers=2):
    jobs, results, wg = aio.Chan(), [], aio.WaitGroup()

    async def worker():
        async for order in jobs:
            results.append(await handle(order))
        wg.done()
    for _ in range(workers):
        wg.add(1)
        aio.go(worker)
    for order in orders:
        await jobs.send(order)
    await wg.wait()  # nobody closed jobs: the workers wait forever
    return results


async def plain_loop_shop(orders, handle, workers=2):
    return [await handle(o) for o in orders]


def test_channel_shop_wrong_answers():
    fb = C.channel_shop(no_wait_shop)
    assert not fb.ok and "exactly once" in str(fb) and "wg.wait" in str(fb)
    fb = C.channel_shop(never_closed_shop)
    assert not fb.ok and "raised" in str(fb) and "close the jobs channel" in str(fb)
    fb = C.channel_shop(plain_loop_shop)
    assert not fb.ok and "function call" in str(fb)
    fb = C.channel_shop(lambda orders, handle: [])
    assert not fb.ok and "async def" in str(fb)


def test_channel_shop_stub():
    async def channel_shop(orders, handle, workers=2):
        ...  # your code here
        return ...
    assert not C.channel_shop(channel_shop).attempted
    assert not C.channel_shop(...).attempted


# --- 08.4 ------------------------------------------------------------------------------------------
def right_retrying(handler, attempts=3):
    async def wrapped(order):
        for i in range(attempts):
            try:
                return await handler(order)
            except Exception:
                if i == attempts - 1:
                    raise
    return wrapped


def test_retrying_right():
    fb = C.retrying(right_retrying)
    assert fb.ok, str(fb)


def test_retrying_wrong_answers():
    def no_retry(handler, attempts=3):
        async def wrapped(order):
            return await handler(order)
        return wrapped

    def swallows(handler, attempts=3):
        async def wrapped(order):
            for _ in range(attempts):
                try:
                    return await handler(order)
                except Exception:
                    pass
            return None
        return wrapped

    def forever(handler, attempts=3):
        async def wrapped(order):
            while True:
                try:
                    return await handler(order)
                except Exception:
                    continue
        return wrapped

    def not_a_function(handler, attempts=3):
        return 42

    fb = C.retrying(no_retry)
    assert not fb.ok and "third attempt" in str(fb)
    fb = C.retrying(swallows)
    assert not fb.ok and "swallowed" in str(fb)
    fb = C.retrying(forever)
    assert not fb.ok and "exactly twice" in str(fb)
    fb = C.retrying(not_a_function)
    assert not fb.ok and "return a function" in str(fb)


def test_retrying_stub():
    def retrying(handler, attempts=3):
        raise NotImplementedError
    assert not C.retrying(retrying).attempted


def test_balance_flip_fails_a_workload_of_unequal_sizes_that_balances_by_luck():
    from chanlab.check import claims
    from chanlab.experiments import styles

    service = tuple(([0.01] * 4 + [0.02] * 4) * 15)   # every shard gets as much work as pulling
    wl = styles.Workload(tuple(i * 0.001 for i in range(len(service))), service)
    for _ in range(3):
        fb = claims.balance_flip(wl, "partly true")
        assert not fb.ok and "differ in size" in fb.summary and "constant" in fb.hint


def test_safe_rate_holds_fingerprints_of_the_measured_answers():
    """The checker holds neither the answers nor the code that finds them (the student bundle ships it):
    its fingerprints must be those of the answers measured here."""
    from chanlab.check.feedback import digest

    for (rates, limit), want in C._SAFE_RATE_CASES.items():
        assert digest("08.2", f"{rates}/{limit}", right_safe_rate(list(rates), limit)) == want, (rates, limit)
    assert not hasattr(C, "_safe_rate_answer")
