"""chanlab.aio channels, select, WaitGroup and timers against Go's semantics.

The numbers in the test names refer to the statements of go-semantics.md. Most tests run under
``aio.run(..., virtual_time=True)``: sleeps take no wall time and every run is the same.
"""

import asyncio
import math
import random

import pytest

from chanlab import aio, trace
from chanlab.aio import ClosedChannelError, Selected
from aio_support import now, vrun  # tests/aio_support.py


# stricter than the autouse check: run() has joined its loop thread by the time it returns
pytestmark = pytest.mark.usefixtures("no_new_thread_at_all")


@pytest.fixture
def seeded():
    state = random.getstate()
    random.seed(20240611)
    yield
    random.setstate(state)


# ---- the public API ----------------------------------------------------------------------------


def test_public_names():
    assert set(aio.__all__) >= {"Chan", "select", "Selected", "go", "WaitGroup", "after", "tick",
                                "run", "sleep", "ClosedChannelError", "DeadlockError"}
    for name in aio.__all__:
        assert getattr(aio, name) is not None
    assert aio.Selected is Selected
    from chanlab import errors

    assert aio.ClosedChannelError is errors.ClosedChannelError
    assert aio.DeadlockError is errors.DeadlockError


@pytest.mark.parametrize("bad", ["3", 1.5, None, True, False])
def test_capacity_must_be_an_int(bad):
    with pytest.raises(TypeError, match="int >= 0"):
        aio.Chan(bad)


def test_capacity_must_not_be_negative():
    with pytest.raises(ValueError, match="int >= 0"):
        aio.Chan(-1)


# ---- 1. unbuffered channels are a rendezvous ---------------------------------------------------


def test_1_unbuffered_send_completes_only_when_a_receiver_takes_the_value():
    async def main():
        ch = aio.Chan()
        sent_at = []

        async def sender():
            await ch.send("x")
            sent_at.append(now())

        task = aio.go(sender)
        await asyncio.sleep(5)
        assert not task.done() and sent_at == []  # nobody has received: the sender still waits
        assert len(ch) == 0  # and the value is not parked in a buffer
        v = await ch.recv()
        await task
        return v, sent_at

    assert vrun(main()) == ("x", [5.0])


def test_1_send_to_a_waiting_receiver_completes_at_once():
    async def main():
        ch = aio.Chan()
        receiver = aio.go(ch.recv())
        await asyncio.sleep(1)  # the receiver is parked now
        await ch.send(7)  # hands 7 straight to it
        return now(), await receiver

    assert vrun(main()) == (1.0, 7)


# ---- 2. buffered channels are FIFO; send blocks only when full, recv only when empty ------------


def test_2_buffered_fifo_and_blocking():
    async def main():
        ch = aio.Chan(3)
        for v in (1, 2, 3):
            await ch.send(v, timeout=0)  # room in the buffer: no waiting at all
        with pytest.raises(TimeoutError):
            await ch.send(4, timeout=0)  # full: a send would block
        fourth = aio.go(ch.send(4))
        await asyncio.sleep(1)
        assert not fourth.done()
        got = [await ch.recv()]  # frees a slot: the parked sender's 4 moves in
        await asyncio.sleep(0)
        assert fourth.done()
        got += [await ch.recv() for _ in range(3)]
        with pytest.raises(TimeoutError):
            await ch.recv(timeout=0)  # empty: a receive would block
        return got

    assert vrun(main()) == [1, 2, 3, 4]


def test_2_fifo_among_parked_senders_and_receivers():
    async def main():
        ch = aio.Chan()
        for v in range(5):
            aio.go(ch.send(v))
        await asyncio.sleep(0)
        got = [await ch.recv() for _ in range(5)]
        out = []

        async def receiver(i):
            out.append((i, await ch.recv()))

        for i in range(3):
            aio.go(receiver, i)
        await asyncio.sleep(0)
        for v in "abc":
            await ch.send(v)
        await asyncio.sleep(0)
        return got, out

    assert vrun(main()) == ([0, 1, 2, 3, 4], [(0, "a"), (1, "b"), (2, "c")])


# ---- 3. len and cap -------------------------------------------------------------------------------


