"""One order, two ways, measured: orchestration and choreography on one seeded workload.

:func:`run_saga` places ``orders`` orders (one every ``interval`` seconds) through the saga of
:mod:`chanlab.saga`, with the services as goroutines of :mod:`chanlab.aio` on a virtual clock, in
one ``style``:

* ``"orchestration"``: a coordinator goroutine per order sends each command to the service's inbox
  and waits for the reply on its own channel, for at most ``timeout`` seconds; without a reply it
  sends the command again (at least once: the service may then get it twice);
* ``"choreography"``: each service subscribes to the events that concern it; a publish puts the
  event into the inbox of every subscriber (a durable topic: an event waits while its subscriber is
  down), and a tracker that subscribes to everything follows each order.

Every service takes ``work`` seconds per message on average (exponential, seeded per message), and
can be configured with :class:`Faults`: slower, down for a while (it takes no messages; they wait in
its inbox), or handed every message twice with some probability (a redelivery). Whether an order's
payment fails is decided by the seed and the order number alone, so both styles see the same
failures. A service that is not ``idempotent`` applies a duplicate again (charges twice).

It returns a :class:`SagaRun`: one :class:`OrderRecord` per order (outcome, latency, messages,
compensations, duplicates applied) and how many lookups it takes to say where one order is.
"""
import asyncio
import math
import random
from dataclasses import dataclass, field

from .. import aio, args
from ..saga import SHOP, START_EVENT, choreography_wiring

__all__ = ["STYLES", "OUTCOMES", "Faults", "OrderRecord", "SagaRun", "run_saga", "compare", "step_fails"]

STYLES = ("orchestration", "choreography")
OUTCOMES = ("shipped", "cancelled", "stuck")


@dataclass(frozen=True)
class Faults:
    """What goes wrong at one service."""

    slow: float = 1.0  #: its work takes this many times longer
    down: tuple = ()  #: ``(start, end)`` seconds during which it takes no messages
    duplicate_rate: float = 0.0  #: probability that a message to it is delivered twice
    idempotent: bool = True  #: it recognises a message it has applied before and applies it once
    loss_rate: float = 0.0  #: probability that a message to it is lost on the way (never delivered)

    def __post_init__(self):
        args.number(self.slow, "Faults(slow=...)", minimum=0.0)
        args.probability(self.duplicate_rate, "Faults(duplicate_rate=...)")
        args.probability(self.loss_rate, "Faults(loss_rate=...)")
        for w in self.down:
            if not (isinstance(w, tuple) and len(w) == 2):
                raise TypeError(f"Faults(down=...) is a tuple of (start, end) seconds, not {self.down!r}")
            start, end = (args.seconds(t, "Faults(down=...) time") for t in w)
            if end < start:
                raise ValueError(f"Faults(down=...): a window ends before it starts: {w!r}")

    def down_until(self, now):
        """When the service is back if it is down at ``now`` (else ``now``)."""
        for start, end in self.down:
            if start <= now < end:
                return end
        return now


@dataclass
class OrderRecord:
    order: int
    placed: float
    ended: float = math.nan  #: when it was shipped or cancelled (nan while stuck)
    outcome: str = "stuck"  #: one of :data:`OUTCOMES`
    messages: int = 0  #: commands + replies, or event deliveries, for this order
    compensations: int = 0  #: compensating actions applied (release of the stock)
    duplicates_applied: int = 0  #: actions applied a second time (a double charge)

    @property
    def latency(self):
        return self.ended - self.placed


@dataclass
class SagaRun:
    style: str
    records: list
    horizon: float  #: seconds simulated
    lookups_to_locate: float  #: places to look to say where one order is (mean)
    messages_total: int = 0
    #: choreography: every event as ``(time, order, event)``, as a tracker subscribed to all topics
    #: saw them; orchestration: every state change of the coordinator as ``(time, order, state)``
    log: list = field(default_factory=list)

    def count(self, outcome):
        return sum(r.outcome == outcome for r in self.records)

    def latencies(self, outcome="shipped"):
        return [r.latency for r in self.records if r.outcome == outcome]

    def summary(self):
        """The side-by-side numbers, one dict."""
        lat = sorted(self.latencies())
        p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] if lat else math.nan
        n = len(self.records)
        return {
            "style": self.style, "orders": n,
            "shipped": self.count("shipped"), "cancelled": self.count("cancelled"), "stuck": self.count("stuck"),
            "median latency, shipped (s)": p(0.5), "p95 latency, shipped (s)": p(0.95),
            "messages per order": self.messages_total / n,
            "compensations": sum(r.compensations for r in self.records),
            "duplicates applied": sum(r.duplicates_applied for r in self.records),
            "lookups to locate an order": self.lookups_to_locate,
        }


def _coin(seed, *key):
    return random.Random("/".join(map(str, (seed, *key)))).random()


