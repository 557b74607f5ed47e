"""chanlab.aio.run and go: virtual time, deadlock detection (Go statement 12), panics, interrupts,
running inside an already running event loop (as in Jupyter), and tracing."""

import _thread
import asyncio
import random
import sys
import threading
import time

import pytest

from chanlab import aio, trace
from chanlab.aio import DeadlockError, PanicError
from aio_support import now, vrun  # tests/aio_support.py


# stricter than the autouse check: run() has joined its loop thread by the time it returns
pytestmark = pytest.mark.usefixtures("no_new_thread_at_all")


# ---- run() basics -------------------------------------------------------------------------------


def test_run_returns_the_result_and_raises_the_exception():
    async def ok():
        await asyncio.sleep(0)
        return 42

    async def bad():
        raise KeyError("k")

    assert aio.run(ok(), timeout=10) == 42
    assert aio.run(ok, timeout=10) == 42  # an async def function is called with no arguments
    with pytest.raises(KeyError):
        aio.run(bad(), timeout=10)


@pytest.mark.parametrize("bad", [42, None, lambda: 1, object()])
def test_run_needs_a_coroutine(bad):
    with pytest.raises(TypeError, match=r"run\(main\(\)\)"):
        aio.run(bad)


def test_run_uses_a_private_loop_that_is_closed_afterwards():
    loops = []

    async def main():
        loops.append(asyncio.get_running_loop())

    aio.run(main(), timeout=10)
    vrun(main())
    assert loops[0] is not loops[1]
    assert all(loop.is_closed() for loop in loops)
    assert [loop.virtual_time for loop in loops] == [False, True]


def test_run_cancels_the_goroutines_main_leaves_behind():
    cleaned = []

    async def main():
        async def forever(i):
            try:
                await aio.Chan().recv()
            finally:
                cleaned.append(i)

        for i in range(3):
            aio.go(forever, i)
        await asyncio.sleep(0)
        return "main done"  # Go: the program ends when main returns

    assert vrun(main()) == "main done"
    assert sorted(cleaned) == [0, 1, 2]


def test_run_inside_a_running_event_loop():
    # A Jupyter kernel runs cells inside its own event loop, where asyncio.run() fails.
    async def program():
        ch = aio.Chan()
        aio.go(ch.send("from the private loop"))
        return await ch.recv()

    async def kernel_cell():
        coro = asyncio.sleep(0)
        with pytest.raises(RuntimeError, match="running event loop"):
            asyncio.run(coro)  # what the notebook user would hit
        coro.close()
        return aio.run(program(), timeout=10)

    assert asyncio.run(kernel_cell()) == "from the private loop"


def test_run_timeout_cancels_everything():
    cleaned = []

    async def main():
        try:
            await asyncio.get_running_loop().create_future()  # waits forever, not on a channel
        finally:
            cleaned.append("main")

    start = time.monotonic()
    with pytest.raises(TimeoutError, match="timeout="):
        aio.run(main(), timeout=0.2)
    assert time.monotonic() - start < 1.5
    assert cleaned == ["main"]


def test_run_timeout_counts_wall_time_on_a_virtual_clock():
    async def spin():
        while True:
            await asyncio.sleep(1)

    with pytest.raises(TimeoutError):
        aio.run(spin(), virtual_time=True, timeout=0.2)


def interrupted_after(delay, call):
    """Call ``call()`` in the main thread, press Ctrl-C after ``delay`` s (from a helper thread, as a
    kernel interrupt would), check that it raised KeyboardInterrupt, return how long it took."""
    pressed = []

    def press():
        pressed.append(time.monotonic())
        _thread.interrupt_main()

    interrupter = threading.Timer(delay, press)
    interrupter.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            call()
        return time.monotonic() - pressed[0]
    finally:
        interrupter.join()


def test_keyboard_interrupt_stops_run_within_half_a_second():
    cleaned = []

    async def main():
        try:
            await asyncio.get_running_loop().create_future()
        finally:
            cleaned.append(True)

    elapsed = interrupted_after(0.1, lambda: aio.run(main()))
    assert elapsed < 0.5
    assert cleaned == [True]


