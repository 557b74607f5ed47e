"""Timeouts and cancellation leave chanlab.aio channels as if the operation never happened, and a
value handed over is never lost or received twice, even when the hand-off and the cancellation
happen in the same turn of the event loop."""

import asyncio
import random
import sys

import pytest

from chanlab import aio
from chanlab.aio import Selected, park
from aio_support import now
from aio_support import vrun as _vrun  # tests/aio_support.py


def vrun(main):
    return _vrun(main, timeout=30)


# stricter than the autouse check: run() has joined its loop thread by the time it returns
pytestmark = pytest.mark.usefixtures("no_new_thread_at_all")


async def nobody_waits(ch):
    """True if no receiver and no sender is parked on ch (checked by behaviour, not by peeking)."""
    send = await aio.select(ch.sending("probe"), default=True)
    if send.index is not None:
        return False
    if ch.cap == 0:
        return (await aio.select(ch.receiving(), default=True)).index is None
    return True


# ---- timeouts ------------------------------------------------------------------------------------


def test_recv_timeout_raises_and_leaves_no_receiver_behind():
    async def main():
        ch = aio.Chan()
        with pytest.raises(TimeoutError, match="chan receive"):
            await ch.recv(timeout=1.5)
        t = now()
        with pytest.raises(TimeoutError):
            await ch.recv_ok(timeout=1)
        return t, await nobody_waits(ch), ch._recvq, ch._sendq

    t, clean, recvq, sendq = vrun(main())
    assert t == 1.5 and clean and not recvq and not sendq


def test_send_timeout_raises_and_the_value_is_not_sent():
    async def main():
        ch = aio.Chan()
        with pytest.raises(TimeoutError, match="chan send"):
            await ch.send("lost?", timeout=2)
        return now(), await nobody_waits(ch)

    assert vrun(main()) == (2.0, True)


def test_select_timeout_withdraws_every_case():
    async def main():
        a, b = aio.Chan(), aio.Chan(1)
        await b.send("full")
        with pytest.raises(TimeoutError, match="select"):
            await aio.select(a.receiving(), b.sending("more"), timeout=3)
        return now(), await nobody_waits(a), len(b._sendq), await b.recv()

    assert vrun(main()) == (3.0, True, 0, "full")


@pytest.mark.parametrize("how", ["wait_for", "timeout", "cancel"])
def test_asyncio_timeouts_and_cancel_leave_the_channel_clean(how):
    if how == "timeout" and sys.version_info < (3, 11):
        pytest.skip("asyncio.timeout is new in Python 3.11")

    async def main():
        ch = aio.Chan()
        for op in (ch.recv(), ch.send(1), aio.select(ch.receiving(), ch.sending(2))):
            if how == "wait_for":
                with pytest.raises(asyncio.TimeoutError):
                    await asyncio.wait_for(op, 1)
            elif how == "timeout":
                with pytest.raises(TimeoutError):
                    async with asyncio.timeout(1):
                        await op
            else:
                task = asyncio.ensure_future(op)
                await asyncio.sleep(1)
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
            assert await nobody_waits(ch)
        return now()

    assert vrun(main()) == 3.0


# ---- the race: hand-off and cancellation in the same loop turn ----------------------------------


def test_cancel_right_after_a_handoff_keeps_the_received_value():
    async def main():
        ch = aio.Chan()
        receiver = asyncio.ensure_future(ch.recv())
        await asyncio.sleep(0)  # parked
        await ch.send(42)  # hands 42 to the receiver without waiting...
        receiver.cancel()  # ...which is cancelled before it runs again
        return await receiver, await nobody_waits(ch)

    assert vrun(main()) == (42, True)


def test_cancel_right_after_a_handoff_completes_the_send():
    async def main():
        ch = aio.Chan()
        sender = asyncio.ensure_future(ch.send(7))
        await asyncio.sleep(0)
        v = await ch.recv()  # takes 7 from the parked sender
        sender.cancel()  # too late: 7 is delivered, the send must not look failed
        await sender
        return v, sender.cancelled(), await nobody_waits(ch)

    assert vrun(main()) == (7, False, True)


def test_cancel_right_after_a_handoff_into_a_buffer_completes_the_send():
    async def main():
        ch = aio.Chan(1)
        await ch.send("first")
        sender = asyncio.ensure_future(ch.send("second"))
        await asyncio.sleep(0)  # parked: the buffer is full
        first = await ch.recv()  # moves "second" into the buffer and completes the sender
        sender.cancel()
        await sender
        return first, await ch.recv(), len(ch)

    assert vrun(main()) == ("first", "second", 0)


