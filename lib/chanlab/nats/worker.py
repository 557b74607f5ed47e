"""The worker process: ``python -m chanlab.nats.worker MODE --url URL --name NAME [options]``.

Each mode is a small NATS program of the kind the notebook runs in several processes at once. It
reports what it does as JSON lines on stdout (``{"event": "ready"}``, ``{"event": "acked", "job": 7}``),
which :class:`chanlab.broker.Worker` reads. SIGTERM makes it finish its job and exit, and so does
the parent's death (:func:`chanlab.broker.stop_event`); SIGKILL is the crash the notebook shows.

``listen``  subscribe to ``--subject`` (repeatable; NATS wildcards ``*`` and ``>``), count what
            arrives, report the counts when a message arrives on ``chanlab.ctl.stop``. Go::

                sub, _ := nc.Subscribe("order.*", func(m *nats.Msg) { n++ })

``qwork``   a competing consumer: join queue group ``--queue`` on ``--subject``, "work" for
            ``--work-ms`` (an IO wait), then publish ``{"worker", "job"}`` on ``--done``. Go::

                nc.QueueSubscribe("jobs", "workers", func(m *nats.Msg) { work(); nc.Publish("done", ...) })

``jswork``  a JetStream pull consumer on the durable ``--durable`` of ``--stream``: fetch one message,
            report ``start``, work, ``ack_sync`` (the server confirms the ack), report ``acked``.
            ``--hang-on K``: on its K-th job, report ``hang`` and never finish (so it can be killed
            in the middle of that job). Go::

                sub, _ := js.PullSubscribe("", "workers", nats.Bind("WORK", "workers"))
                msgs, _ := sub.Fetch(1); work(msgs[0]); msgs[0].AckSync()

``saga``    one service of notebook 09's choreographed order saga (``--service inventory``, ``payment``
            or ``shipping``): it reacts to its trigger events as ``chanlab.saga.choreography_wiring(SHOP)``
            says and publishes its own on ``saga.<Event>``; payment declines the orders that
            ``chanlab.experiments.sagas.step_fails`` declines (``--seed``, ``--fail-rate``). With
            ``--jetstream --stream S`` it reads through the durable JetStream consumer named after the service
            (created by the parent) and publishes with ``Nats-Msg-Id: <order>/<event>``, acking a
            trigger only after its own event is stored; without, it uses core NATS subscriptions. Go::

                nc.Subscribe("saga.StockReserved", func(m *nats.Msg) { nc.Publish("saga.PaymentCharged", ...) })
"""
import argparse
import asyncio
import json

import nats

from chanlab.broker import report, stop_event
from chanlab.experiments.sagas import step_fails
from chanlab.nats.client import subscribed
from chanlab.saga import SHOP, choreography_wiring

__all__ = ["main"]


async def _connect(url, name):
    async def error(exc):  # reported, not printed: reconnects are expected in the fault demos,
        report(event="error", name=name, error=repr(exc))  # and a bug in a handler must show

    async def quiet(*_):
        pass

    return await nats.connect(servers=url.split(","), connect_timeout=3, reconnect_time_wait=0.2,
                              max_reconnect_attempts=-1, error_cb=error, disconnected_cb=quiet,
                              reconnected_cb=quiet, closed_cb=quiet)


async def listen(args):
    stop = stop_event()
    nc = await _connect(args.url, args.name)
    counts = {s: 0 for s in args.subject}

    def counter(pattern):
        async def cb(msg):
            counts[pattern] += 1
        return cb

    for pattern in args.subject:
        await nc.subscribe(pattern, cb=counter(pattern))
    async def on_stop(msg):
        stop.set()

    await nc.subscribe("chanlab.ctl.stop", cb=on_stop)
    await subscribed(nc)
    report(event="ready", name=args.name)
    await stop.wait()
    report(event="counts", name=args.name, counts=counts)
    await nc.drain()


async def qwork(args):
    stop = stop_event()
    nc = await _connect(args.url, args.name)

    async def work(msg):
        await asyncio.sleep(args.work_ms / 1000)
        await nc.publish(args.done, json.dumps({"worker": args.name, "job": msg.data.decode()}).encode())

    await nc.subscribe(args.subject[0], queue=args.queue, cb=work)
    await subscribed(nc)
    report(event="ready", name=args.name)
    await stop.wait()
    await nc.drain()


async def _fetch(sub, batch):
    """Up to ``batch`` messages from a pull consumer, or none after half a second (or while the
    client reconnects): ``sub.Fetch(batch, nats.MaxWait(500 * time.Millisecond))``."""
    try:
        return await sub.fetch(batch, timeout=0.5)
    except (nats.errors.TimeoutError, asyncio.TimeoutError):
        return []
    except nats.errors.Error:  # a reconnect in progress: try again
        await asyncio.sleep(0.1)
        return []


