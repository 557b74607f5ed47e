"""errgroup.Group, sync.Once and sync.RWMutex, both flavours: Go's semantics, and clear errors."""
import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chanlab import Chan, Once, RWMutex, aio, context, errgroup, go, num_goroutine
from gauge import Gauge  # tests/gauge.py


class Boom(Exception):
    pass


def _gone(base, within=2.0):
    deadline = time.monotonic() + within
    while num_goroutine() > base and time.monotonic() < deadline:
        time.sleep(0.005)
    return num_goroutine() == base


# --- errgroup, threads -----------------------------------------------------------------------


def test_wait_returns_none_when_all_succeed_and_every_function_ran():
    g, seen, lock = errgroup.Group(), [], threading.Lock()

    def work(i):
        with lock:
            seen.append(i)

    for i in range(20):
        g.go(work, i)
    assert g.wait(timeout=10) is None
    assert sorted(seen) == list(range(20))


def test_wait_returns_the_first_error_only():
    g = errgroup.Group()
    first_failed = threading.Event()

    def fail_first():
        first_failed.set()
        raise Boom("first")

    def fail_later():
        first_failed.wait(5)
        raise ValueError("second")

    g.go(fail_first)
    g.go(fail_later)
    err = g.wait(timeout=10)
    assert isinstance(err, Boom) and str(err) == "first"


def test_with_context_cancels_the_others_on_the_first_error_and_after_wait():
    base = num_goroutine()
    g, ctx = errgroup.with_context(context.background())
    stopped = Chan(1)

    def patient():
        ctx.done().recv(timeout=10)  # returns once cancelled
        stopped.send(ctx.err())

    g.go(patient)
    g.go(lambda: (_ for _ in ()).throw(Boom("x")))
    assert isinstance(g.wait(timeout=10), Boom)
    assert stopped.recv(timeout=1) is context.Canceled
    assert _gone(base)

    g2, ctx2 = errgroup.with_context(context.background())
    g2.go(lambda: None)
    assert g2.wait(timeout=10) is None and ctx2.err() is context.Canceled  # Go: Wait cancels too


@settings(max_examples=15, deadline=None)
@given(limit=st.integers(1, 4), n=st.integers(0, 12))
def test_set_limit_bounds_how_many_run_at_once(limit, n):
    g = errgroup.Group()
    g.set_limit(limit)
    gauge = Gauge()

    def work():
        with gauge:
            time.sleep(0.002)

    for _ in range(n):
        g.go(work, timeout=10)
    assert g.wait(timeout=10) is None
    assert gauge.peak <= limit
    assert gauge.running == 0


def test_try_go_refuses_when_the_limit_is_reached_and_go_times_out():
    g = errgroup.Group()
    g.set_limit(1)
    release = Chan()
    assert g.try_go(release.recv, 5)
    assert not g.try_go(lambda: None)
    with pytest.raises(TimeoutError):
        g.go(lambda: None, timeout=0.05)
    with pytest.raises(RuntimeError, match="modify limit while 1 goroutines"):
        g.set_limit(2)
    release.send("go on", timeout=5)
    assert g.wait(timeout=10) is None
    assert g.try_go(lambda: None)  # the slot is free again
    assert g.wait(timeout=10) is None
    g.set_limit(-1)  # no limit
    assert all(g.try_go(lambda: None) for _ in range(5))
    assert g.wait(timeout=10) is None


def test_bad_arguments_are_clear():
    g = errgroup.Group()
    with pytest.raises(TypeError, match="needs a function"):
        g.go(42)
    with pytest.raises(TypeError, match="n must be an int"):
        g.set_limit("3")
    with pytest.raises(TypeError, match="n must be an int"):
        g.set_limit(True)
    with pytest.raises(TypeError, match="parent must be a chanlab.context Context"):
        errgroup.with_context(None)
    with pytest.raises(ValueError, match="timeout"):
        g.wait(timeout=-1)


# --- errgroup, asyncio -----------------------------------------------------------------------


def test_aio_group_first_error_cancels_context_and_limit_holds():
    async def main():
        g, ctx = aio.errgroup.with_context(aio.context.background())
        g.set_limit(2)
        running, peak, cancelled = [0], [0], []

        async def work(i):
            running[0] += 1
            peak[0] = max(peak[0], running[0])
            try:
                if i == 3:
                    raise Boom(f"job {i}")
                s = await aio.select(ctx.done().receiving(), aio.after(1.0).receiving())
                if s.index == 0:
                    cancelled.append(i)
            finally:
                running[0] -= 1

        for i in range(6):
            await g.go(work, i)
        err = await g.wait(timeout=100)
        return err, peak[0], sorted(cancelled), ctx.err()

    err, peak, cancelled, ctx_err = aio.run(main(), virtual_time=True, timeout=30)
    assert isinstance(err, Boom) and str(err) == "job 3"
    assert peak == 2
    assert ctx_err is context.Canceled
    assert cancelled  # jobs that were waiting when job 3 failed stopped early