def step_fails(step, order, seed=0, fail_rate=0.1):
    """Whether ``step`` fails for ``order``: the seeded coin of :func:`run_saga` (the same seed and
    ``fail_rate`` decline the same orders in every style, and in notebook 11's worker processes).
    A step that cannot fail (``step.failed`` is None) never does."""
    return step.failed is not None and _coin(seed, "fail", step.service, order) < fail_rate


class _World:
    """The services, their inboxes and their effects: the same for both styles."""

    def __init__(self, process, work, fail_rate, faults, seed, records):
        self.process, self.work, self.fail_rate, self.seed = process, work, fail_rate, seed
        self.faults = {s.service: faults.get(s.service, Faults()) for s in process}
        self.inbox = {s.service: aio.Chan(1_000_000) for s in process}
        self.applied = {}  # (service, action, order) -> times applied
        self.handled = {}  # (service, action, order) -> times handled (duplicates included)
        self.records = records
        self.log = []
        self.deliveries = 0

    async def deliver(self, service, message, key):
        """Put ``message`` into ``service``'s inbox: twice with the service's duplicate rate, not at
        all with its loss rate (a message counts as sent either way)."""
        f = self.faults[service]
        copies = 2 if _coin(self.seed, "dup", service, *key) < f.duplicate_rate else 1
        if _coin(self.seed, "loss", service, *key) < f.loss_rate:
            self.records[message["order"]].messages += 1
            return
        for _ in range(copies):
            self.records[message["order"]].messages += 1
            self.deliveries += 1
            await self.inbox[service].send(message)

    def fails(self, step, order):
        return step_fails(step, order, self.seed, self.fail_rate)

    async def handle(self, service, message):
        """The service's work on one message: ``(ok, fresh)``: whether its action succeeded, and
        False in ``fresh`` for a duplicate that an idempotent service recognised and did not apply."""
        f = self.faults[service]
        back = f.down_until(_now())
        if back > _now():
            await aio.sleep(back - _now())
        step, action, order = message["step"], message["action"], message["order"]
        key = (service, action, order)
        ok = action != step.action or not self.fails(step, order)
        times = self.applied.get(key, 0)
        if times and f.idempotent:
            return ok, False  # the inbox knows this message: one key lookup, no work done again
        n = self.handled[key] = self.handled.get(key, 0) + 1
        rng = random.Random(f"{self.seed}/work/{service}/{action}/{order}/{n}")
        await aio.sleep(rng.expovariate(1 / self.work) * f.slow if self.work > 0 else 0)
        times = self.applied.get(key, 0)  # (a copy handled meanwhile by no one: one consumer per service)
        if times and f.idempotent:
            return ok, False
        self.applied[key] = times + 1
        rec = self.records[order]
        if times:
            rec.duplicates_applied += 1
        if action == step.compensation:
            rec.compensations += 1
        return ok, True

def _now():
    return asyncio.get_running_loop().time()


async def _service_loop(world, service, on_done):
    inbox = world.inbox[service]
    async for message in inbox:
        ok, fresh = await world.handle(service, message)
        await on_done(service, message, ok, fresh)


class _States(dict):
    """The coordinator's table of where each order is, with its history in ``world.log``."""

    def __init__(self, world):
        super().__init__()
        self.world = world

    def __setitem__(self, order, state):
        super().__setitem__(order, state)
        self.world.log.append((round(_now(), 9), order, state))


async def _orchestrate(world, order, timeout, replies, state):
    """The coordinator of one order: commands, replies, retries, compensations."""
    rec = world.records[order]
    done = []
    for i, step in enumerate(world.process):
        state[order] = (step.service, "waiting")
        ok = await _command(world, order, step, step.action, timeout, replies, attempt_key=i)
        if not ok:
            state[order] = (step.service, "failed")
            for j, earlier in reversed(list(enumerate(done))):
                if earlier.compensation:
                    state[order] = (earlier.service, "compensating")
                    await _command(world, order, earlier, earlier.compensation, timeout, replies,
                                   attempt_key=f"undo{j}")
            state[order] = (None, "cancelled")
            rec.outcome, rec.ended = "cancelled", _now()
            return
        done.append(step)
    state[order] = (None, "shipped")
    rec.outcome, rec.ended = "shipped", _now()


async def _command(world, order, step, action, timeout, replies, attempt_key):
    """Send ``action`` to ``step.service`` until a reply comes, resending after every ``timeout``
    seconds without one (a fixed timeout, no backoff: see notebook 09 on Temporal); the reply's ok.
    An order still waiting at the horizon is abandoned there, stuck."""
    attempt = 0
    while True:
        attempt += 1
        msg = {"order": order, "step": step, "action": action, "attempt": attempt, "reply": replies}
        await world.deliver(step.service, msg, (action, order, attempt_key, attempt))
        deadline = aio.after(timeout)
        while True:
            sel = await aio.select(replies.receiving(), deadline.receiving())
            if sel.index == 1:
                break  # no reply in time: send again
            reply = sel.value
            if reply["action"] == action and reply["step"] is step:
                return reply["ok"]
            # a late reply to an earlier command of this order: already handled, ignore it