def test_cancel_right_after_a_handoff_to_a_select():
    async def main():
        a, b = aio.Chan(), aio.Chan()
        sel = asyncio.ensure_future(aio.select(a.receiving(), b.receiving()))
        await asyncio.sleep(0)
        await b.send("b")
        sel.cancel()
        return await sel, await nobody_waits(a), await nobody_waits(b)

    assert vrun(main()) == (Selected(1, "b", True), True, True)


def test_wait_for_expiring_in_the_same_turn_as_the_handoff():
    # The timeout and the sender fire at the same virtual instant: either the receiver gets the
    # value, or it times out and the value is still there for somebody else. Never both, never none.
    async def main():
        outcomes = []
        for delay in (0.5, 1.0, 1.5):
            ch = aio.Chan()

            async def sender():
                await aio.sleep(delay)
                await ch.send("v")

            s = aio.go(sender)
            try:
                got = await asyncio.wait_for(ch.recv(), 1.0)
            except asyncio.TimeoutError:
                got = "timeout:" + await ch.recv()
            await s
            outcomes.append(got)
        return outcomes

    assert vrun(main()) in (["v", "v", "timeout:v"], ["v", "timeout:v", "timeout:v"])


def test_recv_timeout_expiring_in_the_same_turn_as_the_handoff():
    async def main():
        ch = aio.Chan()
        loop = asyncio.get_running_loop()
        loop.call_later(1.0, lambda: aio.go(ch.send("v")))
        try:
            got = await ch.recv(timeout=1.0)
        except TimeoutError:
            got = "timeout:" + await ch.recv()
        return got, await nobody_waits(ch)

    got, clean = vrun(main())
    assert got in ("v", "timeout:v") and clean


# ---- stress: 4 producers, 4 consumers, timeouts and cancellations everywhere ---------------------


@pytest.mark.parametrize("capacity", [0, 8])
def test_stress_every_value_is_received_exactly_once(capacity, monkeypatch):
    n_values, n_producers, n_consumers = 20_000, 4, 4
    stats = {"races": 0, "timeouts": 0, "cancelled": 0}
    is_handoff = park._is_handoff

    def counting_is_handoff(result, select):  # only called when a parked operation was interrupted
        won = is_handoff(result, select)
        stats["races"] += won
        return won

    monkeypatch.setattr(park, "_is_handoff", counting_is_handoff)
    rng = random.Random(1234)

    def pause():  # steps of 1 ms, so that timers often fire in the same turn
        return rng.randrange(0, 4) / 1000

    async def main():
        ch = aio.Chan(capacity)
        done_producing = aio.WaitGroup()
        received = []

        async def producer(p):
            try:
                for v in range(p, n_values, n_producers):
                    while True:  # a send that timed out did not send: try again
                        how = rng.randrange(4)
                        try:
                            if how == 0:
                                await ch.send(v)
                            elif how == 1:
                                await ch.send(v, timeout=pause())
                            elif how == 2:
                                s = await aio.select(ch.sending(v), aio.after(pause()).receiving())
                                if s.index == 1:
                                    raise TimeoutError
                            else:
                                await asyncio.wait_for(ch.send(v), pause() + 0.001)
                            break
                        except (TimeoutError, asyncio.TimeoutError):
                            stats["timeouts"] += 1
                    if rng.random() < 0.3:
                        await aio.sleep(pause())
            finally:
                done_producing.done()

        async def consumer():
            while True:
                how = rng.randrange(4)
                try:
                    if how == 0:
                        v, ok = await ch.recv_ok(timeout=pause())
                    elif how == 1:
                        v, ok = await asyncio.wait_for(ch.recv_ok(), pause() + 0.001)
                    elif how == 2:
                        s = await aio.select(ch.receiving(), aio.after(pause()).receiving())
                        if s.index == 1:
                            raise TimeoutError
                        v, ok = s.value, s.ok
                    else:  # a receive that somebody else cancels
                        task = asyncio.ensure_future(ch.recv_ok())
                        asyncio.get_running_loop().call_later(pause(), task.cancel)
                        try:
                            v, ok = await task
                        except asyncio.CancelledError:
                            stats["cancelled"] += 1
                            continue
                except (TimeoutError, asyncio.TimeoutError):
                    stats["timeouts"] += 1
                    continue
                if not ok:
                    return
                received.append(v)
                if rng.random() < 0.3:
                    await aio.sleep(pause())

        for p in range(n_producers):
            done_producing.add()
            aio.go(producer, p)
        consumers = [aio.go(consumer) for _ in range(n_consumers)]
        await done_producing.wait()
        ch.close()
        await asyncio.gather(*consumers)
        return received

    received = vrun(main())
    assert len(received) == n_values
    assert sorted(received) == list(range(n_values))
    # the interesting paths really ran
    assert stats["timeouts"] > 1000 and stats["cancelled"] > 100 and stats["races"] > 0, stats
