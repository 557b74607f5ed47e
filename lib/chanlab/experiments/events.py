"""Event-bus experiments: fan-out to subscribers of different speeds, late subscribers, and the
memory an unbounded inbox holds. They return data; :mod:`chanlab.plots` and the widgets draw it.

Go, the bus these experiments measure (one inbox per subscriber, a policy when it is full)::

    for seq := 0; seq < n; seq++ {
        for _, s := range subs {
            select {
            case s.inbox <- Event{seq}:   // queued for the subscriber's goroutine
            default:                      // full: the policy decides (drop_newest drops it)
            }
        }
        time.Sleep(interval)
    }

* :func:`fan_out` -- one publisher, ``events`` events one every ``interval`` seconds, to subscribers
  whose handlers take ``handler_times`` seconds each, dispatched ``"sync"`` (the observer pattern: the
  handlers run inside ``publish``) or ``"async"`` (an inbox of ``capacity`` per subscriber with an
  overflow ``policy``). Returns a :class:`FanOutRun`: what each subscriber handled and when, and how
  long each ``publish`` kept the publisher.
* :func:`late_subscriber` -- a subscriber that subscribes ``join_at`` seconds after the publisher
  started: which events did it miss? (There is no replay.)
* :func:`memory_growth` -- a slow subscriber with an ``unbounded`` (or bounded) inbox, each event
  carrying a fresh payload, measured with :mod:`tracemalloc` after every publish.

All three run on chanlab.aio's virtual clock: instant, and the same result every run.
"""
import asyncio
import tracemalloc
from array import array
from dataclasses import dataclass, field

from .. import aio, args
from .. import policies as _policies
from ..aio.events import Bus
from ..events import Stats

__all__ = ["DISPATCH", "SubscriberRun", "FanOutRun", "fan_out", "LateRun", "late_subscriber",
           "MemoryRun", "memory_growth", "spread"]

#: "sync": handlers run inside publish (observer); "async": one inbox and goroutine per subscriber.
DISPATCH = ("sync", "async")


@dataclass(frozen=True)
class SubscriberRun:
    """What one subscriber did: the events it handled (``handled``, in order) and when it started
    each (``at``, virtual seconds after the start), and its bus counters (``stats``)."""

    name: str
    handler_time: float
    handled: tuple
    at: tuple
    stats: Stats
    queue: tuple = field(default=(), repr=False)  # (t, events waiting in its inbox), after each publish

    @property
    def delivered(self):
        return len(self.handled)

    @property
    def dropped(self):
        return self.stats.dropped


@dataclass
class FanOutRun:
    """One run of :func:`fan_out`. ``published_at[seq]`` is when ``publish`` of event ``seq`` was
    called, ``returned_at[seq]`` when it returned; ``wall`` is when the last handler finished."""

    dispatch: str
    policy: object  # the policy's label (None for sync dispatch)
    capacity: object  # the inbox size (None for sync dispatch and for the unbounded policy)
    interval: float
    published_at: list
    returned_at: list
    subscribers: list  # of SubscriberRun, in subscription order
    wall: float
    overflow: object = field(default=None, repr=False)  # the chanlab.policies.Policy (async)

    @property
    def events(self):
        return len(self.published_at)

    @property
    def publish_time(self):
        """Seconds the publisher spent inside ``publish``, all events together."""
        return round(sum(r - p for p, r in zip(self.published_at, self.returned_at)), 9)

    @property
    def publisher_done(self):
        """When the publisher's last ``publish`` returned."""
        return self.returned_at[-1] if self.returned_at else 0.0

    def latencies(self, sub):
        """Seconds from publish to the start of handling, for each event ``sub`` handled."""
        sub = self.subscriber(sub)
        return [t - self.published_at[seq] for seq, t in zip(sub.handled, sub.at)]

    def subscriber(self, name_or_index):
        if isinstance(name_or_index, SubscriberRun):
            return name_or_index
        if isinstance(name_or_index, int):
            return self.subscribers[name_or_index]
        for s in self.subscribers:
            if s.name == name_or_index:
                return s
        raise KeyError(f"no subscriber {name_or_index!r}: the names are "
                       f"{[s.name for s in self.subscribers]}")


def spread(subscribers, slowest):
    """Handler times for ``subscribers`` subscribers, evenly from ``slowest / subscribers`` up to
    ``slowest`` seconds: ``spread(4, 0.04)`` is ``[0.01, 0.02, 0.03, 0.04]``."""
    subscribers = args.count(subscribers, "subscribers")
    slowest = args.seconds(slowest, "slowest")
    return [round(slowest * (k + 1) / subscribers, 9) for k in range(subscribers)]