def test_keyboard_interrupt_during_a_virtual_time_program():
    async def main():
        while True:
            await asyncio.sleep(1)  # a virtual clock never waits: the loop is always busy

    assert interrupted_after(0.1, lambda: aio.run(main(), virtual_time=True)) < 0.5


# ---- virtual time ------------------------------------------------------------------------------


def test_virtual_sleep_takes_no_wall_time():
    async def main():
        await asyncio.sleep(60)
        return asyncio.get_running_loop().time()

    start = time.monotonic()
    assert vrun(main()) == 60.0
    assert time.monotonic() - start < 0.1


def test_virtual_clock_drives_asyncio_timeouts_and_timers():
    async def main():
        loop = asyncio.get_running_loop()
        marks = []
        loop.call_later(2, lambda: marks.append(("call_later", loop.time())))
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.sleep(100), 3)
        marks.append(("wait_for", loop.time()))
        if sys.version_info >= (3, 11):
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(4):
                    await asyncio.sleep(100)
        else:
            await asyncio.sleep(4)
        marks.append(("timeout", loop.time()))
        return marks

    assert vrun(main()) == [("call_later", 2.0), ("wait_for", 3.0), ("timeout", 7.0)]


def test_virtual_time_still_sees_callbacks_from_threads():
    async def main():
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        worker = threading.Thread(target=lambda: loop.call_soon_threadsafe(fut.set_result, "hi"))
        worker.start()
        got = await fut  # no timer pending: the loop waits for the thread, not a deadlock
        worker.join()
        in_thread = await loop.run_in_executor(None, lambda: "from executor")
        return got, in_thread, loop.time()

    assert vrun(main()) == ("hi", "from executor", 0.0)


def simulated_worker_pool(seed):
    """8 workers, 600 jobs of about 0.8 s each: a simulated minute."""
    rng = random.Random(seed)

    async def main():
        jobs, results, wg = aio.Chan(16), aio.Chan(16), aio.WaitGroup()

        async def worker(w):
            try:
                async for job in jobs:
                    await aio.sleep(rng.choice((0.7, 0.8, 0.9)))
                    await results.send((now(), w, job))
            finally:
                wg.done()

        for w in range(8):
            wg.add()
            aio.go(worker, w)

        async def feed():
            for job in range(600):
                await jobs.send(job)
            jobs.close()

        async def close_when_done():
            await wg.wait()
            results.close()

        aio.go(feed)
        aio.go(close_when_done)
        return [r async for r in results], now()

    return vrun(main())


def test_virtual_time_worker_pool_minute_is_fast_and_repeatable():
    start = time.monotonic()
    first, t1 = simulated_worker_pool(7)
    wall = time.monotonic() - start
    second, t2 = simulated_worker_pool(7)
    assert wall < 1.0
    assert len(first) == 600 and sorted(job for _, _, job in first) == list(range(600))
    assert 55 < t1 < 65
    assert (first, t1) == (second, t2)


def test_same_seeded_select_program_gives_the_same_result_twice():
    async def main():
        a, b = aio.Chan(1), aio.Chan(1)
        picks = []
        for _ in range(100):
            await a.send("a")
            await b.send("b")
            picks.append((await aio.select(a.receiving(), b.receiving())).value)
            await aio.select(a.receiving(), b.receiving())
        return picks

    state = random.getstate()
    try:
        random.seed(5)
        first = vrun(main())
        random.seed(5)
        second = vrun(main())
    finally:
        random.setstate(state)
    assert first == second and set(first) == {"a", "b"}


# ---- 12. deadlock detection --------------------------------------------------------------------


@pytest.mark.parametrize("virtual_time", [False, True])
def test_12_receive_on_a_new_channel_is_a_deadlock(virtual_time):
    start = time.monotonic()
    with pytest.raises(DeadlockError) as info:
        aio.run(aio.Chan().recv(), virtual_time=virtual_time, timeout=10)
    assert time.monotonic() - start < 0.5
    assert str(info.value) == "all goroutines are asleep - deadlock!"


