"""Channel benchmark: chanlab beside the standard library, Go and the Python peers, ratios in one run.

    python benchmarks/channels.py [--n 10000] [--repeat 3] [--quick] [--figure build/bench/channels.png]

One producer and one consumer pass ``n`` ints through each implementation at three capacities:
unbuffered (size 1 for the queues, which cannot be unbuffered: their ``maxsize=0`` means
unbounded), 64 and 1024. Every figure is ns per message, the median of ``--repeat`` runs taken
interleaved; the machine's speed drifts, so only the ratios within one run mean anything. Each
implementation is compared with its baseline at the same capacity, measured in the same run:

* between threads: ``queue.Queue``; chanlab's ``Chan``, pygolang's ``chan`` (Cython), and the
  thread-to-task queues janus and culsans (a thread puts, an asyncio task gets);
* between asyncio tasks: ``asyncio.Queue``; ``chanlab.aio.Chan``, aiochan, anyio's memory object
  stream (asyncio backend) and trio's memory channel (trio's own loop).

A peer that is not installed is left out and named. ``--figure`` draws the ratios
(:func:`draw_channel_ratios`). Also measured: what one hand-off costs, unpinned and with both
threads pinned to one core (:mod:`chanlab.experiments.handoff`), and a Go channel (run through the
pip-installed Go toolchain).
"""
import argparse
import asyncio
import importlib
import queue
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from chanlab import Chan, aio
from chanlab.envcheck import find_tool, go_env
from chanlab.experiments import handoff

HERE = Path(__file__).resolve().parent
CAPACITIES = (0, 64, 1024)
TIMEOUT = 30.0  # seconds any one run may take


def _optional(name):
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


janus, culsans, aiochan = _optional("janus"), _optional("culsans"), _optional("aiochan")
trio, anyio = _optional("trio"), _optional("anyio")
golang = _optional("golang")  # pygolang


def _threads(produce, consume):
    """Seconds for one producer and one consumer thread, from the first start to the last join."""
    t0 = time.perf_counter()
    threads = [threading.Thread(target=f, daemon=True) for f in (produce, consume)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
        if t.is_alive():
            raise TimeoutError("a benchmark thread did not finish")
    return time.perf_counter() - t0


async def _tasks(produce, consume):
    t0 = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(produce(), consume()), TIMEOUT)
    return time.perf_counter() - t0


# --- between threads ------------------------------------------------------------------------------
def queue_threads(capacity, n):
    q = queue.Queue(capacity or 1)

    def produce():
        put = q.put
        for i in range(n):
            put(i, timeout=TIMEOUT)

    def consume():
        get = q.get
        for _ in range(n):
            get(timeout=TIMEOUT)
    return _threads(produce, consume)


def chan_threads(capacity, n):
    ch = Chan(capacity)

    def produce():
        send = ch.send
        for i in range(n):
            send(i, timeout=TIMEOUT)
        ch.close()

    def consume():
        for _ in ch:
            pass
    return _threads(produce, consume)


def pygolang_threads(capacity, n):
    ch = golang.chan(capacity)

    def produce():
        for i in range(n):
            ch.send(i)
        ch.close()

    def consume():
        recv_ = ch.recv_  # v, ok := <-ch
        while recv_()[1]:
            pass
    return _threads(produce, consume)


def _bridge(make):
    """A thread puts ``n`` ints on a thread-to-task queue; an asyncio task gets them."""
    def bench(capacity, n):
        async def main():
            q = make(capacity or 1)
            t0 = time.perf_counter()
            producer = threading.Thread(target=lambda: [q.sync_q.put(i) for i in range(n)], daemon=True)
            producer.start()
            get = q.async_q.get
            for _ in range(n):
                await get()
            elapsed = time.perf_counter() - t0
            producer.join(TIMEOUT)
            q.close()
            await q.wait_closed()
            return elapsed
        return asyncio.run(main())
    return bench


# --- between asyncio tasks ------------------------------------------------------------------------
def queue_aio(capacity, n):
    async def main():
        q = asyncio.Queue(capacity or 1)

        async def produce():
            for i in range(n):
                await q.put(i)

        async def consume():
            for _ in range(n):
                await q.get()
        return await _tasks(produce, consume)
    return asyncio.run(main())


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
        return await _tasks(produce, consume)
    return asyncio.run(main())