def _check_times(handler_times):
    if isinstance(handler_times, (int, float)):
        handler_times = [handler_times]
    if isinstance(handler_times, str) or not hasattr(handler_times, "__iter__"):
        raise TypeError(f"handler_times is a list of seconds, one per subscriber (e.g. [0.005, 0.03]), "
                        f"not {type(handler_times).__name__} {handler_times!r}")
    try:
        times = [args.seconds(t, "a handler time") for t in handler_times]
    except TypeError as err:
        raise ValueError(f"handler_times is a list of seconds, one per subscriber (e.g. [0.005, 0.03]): "
                         f"{err}") from None
    if not times:
        raise ValueError("handler_times is empty: give one handler time (seconds) per subscriber")
    return times


def fan_out(handler_times=(0.005, 0.03), events=50, interval=0.01, dispatch="async", capacity=4,
            policy="drop_newest", *, names=None):
    """One publisher and ``len(handler_times)`` subscribers on a :class:`chanlab.aio.events.Bus`, on
    the virtual clock. Event ``seq`` (0, 1, ...) is published on topic ``tick`` every ``interval``
    seconds *after the previous publish returned* (so a publish that waits delays the ones after
    it); subscriber k's handler takes ``handler_times[k]`` seconds. Returns a :class:`FanOutRun`.

    ``dispatch="sync"``: the handlers run inside publish, one after another (``capacity`` and
    ``policy`` are ignored). ``dispatch="async"``: each subscriber has an inbox of ``capacity``
    with the overflow ``policy`` (a name or object of :mod:`chanlab.policies`; ``capacity`` is read
    as every policy reads it: ``unbounded`` and ``keep_latest`` take None or 0).
    """
    times = _check_times(handler_times)
    events = args.count(events, "events")
    interval = args.seconds(interval, "interval")
    dispatch = args.choice(dispatch, "dispatch", DISPATCH)
    overflow = None
    if dispatch == "async":
        overflow, size = _policies.buffer_for(policy, capacity)  # the bus reads capacity the same way
        capacity = None if size == _policies.UNBOUNDED else size
    names = list(names) if names is not None else [f"sub{k + 1}" for k in range(len(times))]
    if len(names) != len(times):
        raise ValueError(f"{len(names)} names for {len(times)} subscribers: give one name each")
    handled = {n: [] for n in names}
    queue = {n: [] for n in names}
    published_at, returned_at = [], []

    async def main():
        loop = asyncio.get_running_loop()
        t0 = loop.time()

        def now():
            return round(loop.time() - t0, 9)

        bus = Bus("fan-out")

        def make_handler(name, seconds):
            async def handler(topic, seq):
                handled[name].append((seq, now()))
                await aio.sleep(seconds)

            return handler

        subs = []
        for name, seconds in zip(names, times):
            if dispatch == "sync":
                subs.append(bus.subscribe("tick", make_handler(name, seconds), name=name))
            else:
                subs.append(bus.subscribe("tick", make_handler(name, seconds), mode="async",
                                          capacity=capacity, policy=overflow, name=name))
        await aio.sleep(0)  # let every subscriber's goroutine start and wait on its inbox
        for seq in range(events):
            published_at.append(now())
            await bus.publish("tick", seq)
            returned_at.append(now())
            for name, sub in zip(names, subs):
                queue[name].append((now(), sub.stats.queued))
            if seq < events - 1:
                await aio.sleep(interval)
        await bus.close()
        return subs, now()

    subs, wall = aio.run(main(), virtual_time=True, timeout=60)
    runs = [SubscriberRun(name, seconds, tuple(s for s, _ in handled[name]),
                          tuple(t for _, t in handled[name]), sub.stats, tuple(queue[name]))
            for name, seconds, sub in zip(names, times, subs)]
    return FanOutRun(dispatch, overflow.label if overflow is not None else None,
                     capacity if dispatch == "async" else None, interval, published_at, returned_at,
                     runs, wall, overflow)


@dataclass(frozen=True)
class LateRun:
    """One run of :func:`late_subscriber`: when each event was published, and what each
    subscriber (``early``: from the start; ``late``: from ``join_at``) received."""

    join_at: float
    published_at: tuple
    early: tuple
    late: tuple

    @property
    def missed(self):
        """The events the late subscriber never received, in order."""
        got = set(self.late)
        return tuple(seq for seq in range(len(self.published_at)) if seq not in got)


