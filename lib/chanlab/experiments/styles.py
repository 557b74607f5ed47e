"""The article's claims put to the test: the same workload, run in both styles.

One *workload* (orders arriving at seeded random times, each needing some seconds of handling) is
run through

* the **event-driven** style: :class:`chanlab.aio.events.Bus`; the shop *publishes* ``order.placed``
  and subscribers react (Go: a channel per subscriber, a loop that offers each event to every one);
* the **message-driven** style: :class:`chanlab.aio.messaging.WorkQueue`; the shop *puts* a message,
  competing consumers *get*, handle and *ack* it (Go: one job channel shared by a pool of workers,
  plus the bookkeeping of acks)::

    wl = workload(200, rate=80, service=0.01)       # the same orders for both
    ev = run_style("event", wl)                     # virtual time: instant and repeatable
    ms = run_style("message", wl)
    percentile(ev.latencies, 99), percentile(ms.latencies, 99)

Every experiment runs on the virtual clock by default (``mode="virtual"``); ``mode="asyncio"`` runs
the same program in real time, whose numbers differ a little from run to run. :func:`verdicts` runs
the experiments and turns each of the article's 22 claims (:data:`chanlab.claims.CLAIMS`) into a
:class:`Verdict`, computed from the measurements where the claim is measurable.

:func:`event_driven_shop` and :func:`message_driven_shop` are two *equivalent programs* (take the
orders, handle each one, return the results), kept as real source so that :func:`complexity` can
count their lines and moving parts with :mod:`ast` instead of quoting numbers.
"""
import ast
import asyncio
import inspect
import math
import random
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

from .. import aio
from .. import claims as _claims
from ..aio.events import Bus
from ..aio.messaging import Crash, WorkQueue, consume
from ..chan import Chan as TChan
from ..events import Bus as TBus
from ..messaging import WorkQueue as TWorkQueue
from .jobs import check_count, check_seconds
from .publisher import publish as _publish

__all__ = ["STYLES", "LAYOUTS", "Workload", "workload", "StyleRun", "run_style", "percentile",
           "latency", "scaling", "crash_recovery", "missed_events", "memory_growth", "sync_async",
           "rendezvous", "one_channel", "observer_vs_pubsub", "fan_out_reactions", "handoff_cost",
           "event_driven_shop", "message_driven_shop", "complexity", "Verdict", "verdicts",
           "verdict_table", "balance_verdict", "PARTS"]

STYLES = ("event", "message")
LAYOUTS = ("copies", "shards")  # how an event-driven run uses several subscribers
MODES = ("virtual", "asyncio")


# --- the workload ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Workload:
    """Orders: ``arrivals[i]`` is when order i is placed (s), ``service[i]`` how long it takes."""

    arrivals: tuple
    service: tuple

    def __len__(self):
        return len(self.arrivals)

    @property
    def load(self):
        """Offered load: handling time per second of arrivals (> 1 means one handler falls behind)."""
        span = self.arrivals[-1] if self.arrivals and self.arrivals[-1] > 0 else 1.0
        return sum(self.service) / span


def workload(n=200, rate=80.0, service=0.01, distribution="exponential", seed=0):
    """``n`` orders arriving as a Poisson stream of ``rate`` per second (``distribution`` of the
    handling times: ``"exponential"`` with mean ``service``, or ``"constant"``); seeded."""
    n = check_count(n, "n", 1)
    service = check_seconds(service, "service")
    if not isinstance(rate, (int, float)) or isinstance(rate, bool) or not rate > 0 \
            or math.isinf(rate):
        raise ValueError(f"rate is orders per second: a positive number, got {rate!r}")
    if distribution not in ("exponential", "constant"):
        raise ValueError(f"distribution must be 'exponential' or 'constant', got {distribution!r}")
    rng = random.Random(seed)
    t, arrivals = 0.0, []
    for _ in range(n):
        arrivals.append(round(t, 9))
        t += rng.expovariate(rate)
    if distribution == "constant":
        sizes = [service] * n
    else:
        sizes = [round(rng.expovariate(1 / service), 9) if service > 0 else 0.0 for _ in range(n)]
    return Workload(tuple(arrivals), tuple(sizes))


def percentile(values, p):
    """The ``p``-th percentile (nearest rank) of ``values``; None if there are none."""
    vs = sorted(v for v in values if v is not None)
    if not vs:
        return None
    k = max(0, math.ceil(p / 100 * len(vs)) - 1)
    return vs[k]


