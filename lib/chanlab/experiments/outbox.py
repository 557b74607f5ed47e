"""Counting lost, phantom and duplicate messages: dual writes against the outbox, on SQLite.

:func:`reliability` places ``orders`` orders through one of three ways of publishing
(:data:`METHODS`), on real SQLite files in a temporary folder. Before each step that can crash, a
seeded coin with probability ``crash_rate`` decides whether the process dies there (the crash
points of :mod:`chanlab.outbox`); a dead process is restarted (a new connection to the same file),
as a supervisor would. The shipping service then consumes every published message, and may crash
after applying one but before committing (so the message is delivered again).

It returns a :class:`ReliabilityRun` with what a reader wants to count: orders saved, messages lost
(an order nobody heard of), phantoms (a message about an order that does not exist), duplicate
deliveries, orders shipped twice and orders never shipped. The same seed gives the same run.
"""
import random
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .. import args
from ..outbox import Broker, Crash, OrderService, Receiver, Relay

__all__ = ["METHODS", "ReliabilityRun", "reliability", "sweep"]

METHODS = ("commit_then_publish", "publish_then_commit", "outbox")


@dataclass(frozen=True)
class ReliabilityRun:
    method: str
    inbox: bool
    dedup: bool
    orders: int  #: orders the shop tried to place
    crashes: int  #: crashes injected, producer, relay and receiver together
    saved: int  #: orders committed in the shop's database
    published: int  #: messages on the broker (duplicates included)
    lost: int  #: saved orders no message was published for
    phantom: int  #: messages about orders that were never saved
    duplicates: int  #: deliveries of a message id seen before
    shipped_twice: int  #: orders the shipping service applied more than once
    never_shipped: int  #: saved orders that were never shipped


def reliability(method="outbox", orders=100, crash_rate=0.1, seed=0, inbox=True, dedup=False, folder=None):
    """Place ``orders`` orders with ``method`` and count what was lost, invented and duplicated."""
    args.choice(method, "method", METHODS)
    orders = args.count(orders, "orders", minimum=1, maximum=100_000)
    crash_rate = args.probability(crash_rate, "crash_rate")
    if crash_rate == 1:
        raise ValueError("crash_rate must be below 1: at 1 every restart crashes again and nothing ends")
    rng = random.Random(args.seed(seed))
    crashes = 0

    def crash():
        nonlocal crashes
        hit = rng.random() < crash_rate
        crashes += hit
        return hit

    with tempfile.TemporaryDirectory(prefix="chanlab-outbox-", dir=folder) as tmp:
        shop_db, ship_db = Path(tmp) / "shop.db", Path(tmp) / "shipping.db"
        broker = Broker(dedup=dedup)
        shop = OrderService(shop_db)
        relay = Relay(shop_db) if method == "outbox" else None
        try:
            for i in range(orders):
                oid = f"order-{i + 1}"
                try:
                    if method == "commit_then_publish":
                        shop.place_commit_then_publish(broker, oid, "book", 1, "after_commit" if crash() else None)
                    elif method == "publish_then_commit":
                        shop.place_publish_then_commit(broker, oid, "book", 1, "after_publish" if crash() else None)
                    else:
                        shop.place_with_outbox(oid, "book", 1, "after_commit" if crash() else None)
                except Crash:
                    shop.die()
                    shop = OrderService(shop_db)  # the supervisor restarts it
                if relay is not None:
                    while True:  # the relay runs until its outbox is empty, restarting after crashes
                        try:
                            relay.relay_once(broker, "after_publish" if crash() else None)
                            break
                        except Crash:
                            relay.die()
                            relay = Relay(shop_db)
            saved = {r[0] for r in shop.db.execute("SELECT id FROM orders")}
        finally:
            shop.close()
            if relay is not None:
                relay.close()
        receiver = Receiver(ship_db, inbox=inbox)
        seen, duplicates = set(), 0
        try:
            for m in broker.messages:
                duplicates += m.msg_id in seen
                seen.add(m.msg_id)
                while True:  # the broker redelivers until the receiver commits (at least once)
                    try:
                        receiver.handle(m, "after_effect" if crash() else None)
                        break
                    except Crash:
                        receiver.die()
                        receiver = Receiver(ship_db, inbox=inbox)
            shipped = receiver.shipments()
        finally:
            receiver.close()
    ids = {m.msg_id for m in broker.messages}
    return ReliabilityRun(
        method=method, inbox=bool(inbox), dedup=bool(dedup), orders=orders, crashes=crashes,
        saved=len(saved), published=len(broker.messages), lost=len(saved - ids), phantom=len(ids - saved),
        duplicates=duplicates, shipped_twice=sum(n > 1 for n in shipped.values()),
        never_shipped=len(saved - set(shipped)))


def sweep(methods=METHODS, seeds=range(20), **kw):
    """:func:`reliability` for every method and seed: ``{method: [ReliabilityRun, ...]}``."""
    return {m: [reliability(m, seed=s, **kw) for s in seeds] for m in methods}