def late_subscriber(events=10, interval=0.01, join_at=0.035):
    """A publisher sends ``events`` events, one every ``interval`` seconds from t = 0; one
    subscriber is there from the start, another subscribes at ``join_at`` seconds. Both are pull
    subscriptions with room for every event (nothing is dropped). Returns a :class:`LateRun`."""
    events = args.count(events, "events")
    interval = args.seconds(interval, "interval")
    join_at = args.seconds(join_at, "join_at")
    published_at = []

    async def main():
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        bus = Bus("news")
        early = bus.subscribe("news.#", mode="async", policy="unbounded", name="early")
        late = {}

        async def joiner():
            await aio.sleep(join_at)
            late["sub"] = bus.subscribe("news.#", mode="async", policy="unbounded", name="late")

        aio.go(joiner)
        for seq in range(events):
            published_at.append(round(loop.time() - t0, 9))
            await bus.publish("news.item", seq)
            if seq < events - 1:
                await aio.sleep(interval)
        await aio.sleep(max(0.0, join_at - (loop.time() - t0)))  # the joiner has joined by now
        await aio.sleep(0)
        await bus.close()
        got_early = [e async for _, e in early]
        got_late = [e async for _, e in late["sub"]] if "sub" in late else []
        return got_early, got_late

    got_early, got_late = aio.run(main(), virtual_time=True, timeout=60)
    return LateRun(join_at, tuple(published_at), tuple(got_early), tuple(got_late))


@dataclass
class MemoryRun:
    """One run of :func:`memory_growth`. ``samples`` are ``(t, queued, bytes)`` after each publish:
    virtual seconds, events waiting in the slow subscriber's inbox, and the bytes tracemalloc
    counted as allocated since the run started (the inboxes and their events)."""

    policy: str
    capacity: object
    payload_bytes: int
    samples: list

    @property
    def peak_bytes(self):
        return max((b for _, _, b in self.samples), default=0)

    @property
    def peak_queued(self):
        return max((q for _, q, _ in self.samples), default=0)

    @property
    def bytes_per_event(self):
        """The least-squares slope of bytes against queued events (bytes per queued event), or
        None when the queue length never changed (a bounded inbox that stayed full)."""
        xs = [q for _, q, _ in self.samples]
        ys = [b for _, _, b in self.samples]
        n = len(xs)
        if n < 2:
            return None
        mx, my = sum(xs) / n, sum(ys) / n
        sxx = sum((x - mx) ** 2 for x in xs)
        if sxx == 0:
            return None
        return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx


def memory_growth(events=400, interval=0.001, handler_time=0.004, policy="unbounded", capacity=None,
                  payload_bytes=1000):
    """A publisher sends ``events`` events, one every ``interval`` seconds, each with a fresh
    ``payload_bytes`` bytes object, to one subscriber that takes ``handler_time`` seconds per event,
    through an inbox with the overflow ``policy``. The Python heap is measured with tracemalloc
    after every publish. Returns a :class:`MemoryRun`.

    (The article: "frequent event publishing may cause memory leaks or resource exhaustion".)
    """
    events = args.count(events, "events")
    interval = args.seconds(interval, "interval")
    handler_time = args.seconds(handler_time, "handler_time")
    payload_bytes = args.count(payload_bytes, "payload_bytes")
    overflow, cap = _policies.buffer_for(policy, capacity)
    # Samples go into arrays made beforehand, so that taking them allocates nothing traced.
    times, queued, held = array("d", [0.0]) * events, array("q", [0]) * events, array("q", [0]) * events

    async def main():
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        bus = Bus("memory")

        async def slow(topic, event):
            await aio.sleep(handler_time)

        sub = bus.subscribe("tick", slow, mode="async", capacity=capacity, policy=overflow, name="slow")
        await aio.sleep(0)
        started = tracemalloc.is_tracing()
        if not started:
            tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            for seq in range(events):
                await bus.publish("tick", (seq, bytes(payload_bytes)))  # a payload of its own
                times[seq] = loop.time() - t0
                queued[seq] = sub.stats.queued
                held[seq] = tracemalloc.get_traced_memory()[0] - base
                await aio.sleep(interval)
        finally:
            if not started:
                tracemalloc.stop()
        await bus.close()

    aio.run(main(), virtual_time=True, timeout=60)
    samples = [(round(t, 9), q, b) for t, q, b in zip(times, queued, held)]
    return MemoryRun(overflow.label, None if cap == _policies.UNBOUNDED else cap, payload_bytes, samples)