async def run_orchestration(world, orders, interval, timeout, horizon):
    state = _States(world)
    replies = {o: aio.Chan(1_000_000) for o in range(orders)}

    async def on_done(service, message, ok, fresh):
        # an idempotent service answers a repeated command again: the coordinator may be waiting
        # for the reply to its retry
        world.records[message["order"]].messages += 1  # the reply
        await message["reply"].send({"action": message["action"], "step": message["step"], "ok": ok})

    for s in world.process:
        aio.go(_service_loop, world, s.service, on_done)
    for o in range(orders):
        world.records[o].placed = o * interval
        aio.go(_orchestrate, world, o, timeout, replies[o], state)
        await aio.sleep(interval)
    await _until_done_or(world, horizon)
    return 1.0  # the coordinator's state table: one lookup per order


async def run_choreography(world, orders, interval, horizon):
    subscribers = {}
    for service, event, action in choreography_wiring(world.process):
        subscribers.setdefault(event, []).append((service, action))
    step_of = {}
    for s in world.process:
        step_of[(s.service, s.action)] = s
        if s.compensation:
            step_of[(s.service, s.compensation)] = s
    # the events each order produced, as a tracker subscribed to every topic would collect them
    seen = {o: [] for o in range(orders)}
    pending_undo = {}

    async def publish(event, order):
        seen[order].append(event)
        world.log.append((round(_now(), 9), order, event))
        _track(world, event, order, pending_undo)
        for service, action in subscribers.get(event, ()):
            step = step_of[(service, action)]
            await world.deliver(service, {"order": order, "step": step, "action": action},
                                (event, order))

    async def on_done(service, message, ok, fresh):
        if not fresh:
            return  # the inbox saw this event before: drop it, publish nothing again
        step, action, order = message["step"], message["action"], message["order"]
        if action == step.compensation:
            await publish(step.undone, order)
        else:
            await publish(step.done if ok else step.failed, order)

    for s in world.process:
        aio.go(_service_loop, world, s.service, on_done)
    for o in range(orders):
        world.records[o].placed = o * interval
        await publish(START_EVENT, o)
        await aio.sleep(interval)
    await _until_done_or(world, horizon)
    return sum(len(v) for v in seen.values()) / orders  # events to correlate to locate one order


def _track(world, event, order, pending_undo):
    """The choreography's tracker: an order is shipped on the last step's event, cancelled once
    every compensation that its failure triggers has been announced."""
    rec = world.records[order]
    if rec.outcome != "stuck":
        return
    last = world.process[-1]
    if event == last.done:
        rec.outcome, rec.ended = "shipped", _now()
        return
    for i, step in enumerate(world.process):
        if event == step.failed:
            undo = [e.undone for e in world.process[:i] if e.compensation]
            pending_undo[order] = undo
            if not undo:
                rec.outcome, rec.ended = "cancelled", _now()
            return
    if order in pending_undo and event in pending_undo[order]:
        pending_undo[order].remove(event)
        if not pending_undo[order]:
            rec.outcome, rec.ended = "cancelled", _now()


async def _until_done_or(world, horizon):
    while _now() < horizon:
        if all(r.outcome != "stuck" for r in world.records):
            return
        await aio.sleep(min(0.5, max(horizon - _now(), 0)))


def run_saga(style="orchestration", orders=100, interval=0.1, work=0.05, fail_rate=0.1, timeout=1.0,
             faults=None, process=SHOP, seed=0, horizon=None):
    """Run ``orders`` orders through the saga in ``style``; see the module's docstring."""
    args.choice(style, "style", STYLES)
    orders = args.count(orders, "orders", minimum=1, maximum=20_000)
    interval = args.seconds(interval, "interval")
    work = args.seconds(work, "work", maximum=60)
    fail_rate = args.probability(fail_rate, "fail_rate")
    timeout = args.seconds(timeout, "timeout", positive=True)
    seed = args.seed(seed)
    faults = dict(faults or {})
    for name, f in faults.items():
        if name not in {s.service for s in process}:
            raise ValueError(f"faults names a service the process does not have: {name!r}; the services are "
                             f"{', '.join(s.service for s in process)}")
        if not isinstance(f, Faults):
            raise TypeError(f"faults[{name!r}] must be a Faults(...), not {f!r}")
    horizon = orders * interval + 60.0 if horizon is None else args.seconds(horizon, "horizon", positive=True)
    records = [OrderRecord(o, o * interval) for o in range(orders)]
    world = _World(process, work, fail_rate, faults, seed, records)

    async def main():
        if style == "orchestration":
            return await run_orchestration(world, orders, interval, timeout, horizon)
        return await run_choreography(world, orders, interval, horizon)

    lookups = aio.run(main(), virtual_time=True, timeout=120)
    return SagaRun(style, records, horizon, lookups, sum(r.messages for r in records), world.log)


def compare(**kw):
    """:func:`run_saga` in both styles with the same arguments: ``{style: SagaRun}``."""
    return {style: run_saga(style, **kw) for style in STYLES}
