"""Notebook 11: the patterns of notebooks 09-10 on a real NATS JetStream server.

* :func:`event_log`: a JetStream stream as the event log of the order saga; a new consumer rebuilds
  the read model by replaying from the first event; a durable consumer resumes where it stopped
  after its process "restarts", and gets again only what it had not acknowledged;
* :func:`kv_read_model`: the same read model kept in JetStream's key-value store (one key per order,
  its history kept);
* :func:`choreography`: notebook 09's choreographed saga with inventory, payment and shipping as
  three worker processes (``python -m chanlab.nats.worker saga``), on core NATS subscriptions or
  on durable JetStream consumers, one service SIGKILLed and restarted in the middle of the run;
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
import math
import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nats.errors
import nats.js.errors
from nats.js import api

from chanlab import args
from chanlab.experiments.sagas import run_saga
from chanlab.outbox import Broker, Crash, OrderService, Relay
from chanlab.saga import SHOP, START_EVENT, choreography_wiring

from .client import connect, reset_stream, run
from .workers import Workers

__all__ = ["EventLogRun", "KeyValueRun", "RelayRun", "ChoreographyRun", "TRANSPORTS", "event_log",
           "kv_read_model", "relay_publishes", "relay_dedup", "saga_events", "order_outcomes",
           "choreography"]


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


def _saga(orders, seed):
    """The saga's events for ``orders`` orders, and the read model they build in process (each
    order's latest event): what both JetStream experiments compare with."""
    events = saga_events(orders, seed)
    live = {}
    for o, e in events:
        _project(live, o, e)
    return events, live


def event_log(url, orders=40, seed=0, stop_after=60, unacked=10, ack_wait=1.0, timeout=60.0):
    """Append the saga's events to a stream; replay them into a new read model; and let a durable
    consumer process ``stop_after`` events, fetch ``unacked`` more without acking, lose its
    connection, and carry on from a new one."""
    orders = args.count(orders, "orders", minimum=1, maximum=10_000)
    stop_after = args.count(stop_after, "stop_after", minimum=0)
    unacked = args.count(unacked, "unacked", minimum=0)
    ack_wait = args.seconds(ack_wait, "ack_wait", positive=True, maximum=30)
    timeout = args.seconds(timeout, "timeout", positive=True)
    events, live = _saga(orders, seed)
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
    events, live = _saga(orders, seed)
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


def relay_publishes(orders=30, crash_rate=0.3, seed=0):
    """What notebook 10's outbox relay publishes for ``orders`` orders (on SQLite, in a temporary
    folder) when it dies between a publish and marking the row sent with probability
    ``crash_rate`` per row (a seeded coin) and is restarted: ``(messages, crashes)``, the messages in
    publish order, repeats included (each has ``.msg_id`` and ``.body``). No server needed."""
    orders = args.count(orders, "orders", minimum=1, maximum=10_000)
    crash_rate = args.probability(crash_rate, "crash_rate")
    if crash_rate == 1:
        raise ValueError("crash_rate must be below 1: at 1 the relay crashes on every row and never finishes")
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
    return list(collected.messages), crashes


def relay_dedup(url, orders=30, crash_rate=0.3, seed=0, timeout=60.0):
    """Notebook 10's outbox relay, crashing after a publish with probability ``crash_rate``,
    publishing to JetStream with and without ``Nats-Msg-Id``."""
    timeout = args.seconds(timeout, "timeout", positive=True)
    messages, crashes = relay_publishes(orders, crash_rate, seed)

    async def main():
        nc = await connect(url)
        try:
            js = nc.jetstream()
            stored = {}
            dropped = 0
            for with_id in (True, False):
                name = "CHANLAB_OUTBOX" if with_id else "CHANLAB_OUTBOX_NOID"
                await reset_stream(js, name, subjects=[f"{name.lower()}.>"], duplicate_window=120.0)
                for m in messages:
                    headers = {"Nats-Msg-Id": m.msg_id} if with_id else None
                    ack = await js.publish(f"{name.lower()}.orders", json.dumps(m.body).encode(), headers=headers)
                    dropped += bool(with_id and ack.duplicate)
                stored[with_id] = (await js.stream_info(name)).state.messages
                await js.delete_stream(name)
            return RelayRun(orders, crashes, len(messages), stored[True], dropped, stored[False])
        finally:
            await nc.close()

    return run(main(), timeout)