def test_3_len_and_cap():
    async def main():
        unbuffered, buffered = aio.Chan(), aio.Chan(3)
        aio.go(unbuffered.send(1))
        await buffered.send("a")
        await buffered.send("b")
        await asyncio.sleep(0)
        return len(unbuffered), unbuffered.cap, len(buffered), buffered.cap

    assert vrun(main()) == (0, 0, 2, 3)


# ---- 4. close: drain first, then zero values with ok == False ----------------------------------


def test_4_go_prints_1_true_2_true_0_false_0_false():
    async def main():
        ch = aio.Chan(2)
        await ch.send(1)
        await ch.send(2)
        ch.close()
        return [await ch.recv_ok() for _ in range(4)]

    assert vrun(main()) == [(1, True), (2, True), (None, False), (None, False)]


def test_4_recv_on_a_closed_drained_channel_returns_none_at_once():
    async def main():
        ch = aio.Chan()
        ch.close()
        return await ch.recv(), await ch.recv(), now()

    assert vrun(main()) == (None, None, 0.0)


# ---- 5. misuse of close ------------------------------------------------------------------------


def test_5_send_on_closed_channel_raises():
    async def main():
        ch = aio.Chan(1)
        ch.close()
        with pytest.raises(ClosedChannelError, match="^send on closed channel$"):
            await ch.send(1)
        with pytest.raises(ClosedChannelError, match="^send on closed channel$"):
            await aio.select(ch.sending(1))

    vrun(main())


def test_5_close_of_closed_channel_raises():
    ch = aio.Chan()
    ch.close()
    with pytest.raises(ClosedChannelError, match="^close of closed channel$"):
        ch.close()


def test_close_wakes_every_parked_receiver_and_sender():
    async def main():
        inbox, outbox = aio.Chan(), aio.Chan()
        receivers = [aio.go(inbox.recv_ok()) for _ in range(3)]
        selecting = aio.go(aio.select(inbox.receiving()))
        senders = [aio.go(outbox.send(i)) for i in range(2)]
        await asyncio.sleep(1)
        inbox.close()
        outbox.close()
        results = await asyncio.gather(*receivers, selecting)
        errors = await asyncio.gather(*senders, return_exceptions=True)
        return results, [type(e) for e in errors], now()

    results, errors, t = vrun(main())
    assert results == [(None, False)] * 3 + [Selected(0, None, False)]
    assert errors == [ClosedChannelError, ClosedChannelError]
    assert t == 1.0


# ---- 6. nil channels ----------------------------------------------------------------------------


def test_6_select_never_picks_a_nil_case(seeded):
    async def main():
        ch = aio.Chan(1)
        picked = set()
        for i in range(200):
            await ch.send(i)
            picked.add((await aio.select(None, ch.receiving(), None)).index)
        nothing = await aio.select(None, None, default=True)
        return picked, nothing

    assert vrun(main()) == ({1}, Selected(None))


def test_6_select_on_only_nil_cases_blocks_forever():
    async def main():
        waiting = aio.go(aio.select(None, None))
        await asyncio.sleep(3600)
        return waiting.done()

    assert vrun(main()) is False


# ---- 7. select: uniform among ready cases, default, select {} -----------------------------------


def test_7_select_is_fair_among_ready_cases(seeded):
    tries = 30_000

    async def main():
        chans = [aio.Chan(1) for _ in range(3)]
        counts = [0, 0, 0]
        for ch in chans:
            await ch.send(None)
        for _ in range(tries):
            s = await aio.select(*(ch.receiving() for ch in chans))
            counts[s.index] += 1
            await chans[s.index].send(None)
        return counts

    counts = vrun(main())
    expected = tries / 3
    chi2 = sum((c - expected) ** 2 / expected for c in counts)
    # With 2 degrees of freedom P(chi2 > x) = exp(-x / 2): a fair select fails this with p < 1e-6.
    assert chi2 < 2 * math.log(1e6), counts
    assert all(9_500 <= c <= 10_500 for c in counts), counts


def test_7_select_runs_default_only_when_nothing_is_ready():
    async def main():
        ch = aio.Chan(1)
        first = await aio.select(ch.receiving(), default=True)
        await ch.send("v")
        second = await aio.select(ch.receiving(), default=True)
        return first, second

    assert vrun(main()) == (Selected(None), Selected(0, "v", True))


