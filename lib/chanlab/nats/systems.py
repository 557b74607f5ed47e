"""Notebook 11: the patterns of notebooks 09-10 on a real NATS JetStream server.

* :func:`event_log`: a JetStream stream as the event log of the order saga; a new consumer rebuilds
  the read model by replaying from the first event; a durable consumer resumes where it stopped
  after its process "restarts", and gets again only what it had not acknowledged;
* :func:`kv_read_model`: the same read model kept in JetStream's key-value store (one key per order,
  its history kept);
* :func:`relay_dedup`: the outbox relay of notebook 10 publishing to JetStream, crashing between the
  publish and marking the row sent: with a ``Nats-Msg-Id`` the stream keeps one copy of each
  message (its duplicate window), without one it keeps every repeat.

Go (nats.go, ``jetstream`` package)::

    js.CreateStream(ctx, jetstream.StreamConfig{Name: "SHOP", Subjects: []string{"shop.>"},
        Duplicates: 2 * time.Minute})
    js.Publish(ctx, "shop.OrderPlaced", body, jetstream.WithMsgID("order-17/OrderPlaced"))
    cons, _ := js.CreateOrUpdateConsumer(ctx, "SHOP", jetstream.ConsumerConfig{Durable: "projector",
        AckPolicy: jetstream.AckExplicitPolicy, DeliverPolicy: jetstream.DeliverAllPolicy})
    kv, _ := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "ORDERS", History: 5})
    kv.Put(ctx, "order-17", []byte("OrderShipped"))
"""
from __future__ import annotations

import asyncio
import json
import random
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nats.errors
import nats.js.errors
from nats.js import api

from chanlab import args
from chanlab.experiments.sagas import run_saga
from chanlab.outbox import Broker, Crash, OrderService, Relay

from .client import connect, reset_stream, run

__all__ = ["EventLogRun", "KeyValueRun", "RelayRun", "event_log", "kv_read_model", "relay_dedup",
           "saga_events"]


def saga_events(orders=40, seed=0):
    """The events of ``orders`` orders of notebook 09's choreography (in-process, virtual time), in
    the order they were published: ``[(order, event), ...]``."""
    return [(o, e) for _, o, e in run_saga("choreography", orders=orders, seed=seed).log]


def _project(view, order, event):
    """The read model of both notebooks: each order's latest event."""
    view[f"order-{order}"] = event
    return view


@dataclass(frozen=True)
class EventLogRun:
    published: int  #: events appended to the stream
    stored: int  #: messages the stream holds
    replayed: int  #: events a brand-new consumer read from the start
    rebuilt_matches: bool  #: the replayed read model equals the one built while publishing
    before_restart: int  #: events the durable consumer acked before its process went away
    unacked_at_restart: int  #: events it had fetched but not acked when it went away
    after_restart: int  #: events it got after reconnecting to the same durable consumer
    redelivered: int  #: of those, deliveries marked as a redelivery (num_delivered > 1)
    missed: int  #: stream messages the durable consumer never processed
    processed_twice: int  #: stream messages it processed more than once


async def _drain(psub, batch, wait=1.0, ack=False):
    """Fetch until the consumer has nothing more for ``wait`` seconds; with ``ack``, acknowledge
    each message as it comes (an unacked one would come again after the ack wait, for ever)."""
    got = []
    while True:
        try:
            msgs = await psub.fetch(batch, timeout=wait)
        except (nats.errors.TimeoutError, asyncio.TimeoutError):
            return got
        for m in msgs:
            if ack:
                await m.ack()
        got.extend(msgs)


def event_log(url, orders=40, seed=0, stop_after=60, unacked=10, ack_wait=1.0, timeout=60.0):
    """Append the saga's events to a stream; replay them into a new read model; and let a durable
    consumer process ``stop_after`` events, fetch ``unacked`` more without acking, lose its
    connection, and carry on from a new one."""
    orders = args.count(orders, "orders", minimum=1, maximum=10_000)
    stop_after = args.count(stop_after, "stop_after", minimum=0)
    unacked = args.count(unacked, "unacked", minimum=0)
    ack_wait = args.seconds(ack_wait, "ack_wait", positive=True, maximum=30)
    timeout = args.seconds(timeout, "timeout", positive=True)
    events = saga_events(orders, seed)
    live = {}
    for o, e in events:
        _project(live, o, e)
    stream = "CHANLAB_SHOP"

    async def main():
        nc = await connect(url)
        try:
            js = nc.jetstream()
            await reset_stream(js, stream, subjects=["shop.>"])
            for o, e in events:
                await js.publish(f"shop.{e}", json.dumps({"order": o, "event": e}).encode())
            stored = (await js.stream_info(stream)).state.messages
            # a consumer created now, from the first event: rebuild the read model by replaying
            fresh = await js.pull_subscribe("shop.>", stream=stream, config=api.ConsumerConfig(
                deliver_policy=api.DeliverPolicy.ALL, ack_policy=api.AckPolicy.NONE))
            rebuilt = {}
            replayed = await _drain(fresh, 100)
            for m in replayed:
                body = json.loads(m.data)
                _project(rebuilt, body["order"], body["event"])
            await fresh.unsubscribe()
            config = api.ConsumerConfig(durable_name="projector", ack_policy=api.AckPolicy.EXPLICIT,
                                        deliver_policy=api.DeliverPolicy.ALL, ack_wait=ack_wait)
            await js.add_consumer(stream, config=config)
        finally:
            await nc.close()
        seen = []  # stream sequence of every message the projector processed
        # the projector's first life: process stop_after events, fetch `unacked` more, then its
        # process goes away (the connection closes without acking them)
        nc = await connect(url)
        try:
            psub = await nc.jetstream().pull_subscribe_bind("projector", stream=stream)
            while len(seen) < stop_after:
                for m in await psub.fetch(min(10, stop_after - len(seen)), timeout=5):
                    seen.append(m.metadata.sequence.stream)
                    await m.ack()
            before = len(seen)
            held = await psub.fetch(unacked, timeout=5) if unacked else []
        finally:
            await nc.close()
        # its second life: the same durable consumer from a new connection, after the ack wait
        await asyncio.sleep(ack_wait + 0.5)
        nc = await connect(url)
        try:
            js = nc.jetstream()
            psub = await js.pull_subscribe_bind("projector", stream=stream)
            later = await _drain(psub, 50, ack=True)
            redelivered = sum(m.metadata.num_delivered > 1 for m in later)
            seen.extend(m.metadata.sequence.stream for m in later)
            await js.delete_stream(stream)
        finally:
            await nc.close()
        sequences = set(range(1, stored + 1))
        return EventLogRun(len(events), stored, len(replayed), rebuilt == live, before, len(held), len(later),
                           redelivered, len(sequences - set(seen)), len(seen) - len(set(seen)))

    return run(main(), timeout)