# --- one run of one style -------------------------------------------------------------------------
@dataclass
class StyleRun:
    """What happened to every order in one run of one style.

    ``latencies[i]``: seconds from order i's arrival to the end of its handling (None if it was
    never handled: lost or dropped); ``handled``: distinct orders handled; ``handlings``: handler
    calls that finished (copies and redeliveries count); ``high_water``: the most orders waiting at
    once (inboxes summed; for the queue, waiting plus in flight); ``busy``: seconds of work per
    handler; ``lost``: handler errors, drops or dead letters; ``left``: orders still held at the end.
    """

    style: str
    workers: int
    layout: str
    mode: str
    latencies: list
    handlings: int
    makespan: float
    high_water: int
    busy: list
    lost: int = 0
    left: int = 0

    @property
    def handled(self):
        return sum(v is not None for v in self.latencies)

    @property
    def throughput(self):
        """Distinct orders handled per second of the run."""
        return self.handled / self.makespan if self.makespan > 0 else float("inf")


def _check_style(style, workers, layout, mode):
    if style not in STYLES:
        raise ValueError(f"style must be 'event' or 'message', got {style!r}")
    workers = check_count(workers, "workers", 1)
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be 'copies' (every subscriber gets every event) or 'shards' "
                         f"(subscriber i gets order.i), got {layout!r}")
    if mode not in MODES:
        raise ValueError(f"mode must be 'virtual' (deterministic) or 'asyncio' (real time), got {mode!r}")
    return workers


def run_style(style, wl, workers=1, *, layout="copies", policy="unbounded", capacity=0, crash=(),
              join_at=0.0, mode="virtual", timeout=60):
    """Run workload ``wl`` through one style; return a :class:`StyleRun`.

    ``workers``: subscribers (event) or competing consumers (message). ``layout`` (event only):
    ``"copies"``, every subscriber subscribes to ``order.placed`` and handles every order (a
    topic copies work), or ``"shards"``, order i goes to ``order.placed.<i % workers>`` (static
    partitioning). ``policy``/``capacity``: the event inboxes' policy, or for messages ``capacity``
    bounds the queue (0: unbounded; a full queue makes ``put`` wait). ``crash``: order numbers
    whose first handling crashes (an event handler raises: the order is lost; a consumer dies
    without acking: the queue redelivers after its ack timeout). ``join_at``: the handlers start
    only at this time (s). ``timeout``: wall-clock seconds for the whole run.
    """
    workers = _check_style(style, workers, layout, mode)
    join_at = check_seconds(join_at, "join_at")
    if style == "message" and (policy != "unbounded" or layout != "copies"):
        raise ValueError("policy and layout describe event subscribers; a work queue never drops and "
                         "shares its messages among its consumers: bound it with capacity instead")
    crash = frozenset(crash)
    main = _event_main if style == "event" else _message_main
    return aio.run(main(wl, workers, layout, policy, capacity, crash, join_at, mode),
                   virtual_time=(mode == "virtual"), timeout=timeout)


def _handlers(wl, crash, done, busy, counts, style, t0):
    """make(i): the handler of worker i; it records when each order was done (s after arrival)."""
    loop = asyncio.get_running_loop()
    tried = set()

    def make(i):
        async def handle(order):
            start = loop.time()
            await aio.sleep(wl.service[order])
            busy[i] += loop.time() - start
            if order in crash and order not in tried:
                tried.add(order)
                raise (Crash if style == "message" else RuntimeError)(f"crash while handling {order}")
            counts[0] += 1
            done.setdefault(order, loop.time() - t0 - wl.arrivals[order])
        return handle
    return make


async def _pace(loop, start, t):
    """Sleep until ``t`` seconds after ``start`` on the loop's clock."""
    delay = start + t - loop.time()
    if delay > 0:
        await aio.sleep(delay)


async def _event_main(wl, k, layout, policy, capacity, crash, join_at, mode):
    loop = asyncio.get_running_loop()
    done, busy, counts = {}, [0.0] * k, [0]
    t0 = loop.time()
    make = _handlers(wl, crash, done, busy, counts, "event", t0)
    bus = Bus("shop")
    subs = []

    def subscribe_all():
        for i in range(k):
            handle = make(i)
            pattern = "order.placed" if layout == "copies" else f"order.placed.{i}"
            subs.append(bus.subscribe(pattern, lambda topic, order, h=handle: h(order), mode="async",
                                      capacity=capacity, policy=policy, name=f"subscriber-{i}"))
    if join_at == 0:
        subscribe_all()
    for order, t in enumerate(wl.arrivals):
        if not subs and t >= join_at:
            await _pace(loop, t0, join_at)
            subscribe_all()
        await _pace(loop, t0, t)
        topic = "order.placed" if layout == "copies" else f"order.placed.{order % k}"
        await bus.publish(topic, order)
    if not subs:
        await _pace(loop, t0, join_at)
        subscribe_all()
    await bus.close(timeout=None)
    high = sum(s.stats.high_water for s in subs)
    lost = sum(len(s.errors) + s.stats.dropped for s in subs)
    left = sum(s.stats.queued for s in subs)
    return _result("event", k, layout, mode, wl, done, counts[0], loop.time() - t0, high, busy, lost,
                   left)


