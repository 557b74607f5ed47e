"""The experiments, one per claim (or group of claims): each runs both styles and returns data."""
import asyncio
import time

from ... import aio, args
from ...aio.events import Bus
from ...aio.messaging import WorkQueue, consume
from ...chan import Chan as TChan
from ...events import Bus as TBus
from ...messaging import WorkQueue as TWorkQueue
from .run import STYLES, run_style, workload

__all__ = ["latency", "scaling", "crash_recovery", "missed_events", "memory_growth", "sync_async",
           "rendezvous", "one_channel", "observer_vs_pubsub", "fan_out_reactions", "handoff_cost",
           "process_change", "late_reader"]


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
    every = args.count(every, "every", minimum=1)
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
    return aio.run(_sync_async(args.seconds(service, "service")), virtual_time=(mode == "virtual"),
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
    receiver_delay = args.seconds(receiver_delay, "receiver_delay")

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
    values = args.count(values, "values", minimum=1)
    receivers = args.count(receivers, "receivers", minimum=1)

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
    events, service = args.count(events, "events", minimum=1), args.seconds(service, "service")

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
    reactions = args.count(reactions, "reactions", minimum=1)

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
    n = args.count(n, "n", minimum=1)
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




def process_change(orders=30, seed=1, workers=8):
    """Notebook 09's measurements that bear on the claims: a business process across services, built
    both ways. ``changed``: existing services a new step (a fraud check) changes in each style;
    ``messages``: messages per order on a quiet day; ``order_kept``: partitions' throughput as a
    share of competing consumers', both at ``workers`` workers, while keeping each key's order."""
    from ...saga import SHOP, SHOP_WITH_FRAUD_CHECK, changed_services, choreography_wiring, orchestration_wiring
    from ..ordering import run_ordering
    from ..sagas import compare

    seed = args.seed(seed)
    runs = compare(orders=orders, seed=seed)
    wirings = {"orchestration": orchestration_wiring, "choreography": choreography_wiring}
    competing = run_ordering("competing", workers, skew=1.2, seed=seed)
    partitioned = run_ordering("partitioned", workers, skew=1.2, seed=seed)
    return {"changed": {s: len(changed_services(w, SHOP, SHOP_WITH_FRAUD_CHECK)) for s, w in wirings.items()},
            "messages": {s: r.summary()["messages per order"] for s, r in runs.items()},
            "order_kept": partitioned.throughput / competing.throughput,
            "reordered": (competing.out_of_order, partitioned.out_of_order, competing.events)}


def late_reader(events=100):
    """Notebook 10: a read model that starts after ``events`` events were appended to the log
    replays them all: ``{"published": ..., "replayed": ...}``."""
    from ...eventstore import EventStore, Projection

    store = EventStore()
    for i in range(args.count(events, "events", minimum=1)):
        store.append(f"order-{i % 7}", [("OrderPlaced", {"n": i})])
    late = Projection(lambda view, e: view + 1, 0)
    return {"published": events, "replayed": late.catch_up(store)}