def test_12_deadlock_is_raised_at_the_line_that_waits_in_main():
    async def main():
        ch = aio.Chan()
        try:
            await ch.send(1)  # nobody will ever receive
        except DeadlockError:
            return "caught in main"

    assert vrun(main()) == "caught in main"


def test_12_waitgroup_with_every_worker_blocked_is_a_deadlock():
    async def main():
        ch, wg = aio.Chan(), aio.WaitGroup()

        async def worker():
            try:
                await ch.recv()  # nobody sends
            finally:
                wg.done()

        for _ in range(3):
            wg.add()
            aio.go(worker)
        await wg.wait()

    with pytest.raises(DeadlockError) as info:
        vrun(main())
    notes = getattr(info.value, "__notes__", None)
    if notes is not None:  # Python 3.11+: the report says who waits for what, like Go's
        assert "goroutine 'main' [sync.WaitGroup.Wait]" in notes
        assert sum("[chan receive on" in n for n in notes) == 3


def test_12_main_awaiting_a_blocked_goroutine_is_a_deadlock():
    async def main():
        ch = aio.Chan()
        await aio.go(ch.recv())

    with pytest.raises(DeadlockError):
        vrun(main())


def test_12_gather_of_blocked_goroutines_is_a_deadlock():
    async def main():
        ch = aio.Chan()
        await asyncio.gather(ch.recv(), ch.recv())

    with pytest.raises(DeadlockError):
        vrun(main())


def test_12_empty_select_in_main_is_a_deadlock():
    with pytest.raises(DeadlockError):
        vrun(aio.select())


def test_12_deadlock_after_the_work_is_done():
    async def main():
        ch = aio.Chan()

        async def producer():
            for i in range(3):
                await ch.send(i)  # forgets to close ch

        aio.go(producer)
        got = []
        async for v in ch:  # waits for a close that never comes
            got.append(v)

    with pytest.raises(DeadlockError):
        vrun(main())


def test_12_no_deadlock_while_a_goroutine_sleeps():
    async def main():
        return await late_send(aio.sleep, 30), now()

    assert vrun(main()) == ("late", 30.0)
    assert aio.run(late_send(asyncio.sleep, 0.02), timeout=10) == "late"


async def late_send(sleep, seconds):
    """Receive "late" from a goroutine that first sleeps ``seconds`` with ``sleep``."""
    ch = aio.Chan()

    async def late_sender():
        await sleep(seconds)
        await ch.send("late")

    aio.go(late_sender)
    return await ch.recv()


def test_12_no_deadlock_while_a_timer_is_pending():
    async def main():
        return await aio.after(5).recv()

    assert vrun(main()) == 5.0


def test_12_no_deadlock_for_a_partial_deadlock():
    async def main():
        aio.go(aio.Chan().recv())  # stuck forever, but main goes on and ends
        await asyncio.sleep(1)
        return "main ended"

    assert vrun(main()) == "main ended"


def test_12_no_deadlock_while_waiting_for_something_outside_chanlab():
    async def main():
        loop = asyncio.get_running_loop()
        fut = loop.create_future()  # completed by a thread: chanlab cannot know, so it must wait
        ch = aio.Chan()
        aio.go(ch.recv())
        timer = threading.Timer(0.05, loop.call_soon_threadsafe, (fut.set_result, "done"))
        timer.start()
        result = await fut
        timer.join()
        return result

    assert aio.run(main(), timeout=10) == "done"


def test_12_deadlock_in_a_goroutine_main_does_not_wait_for_is_not_reported():
    async def main():
        started = aio.Chan()

        async def stuck():
            await started.send(None)
            await aio.Chan().recv()

        aio.go(stuck)
        await started.recv()
        await asyncio.sleep(5)
        return now()

    assert vrun(main()) == 5.0


# ---- panics ---------------------------------------------------------------------------------------