def test_7_blocking_select_takes_the_first_case_that_becomes_ready_and_withdraws_the_rest():
    async def main():
        a, b, c = aio.Chan(), aio.Chan(), aio.Chan()
        sel = aio.go(aio.select(a.receiving(), b.receiving(), c.sending("out")))
        await asyncio.sleep(1)
        await b.send("in")
        got = await sel
        # the other cases left their queues: nobody waits on a or c any more
        late = await aio.select(a.sending(1), c.receiving(), default=True)
        return got, late

    assert vrun(main()) == (Selected(1, "in", True), Selected(None))


def test_7_blocking_select_send_case():
    async def main():
        a, out = aio.Chan(), aio.Chan()
        sel = aio.go(aio.select(a.receiving(), out.sending("x")))
        await asyncio.sleep(1)
        return await out.recv(), await sel

    assert vrun(main()) == ("x", Selected(1))


def test_7_empty_select_blocks_forever():
    async def main():
        forever = aio.go(aio.select())
        await asyncio.sleep(1000)
        return forever.done()

    assert vrun(main()) is False


def test_select_rejects_things_that_are_not_cases():
    async def main():
        with pytest.raises(TypeError, match="receiving"):
            await aio.select(aio.Chan())

    vrun(main())


# ---- 8. operands evaluated once, in order; closed counts as ready --------------------------------


def test_8_operands_are_evaluated_once_in_source_order():
    calls = []

    def value(v):
        calls.append(v)
        return v

    async def main():
        a, b = aio.Chan(), aio.Chan()
        sel = aio.go(aio.select(a.sending(value(1)), b.sending(value(2))))
        await asyncio.sleep(1)  # the select is parked; its operands are not evaluated again
        return await b.recv(), await sel

    assert vrun(main()) == (2, Selected(1))
    assert calls == [1, 2]


def test_8_closed_channel_is_ready_for_receiving():
    async def main():
        closed, never = aio.Chan(), aio.Chan()
        closed.close()
        return await aio.select(never.receiving(), closed.receiving())

    assert vrun(main()) == Selected(1, None, False)


# ---- 9. unbuffered send beside default needs a waiting receiver ----------------------------------


def test_9_unbuffered_send_with_default_needs_a_waiting_receiver():
    async def main():
        ch = aio.Chan()
        nobody = await aio.select(ch.sending(1), default=True)
        receiver = aio.go(ch.recv())
        await asyncio.sleep(0)
        somebody = await aio.select(ch.sending(2), default=True)
        return nobody, somebody, await receiver

    assert vrun(main()) == (Selected(None), Selected(0), 2)


@pytest.mark.parametrize("consumer_pause, delivered", [(0.0, 20), (0.025, 7)])
def test_9_the_articles_publisher_drops_only_for_a_slow_consumer(consumer_pause, delivered):
    # Go: 10 ms between sends; every message arrives if main waits, 7 of 20 with a 25 ms consumer.
    async def main():
        ch = aio.Chan()

        async def publisher():
            for i in range(20):
                await aio.select(ch.sending(i), default=True)  # default: "Channel is full"
                await aio.sleep(0.010)
            ch.close()

        aio.go(publisher)
        got = []
        async for msg in ch:
            got.append(msg)
            await aio.sleep(consumer_pause)
        return got

    got = vrun(main())
    assert len(got) == delivered
    assert got == sorted(got)


# ---- 10. range ends when closed and drained -------------------------------------------------------


def test_10_async_for_ends_only_when_closed_and_drained():
    async def main():
        ch = aio.Chan(3)
        got = []

        async def ranger():
            async for v in ch:
                got.append(v)

        task = aio.go(ranger)
        for v in (1, 2, 3):
            await ch.send(v)
        await asyncio.sleep(10)
        still_ranging = not task.done()
        await ch.send(4)
        ch.close()
        await task
        return got, still_ranging

    assert vrun(main()) == ([1, 2, 3, 4], True)


def test_10_async_for_drains_buffered_values_after_close():
    async def main():
        ch = aio.Chan(3)
        for v in "abc":
            await ch.send(v)
        ch.close()
        return [v async for v in ch]

    assert vrun(main()) == ["a", "b", "c"]


# ---- 13. WaitGroup --------------------------------------------------------------------------------


def test_13_waitgroup_waits_for_every_done():
    async def main():
        wg = aio.WaitGroup()
        finished = []

        async def worker(i):
            try:
                await aio.sleep(i)
                finished.append(i)
            finally:
                wg.done()

        for i in (3, 1, 2):
            wg.add(1)
            aio.go(worker, i)
        await wg.wait()
        return finished, now()

    assert vrun(main()) == ([1, 2, 3], 3.0)


