"""Go's own channel tests (``src/runtime/chan_test.go``), ported to both flavours of chanlab.

Each test names the Go test it follows and keeps its scenario; the sizes are scaled down so that the
file runs in seconds on a loaded 2-core machine (the Go value is given beside each scaled one).
Where Go sleeps a millisecond and hopes a goroutine has blocked by then, these tests wait until the
goroutine is really parked in the channel's queue: a stronger check that needs no wall clock. No
assertion depends on time; the timeouts only make a broken run end (they are generous: T seconds).
Between steps and at the end the channel invariants of chan.py's docstring are checked.

Left out: the benchmarks, and the tests of Go's stack handling (TestShrinkStackDuringBlockedSend,
TestNoShrinkStackWhileParking, TestSelectStackAdjust), which have nothing to mirror in Python.
"""

import math
import time
from collections import Counter

import pytest

from chanlab import Chan, WaitGroup, aio, go, select

T = 60  # seconds: a timeout that only a broken (deadlocked) run reaches

# Go: N := 200 (20 with -short): every capacity 0..N-1. Here 0..9 and a few larger ones.
CAPACITIES = list(range(10)) + [16, 50, 199]


def until(predicate, what):
    """Wait (without a wall-clock assertion) until ``predicate()``; fail only after T seconds."""
    deadline = time.monotonic() + T
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.001)


async def aio_until(predicate, what, turns=10_000):
    """The asyncio twin: let the other goroutines run (loop turns, no clock) until ``predicate()``."""
    for _ in range(turns):
        if predicate():
            return
        await aio.sleep(0)
    raise AssertionError(f"{what} did not happen in {turns} loop turns")


def arun(main):
    return aio.run(main, virtual_time=True, timeout=T)


def join(*gs):
    for g in gs:
        g.join(timeout=T)
        assert not g.is_alive(), f"{g} did not end"


# ---- TestChan ----------------------------------------------------------------------------------
P, L = 4, 100  # Go: P = 4 goroutines, L = 1000 integers each


@pytest.mark.parametrize("cap", CAPACITIES)
def test_TestChan_threads(cap):
    """Go: TestChan (blocking, non-blocking, closed, FIFO, many senders, len/cap)."""
    # Ensure that receive from empty chan blocks.
    c = Chan(cap)
    got = []
    g1 = go(lambda: got.append(c.recv(timeout=T)))
    g2 = go(lambda: got.append(c.recv_ok(timeout=T)))
    until(lambda: len(c._recvq) == 2, "both receivers to block")
    assert got == [], f"chan[{cap}]: receive from empty chan"
    c._check_invariants()
    # Ensure that non-blocking receive does not block.
    assert select(c.receiving(), default=True).index is None
    assert c.try_recv() is None
    c.send(0, timeout=T)
    c.send(0, timeout=T)
    join(g1, g2)
    assert sorted(map(str, got)) == ["(0, True)", "0"]

    # Ensure that send to full chan blocks.
    c = Chan(cap)
    for i in range(cap):
        c.send(i, timeout=T)
    sent = []
    g = go(lambda: sent.append(c.send(0, timeout=T)))
    until(lambda: len(c._sendq) == 1, "the sender to block")
    assert sent == [], f"chan[{cap}]: send to full chan"
    c._check_invariants()
    # Ensure that non-blocking send does not block.
    assert select(c.sending(0), default=True).index is None
    assert c.try_send(0) is False
    c.recv(timeout=T)
    join(g)
    assert sent == [None]

    # Ensure that we receive 0 (None) from closed chan.
    c = Chan(cap)
    for i in range(cap):
        c.send(i, timeout=T)
    c.close()
    assert [c.recv(timeout=T) for _ in range(cap)] == list(range(cap))
    assert c.recv(timeout=T) is None
    assert c.recv_ok(timeout=T) == (None, False)
    c._check_invariants()

    # Ensure that close unblocks receive.
    c = Chan(cap)
    done = Chan()
    g = go(lambda: done.send(c.recv_ok(timeout=T) == (None, False), timeout=T))
    until(lambda: len(c._recvq) == 1, "the receiver to block")
    c.close()
    assert done.recv(timeout=T), f"chan[{cap}]: received non zero from closed chan"
    join(g)

    # Send 100 integers, ensure that we receive them non-corrupted in FIFO order (recv, then recv_ok).
    c = Chan(cap)
    for receive in (lambda: c.recv(timeout=T), lambda: c.recv_ok(timeout=T)[0]):
        g = go(lambda: [c.send(i, timeout=T) for i in range(100)])
        assert [receive() for _ in range(100)] == list(range(100)), f"chan[{cap}]: not FIFO"
        join(g)

    # Send L integers in P goroutines, ensure that we receive what we send.
    done = Chan()
    senders = [go(lambda: [c.send(i, timeout=T) for i in range(L)]) for _ in range(P)]
    receivers = [go(lambda: done.send(Counter(c.recv(timeout=T) for _ in range(L)), timeout=T))
                 for _ in range(P)]
    recv = Counter()
    for _ in range(P):
        recv.update(done.recv(timeout=T))
    join(*senders, *receivers)
    assert len(recv) == L, f"chan[{cap}]: received {len(recv)} values, expected {L}"
    assert set(recv.values()) == {P}
    c._check_invariants()

    # Test len/cap.
    c = Chan(cap)
    assert (len(c), c.cap) == (0, cap)
    for i in range(cap):
        c.send(i, timeout=T)
    assert (len(c), c.cap) == (cap, cap)
    c._check_invariants()