def aiochan_aio(capacity, n):
    async def main():
        ch = aiochan.Chan(capacity or None)  # None: unbuffered

        async def produce():
            for i in range(n):
                await ch.put(i)
            ch.close()

        async def consume():
            while await ch.get() is not None:  # None: closed
                pass
        return await _tasks(produce, consume)
    return asyncio.run(main())


def _memory_channel(library, open_channel, task_group, run):
    """anyio's memory object stream and trio's memory channel share one shape: a (send, receive)
    pair of ends, each closed by ``async with``, and tasks started in a task group (a nursery)."""
    def bench(capacity, n):
        async def main():
            send, recv = open_channel(capacity)

            async def produce():
                async with send:
                    for i in range(n):
                        await send.send(i)

            async def consume():
                async with recv:
                    async for _ in recv:
                        pass
            t0 = time.perf_counter()
            with library.fail_after(TIMEOUT):
                async with task_group() as group:
                    group.start_soon(produce)
                    group.start_soon(consume)
            return time.perf_counter() - t0
        return run(main)
    return bench


def anyio_aio(capacity, n):
    return _memory_channel(anyio, anyio.create_memory_object_stream, anyio.create_task_group,
                           lambda main: anyio.run(main, backend="asyncio"))(capacity, n)


def trio_aio(capacity, n):
    return _memory_channel(trio, trio.open_memory_channel, trio.open_nursery, trio.run)(capacity, n)


# name: (function, module it needs or None, baseline name); a baseline is its own baseline
IMPLEMENTATIONS = {
    "queue.Queue": (queue_threads, None, "queue.Queue"),
    "chanlab Chan": (chan_threads, None, "queue.Queue"),
    "pygolang chan": (pygolang_threads, golang, "queue.Queue"),
    "janus (thread -> task)": (_bridge(lambda c: janus.Queue(c)), janus, "queue.Queue"),
    "culsans (thread -> task)": (_bridge(lambda c: culsans.Queue(c)), culsans, "queue.Queue"),
    "asyncio.Queue": (queue_aio, None, "asyncio.Queue"),
    "chanlab.aio Chan": (chan_aio, None, "asyncio.Queue"),
    "aiochan Chan": (aiochan_aio, aiochan, "asyncio.Queue"),
    "anyio memory stream": (anyio_aio, anyio, "asyncio.Queue"),
    "trio memory channel": (trio_aio, trio, "asyncio.Queue"),
}
MISSING = {"pygolang chan": "pygolang", "janus (thread -> task)": "janus",
           "culsans (thread -> task)": "culsans", "aiochan Chan": "aiochan",
           "anyio memory stream": "anyio", "trio memory channel": "trio"}


def go_channels(n):
    """ns per message for Go channels of each capacity, or None without a Go toolchain."""
    gobin = find_tool("go")
    if gobin is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        exe = Path(tmp) / "channels"
        subprocess.run([gobin, "build", "-o", str(exe), str(HERE / "channels.go")], check=True,
                       env=go_env(), cwd=tmp, capture_output=True, timeout=600)
        env = go_env()
        env["GOMAXPROCS"] = "2"
        out = subprocess.run([str(exe), str(n)], check=True, capture_output=True, text=True, env=env,
                             timeout=60)
    return {int(c): float(ns) for c, ns in (line.split() for line in out.stdout.splitlines())}


def run(n=10_000, repeat=3, capacities=CAPACITIES, go=True, progress=print):
    """Measure every installed implementation at every capacity ``repeat`` times, interleaved.

    Returns ``{"n", "repeat", "ns": {name: {capacity: median ns per message}}, "ratio": {name:
    {capacity: ns / its baseline's ns}}, "baseline": {name: baseline}, "missing": [names],
    "go": {capacity: ns} or None}``."""
    todo = {name: fn for name, (fn, module, _) in IMPLEMENTATIONS.items()
            if module is not None or name not in MISSING}
    samples = {(name, c): [] for name in todo for c in capacities}
    for r in range(repeat):
        for c in capacities:
            for name, fn in todo.items():
                progress(f"  round {r + 1}/{repeat}: {name}, capacity {c}")
                samples[(name, c)].append(fn(c, n) / n * 1e9)
    ns = {name: {c: statistics.median(samples[(name, c)]) for c in capacities} for name in todo}
    baseline = {name: IMPLEMENTATIONS[name][2] for name in todo}
    ratio = {name: {c: ns[name][c] / ns[baseline[name]][c] for c in capacities} for name in todo}
    return {"n": n, "repeat": repeat, "ns": ns, "ratio": ratio, "baseline": baseline,
            "missing": [MISSING[name] for name in IMPLEMENTATIONS if name not in todo],
            "go": go_channels(n) if go else None}


