"""A read model behind its log: how far a CQRS projection lags, on a virtual clock.

:func:`projection_lag` appends events to a :class:`chanlab.eventstore.EventStore` at a seeded
Poisson ``rate`` for ``duration`` seconds, while a :class:`chanlab.eventstore.Projection` polls the
store every ``poll`` seconds and folds at most ``batch`` events per poll, each costing
``apply_time`` seconds. A query against the read model sees the state of ``lag`` events ago.

Go, the projector's loop::

    for range time.Tick(poll) {
        evs := store.ReadAll(checkpoint, batch)
        for _, e := range evs { view = apply(view, e); checkpoint = e.Position }
    }
"""
import asyncio
import random
from dataclasses import dataclass

from .. import aio, args
from ..eventstore import EventStore, Projection

__all__ = ["LagRun", "projection_lag", "account_events", "balance"]


@dataclass(frozen=True)
class LagRun:
    rate: float
    poll: float
    batch: int
    times: tuple  #: just before and just after each time the projection looked (seconds)
    lags: tuple  #: events it had not applied yet at those times
    appended: int

    @property
    def max_lag(self):
        return max(self.lags)

    @property
    def final_lag(self):
        return self.lags[-1]

    apply_time: float = 0.0

    @property
    def capacity(self):
        """Events per second the projection can fold: a batch per poll, plus the time to fold it."""
        return self.batch / (self.poll + self.batch * self.apply_time)

    @property
    def keeps_up(self):
        """Measured: the projection ended no more than one batch behind the log."""
        return self.final_lag <= self.batch


def projection_lag(rate=100.0, duration=10.0, poll=0.5, batch=100, apply_time=0.001, seed=0):
    """Append events for ``duration`` seconds and follow them with a polling projection."""
    rate = args.number(rate, "rate", minimum=0.0, maximum=100_000, exclusive_minimum=True)
    duration = args.seconds(duration, "duration", positive=True, maximum=3600)
    poll = args.seconds(poll, "poll", positive=True, maximum=3600)
    batch = args.count(batch, "batch", minimum=1)
    apply_time = args.seconds(apply_time, "apply_time", maximum=10)
    rng = random.Random(args.seed(seed))
    store = EventStore()
    view = Projection(lambda v, e: v + 1, 0, name="events seen")
    times, lags = [], []

    async def writer():
        n = 0
        while True:
            await aio.sleep(rng.expovariate(rate))
            if _now() >= duration:
                return
            n += 1
            store.append(f"account-{n % 10}", [("Deposited", {"amount": 1})])

    async def projector():
        while _now() < duration + poll:
            await aio.sleep(poll)
            times.append(round(_now(), 9))
            lags.append(view.lag(store))  # how stale a query was just before this look
            rows = view.catch_up(store, limit=batch)
            if rows:
                await aio.sleep(rows * apply_time)
            times.append(round(_now(), 9))
            lags.append(view.lag(store))

    async def main():
        w = aio.go(writer)
        await projector()
        await w

    aio.run(main(), virtual_time=True, timeout=120)
    return LagRun(rate, poll, batch, tuple(times), tuple(lags), store.head, apply_time)


def account_events(n=1000, accounts=10, seed=0):
    """``n`` seeded deposits and withdrawals over ``accounts`` accounts, as ``(stream, [(type,
    data)])`` appends for a bank's event store (never overdrawing an account)."""
    n = args.count(n, "n", minimum=0)
    accounts = args.count(accounts, "accounts", minimum=1)
    rng = random.Random(args.seed(seed))
    balances = [0] * accounts
    out = []
    for _ in range(n):
        a = rng.randrange(accounts)
        amount = rng.randint(1, 100)
        if balances[a] >= amount and rng.random() < 0.4:
            balances[a] -= amount
            out.append((f"account-{a}", [("Withdrawn", {"amount": amount})]))
        else:
            balances[a] += amount
            out.append((f"account-{a}", [("Deposited", {"amount": amount})]))
    return out


def balance(state, event):
    """The fold of an account's events: its balance (``fold(balance, store.read(stream), 0)``)."""
    sign = {"Deposited": 1, "Withdrawn": -1}.get(event.type)
    if sign is None:
        raise ValueError(f"an account has no event {event.type!r}")
    return state + sign * event.data["amount"]


def _now():
    return asyncio.get_running_loop().time()