@pytest.mark.parametrize("cap", CAPACITIES)
def test_TestChan_aio(cap):
    """Go: TestChan, on chanlab.aio."""

    async def main():
        # Ensure that receive from empty chan blocks.
        c = aio.Chan(cap)
        got = []

        async def recv1():
            got.append(await c.recv(timeout=T))

        async def recv2():
            got.append(await c.recv_ok(timeout=T))

        g1, g2 = aio.go(recv1), aio.go(recv2)
        await aio_until(lambda: len(c._recvq) == 2, "both receivers to block")
        assert got == [], f"chan[{cap}]: receive from empty chan"
        c._check_invariants()
        assert (await aio.select(c.receiving(), default=True)).index is None
        assert c.try_recv() is None
        await c.send(0, timeout=T)
        await c.send(0, timeout=T)
        await g1
        await g2
        assert sorted(map(str, got)) == ["(0, True)", "0"]

        # Ensure that send to full chan blocks.
        c = aio.Chan(cap)
        for i in range(cap):
            await c.send(i, timeout=T)
        sent = []

        async def send0():
            sent.append(await c.send(0, timeout=T))

        g = aio.go(send0)
        await aio_until(lambda: len(c._sendq) == 1, "the sender to block")
        assert sent == [], f"chan[{cap}]: send to full chan"
        c._check_invariants()
        assert (await aio.select(c.sending(0), default=True)).index is None
        assert c.try_send(0) is False
        await c.recv(timeout=T)
        await g
        assert sent == [None]

        # Ensure that we receive 0 (None) from closed chan.
        c = aio.Chan(cap)
        for i in range(cap):
            await c.send(i, timeout=T)
        c.close()
        assert [await c.recv(timeout=T) for _ in range(cap)] == list(range(cap))
        assert await c.recv(timeout=T) is None
        assert await c.recv_ok(timeout=T) == (None, False)
        c._check_invariants()

        # Ensure that close unblocks receive.
        c = aio.Chan(cap)
        done = aio.Chan()

        async def closed_zero():
            await done.send(await c.recv_ok(timeout=T) == (None, False), timeout=T)

        g = aio.go(closed_zero)
        await aio_until(lambda: len(c._recvq) == 1, "the receiver to block")
        c.close()
        assert await done.recv(timeout=T), f"chan[{cap}]: received non zero from closed chan"
        await g

        # Send 100 integers, ensure that we receive them in FIFO order (recv, then recv_ok).
        c = aio.Chan(cap)

        async def send_n(n):
            for i in range(n):
                await c.send(i, timeout=T)

        for ok in (False, True):
            g = aio.go(send_n, 100)
            if ok:
                got = [(await c.recv_ok(timeout=T))[0] for _ in range(100)]
            else:
                got = [await c.recv(timeout=T) for _ in range(100)]
            assert got == list(range(100)), f"chan[{cap}]: not FIFO"
            await g

        # Send L integers in P goroutines, ensure that we receive what we send.
        done = aio.Chan()

        async def count_l():
            seen = Counter()
            for _ in range(L * 10):  # Go's L = 1000: asyncio hand-offs are cheap
                seen[await c.recv(timeout=T)] += 1
            await done.send(seen, timeout=T)

        gs = [aio.go(send_n, L * 10) for _ in range(P)] + [aio.go(count_l) for _ in range(P)]
        recv = Counter()
        for _ in range(P):
            recv.update(await done.recv(timeout=T))
        for g in gs:
            await g
        assert len(recv) == L * 10 and set(recv.values()) == {P}
        c._check_invariants()

        # Test len/cap.
        c = aio.Chan(cap)
        assert (len(c), c.cap) == (0, cap)
        for i in range(cap):
            await c.send(i, timeout=T)
        assert (len(c), c.cap) == (cap, cap)
        c._check_invariants()
        return True

    assert arun(main())