async def _message_main(wl, k, layout, policy, capacity, crash, join_at, mode):
    loop = asyncio.get_running_loop()
    done, busy, counts = {}, [0.0] * k, [0]
    t0 = loop.time()
    make = _handlers(wl, crash, done, busy, counts, "message", t0)
    q = WorkQueue("orders", ack_timeout=max(0.5, 2 * max(wl.service)), max_deliveries=5,
                  capacity=capacity or None)
    slot = {}
    handlers = [make(i) for i in range(k)]

    async def handle(order):  # each worker goroutine keeps its own slot (for the busy times)
        me = asyncio.current_task()
        i = slot.setdefault(me, len(slot) % k)
        await handlers[i](order)

    async def produce():
        for order, t in enumerate(wl.arrivals):
            await _pace(loop, t0, t)
            await q.put(order, id=order)
        q.close()

    producer = aio.go(produce)
    await _pace(loop, t0, join_at)
    pool = consume(q, handle, workers=k)
    await pool.join(timeout=None)
    await producer
    st = q.stats
    return _result("message", k, layout, mode, wl, done, counts[0], loop.time() - t0, st.high_water,
                   busy, st.dead_lettered, st.depth + st.in_flight)


def _result(style, k, layout, mode, wl, done, handlings, makespan, high, busy, lost, left):
    lat = [done.get(i) for i in range(len(wl))]
    return StyleRun(style, k, layout, mode, lat, handlings, makespan, high, busy, lost, left)


# --- the experiments, one per claim (or group of claims) ------------------------------------------
def latency(wl=None, workers=1, mode="virtual"):
    """'Event-driven is more real-time': both styles on ``wl``; returns ``{style: StyleRun}``."""
    wl = wl or workload()
    return {s: run_style(s, wl, workers, mode=mode) for s in STYLES}


def scaling(wl=None, workers=(1, 2, 4, 8), mode="virtual"):
    """'Decoupling helps horizontal scaling': throughput vs workers. Returns
    ``{label: [(workers, orders per second), ...]}`` for competing consumers (message), subscribers
    that each get a copy (event, copies) and statically sharded subscribers (event, shards), plus
    ``"busy"``: ``{label: [(workers, max/mean busy time), ...]}`` (1.0: perfectly balanced)."""
    wl = wl or workload(120, rate=1000.0, service=0.01)
    curves = {"message: competing consumers": ("message", "copies"),
              "event: every subscriber gets a copy": ("event", "copies"),
              "event: one shard per subscriber": ("event", "shards")}
    out, balance = {}, {}
    for label, (style, layout) in curves.items():
        pts, bal = [], []
        for k in workers:
            r = run_style(style, wl, k, layout=layout, mode=mode)
            pts.append((k, r.throughput))
            mean = sum(r.busy) / len(r.busy)
            bal.append((k, max(r.busy) / mean if mean > 0 else 1.0))
        out[label], balance[label] = pts, bal
    out["busy"] = balance
    return out


def crash_recovery(wl=None, every=5, mode="virtual"):
    """'Message-driven systems are recoverable': every ``every``-th order crashes its handler once.
    Returns ``{style: StyleRun}``; compare ``handled`` with ``len(wl)``."""
    wl = wl or workload(40, rate=50.0, service=0.01)
    every = check_count(every, "every", 1)
    crash = range(every - 1, len(wl), every)
    return {s: run_style(s, wl, 1, crash=crash, mode=mode) for s in STYLES}


def missed_events(wl=None, join_at=0.25, capacity=4, mode="virtual"):
    """'Subscribers may miss events': a consumer that starts late, and a slow one with a small
    bounded inbox (event: ``drop_newest``; message: the queue's ``capacity`` makes ``put`` wait).
    Returns ``{(case, style): number of orders never handled}``."""
    wl = wl or workload(60, rate=100.0, service=0.02)
    out = {}
    for s in STYLES:
        out[("late", s)] = len(wl) - run_style(s, wl, 1, join_at=join_at, mode=mode).handled
        kw = {"policy": "drop_newest", "capacity": capacity} if s == "event" else {"capacity": capacity}
        out[("slow", s)] = len(wl) - run_style(s, wl, 1, mode=mode, **kw).handled
    return out


