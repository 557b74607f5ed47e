"""The workload and one run of one style: the same orders through an event bus or a work queue.

Go: the event-driven run is a loop that offers each event to one channel per subscriber; the
message-driven run is one job channel shared by a pool of workers, plus the bookkeeping of acks.
"""
import asyncio
import math
import random
from dataclasses import dataclass

from ... import aio, args
from ...aio.events import Bus
from ...aio.messaging import Crash, WorkQueue, consume

__all__ = ["STYLES", "LAYOUTS", "MODES", "Workload", "workload", "percentile", "StyleRun", "run_style"]

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
    n = args.count(n, "n", minimum=1)
    service = args.seconds(service, "service")
    rate = args.number(rate, "rate", minimum=0, exclusive_minimum=True, unit=" orders/s")
    args.choice(distribution, "distribution", ("exponential", "constant"))
    rng = random.Random(args.seed(seed))
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
    p = args.number(p, "p", minimum=0, maximum=100)
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
    """``style``: 'event' or 'message'; ``layout``: 'copies' (every subscriber gets every event) or
    'shards' (subscriber i gets order.i); ``mode``: 'virtual' (deterministic) or 'asyncio' (real time)."""
    args.choice(style, "style", STYLES)
    workers = args.count(workers, "workers", minimum=1)
    args.choice(layout, "layout", LAYOUTS)
    args.choice(mode, "mode", MODES)
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
    join_at = args.seconds(join_at, "join_at")
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