# ---- TestNonblockSelectRace and TestNonblockSelectRace2 ----------------------------------------
# Select acts on the state of the channels at one moment, not over a smeared window: from the time
# the second goroutine starts, c1 or c2 is always ready, so its select must never take the default.


@pytest.mark.parametrize("close_c2", [False, True], ids=["TestNonblockSelectRace", "TestNonblockSelectRace2"])
def test_TestNonblockSelectRace_threads(close_c2):
    """Go: TestNonblockSelectRace (c2 <- 1) and TestNonblockSelectRace2 (close(c2))."""
    n = 300  # Go: 100000 (1000 with -short); each iteration starts a thread here
    done = Chan(1)

    def pick(c1, c2):
        done.send(select(c1.receiving(), c2.receiving(), default=True).index is not None, timeout=T)

    for _ in range(n):
        c1, c2 = Chan(1), Chan(0 if close_c2 else 1)
        c1.send(1)
        g = go(pick, c1, c2)
        if close_c2:
            c2.close()
        else:
            c2.send(1)
        select(c1.receiving(), default=True)
        assert done.recv(timeout=T), "no chan is ready"
        join(g)


@pytest.mark.parametrize("close_c2", [False, True], ids=["TestNonblockSelectRace", "TestNonblockSelectRace2"])
def test_TestNonblockSelectRace_aio(close_c2):
    """Go: TestNonblockSelectRace and TestNonblockSelectRace2, on chanlab.aio."""

    async def main():
        done = aio.Chan(1)

        async def pick(c1, c2):
            sel = await aio.select(c1.receiving(), c2.receiving(), default=True)
            await done.send(sel.index is not None)

        for _ in range(1000):  # Go: 100000 (1000 with -short)
            c1, c2 = aio.Chan(1), aio.Chan(0 if close_c2 else 1)
            await c1.send(1)
            g = aio.go(pick, c1, c2)
            await aio.sleep(0)  # let it start: in asyncio it runs only when main yields
            if close_c2:
                c2.close()
            else:
                await c2.send(1)
            await aio.select(c1.receiving(), default=True)
            assert await done.recv(timeout=T), "no chan is ready"
            await g
        return True

    assert arun(main())


# ---- TestSelfSelect ----------------------------------------------------------------------------
# Send and receive on the same channel in one select: no crash, no deadlock, and on an unbuffered
# channel a goroutine never receives its own value. It is the one case where chan.go's invariant
# lets both queues hold waiters: a single goroutine's select.