def test_panic_in_a_goroutine_ends_the_program_promptly():
    async def main():
        async def bad():
            await aio.sleep(1)
            raise ValueError("boom")

        aio.go(bad)
        await aio.sleep(3600)
        return "never"

    start = time.monotonic()
    with pytest.raises(PanicError) as info:
        vrun(main())
    assert time.monotonic() - start < 1
    assert info.value.goroutine == "bad-1"
    assert isinstance(info.value.__cause__, ValueError)
    assert str(info.value.__cause__) == "boom"


def test_panic_reaches_main_parked_on_a_channel():
    async def main():
        async def bad():
            raise RuntimeError("oops")

        aio.go(bad)
        await aio.Chan().recv()

    with pytest.raises(PanicError, match="oops"):
        aio.run(main(), timeout=10)


def test_an_awaited_goroutine_exception_is_not_a_panic():
    async def main():
        async def bad():
            raise ValueError("seen")

        try:
            await aio.go(bad)
        except ValueError as exc:
            first = str(exc)
        results = await asyncio.gather(aio.go(bad), aio.go(bad), return_exceptions=True)
        await aio.sleep(1)
        return first, [type(r) for r in results]

    assert vrun(main()) == ("seen", [ValueError, ValueError])


def test_go_outside_run_reports_the_panic_through_the_loop():
    reported = []

    async def main():
        asyncio.get_running_loop().set_exception_handler(lambda loop, ctx: reported.append(ctx))

        async def bad():
            raise ValueError("x")

        aio.go(bad)
        for _ in range(5):
            await asyncio.sleep(0)

    asyncio.run(main())
    assert len(reported) == 1 and isinstance(reported[0]["exception"], PanicError)


def test_go_names_and_argument_checks():
    async def main():
        async def worker(i):
            return i

        tasks = [aio.go(worker, i) for i in range(2)] + [aio.go(worker(9), name="special")]
        names = [t.get_name() for t in tasks]
        with pytest.raises(TypeError, match="async def"):
            aio.go(print, "plain function")
        return names, await asyncio.gather(*tasks)

    assert vrun(main()) == (["worker-1", "worker-2", "special"], [0, 1, 9])


def test_go_needs_a_running_loop():
    async def worker():
        pass

    with pytest.raises(RuntimeError, match="inside a coroutine"):
        aio.go(worker)


# ---- tracing ------------------------------------------------------------------------------------


def test_trace_records_the_story_of_a_program():
    async def main():
        ch = aio.Chan(name="ch")

        async def producer():
            for i in range(2):
                await ch.send(i)
            ch.close()

        aio.go(producer)
        return [v async for v in ch]

    with trace.tracing() as tr:
        assert vrun(main()) == [0, 1]
    kinds = {e.kind for e in tr}
    assert {"start", "end", "send", "recv", "block", "unblock", "close"} <= kinds
    assert tr.goroutines()[:2] == ["main", "producer-1"]
    assert [(e.goroutine, e.value) for e in tr.of_kind("send")] == [("producer-1", 0),
                                                                  ("producer-1", 1)]
    assert [(e.goroutine, e.value) for e in tr.of_kind("recv")] == [("main", 0), ("main", 1)]
    assert all(e.chan == "ch" for e in tr.of_kind("send", "recv", "close"))
    assert all(e.t == 0.0 for e in tr)  # virtual time: nothing took any time


def test_trace_uses_the_virtual_clock():
    async def main():
        await aio.sleep(2)
        ch = aio.Chan(1, name="c")
        await ch.send("x")

    with trace.tracing() as tr:
        vrun(main())
    assert [(e.t, e.kind) for e in tr.of_kind("send")] == [(2.0, "send")]


def test_a_panic_as_main_returns_is_not_lost():
    # The worker panics in the same loop turn in which main is woken and returns: nobody awaited
    # the worker, so run() must still raise its panic (Go: the panic ends the program).
    async def main():
        wg = aio.WaitGroup()
        wg.add(1)

        async def worker():
            wg.done()
            raise ValueError("boom after done")

        aio.go(worker)
        await wg.wait()
        return "main returned"

    with pytest.raises(PanicError, match="boom after done"):
        vrun(main())