# --------------------------------------------------------------------------------------------------
# The choreography across worker processes
# --------------------------------------------------------------------------------------------------

#: how the services of :func:`choreography` receive their events
TRANSPORTS = ("jetstream", "core")


def order_outcomes(events, orders, process=SHOP):
    """Each order's outcome from the events about it, as notebook 09's tracker decides it: shipped
    on the last step's event, cancelled once every compensation its failure calls for is announced,
    else stuck. ``events``: ``[(order, event, time), ...]`` in the order they were stored. Returns
    ``[(outcome, time it was decided or nan), ...]``, one per order."""
    seen = {o: {} for o in range(orders)}
    for order, event, t in events:
        if order in seen:
            seen[order].setdefault(event, t)
    out = []
    for o in range(orders):
        got = seen[o]
        if process[-1].done in got:
            out.append(("shipped", got[process[-1].done]))
            continue
        for i, step in enumerate(process):
            if step.failed and step.failed in got:
                undo = [e.undone for e in process[:i] if e.compensation]
                if all(u in got for u in undo):
                    out.append(("cancelled", max([got[step.failed]] + [got[u] for u in undo])))
                    break
        else:
            out.append(("stuck", math.nan))
    return out


@dataclass(frozen=True)
class ChoreographyRun:
    transport: str  #: "jetstream" (durable consumers) or "core" (plain subscriptions)
    orders: int
    outcomes: tuple  #: per order: "shipped", "cancelled" or "stuck"
    in_process: tuple  #: the outcomes of notebook 09's in-process choreography, same seed
    latencies: tuple  #: per order, seconds from OrderPlaced to its outcome (server timestamps; nan: stuck)
    killed: str | None  #: the service SIGKILLed after the first half of the orders, then restarted
    missed_while_down: int  #: events on the killed service's trigger subjects stored while it was down
    events_stored: int  #: events in the stream at the end
    duplicates_stored: int  #: events stored more than once for the same (order, event)
    pids: tuple  #: the worker processes (all stopped at the end)

    def count(self, outcome):
        return sum(o == outcome for o in self.outcomes)

    @property
    def lost(self):
        """Orders that never finished."""
        return self.count("stuck")

    @property
    def differing(self):
        """Orders whose outcome differs from the in-process run's."""
        return [o for o, (a, b) in enumerate(zip(self.outcomes, self.in_process)) if a != b]

    def finished_latencies(self):
        return sorted(t for t in self.latencies if t == t)


async def _stored_events(js, stream):
    """Every event in ``stream`` so far: ``[(order, event, server timestamp in s), ...]``."""
    sub = await js.pull_subscribe("saga.>", stream=stream, config=api.ConsumerConfig(
        deliver_policy=api.DeliverPolicy.ALL, ack_policy=api.AckPolicy.NONE))
    try:
        msgs = await _drain(sub, 200, wait=0.3)
    finally:
        await sub.unsubscribe()
    out = []
    for m in msgs:
        body = json.loads(m.data)
        out.append((body["order"], body["event"], m.metadata.timestamp.timestamp()))
    return out


async def _until_quiet(js, stream, done, quiet=1.0, limit=30.0):
    """Wait until ``done(events)`` or until the stream has not grown for ``quiet`` seconds."""
    deadline = time.monotonic() + limit
    last, since = -1, time.monotonic()
    while True:
        events = await _stored_events(js, stream)
        if done(events):
            return events
        if len(events) != last:
            last, since = len(events), time.monotonic()
        elif time.monotonic() - since >= quiet or time.monotonic() > deadline:
            return events
        await asyncio.sleep(0.1)