def memory_growth(sizes=(50, 100, 200, 400), rate=200.0, service=0.01, capacity=16, mode="virtual"):
    """'Frequent events leak memory': orders arrive twice as fast as one handler takes them.
    Returns ``{label: [(orders, most orders waiting at once), ...]}`` and, under ``"after"``, the
    orders still waiting after each run ended (0: everything was released, so no leak)."""
    cases = {"event, unbounded inbox": dict(style="event", policy="unbounded", capacity=0),
             f"event, drop_oldest (capacity {capacity})": dict(style="event", policy="drop_oldest",
                                                               capacity=capacity),
             "message, unbounded queue": dict(style="message", capacity=0),
             f"message, capacity {capacity} (put waits)": dict(style="message", capacity=capacity)}
    out, after = {}, {}
    for label, kw in cases.items():
        style = kw.pop("style")
        pts = []
        for n in sizes:
            wl = workload(n, rate=rate, service=service, distribution="constant")
            r = run_style(style, wl, 1, mode=mode, **kw)
            pts.append((n, r.high_water))
            after[label] = after.get(label, 0) + r.left
        out[label] = pts
    out["after"] = after
    return out


def sync_async(service=0.05, mode="virtual"):
    """'Message-driven handles both sync and async requests' (and can events?). For each style, a
    caller sends one request it waits for (request/reply) and one it does not (fire and forget).
    Returns ``{(style, kind): (seconds the caller waited, reply received)}``."""
    return aio.run(_sync_async(check_seconds(service, "service")), virtual_time=(mode == "virtual"),
                   timeout=30)


async def _sync_async(service):
    loop = asyncio.get_running_loop()
    out = {}

    async def work(x):
        await aio.sleep(service)
        return x * 2

    # message-driven: q.request waits for the reply; q.put does not
    q = WorkQueue("calc", ack_timeout=10)
    pool = consume(q, work, workers=1)
    t = loop.time()
    reply = await q.request(21, timeout=5)
    out[("message", "sync")] = (loop.time() - t, reply == 42)
    t = loop.time()
    await q.put(1)
    out[("message", "async")] = (loop.time() - t, False)
    q.close()
    await pool.join(timeout=10)

    # event-driven: a reply topic (request/reply over events), and plain publish
    bus = Bus("calc")
    replies = bus.subscribe("calc.reply", mode="async", capacity=1)

    async def on_request(topic, event):
        await bus.publish("calc.reply", await work(event))
    bus.subscribe("calc.request", on_request, mode="async", capacity=8)
    t = loop.time()
    await bus.publish("calc.request", 21)
    got = await replies.recv(timeout=5)
    out[("event", "sync")] = (loop.time() - t, got is not None and got.event == 42)
    t = loop.time()
    await bus.publish("calc.request", 1)
    out[("event", "async")] = (loop.time() - t, False)
    await replies.recv(timeout=5)  # its reply, so that the handler is done before we close
    await bus.close(timeout=10)
    return out


def rendezvous(receiver_delay=0.5):
    """'Components communicate only asynchronously': on an unbuffered channel (Go's ``make(chan
    T)``) a send waits for the receiver. Returns the seconds the sender waited (virtual time)."""
    receiver_delay = check_seconds(receiver_delay, "receiver_delay")

    async def main():
        loop = asyncio.get_running_loop()
        ch = aio.Chan()

        async def receiver():
            await aio.sleep(receiver_delay)
            await ch.recv(timeout=5)
        aio.go(receiver)
        t = loop.time()
        await ch.send("hello", timeout=5)  # ch <- "hello": blocks until received
        return loop.time() - t
    return aio.run(main(), virtual_time=True, timeout=30)


def one_channel(values=9, receivers=3):
    """'A channel implements publish/subscribe' / 'it notifies all subCh': ``receivers`` goroutines
    receive from ONE channel. Returns ``{receiver: values it got}``; each value reaches one of them."""
    values, receivers = check_count(values, "values", 1), check_count(receivers, "receivers", 1)

    async def main():
        ch, got = aio.Chan(), {f"r{i}": [] for i in range(receivers)}

        async def receive(name):
            async for v in ch:
                got[name].append(v)
                await aio.sleep(0.01)
        tasks = [aio.go(receive, name) for name in got]
        for v in range(values):
            await ch.send(v, timeout=5)
        ch.close()
        for task in tasks:
            await task
        return got
    return aio.run(main(), virtual_time=True, timeout=30)