def test_13_waitgroup_wait_at_zero_returns_at_once():
    async def main():
        await aio.WaitGroup().wait()
        return now()

    assert vrun(main()) == 0.0


def test_13_negative_waitgroup_counter_raises():
    wg = aio.WaitGroup()
    with pytest.raises(ValueError, match="^sync: negative WaitGroup counter$"):
        wg.done()
    wg.add(2)
    with pytest.raises(ValueError, match="^sync: negative WaitGroup counter$"):
        wg.add(-3)
    assert wg.count == 2


def test_waitgroup_wait_timeout():
    async def main():
        wg = aio.WaitGroup()
        wg.add()
        with pytest.raises(TimeoutError):
            await wg.wait(timeout=2)
        t = now()
        wg.done()
        await wg.wait()
        return t

    assert vrun(main()) == 2.0


# ---- 15. time.After and time.Tick ---------------------------------------------------------------


def test_15_after_fires_once_at_the_given_time():
    async def main():
        t = await aio.after(2.5).recv()
        late = aio.after(1)
        await aio.sleep(10)
        first = await late.recv()
        with pytest.raises(TimeoutError):
            await late.recv(timeout=5)  # only once
        return t, first

    assert vrun(main()) == (2.5, 3.5)


@pytest.mark.parametrize("seconds", [0, -1])
def test_15_after_zero_or_negative_fires_at_once(seconds):
    async def main():
        return await aio.after(seconds).recv(timeout=0)

    assert vrun(main()) == 0.0


def test_15_after_in_select_as_a_timeout():
    async def main():
        results = aio.Chan()
        return await aio.select(results.receiving(), aio.after(2).receiving()), now()

    assert vrun(main()) == (Selected(1, 2.0, True), 2.0)


def test_15_tick_drops_ticks_for_a_slow_receiver():
    async def main():
        ticker = aio.tick(1)
        got = []
        for _ in range(3):
            got.append(await ticker.recv())
            await aio.sleep(2.4)  # a slow receiver: ticks come every 1 s
        return got

    with trace.tracing() as tr:
        got = vrun(main())
    # One tick waits in the buffer (capacity 1) while we sleep; the next ones are dropped.
    assert got == [1.0, 2.0, 4.0]
    drops = [e.value for e in tr.of_kind("drop")]
    assert drops == [3.0, 5.0, 7.0, 8.0]
    assert all(e.chan == "time.Tick(1)" for e in tr.of_kind("drop"))


def test_15_tick_stops_when_nobody_holds_the_channel():
    async def main():
        ticker = aio.tick(1)
        await ticker.recv()
        del ticker  # the next tick finds the channel gone and does not come back
        await aio.Chan().recv()  # nothing else can happen: a deadlock, not an endless ticker

    with pytest.raises(aio.DeadlockError):
        vrun(main())


@pytest.mark.parametrize("bad", [0, -1, float("nan")])
def test_15_tick_needs_a_positive_period(bad):
    async def main():
        with pytest.raises(ValueError):
            aio.tick(bad)
        with pytest.raises((TypeError, ValueError)):
            aio.after(float("nan"))

    vrun(main())


def test_sleep_follows_the_loop_clock():
    async def main():
        await aio.sleep(1.5)
        return now()

    assert vrun(main()) == 1.5


def test_num_goroutine_counts_the_running_goroutines_without_main():
    async def main():
        ch = aio.Chan()
        counts = [aio.num_goroutine()]
        gs = [aio.go(ch.recv) for _ in range(3)]
        await aio.sleep(0)
        counts.append(aio.num_goroutine())
        for _ in gs:
            await ch.send(1)
        for g in gs:
            await g
        counts.append(aio.num_goroutine())
        return counts

    assert vrun(main()) == [0, 3, 0]


def test_go_passes_keyword_arguments_like_the_threads_flavour():
    async def work(a, *, scale=1):
        return a * scale

    async def main():
        return await aio.go(work, 2, scale=5, name="worker")

    assert vrun(main()) == 10
    with pytest.raises(TypeError, match="already has its arguments"):
        vrun(_go_coroutine_with_kwargs())


async def _go_coroutine_with_kwargs():
    async def f():
        pass

    aio.go(f(), x=1)