@pytest.mark.parametrize("cap", [0, 10])
def test_TestSelfSelect_threads(cap):
    """Go: TestSelfSelect."""
    c = Chan(cap)
    wg = WaitGroup()
    self_received = []

    def loop(p):
        try:
            for i in range(300):  # Go: 1000
                cases = (c.sending(p), c.receiving())
                if not (p == 0 or i % 2 == 0):
                    cases = cases[::-1]
                sel = select(*cases, timeout=T)
                if not cases[sel.index].is_send and cap == 0 and sel.value == p:
                    self_received.append(p)
                c._check_invariants()
        finally:
            wg.done()

    wg.add(2)
    gs = [go(loop, p) for p in range(2)]
    wg.wait(timeout=T)
    join(*gs)
    assert self_received == [], "self receive"
    c._check_invariants()


@pytest.mark.parametrize("cap", [0, 10])
def test_TestSelfSelect_aio(cap):
    """Go: TestSelfSelect, on chanlab.aio."""

    async def main():
        c = aio.Chan(cap)
        wg = aio.WaitGroup()
        self_received = []

        async def loop(p):
            try:
                for i in range(1000):
                    cases = (c.sending(p), c.receiving())
                    if not (p == 0 or i % 2 == 0):
                        cases = cases[::-1]
                    sel = await aio.select(*cases, timeout=T)
                    if not cases[sel.index].is_send and cap == 0 and sel.value == p:
                        self_received.append(p)
                    c._check_invariants()
            finally:
                wg.done()

        wg.add(2)
        for p in range(2):
            aio.go(loop, p)
        await wg.wait(timeout=T)
        c._check_invariants()
        return self_received

    assert arun(main()) == [], "self receive"


# ---- TestSelectStress --------------------------------------------------------------------------
# 4 goroutines send N values on each channel, 4 receive N from each, one goroutine sends N on every
# channel in a single select, one receives N from every channel in a single select; a channel whose
# N are done becomes nil in the selects. All this interacts chaotically but must not deadlock.


def test_TestSelectStress_threads():
    """Go: TestSelectStress (N = 1e5, 1e4 with -short; here 400)."""
    n = 400
    c = [Chan(0), Chan(0), Chan(2), Chan(3)]
    wg = WaitGroup()

    def sender(k):
        try:
            for _ in range(n):
                c[k].send(0, timeout=T)
        finally:
            wg.done()

    def receiver(k):
        try:
            for _ in range(n):
                c[k].recv(timeout=T)
        finally:
            wg.done()

    def select_sender():
        try:
            counts = [0] * 4
            c1 = list(c)
            order = (3, 2, 0, 1)  # Go's case order
            for _ in range(4 * n):
                sel = select(*(c1[k].sending(0) if c1[k] is not None else None for k in order), timeout=T)
                k = order[sel.index]
                counts[k] += 1
                if counts[k] == n:
                    c1[k] = None  # Go: c1[k] = nil
        finally:
            wg.done()

    def select_receiver():
        try:
            counts = [0] * 4
            c1 = list(c)
            for _ in range(4 * n):
                sel = select(*(ch.receiving() if ch is not None else None for ch in c1), timeout=T)
                counts[sel.index] += 1
                if counts[sel.index] == n:
                    c1[sel.index] = None
        finally:
            wg.done()

    wg.add(10)
    gs = [go(f, k) for k in range(4) for f in (sender, receiver)]
    gs += [go(select_sender), go(select_receiver)]
    deadline = time.monotonic() + T
    while wg.count:  # check the invariants while it runs
        for ch in c:
            ch._check_invariants()
        assert time.monotonic() < deadline, "TestSelectStress did not finish"
        time.sleep(0.002)
    wg.wait(timeout=T)
    join(*gs)
    for ch in c:
        ch._check_invariants()
        assert len(ch) == 0 and ch.try_recv() is None