def observer_vs_pubsub(events=10, service=0.01):
    """'Event-driven is the observer pattern, founded on publish/subscribe': the publisher's seconds
    spent inside ``publish`` per event with a sync subscriber (observer: the handler runs in the
    publisher) and an async one (publish/subscribe: an inbox between them). Returns a dict."""
    events, service = check_count(events, "events", 1), check_seconds(service, "service")

    async def main():
        loop = asyncio.get_running_loop()
        out = {}
        for mode_ in ("sync", "async"):
            bus = Bus("shop")

            async def handler(topic, event):
                await aio.sleep(service)
            kw = {"capacity": events} if mode_ == "async" else {}
            bus.subscribe("state.changed", handler, mode=mode_, **kw)
            spent = 0.0
            for i in range(events):
                t = loop.time()
                await bus.publish("state.changed", i)
                spent += loop.time() - t
            await bus.close(timeout=10)
            out["observer (sync)" if mode_ == "sync" else "publish/subscribe (async)"] = spent / events
        return out
    return aio.run(main(), virtual_time=True, timeout=30)


def fan_out_reactions(reactions=3):
    """'Event-driven suits state changes': one device state change, ``reactions`` independent
    reactions (log, alert, dashboard...). Returns ``{style: (sends the producer makes, reactions
    run, queues or topics the producer must name)}``."""
    reactions = check_count(reactions, "reactions", 1)

    async def main():
        ran = {"event": 0, "message": 0}
        bus = Bus("devices")

        async def react(topic, event):
            ran["event"] += 1
        for i in range(reactions):
            bus.subscribe("device.*.state", react, mode="async", capacity=1, name=f"reaction-{i}")
        await bus.publish("device.7.state", "offline")
        await bus.close(timeout=5)
        # message-driven: one queue per reaction, and the producer puts to each of them
        queues = [WorkQueue(f"reaction-{i}") for i in range(reactions)]
        for q in queues:
            await q.put("device 7 offline")
            q.close()

        async def react_msg(body):
            ran["message"] += 1
        pools = [consume(q, react_msg) for q in queues]
        for p in pools:
            await p.join(timeout=5)
        return {"event": (1, ran["event"], 1), "message": (len(queues), ran["message"], len(queues))}
    return aio.run(main(), virtual_time=True, timeout=30)


def handoff_cost(n=2000):
    """'Communication between components is inefficient': real-time cost of one hand-off (µs),
    threads flavour, beside a plain function call. Noisy: never compare exact numbers."""
    n = check_count(n, "n", 1)
    sink = []

    def call(x):
        sink.append(x)

    def timed(fn):
        t = time.perf_counter()
        fn()
        return (time.perf_counter() - t) / n * 1e6

    def direct():
        for i in range(n):
            call(i)

    def chan():
        ch = TChan(n)
        for i in range(n):
            ch.send(i, timeout=5)
        for _ in range(n):
            call(ch.recv(timeout=5))

    def bus_sync():
        bus = TBus("b")
        bus.subscribe("x", lambda topic, e: call(e))
        for i in range(n):
            bus.publish("x", i)
        bus.close(timeout=5)

    def bus_async():
        bus = TBus("b")
        bus.subscribe("x", lambda topic, e: call(e), mode="async", capacity=64)
        for i in range(n):
            bus.publish("x", i, timeout=5)
        bus.close(timeout=30)

    def queue_ack():
        q = TWorkQueue("q", ack_timeout=30)
        for i in range(n):
            q.put(i)
        for _ in range(n):
            m = q.get(timeout=5)
            call(m.body)
            m.ack()
        q.close()

    return {"function call": timed(direct), "channel send + recv": timed(chan),
            "event, sync subscriber": timed(bus_sync), "event, async subscriber": timed(bus_async),
            "message, put + get + ack": timed(queue_ack)}


# --- two equivalent programs, counted -------------------------------------------------------------
async def event_driven_shop(orders, handle):
    """Event-driven: announce each order; one subscriber handles it. Returns the results."""
    results = []

    async def on_order(topic, order):
        results.append(await handle(order))
    bus = Bus("shop")
    bus.subscribe("order.placed", on_order, mode="async", capacity=16)
    for order in orders:
        await bus.publish("order.placed", order)
    await bus.close(timeout=60)
    return results


async def message_driven_shop(orders, handle, workers=2):
    """Message-driven: queue each order; workers get, handle and ack it (nack on failure)."""
    results = []
    q = WorkQueue("orders", ack_timeout=5, max_deliveries=3)

    async def worker():
        async for msg in q:
            try:
                results.append(await handle(msg.body))
            except Exception:
                await msg.nack(delay=0.1)
            else:
                await msg.ack()
    wg = aio.WaitGroup()
    for _ in range(workers):
        wg.add(1)
        aio.go(_then_done, worker, wg)
    for order in orders:
        await q.put(order)
    q.close()
    await wg.wait(timeout=60)
    return results


async def _then_done(fn, wg):
    """``go func() { defer wg.Done(); fn() }()``"""
    try:
        await fn()
    finally:
        wg.done()