async def jswork(args):
    stop = stop_event()
    nc = await _connect(args.url, args.name)
    js = nc.jetstream()
    sub = await js.pull_subscribe_bind(args.durable, args.stream)
    report(event="ready", name=args.name)
    done = 0
    while not stop.is_set():
        for msg in await _fetch(sub, 1):
            job = msg.data.decode()
            report(event="start", name=args.name, job=job, delivery=msg.metadata.num_delivered)
            if done + 1 == args.hang_on:
                report(event="hang", name=args.name, job=job)
                await stop.wait()  # stuck in the middle of this job, until killed (or stopped)
                break
            await asyncio.sleep(args.work_ms / 1000)
            await msg.ack_sync(timeout=5)
            done += 1
            report(event="acked", name=args.name, job=job, delivery=msg.metadata.num_delivered)
    await nc.close()


def saga_reactions(service, process=SHOP):
    """What ``service`` does in the choreography: ``{trigger event: (step, action)}``."""
    steps = {(s.service, a): s for s in process for a in (s.action, s.compensation) if a}
    reactions = {event: (steps[(svc, action)], action)
                 for svc, event, action in choreography_wiring(process) if svc == service}
    if not reactions:
        raise ValueError(f"service must be one of the saga's services "
                         f"({', '.join(s.service for s in process)}), not {service!r}")
    return reactions


def saga_outcome(step, action, order, seed, fail_rate):
    """The event ``step``'s service publishes after ``action`` on ``order``."""
    if action == step.compensation:
        return step.undone
    return step.failed if step_fails(step, order, seed, fail_rate) else step.done


async def saga(args):
    stop = stop_event()
    reactions = saga_reactions(args.service)
    nc = await _connect(args.url, args.name)
    js = nc.jetstream()

    async def react(msg, trigger, publish):
        body = json.loads(msg.data)
        order = body["order"]
        step, action = reactions[trigger]
        await asyncio.sleep(args.work_ms / 1000)
        event = saga_outcome(step, action, order, args.seed, args.fail_rate)
        await publish(f"saga.{event}", json.dumps({"order": order, "event": event}).encode(),
                      f"{order}/{event}")
        report(event="handled", name=args.name, order=order, trigger=trigger, published=event)

    if args.jetstream:  # JetStream: the durable consumer keeps what arrives while this process is gone
        async def publish(subject, data, msg_id):
            await js.publish(subject, data, headers={"Nats-Msg-Id": msg_id}, timeout=5)

        sub = await js.pull_subscribe_bind(args.service, stream=args.stream)
        report(event="ready", name=args.name)
        while not stop.is_set():
            for msg in await _fetch(sub, 10):
                trigger = msg.subject.split(".", 1)[1]
                if trigger in reactions:
                    await react(msg, trigger, publish)
                await msg.ack_sync(timeout=5)  # after its own event is stored: at least once
        await nc.close()
        return

    async def publish(subject, data, msg_id):  # core NATS: at most once
        await nc.publish(subject, data)

    def handler(trigger):
        async def cb(msg):
            await react(msg, trigger, publish)
        return cb

    for trigger in reactions:
        await nc.subscribe(f"saga.{trigger}", cb=handler(trigger))
    await subscribed(nc)
    report(event="ready", name=args.name)
    await stop.wait()
    await nc.drain()


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m chanlab.nats.worker", description=__doc__.splitlines()[0])
    p.add_argument("mode", choices=["listen", "qwork", "jswork", "saga"])
    p.add_argument("--url", required=True)
    p.add_argument("--name", default="worker")
    p.add_argument("--subject", action="append", default=[])
    p.add_argument("--queue", default="workers")
    p.add_argument("--done", default="done")
    p.add_argument("--work-ms", type=float, default=5.0)
    p.add_argument("--stream", default="WORK")
    p.add_argument("--durable", default="workers")
    p.add_argument("--hang-on", type=int, default=0)
    p.add_argument("--service", default="payment", help="saga: which service this process is")
    p.add_argument("--seed", type=int, default=0, help="saga: the seed of the declined payments")
    p.add_argument("--fail-rate", type=float, default=0.1, help="saga: the share of declined payments")
    p.add_argument("--jetstream", action="store_true", help="saga: read through the durable consumer "
                   "named after the service on --stream (default: core NATS subscriptions)")
    args = p.parse_args(argv)
    if args.mode == "qwork" and not args.subject:
        args.subject = ["jobs"]
    if args.mode == "listen" and not args.subject:
        p.error("listen needs at least one --subject")
    program = {"listen": listen, "qwork": qwork, "jswork": jswork, "saga": saga}[args.mode]
    asyncio.run(program(args))


if __name__ == "__main__":
    main()