def test_TestSelectStress_aio():
    """Go: TestSelectStress, on chanlab.aio (N = 2000)."""
    n = 2000

    async def main():
        c = [aio.Chan(0), aio.Chan(0), aio.Chan(2), aio.Chan(3)]
        wg = aio.WaitGroup()

        async def sender(k):
            for _ in range(n):
                await c[k].send(0, timeout=T)
            wg.done()

        async def receiver(k):
            for _ in range(n):
                await c[k].recv(timeout=T)
            wg.done()

        async def select_sender():
            counts, c1, order = [0] * 4, list(c), (3, 2, 0, 1)
            for _ in range(4 * n):
                sel = await aio.select(*(c1[k].sending(0) if c1[k] is not None else None
                                         for k in order), timeout=T)
                k = order[sel.index]
                counts[k] += 1
                if counts[k] == n:
                    c1[k] = None
            wg.done()

        async def select_receiver():
            counts, c1 = [0] * 4, list(c)
            for _ in range(4 * n):
                sel = await aio.select(*(ch.receiving() if ch is not None else None for ch in c1),
                                       timeout=T)
                counts[sel.index] += 1
                if counts[sel.index] == n:
                    c1[sel.index] = None
            wg.done()

        async def watch():
            while wg.count:
                for ch in c:
                    ch._check_invariants()
                await aio.sleep(0)

        wg.add(10)
        for k in range(4):
            aio.go(sender, k)
            aio.go(receiver, k)
        aio.go(select_sender)
        aio.go(select_receiver)
        w = aio.go(watch)
        await wg.wait(timeout=T)
        await w
        for ch in c:
            ch._check_invariants()
        return [len(ch) for ch in c]

    assert arun(main()) == [0, 0, 0, 0]


# ---- TestSelectFairness ------------------------------------------------------------------------


def _fair(cnt1, trials):
    """Go's bound: more than 10 sigma away from trials/2 is an unfair select."""
    mean = trials * 0.5
    stddev = math.sqrt(trials * 0.5 * (1 - 0.5))
    return abs(cnt1 - mean) <= 10 * stddev


def test_fairness_bound_rejects_a_biased_select():
    """The bound itself: a select that took the first ready case 60% of the time fails it."""
    assert _fair(5000, 10_000) and _fair(5400, 10_000)
    assert not _fair(6000, 10_000) and not _fair(3000, 3000)


def test_TestSelectFairness_threads():
    """Go: TestSelectFairness (trials = 10000; here 3000, the 10-sigma bound scaled with it)."""
    trials = 3000
    c1, c2 = Chan(trials + 1), Chan(trials + 1)
    for _ in range(trials + 1):
        c1.send(1)
        c2.send(2)
    c3, c4, out, done = Chan(), Chan(), Chan(), Chan()

    def picker():
        while True:
            b = select(c3.receiving(), c4.receiving(), c1.receiving(), c2.receiving(), timeout=T).value
            if select(out.sending(b), done.receiving(), timeout=T).index == 1:
                return

    g = go(picker)
    got = Counter(out.recv(timeout=T) for _ in range(trials))
    assert set(got) <= {1, 2}, f"unexpected values {got}"
    done.close()
    join(g)
    assert _fair(got[1], trials), f"unfair select: in {trials} trials, results were {got[1]}, {got[2]}"


def test_TestSelectFairness_aio():
    """Go: TestSelectFairness, on chanlab.aio (trials = 10000, as in Go)."""
    trials = 10_000

    async def main():
        c1, c2 = aio.Chan(trials + 1), aio.Chan(trials + 1)
        for _ in range(trials + 1):
            await c1.send(1)
            await c2.send(2)
        c3, c4, out, done = aio.Chan(), aio.Chan(), aio.Chan(), aio.Chan()

        async def picker():
            while True:
                b = (await aio.select(c3.receiving(), c4.receiving(), c1.receiving(),
                                      c2.receiving(), timeout=T)).value
                if (await aio.select(out.sending(b), done.receiving(), timeout=T)).index == 1:
                    return

        g = aio.go(picker)
        got = Counter([await out.recv(timeout=T) for _ in range(trials)])
        done.close()
        await g
        return got

    got = arun(main())
    assert set(got) <= {1, 2}
    assert _fair(got[1], trials), f"unfair select: in {trials} trials, results were {got[1]}, {got[2]}"


# ---- TestPseudoRandomSend ----------------------------------------------------------------------
# A select with two ready send cases (c <- 1, c <- 0) picks both: more than n/10 of each.