def test_aio_try_go_and_timeout_and_bad_arguments():
    async def main():
        g = aio.errgroup.Group()
        g.set_limit(1)
        gate = aio.Chan()

        async def hold():
            await gate.recv()

        assert g.try_go(hold)
        assert not g.try_go(hold)
        with pytest.raises(TimeoutError):
            await g.go(hold, timeout=0.5)
        with pytest.raises(RuntimeError, match="modify limit"):
            g.set_limit(3)
        await gate.send(None)
        assert await g.wait(timeout=5) is None
        with pytest.raises(TypeError, match="async def"):
            await g.go(lambda: None)
        return "ok"

    assert aio.run(main(), virtual_time=True, timeout=30) == "ok"
    with pytest.raises(TypeError):
        aio.errgroup.with_context(None)


# --- Once ------------------------------------------------------------------------------------


def test_once_runs_once_under_a_forced_race_and_all_callers_wait_for_it():
    once, calls, after = Once(), [], []
    start = threading.Barrier(8)

    def init():
        calls.append(1)
        time.sleep(0.05)  # everyone else arrives while it runs

    def caller():
        start.wait(5)
        once.do(init, timeout=5)
        after.append(len(calls))  # init had returned before do() returned

    gs = [go(caller) for _ in range(8)]
    for g in gs:
        g.join(10)
    assert calls == [1] and after == [1] * 8 and once.done


def test_once_counts_a_raising_function_as_done_and_refuses_recursion():
    once = Once()
    with pytest.raises(Boom):
        once.do(lambda: (_ for _ in ()).throw(Boom()))
    once.do(pytest.fail)  # not called again
    again = Once()
    with pytest.raises(RuntimeError, match="inside its own function"):
        again.do(lambda: again.do(print))
    with pytest.raises(TypeError, match="needs a function"):
        Once().do(3)


def test_aio_once():
    async def main():
        once, calls, after = aio.Once(), [], []

        async def init():
            calls.append(1)
            await aio.sleep(1)

        async def caller():
            await once.do(init)
            after.append(len(calls))

        wg = aio.WaitGroup()
        for _ in range(5):
            wg.add(1)

            async def one():
                try:
                    await caller()
                finally:
                    wg.done()
            aio.go(one)
        await wg.wait(timeout=10)
        rec = aio.Once()
        with pytest.raises(RuntimeError, match="inside its own function"):
            async def inner():
                await rec.do(inner)
            await rec.do(inner)
        return calls, after

    assert aio.run(main(), virtual_time=True, timeout=30) == ([1], [1] * 5)


# --- RWMutex ---------------------------------------------------------------------------------


def test_rwmutex_readers_share_writers_are_alone_and_a_waiting_writer_blocks_new_readers():
    mu = RWMutex()
    mu.rlock()
    mu.rlock(timeout=1)  # two readers at once
    with pytest.raises(TimeoutError):
        mu.lock(timeout=0.05)
    got_it = Chan(1)
    w = go(lambda: (mu.lock(timeout=5), got_it.send("writer")))
    time.sleep(0.05)
    with pytest.raises(TimeoutError):
        mu.rlock(timeout=0.05)  # a writer waits: new readers wait behind it (as in Go)
    mu.runlock()
    mu.runlock()
    assert got_it.recv(timeout=5) == "writer"
    w.join(5)
    with pytest.raises(TimeoutError):
        mu.rlock(timeout=0.05)
    mu.unlock()
    with mu.rlocked(timeout=1):
        pass
    with mu.locked(timeout=1):
        pass
    with pytest.raises(RuntimeError, match="RUnlock of unlocked"):
        mu.runlock()
    with pytest.raises(RuntimeError, match="Unlock of unlocked"):
        mu.unlock()


def test_aio_rwmutex_readers_share_and_a_waiting_writer_blocks_new_readers():
    async def main():
        mu = aio.RWMutex()
        await mu.rlock()
        await mu.rlock(timeout=1)
        with pytest.raises(TimeoutError):
            await mu.lock(timeout=0.05)
        order = []

        async def writer():
            async with mu.locked(timeout=5):
                order.append("writer")

        task = aio.go(writer)
        await aio.sleep(0.01)
        with pytest.raises(TimeoutError):
            await mu.rlock(timeout=0.05)  # held back behind the waiting writer
        mu.runlock()
        mu.runlock()
        await task
        async with mu.rlocked(timeout=1):
            order.append("reader")
        with pytest.raises(RuntimeError, match="RUnlock of unlocked"):
            mu.runlock()
        with pytest.raises(RuntimeError, match="Unlock of unlocked"):
            mu.unlock()
        return order

    assert aio.run(main(), virtual_time=True, timeout=30) == ["writer", "reader"]
