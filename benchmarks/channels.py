"""Channel benchmark: ns per message, one producer and one consumer, and ratios in the same run.

    python benchmarks/channels.py [--n 100000] [--repeat 3]

Compares chanlab's channels with what a Python programmer would use otherwise (queue.Queue between
threads, asyncio.Queue between tasks) and with a Go channel (run through the pip-installed Go
toolchain). The machine's speed drifts, so each figure is the median of ``--repeat`` runs taken
interleaved, and only the ratios within one run mean anything.

Also printed: the cost of one thread switch (two threads handing a lock back and forth), which bounds
any rendezvous between threads: an unbuffered channel needs at least one switch per message, and
queue.Queue(1) needs two.
"""
import _thread
import argparse
import asyncio
import queue
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from chanlab import Chan, aio, go
from chanlab.envcheck import find_tool, go_env

HERE = Path(__file__).resolve().parent


def chan_threads(capacity, n):
    ch = Chan(capacity)

    def produce():
        send = ch.send
        for i in range(n):
            send(i)
        ch.close()

    def consume():
        for _ in ch:
            pass

    t0 = time.perf_counter()
    p, c = go(produce), go(consume)
    p.join()
    c.join()
    return time.perf_counter() - t0


def queue_threads(size, n):
    q = queue.Queue(size)
    done = object()

    def produce():
        put = q.put
        for i in range(n):
            put(i)
        put(done)

    def consume():
        get = q.get
        while get() is not done:
            pass

    return _timed_threads(produce, consume)


def _timed_threads(*targets):
    """Seconds to run ``targets`` in plain threads, from the first start to the last join."""
    t0 = time.perf_counter()
    threads = [threading.Thread(target=t) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0


def chan_aio(capacity, n):
    async def main():
        ch = aio.Chan(capacity)

        async def produce():
            for i in range(n):
                await ch.send(i)
            ch.close()

        async def consume():
            async for _ in ch:
                pass

        t0 = time.perf_counter()
        await asyncio.gather(produce(), consume())
        return time.perf_counter() - t0

    return asyncio.run(main())


def queue_aio(size, n):
    async def main():
        q = asyncio.Queue(size)
        done = object()

        async def produce():
            for i in range(n):
                await q.put(i)
            await q.put(done)

        async def consume():
            while await q.get() is not done:
                pass

        t0 = time.perf_counter()
        await asyncio.gather(produce(), consume())
        return time.perf_counter() - t0

    return asyncio.run(main())


def thread_switch(n):
    """Two threads handing control back and forth with two locks: the cost of one switch."""
    a, b = _thread.allocate_lock(), _thread.allocate_lock()
    a.acquire()
    b.acquire()

    def ping():
        for _ in range(n // 2):
            a.release()
            b.acquire()

    def pong():
        for _ in range(n // 2):
            a.acquire()
            b.release()

    return _timed_threads(ping, pong)


def go_channels(n):
    """ns per message for Go channels of capacity 0 and 64, or None without a Go toolchain."""
    gobin = find_tool("go")
    if gobin is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        exe = Path(tmp) / "channels"
        subprocess.run([gobin, "build", "-o", str(exe), str(HERE / "channels.go")], check=True,
                       env=go_env(), cwd=tmp, capture_output=True, timeout=600)
        env = go_env()
        env["GOMAXPROCS"] = "2"
        out = subprocess.run([str(exe), str(n)], check=True, capture_output=True, text=True, env=env)
    return {int(c): float(ns) for c, ns in (line.split() for line in out.stdout.splitlines())}


CASES = {
    "chanlab Chan(0)": lambda n: chan_threads(0, n),
    "queue.Queue(1)": lambda n: queue_threads(1, n),
    "chanlab Chan(64)": lambda n: chan_threads(64, n),
    "queue.Queue(64)": lambda n: queue_threads(64, n),
    "chanlab.aio Chan(0)": lambda n: chan_aio(0, n),
    "asyncio.Queue(1)": lambda n: queue_aio(1, n),
    "chanlab.aio Chan(64)": lambda n: chan_aio(64, n),
    "asyncio.Queue(64)": lambda n: queue_aio(64, n),
    "thread switch (lock ping-pong)": thread_switch,
}

RATIOS = [  # (ours, peer, target)
    ("chanlab Chan(0)", "queue.Queue(1)", 0.3),
    ("chanlab Chan(64)", "queue.Queue(64)", 0.5),
    ("chanlab.aio Chan(0)", "asyncio.Queue(1)", 0.75),
    ("chanlab.aio Chan(64)", "asyncio.Queue(64)", 1.25),
]


def run(n=100_000, repeat=3, progress=print):
    """Measure every case ``repeat`` times, interleaved; return {name: median ns per message}."""
    samples = {name: [] for name in CASES}
    for r in range(repeat):
        for name, fn in CASES.items():
            progress(f"  round {r + 1}/{repeat}: {name}")
            samples[name].append(fn(n) / n * 1e9)
    result = {name: statistics.median(v) for name, v in samples.items()}
    go_ns = go_channels(n)
    if go_ns is not None:
        result["Go chan (unbuffered)"] = go_ns[0]
        result["Go chan (64)"] = go_ns[64]
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="messages per measurement")
    parser.add_argument("--repeat", type=int, default=3, help="measurements per case (median)")
    args = parser.parse_args()
    if args.n < 2 or args.repeat < 1:
        parser.error("--n must be >= 2 and --repeat >= 1")
    print(f"{args.n:,} messages, median of {args.repeat} interleaved runs")
    ns = run(args.n, args.repeat, progress=lambda s: print(f"{s:<70}", end="\r", flush=True))
    print(" " * 70)
    width = max(map(len, ns))
    for name, value in ns.items():
        print(f"{name:<{width}}  {value:>10,.0f} ns/message")
    print("\nratios in this run (time per message; lower is faster):")
    for ours, peer, target in RATIOS:
        ratio = ns[ours] / ns[peer]
        verdict = "meets" if ratio <= target else "misses"
        print(f"  {ours} / {peer} = {ratio:.2f}  ({verdict} the target <= {target})")
    switch = ns["thread switch (lock ping-pong)"]
    print(f"  chanlab Chan(0) / one thread switch = {ns['chanlab Chan(0)'] / switch:.2f}; "
          f"queue.Queue(1) / one thread switch = {ns['queue.Queue(1)'] / switch:.2f}")
    if "Go chan (unbuffered)" in ns:
        print(f"  chanlab Chan(0) / Go unbuffered = {ns['chanlab Chan(0)'] / ns['Go chan (unbuffered)']:.0f}; "
              f"chanlab Chan(64) / Go chan(64) = {ns['chanlab Chan(64)'] / ns['Go chan (64)']:.0f}")


if __name__ == "__main__":
    main()