def capacity_label(c):
    return "unbuffered (queues: size 1)" if c == 0 else f"capacity {c}"


def draw_channel_ratios(run, ax=None):
    """Horizontal bars: each implementation's time per message over its baseline's (``queue.Queue``
    between threads, ``asyncio.Queue`` between tasks), one bar per capacity; log scale, 1 = as fast."""
    import matplotlib.pyplot as plt
    ratio = {name: r for name, r in run["ratio"].items() if run["baseline"][name] != name}
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 0.55 * len(ratio) + 1.6))
    capacities = sorted(next(iter(run["ns"].values())))
    height = 0.8 / len(capacities)
    names = list(ratio)
    for j, c in enumerate(capacities):
        ys = [i + (j - (len(capacities) - 1) / 2) * height for i in range(len(names))]
        ax.barh(ys, [ratio[name][c] for name in names], height, label=capacity_label(c))
    ax.set_yticks(range(len(names)), [f"{name}\n/ {run['baseline'][name]}" for name in names],
                  fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_xlabel("time per message / baseline's in the same run (log; < 1 is faster)")
    ax.set_ylabel("implementation / baseline")
    ax.set_title(f"One producer, one consumer, {run['n']:,} ints: ratios to the standard library")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return ax


def print_run(result):
    caps = sorted(next(iter(result["ns"].values())))
    width = max(map(len, result["ns"]))
    head = "".join(f"{capacity_label(c).split(' (')[0]:>24}" for c in caps)
    print(f"{'ns per message (ratio to baseline)':<{width}}{head}")
    for name, row in result["ns"].items():
        ratio = result["ratio"][name]
        cells = "".join(f"{row[c]:>16,.0f} ({ratio[c]:5.2f})" for c in caps)
        print(f"{name:<{width}}{cells}")
    if result["go"]:
        cells = "".join(f"{result['go'][c]:>16,.0f}        " if c in result["go"] else " " * 24
                        for c in caps)
        print(f"{'Go chan (GOMAXPROCS=2)':<{width}}{cells}")
    if result["missing"]:
        print("not installed, left out:", ", ".join(result["missing"]))


def print_handoff(runs):
    print("\none hand-off between two threads (ns, the least of the runs; noisy: compare ratios):")
    for placement, r in runs.items():
        print(f"  {placement:9}  " + "  ".join(f"{case} {r.ns[case]:>9,.0f}" for case in handoff.CASES)
              + f"   Chan(0) = {r.switches_per_message('Chan(0)'):.2f} switches,"
              f" Queue(1) = {r.switches_per_message('queue.Queue(1)'):.2f}")
    if "one core" in runs and "unpinned" in runs:
        a, b = runs["unpinned"], runs["one core"]
        print("  unpinned / one core: " + ", ".join(f"{case} x{a.ns[case] / b.ns[case]:.1f}"
                                                    for case in handoff.CASES))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="messages per measurement")
    parser.add_argument("--repeat", type=int, default=3, help="measurements per case (median)")
    parser.add_argument("--quick", action="store_true", help="2,000 messages, one run, no Go build")
    parser.add_argument("--figure", type=Path, help="write the ratios as a PNG to this path")
    args = parser.parse_args()
    if args.quick:
        args.n, args.repeat = 2_000, 1
    if args.n < 2 or args.repeat < 1:
        parser.error("--n must be >= 2 and --repeat >= 1")
    print(f"{args.n:,} messages, median of {args.repeat} interleaved runs")
    result = run(args.n, args.repeat, go=not args.quick,
                 progress=lambda s: print(f"{s:<70}", end="\r", flush=True))
    print(" " * 70, end="\r")
    print_run(result)
    print_handoff(handoff.pinning(n=1000, repeat=1 if args.quick else 5))
    if args.figure:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        ax = draw_channel_ratios(result)
        args.figure.parent.mkdir(parents=True, exist_ok=True)
        ax.figure.savefig(args.figure, dpi=110, bbox_inches="tight")
        plt.close(ax.figure)
        print("figure:", args.figure)


if __name__ == "__main__":
    main()