# What counts as a moving part, by the name of the call (or keyword argument) that makes it.
PARTS = {
    "goroutines": {"go", "consume"},
    "queues": {"Bus", "WorkQueue", "Chan", "subscribe"},
    "acks": {"ack", "nack", "term", "in_progress", "reply"},
    "timers": {"sleep", "after", "tick", "ack_timeout", "backoff", "delay"},
    "joins": {"close", "wait", "join", "done", "add"},
}


def _code_lines(source):
    """Lines that are code: no blank lines, comments or docstrings."""
    tree = ast.parse(source)
    doc = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None),
                                                                      ast.Constant) \
                    and isinstance(body[0].value.value, str):
                doc.update(range(body[0].lineno, body[0].end_lineno + 1))
    return sum(1 for i, line in enumerate(source.splitlines(), 1)
               if line.strip() and not line.strip().startswith("#") and i not in doc)


def _parts(source):
    counts = {k: 0 for k in PARTS}
    for node in ast.walk(ast.parse(source)):
        names = []
        if isinstance(node, ast.Call):
            f = node.func
            names.append(f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", ""))
            names += [kw.arg for kw in node.keywords if kw.arg]
            if names[0] == "subscribe" and not any(kw.arg == "mode" and getattr(kw.value, "value", None)
                                                   == "async" for kw in node.keywords):
                names[0] = ""  # a sync subscriber has no inbox
            elif names[0] == "subscribe":
                counts["goroutines"] += 1  # an async subscriber with a handler: its goroutine
        for name in names:
            for kind, words in PARTS.items():
                if name in words:
                    counts[kind] += 1
    return counts


def complexity(programs=None, libraries=True):
    """Count lines of code and moving parts of each program (``{label: function}``, default the two
    shops), with :mod:`ast`. With ``libraries``, also the lines of the library modules that each
    style's machinery needs (what you would write, or depend on, to have it).
    Returns ``{label: {"lines": n, "goroutines": n, "queues": n, "acks": n, "timers": n,
    "joins": n, "moving parts": total}}``."""
    programs = programs or {"event-driven": event_driven_shop, "message-driven": message_driven_shop}
    out = {}
    for label, fn in programs.items():
        src = textwrap.dedent(inspect.getsource(fn))
        row = {"lines": _code_lines(src), **_parts(src)}
        row["moving parts"] = sum(row[k] for k in PARTS)
        out[label] = row
    if libraries:
        root = Path(__file__).resolve().parent.parent
        libs = {"event-driven": ("events.py", "aio/events.py"),
                "message-driven": ("messaging.py", "aio/messaging.py")}
        for label, files in libs.items():
            if label in out:
                out[label]["library lines"] = sum(_code_lines((root / f).read_text(encoding="utf-8"))
                                                  for f in files)
    return out


# --- verdicts -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Verdict:
    """One claim judged: ``verdict`` is ``true``, ``partly true``, ``false``, ``wrong`` (a fact about
    the article's text) or ``not distinctive`` (true of both styles); ``evidence`` names the figure
    or section; ``measured`` says whether the verdict was computed from a measurement."""

    id: str
    claim: str
    status: str
    verdict: str
    evidence: str
    caveat: str
    measured: bool


REASONED = {"coupling-grows"}  # judged by reasoning, with a measurement cited as evidence


def _ratio(a, b):
    return a / b if b else float("inf")


def balance_verdict(sc):
    """'Message-driven suits load balancing', from a :func:`scaling` result: ``(verdict, busiest/mean
    for pull, busiest/mean for static shards)`` at the most workers measured. ``"true"`` when pulling
    from one queue balances better than fixed shards; ``"partly true"`` when both balance as well."""
    kmax = max(dict(sc["busy"]["message: competing consumers"]))
    bal = dict(sc["busy"]["message: competing consumers"])[kmax]
    bal_sh = dict(sc["busy"]["event: one shard per subscriber"])[kmax]
    return ("true" if bal < bal_sh - 1e-9 else "partly true"), bal, bal_sh


def verdicts(data=None):
    """Judge all 22 claims of :data:`chanlab.claims.CLAIMS`. ``data`` may hold results already
    measured (keys: ``latency``, ``scaling``, ``crash``, ``missed``, ``memory``, ``sync_async``,
    ``complexity``, ``handoff``, ``rendezvous``, ``one_channel``, ``observer``, ``fan_out``,
    ``channel_full``); what is missing is measured now (virtual time, except ``handoff``).
    Returns a list of :class:`Verdict`, in the ledger's order."""
    d = dict(data or {})
    get = {"latency": latency, "scaling": scaling, "crash": crash_recovery, "missed": missed_events,
           "memory": memory_growth, "sync_async": sync_async, "complexity": complexity,
           "handoff": lambda: handoff_cost(500), "rendezvous": rendezvous, "one_channel": one_channel,
           "observer": observer_vs_pubsub, "fan_out": fan_out_reactions,
           "channel_full": lambda: _publish(11, 0.01, 0.0, capacity=0, policy="drop_newest")}
    for key, fn in get.items():
        if key not in d:
            d[key] = fn()
    v = {}

    # real-time: p99 latency on the same workload
    lat = {s: percentile(r.latencies, 99) for s, r in d["latency"].items()}
    close = abs(lat["event"] - lat["message"]) <= 0.1 * max(lat.values())
    v["real-time"] = ("false" if close or lat["event"] > lat["message"] else "true",
                      f"fig. 1: p99 {lat['event'] * 1e3:.0f} ms (event) vs {lat['message'] * 1e3:.0f} ms "
                      f"(message)",
                      "same queue, same latency: load and workers set it; a sync (observer) event "
                      "handler is instant only by making the publisher wait")
    # sync and async
    sa = d["sync_async"]
    both = all(sa[(s, "sync")][1] for s in STYLES) and all(sa[(s, "async")][0] == 0 for s in STYLES)
    msg_both = sa[("message", "sync")][1] and sa[("message", "async")][0] == 0
    v["sync-and-async"] = ("not distinctive" if both else ("true" if msg_both else "false"),
                           "section 3: request/reply waited "
                           + ", ".join(f"{sa[(s, 'sync')][0] * 1e3:.0f} ms ({s})" for s in STYLES),
                           "request/reply over events needs a reply topic; a work queue has it built in")
    # scaling
    sc = d["scaling"]
    pts = {label: dict(p) for label, p in sc.items() if label != "busy"}
    kmax = max(pts["message: competing consumers"])
    speed = {label: _ratio(p[kmax], p[1]) for label, p in pts.items()}
    s_msg = speed["message: competing consumers"]
    s_copy = speed["event: every subscriber gets a copy"]
    v["low-decoupling"] = ("false" if s_msg > 2 * s_copy else "partly true",
                           f"fig. 2: {kmax} workers: x{s_msg:.1f} (competing consumers) vs x{s_copy:.1f} "
                           f"(subscribers that copy)",
                           "contradicts the article's own 'loosely coupled': decoupled consumers are what "
                           "scale; sharded events scale too, with worse balance")
    # recoverable (crashes)
    cr = d["crash"]
    n = len(cr["message"].latencies)
    v["loose-coupling"] = ("true" if cr["message"].handled == n > cr["event"].handled else "partly true",
                           f"fig. 3: one crash in 5: {cr['message'].handled}/{n} handled (message) vs "
                           f"{cr['event'].handled}/{n} (event)",
                           "recovery costs an ack timeout per crash and needs idempotent handlers "
                           "(at least once)")
    verdict, bal, bal_sh = balance_verdict(sc)
    v["small-data-load-balancing"] = (verdict, f"fig. 2: busiest/mean worker {bal:.2f} (pull) vs "
                                      f"{bal_sh:.2f} (static shards)",
                                      "'small data' is not about the style: in-process, a message is a "
                                      "reference; across a broker, size costs bandwidth (07)")
    # complexity
    cx = d["complexity"]
    e, m = cx["event-driven"], cx["message-driven"]
    more = m["moving parts"] > e["moving parts"] and m["lines"] >= e["lines"]
    ev_txt = (f"fig. 6: {e['lines']} vs {m['lines']} lines, {e['moving parts']} vs {m['moving parts']} "
              f"moving parts (event vs message)")
    v["messages-more-complex"] = ("true" if more else "false", ev_txt,
                                  "the extra parts (acks, ack timers, workers) buy recovery; "
                                  "without them messages are as simple as events")
    v["events-more-complex"] = ("false" if more else "true", ev_txt,
                                "the article says both; the count decides for one of them")
    v["coupling-grows"] = ("partly true", ev_txt + "; both programs share 1 name (topic or queue) "
                           "and the order's format",
                           "coupling moves into the message format, which every consumer depends on")
    # inefficient
    h = d["handoff"]
    worst = max(v_ for k, v_ in h.items() if k != "function call")
    v["inefficient"] = ("partly true" if worst > 5 * h["function call"] else "false",
                        "fig. 7 (real time): every hand-off costs more than a function call",
                        "microseconds per message: it matters only when the handler's work is "
                        "smaller than that")
    # missed events
    me = d["missed"]
    v["missed-events"] = ("true" if me[("late", "event")] > 0 and me[("slow", "event")] > 0 else "false",
                          f"fig. 4: late subscriber missed {me[('late', 'event')]}, slow one "
                          f"{me[('slow', 'event')]} (event); message: {me[('late', 'message')]} and "
                          f"{me[('slow', 'message')]}",
                          "coordination is not needed: a durable queue (or a replaying stream) keeps "
                          "what nobody has taken yet")
    # memory
    mg = d["memory"]
    unb = [h_ for _, h_ in mg["event, unbounded inbox"]]
    bounded = [h_ for label, p in mg.items() if label not in ("after",) and "unbounded" not in label
               for _, h_ in p]
    grows = unb[-1] >= 2 * unb[0] and max(bounded) < unb[-1]
    leak = any(mg["after"].values())
    v["memory-leak"] = ("partly true" if grows and not leak else ("true" if leak else "false"),
                        f"fig. 5: unbounded inbox held up to {unb[-1]} orders; bounded ones at most "
                        f"{max(bounded)}; none left after the run",
                        "not a leak: a rate mismatch with an unbounded buffer; an unbounded work queue "
                        "grows just the same")
    # definitional / small demonstrations
    wait = d["rendezvous"]
    v["only-async"] = ("false" if wait > 0 else "true",
                       f"section 8: a send on make(chan T) waited {wait:g} s for its receiver",
                       "message passing can be synchronous (a rendezvous); 'asynchronous' is a choice")
    oc = d["one_channel"]
    total = sum(len(x) for x in oc.values())
    sent = len(set(x for xs in oc.values() for x in xs))
    v["channel-is-pubsub"] = ("partly true" if total == sent else "true",
                              f"section 8: {sent} values to {len(oc)} receivers on one channel: "
                              f"{total} receipts (each value once)",
                              "publish/subscribe needs one channel per subscriber")
    v["notify-all"] = ("wrong" if total == sent else "true",
                       "section 8: one channel reaches one receiver per value",
                       "the article's program has one subCh")
    ob = d["observer"]
    same = ob["observer (sync)"] == ob["publish/subscribe (async)"]
    v["observer-is-pubsub"] = ("true" if same else "partly true",
                               f"section 8: publisher spent {ob['observer (sync)'] * 1e3:.0f} ms per event "
                               f"(observer) vs {ob['publish/subscribe (async)'] * 1e3:.0f} ms (pub/sub)",
                               "two different designs: an observer is called by its subject; pub/sub "
                               "puts a broker between them")
    fo = d["fan_out"]
    v["state-changes"] = ("true" if fo["event"][0] < fo["message"][0] else "not distinctive",
                          f"section 8: {fo['event'][1]} reactions from {fo['event'][0]} publish (event) vs "
                          f"{fo['message'][0]} puts (message)",
                          "one fact, many independent reactions: fan-out is what events are for")
    cf = d["channel_full"]
    v["channel-is-full"] = ("wrong" if cf.dropped < len(cf.messages) else "true",
                            f"section 8 (and 04): unbuffered, prompt receiver: {cf.dropped} of "
                            f"{len(cf.messages)} dropped",
                            "default runs when no receiver is waiting at that instant, not when full")
    fixed = {
        "new": ("wrong", "section 8 (reasoned)", "message queues (IBM MQ, 1993) and event loops (GUI toolkits, 1980s) are decades old; they address coupling and delivery"),
        "waitgroup-is-messaging": ("wrong", "03-workers-and-waitgroup", "a WaitGroup is a counter"),
        "program-1-compiles": ("wrong", "03-workers-and-waitgroup (go build)", "missing import \"sync\""),
        "program-2-compiles": ("wrong", "04-publisher-and-drops (go build)", "missing import \"time\""),
        "go-fast": ("partly true", "02b (CPU-bound pools); benchmarks/channels.py, make bench (hand-offs)",
                    "fast CPU-bound code and cheap hand-offs; not a property of either style"),
    }
    out = []
    for c in _claims.CLAIMS:
        if c.id in v:
            verdict, evidence, caveat = v[c.id]
            measured = c.id not in REASONED
        else:
            verdict, evidence, caveat = fixed[c.id]
            measured = False
        out.append(Verdict(c.id, c.en, c.status, verdict, evidence, caveat, measured))
    return out


def verdict_table(vs):
    """The verdicts as Markdown table text."""
    rows = ["| # | claim | before | verdict | evidence | caveats |", "|---|---|---|---|---|---|"]
    for i, x in enumerate(vs, 1):
        tag = "" if x.measured else " (reasoned)"
        rows.append(f"| {i} | {x.id}: {x.claim} | {x.status} | **{x.verdict}**{tag} | {x.evidence} | "
                    f"{x.caveat} |")
    return "\n".join(rows)