@dataclass(frozen=True)
class KeyValueRun:
    puts: int  #: writes to the bucket (one per event)
    keys: int  #: keys in the bucket at the end (one per order)
    matches: bool  #: every key holds the order's latest event, as the in-process read model says
    sample_key: str
    sample_history: tuple  #: the values the sample key went through, oldest first (up to ``history``)


def kv_read_model(url, orders=40, seed=0, history=5, timeout=60.0):
    """Keep notebook 09's read model (each order's latest event) in a JetStream key-value bucket."""
    orders = args.count(orders, "orders", minimum=1, maximum=10_000)
    history = args.count(history, "history", minimum=1, maximum=64)
    timeout = args.seconds(timeout, "timeout", positive=True)
    events = saga_events(orders, seed)
    live = {}
    for o, e in events:
        _project(live, o, e)
    bucket = "CHANLAB_ORDERS"

    async def main():
        nc = await connect(url)
        try:
            js = nc.jetstream()
            try:
                await js.delete_key_value(bucket)
            except nats.js.errors.NotFoundError:
                pass
            kv = await js.create_key_value(bucket=bucket, history=history)
            for o, e in events:
                await kv.put(f"order-{o}", e.encode())
            keys = sorted(await kv.keys())
            values = {k: (await kv.get(k)).value.decode() for k in keys}
            sample = "order-0"
            hist = tuple(entry.value.decode() for entry in await kv.history(sample))
            await js.delete_key_value(bucket)
            return KeyValueRun(len(events), len(keys), values == live, sample, hist)
        finally:
            await nc.close()

    return run(main(), timeout)


@dataclass(frozen=True)
class RelayRun:
    orders: int
    relay_crashes: int  #: times the relay died between publishing a row and marking it sent
    published: int  #: publish calls the relay made (repeats included)
    stored_with_id: int  #: messages the stream kept when each publish carried Nats-Msg-Id
    duplicates_dropped: int  #: publishes the server acknowledged as duplicates
    stored_without_id: int  #: messages the stream kept for the same publishes without an id


def relay_dedup(url, orders=30, crash_rate=0.3, seed=0, timeout=60.0):
    """Notebook 10's outbox relay, crashing after a publish with probability ``crash_rate``,
    publishing to JetStream with and without ``Nats-Msg-Id``."""
    orders = args.count(orders, "orders", minimum=1, maximum=10_000)
    crash_rate = args.probability(crash_rate, "crash_rate")
    if crash_rate == 1:
        raise ValueError("crash_rate must be below 1: at 1 the relay crashes on every row and never finishes")
    timeout = args.seconds(timeout, "timeout", positive=True)
    rng = random.Random(seed)
    collected = Broker()  # what the relay published, in order, repeats included
    crashes = 0
    with tempfile.TemporaryDirectory(prefix="chanlab-relay-") as tmp:
        db = Path(tmp) / "shop.db"
        shop = OrderService(db)
        for i in range(orders):
            shop.place_with_outbox(f"order-{i + 1}", "book", 1)
        shop.close()
        relay = Relay(db)
        try:
            while relay.unsent():
                unsent = [r[0] for r in relay.db.execute("SELECT msg_id FROM outbox WHERE sent = 0 ORDER BY seq")]
                crash_on = next((m for m in unsent if rng.random() < crash_rate), None)  # a coin per row
                try:
                    relay.relay_once(collected, "after_publish" if crash_on else None, crash_on=crash_on)
                except Crash:
                    crashes += 1
                    relay.die()
                    relay = Relay(db)
        finally:
            relay.close()

    async def main():
        nc = await connect(url)
        try:
            js = nc.jetstream()
            stored = {}
            dropped = 0
            for with_id in (True, False):
                name = "CHANLAB_OUTBOX" if with_id else "CHANLAB_OUTBOX_NOID"
                await reset_stream(js, name, subjects=[f"{name.lower()}.>"], duplicate_window=120.0)
                for m in collected.messages:
                    headers = {"Nats-Msg-Id": m.msg_id} if with_id else None
                    ack = await js.publish(f"{name.lower()}.orders", json.dumps(m.body).encode(), headers=headers)
                    dropped += bool(with_id and ack.duplicate)
                stored[with_id] = (await js.stream_info(name)).state.messages
                await js.delete_stream(name)
            return RelayRun(orders, crashes, len(collected.messages), stored[True], dropped, stored[False])
        finally:
            await nc.close()

    return run(main(), timeout)
