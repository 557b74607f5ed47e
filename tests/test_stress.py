"""Several producers and consumers: every value is received exactly once, also with timeouts
and selects racing the hand-offs (the race that fast-channels.md describes); meanwhile a watcher
checks the channel invariants of chan.py's docstring again and again."""
import random
import sys
import threading
from collections import Counter

import pytest

from chanlab import Chan, WaitGroup, go, select

N_PER_PRODUCER = 5_000
PRODUCERS = CONSUMERS = 4


@pytest.fixture(params=[0.005, 1e-5], ids=["default-switching", "frequent-switching"])
def switch_interval(request):
    """Also run with a tiny GIL switch interval: threads interleave inside every few bytecodes."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(request.param)
    yield
    sys.setswitchinterval(old)


class Watcher:
    """A thread that checks the invariants of ``chans`` while others use them, until stopped."""

    def __init__(self, chans):
        self.chans = chans
        self.checks = 0
        self.broken = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="invariant-watcher")
        self._thread.start()

    def _run(self):
        while not self._stop.is_set() and not self.broken:
            for ch in self.chans:
                try:
                    ch._check_invariants()
                except AssertionError as e:
                    self.broken.append(str(e))
            self.checks += 1
            self._stop.wait(0.0002)  # let the others run: a check takes every channel's lock

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=10)
        for ch in self.chans:
            ch._check_invariants()
        assert not self.broken, self.broken[0]
        assert self.checks > 0


@pytest.mark.parametrize("capacity", [0, 1, 16])
def test_every_value_exactly_once(capacity, switch_interval):
    ch = Chan(capacity)
    received = Chan(PRODUCERS * N_PER_PRODUCER + 10)
    producers = WaitGroup()
    rng = random.Random(capacity)
    timeouts = Counter()

    def produce(p):
        try:
            for i in range(N_PER_PRODUCER):
                v = (p, i)
                while True:
                    try:
                        # short timeouts race hand-offs; a timed-out send must not have happened
                        ch.send(v, timeout=rng.choice((None, 0.0005, 0)))
                        break
                    except TimeoutError:
                        timeouts["send"] += 1
        finally:
            producers.done()

    def consume(c):
        decoy = Chan()
        while True:
            kind = rng.random()
            try:
                if kind < 0.3:
                    sel = select(decoy.receiving(), ch.receiving(), timeout=0.001)
                    v, ok = sel.value, sel.ok
                else:
                    v, ok = ch.recv_ok(timeout=0.001 if kind < 0.6 else None)
            except TimeoutError:
                timeouts["recv"] += 1
                continue
            if not ok:
                return
            received.send(v)

    producers.add(PRODUCERS)
    watcher = Watcher([ch])
    ps = [go(produce, p) for p in range(PRODUCERS)]
    cs = [go(consume, c) for c in range(CONSUMERS)]
    producers.wait(timeout=60)
    ch.close()
    for g in ps + cs:
        g.join(timeout=10)
    watcher.stop()
    got = Counter(received.recv(timeout=0) for _ in range(len(received)))
    expected = {(p, i) for p in range(PRODUCERS) for i in range(N_PER_PRODUCER)}
    assert set(got) == expected, "values lost"
    assert max(got.values()) == 1, "values duplicated"
    assert len(ch._recvq) == len(ch._sendq) == 0
    assert timeouts["send"] + timeouts["recv"] > 0  # the races really were exercised


def test_fan_in_with_select_over_many_channels(switch_interval):
    chans = [Chan(c % 3) for c in range(6)]
    wg = WaitGroup()

    def produce(ch, k):
        try:
            for i in range(500):
                ch.send((k, i))
        finally:
            wg.done()

    wg.add(len(chans))
    watcher = Watcher(chans)
    gs = [go(produce, ch, k) for k, ch in enumerate(chans)]
    seen = Counter()
    for _ in range(6 * 500):
        sel = select(*(ch.receiving() for ch in chans), timeout=10)
        seen[sel.value] += 1
    wg.wait(timeout=10)
    for g in gs:
        g.join(timeout=5)
    watcher.stop()
    assert len(seen) == 3000 and max(seen.values()) == 1
    assert all(len(ch._recvq) == 0 for ch in chans)