def choreography(url, orders=20, transport="jetstream", kill="payment", seed=0, fail_rate=0.1,
                 work_ms=2.0, interval=0.01, ack_wait=2.0, timeout=120.0):
    """Notebook 09's choreography with each service a worker process: publish ``OrderPlaced`` for
    the first half of the orders, wait until they are finished, SIGKILL the ``kill`` service (None:
    nobody), publish the second half while it is down, restart it, and collect every order's
    outcome from the stream ``CHANLAB_SAGA`` that records all events (``saga.>``)."""
    orders = args.count(orders, "orders", minimum=2, maximum=1000)
    args.choice(transport, "transport", TRANSPORTS)
    services = [s.service for s in SHOP]
    if kill is not None:
        args.choice(kill, "kill", services)
    fail_rate = args.probability(fail_rate, "fail_rate")
    work_ms = args.number(work_ms, "work_ms", minimum=0.0, maximum=1000.0)
    interval = args.seconds(interval, "interval", maximum=10)
    ack_wait = args.seconds(ack_wait, "ack_wait", positive=True, maximum=30)
    timeout = args.seconds(timeout, "timeout", positive=True)
    reference = tuple(r.outcome for r in run_saga("choreography", orders=orders, seed=seed,
                                                  fail_rate=fail_rate).records)
    stream = "CHANLAB_SAGA"
    half = orders // 2
    triggers = {e for svc, e, _ in choreography_wiring(SHOP) if svc == kill}

    def argv(service):
        a = ["--url", url, "--service", service, "--seed", seed, "--fail-rate", fail_rate,
             "--work-ms", work_ms, "--stream", stream]
        return a + ["--jetstream"] if transport == "jetstream" else a

    async def main(ws):
        nc = await connect(url)
        try:
            js = nc.jetstream()
            await reset_stream(js, stream, subjects=["saga.>"], duplicate_window=120.0)
            if transport == "jetstream":
                for service in services:
                    await js.add_consumer(stream, config=api.ConsumerConfig(
                        durable_name=service, ack_policy=api.AckPolicy.EXPLICIT, filter_subject="saga.>",
                        deliver_policy=api.DeliverPolicy.ALL, ack_wait=ack_wait))
            procs = {s: ws.start("saga", *argv(s), name=s) for s in services}
            await asyncio.to_thread(ws.wait_ready, 20.0)

            def finished(first, last):
                return lambda events: all(
                    o != "stuck" for o, _ in order_outcomes(events, orders)[first:last])

            async def place(first, last):
                for o in range(first, last):
                    await js.publish(f"saga.{START_EVENT}", json.dumps({"order": o, "event": START_EVENT}).encode(),
                                     headers={"Nats-Msg-Id": f"{o}/{START_EVENT}"}, timeout=5)
                    await asyncio.sleep(interval)

            missed = 0
            if kill is None:
                await place(0, orders)
            else:
                await place(0, half)
                await _until_quiet(js, stream, finished(0, half), quiet=2 * ack_wait)
                await asyncio.to_thread(procs[kill].kill)  # SIGKILL
                down_from = len(await _stored_events(js, stream))
                await place(half, orders)
                events = await _until_quiet(js, stream, lambda ev: False, quiet=1.0)
                missed = sum(e in triggers for _, e, _ in events[down_from:])
                ws.start("saga", *argv(kill), name=f"{kill}-restarted")
                await asyncio.to_thread(ws.workers[-1].wait_for, lambda e: e.get("event") == "ready", 20.0)
            events = await _until_quiet(js, stream, finished(0, orders), quiet=2 * ack_wait + 1)
            await js.delete_stream(stream)
        finally:
            await nc.close()
        decided = order_outcomes(events, orders)
        placed = {}
        for o, e, t in events:
            if e == START_EVENT:
                placed.setdefault(o, t)
        latencies = tuple(t - placed[o] if out != "stuck" else math.nan for o, (out, t) in enumerate(decided))
        distinct = {(o, e) for o, e, _ in events}
        return ChoreographyRun(transport, orders, tuple(out for out, _ in decided), reference, latencies, kill,
                               missed, len(events), len(events) - len(distinct), tuple(ws.pids))

    with Workers() as ws:
        return run(main(ws), timeout)