@pytest.mark.parametrize("cap", [0, 100])
def test_TestPseudoRandomSend_threads(cap):
    """Go: TestPseudoRandomSend (n = 100, capacities 0 and n)."""
    n = 100
    c = Chan(cap)
    got = [None] * n

    def receive():
        for i in range(n):
            time.sleep(0)  # Go: runtime.Gosched()
            got[i] = c.recv(timeout=T)

    g = go(receive)
    for _ in range(n):
        select(c.sending(1), c.sending(0), timeout=T)
    join(g)
    n0, n1 = got.count(0), got.count(1)
    assert n0 + n1 == n
    assert n0 > n / 10 and n1 > n / 10, f"want pseudorandom, got {n0} zeros and {n1} ones (cap {cap})"


@pytest.mark.parametrize("cap", [0, 100])
def test_TestPseudoRandomSend_aio(cap):
    """Go: TestPseudoRandomSend, on chanlab.aio."""
    n = 100

    async def main():
        c = aio.Chan(cap)
        got = [None] * n

        async def receive():
            for i in range(n):
                await aio.sleep(0)  # Go: runtime.Gosched()
                got[i] = await c.recv(timeout=T)

        g = aio.go(receive)
        for _ in range(n):
            await aio.select(c.sending(1), c.sending(0), timeout=T)
        await g
        return got

    got = arun(main())
    n0, n1 = got.count(0), got.count(1)
    assert n0 + n1 == n and n0 > n / 10 and n1 > n / 10, f"{n0} zeros and {n1} ones (cap {cap})"


# ---- TestMultiConsumer -------------------------------------------------------------------------
# 23 workers range over one work channel and pass every item on; the sum of what arrives is checked.
NWORK = 23
PN = [2, 3, 7, 11, 13, 17, 19, 23, 27, 31]


def test_TestMultiConsumer_threads():
    """Go: TestMultiConsumer (23 workers, niter = 271828; here 2718)."""
    niter = 2718
    q, r = Chan(NWORK * 3), Chan(NWORK * 3)
    wg = WaitGroup()

    def worker(w):
        try:
            while True:
                v, ok = q.recv_ok(timeout=T)  # for v := range q
                if not ok:
                    return
                if PN[w % len(PN)] == v:
                    time.sleep(0)  # mess with the fifo-ish nature of range (Go: runtime.Gosched())
                r.send(v, timeout=T)
        finally:
            wg.done()

    def feeder():
        for i in range(niter):
            q.send(PN[i % len(PN)], timeout=T)
        q.close()  # no more work
        wg.wait(timeout=T)  # workers done
        r.close()  # ... so there can be no more results

    wg.add(NWORK)
    gs = [go(worker, w) for w in range(NWORK)] + [go(feeder)]
    n = s = 0
    while True:
        v, ok = r.recv_ok(timeout=T)
        if not ok:
            break
        n += 1
        s += v
    join(*gs)
    expect = sum(PN[i % len(PN)] for i in range(niter))
    assert (n, s) == (niter, expect), f"expected sum {expect} (got {s}) from {niter} iter (saw {n})"
    q._check_invariants()
    r._check_invariants()


def test_TestMultiConsumer_aio():
    """Go: TestMultiConsumer, on chanlab.aio (niter = 27183)."""
    niter = 27183

    async def main():
        q, r = aio.Chan(NWORK * 3), aio.Chan(NWORK * 3)
        wg = aio.WaitGroup()

        async def worker(w):
            async for v in q:
                if PN[w % len(PN)] == v:
                    await aio.sleep(0)
                await r.send(v, timeout=T)
            wg.done()

        async def feeder():
            for i in range(niter):
                await q.send(PN[i % len(PN)], timeout=T)
            q.close()
            await wg.wait(timeout=T)
            r.close()

        wg.add(NWORK)
        for w in range(NWORK):
            aio.go(worker, w)
        aio.go(feeder)
        n = s = 0
        async for v in r:
            n += 1
            s += v
        return n, s

    expect = sum(PN[i % len(PN)] for i in range(niter))
    assert arun(main()) == (niter, expect)
