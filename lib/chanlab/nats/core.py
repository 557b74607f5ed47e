"""Core NATS across processes: publish/subscribe with a late subscriber, slow consumers (dropped by
the client, cut off by the server), and queue groups of worker processes. Part of
:mod:`chanlab.nats.experiments`."""
from __future__ import annotations

import asyncio
import json
import socket
import time
import urllib.parse

import nats

from chanlab import args
from chanlab.broker import FanOutRun, ScalingPoint, SlowSubscriberRun, StalledSubscriberRun

from .client import connect, run, subscribed, wait_until
from .workers import Workers

__all__ = ["TOPICS", "pubsub", "client_slow", "server_slow", "queue_scaling"]

#: the shop's events, as in chanlab.events (notebook 05): the publisher cycles through them
TOPICS = ("order.placed", "order.paid", "order.shipped", "order.placed.eu")


# --------------------------------------------------------------------------------------------------
# Core NATS: publish/subscribe across processes
# --------------------------------------------------------------------------------------------------


async def _publish_events(url, start, stop, *, then_stop=False):
    nc = await connect(url)
    try:
        for i in range(start, stop):
            await nc.publish(TOPICS[i % len(TOPICS)], json.dumps({"id": i}).encode())
        if then_stop:
            await nc.publish("chanlab.ctl.stop", b"")
        await nc.flush(timeout=10)
    finally:
        await nc.close()


def pubsub(url, events=200, timeout=30.0):
    """Publish ``events`` shop events; three subscriber processes listen from the start, a fourth
    (``late``) connects after half of them. Returns a :class:`~chanlab.broker.FanOutRun`."""
    events = args.count(events, "events", minimum=2)
    timeout = args.seconds(timeout, "timeout", positive=True)
    patterns = {"audit": ["order.*"], "shipping": ["order.placed"], "everything": ["order.>"],
                "late": ["order.>"]}
    half = events // 2
    with Workers() as ws:
        for name in ("audit", "shipping", "everything"):
            ws.start("listen", "--url", url, *[a for p in patterns[name] for a in ("--subject", p)], name=name)
        ws.wait_ready(timeout)
        run(_publish_events(url, 0, half), timeout)
        late = ws.start("listen", "--url", url, "--subject", "order.>", name="late")
        late.wait_for(lambda e: e["event"] == "ready", timeout)
        run(_publish_events(url, half, events, then_stop=True), timeout)
        counts = {}
        for w in ws.workers:
            got = w.wait_for(lambda e: e["event"] == "counts", timeout)
            counts[w.name] = got["counts"]
    return FanOutRun(events, half, patterns, counts)


# --------------------------------------------------------------------------------------------------
# Slow consumers: dropped by the client, cut off by the server
# --------------------------------------------------------------------------------------------------


def client_slow(url, published=2000, pending_limit=100, handler_ms=1.0, timeout=30.0):
    """A subscriber whose handler takes ``handler_ms`` per message, under a burst of ``published``.

    nats-py keeps at most ``pending_limit`` messages waiting for the handler (default 524,288);
    the rest are dropped and each drop is reported to the error callback as ``SlowConsumerError``.
    Go (nats.go): ``sub.SetPendingLimits(100, -1)``; the error handler gets ``nats.ErrSlowConsumer``.
    Returns a :class:`~chanlab.broker.SlowSubscriberRun`.
    """
    published = args.count(published, "published", minimum=1)
    pending_limit = args.count(pending_limit, "pending_limit", minimum=1)
    handler_ms = args.number(handler_ms, "handler_ms", minimum=0, unit=" ms")
    timeout = args.seconds(timeout, "timeout", positive=True)

    async def main():
        errors, events, delivered = [], [], [0]

        async def slow(msg):
            await asyncio.sleep(handler_ms / 1000)
            delivered[0] += 1

        sub_nc = await connect(url, errors=errors, events=events)
        pub_nc = await connect(url)
        try:
            await sub_nc.subscribe("feed", cb=slow, pending_msgs_limit=pending_limit)
            await subscribed(sub_nc)  # not flush() alone: see subscribed()
            for i in range(published):
                await pub_nc.publish("feed", b"%d" % i)
            await pub_nc.flush()
            dropped = lambda: sum(isinstance(e, nats.errors.SlowConsumerError) for e in errors)  # noqa: E731
            try:
                await wait_until(lambda: delivered[0] + dropped() == published, timeout / 2,
                                  "every message to be delivered or dropped")
            except TimeoutError as err:  # say what was seen, to tell a lost message from a late one
                # in_msgs counts what the subscriber's connection read: 0 means the server sent
                # nothing (it had no subscription when the burst came); `published` means the
                # client read everything and lost it on the way to the handler
                raise TimeoutError(f"{err}: published {published}, delivered {delivered[0]}, "
                                   f"dropped {dropped()}, read by the subscriber's connection "
                                   f"{sub_nc.stats['in_msgs']}, other errors "
                                   f"{[e for e in errors if not isinstance(e, nats.errors.SlowConsumerError)]}"
                                   f", connection events {events}") from None
            return SlowSubscriberRun(published, delivered[0], dropped(), pending_limit)
        finally:
            await pub_nc.close()
            await sub_nc.close()

    return run(main(), timeout)


def _host_port(url):
    first = urllib.parse.urlparse(url.split(",")[0].strip())
    return first.hostname or "127.0.0.1", first.port or 4222


def server_slow(url, varz=None, messages=4000, size=8192, timeout=30.0):
    """A subscriber that stops reading its socket (a raw TCP client speaking the NATS protocol,
    with a small receive buffer) while ``messages`` x ``size`` bytes are published to it.

    The server buffers what it cannot write; past ``max_pending`` bytes (or after ``write_deadline``)
    it closes the connection: "Slow Consumer Detected". ``varz`` is a function returning the
    server's /varz counters (``Server.varz``), to read its ``slow_consumers`` count. Returns a
    :class:`~chanlab.broker.StalledSubscriberRun`.
    """
    messages = args.count(messages, "messages", minimum=1)
    size = args.count(size, "size", minimum=1)
    timeout = args.seconds(timeout, "timeout", positive=True)
    before = varz()["slow_consumers"] if varz else None
    host, port = _host_port(url)
    raw = socket.socket()
    try:
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        raw.settimeout(timeout / 3)
        raw.connect((host, port))
        raw.recv(65536)  # INFO {...}
        raw.sendall(b'CONNECT {"verbose":false,"pedantic":false}\r\nSUB big 1\r\nPING\r\n')
        seen = b""
        while b"PONG" not in seen:
            chunk = raw.recv(65536)
            if not chunk:
                raise ConnectionError("the server closed the connection during the handshake")
            seen += chunk
        # now stop reading, and publish a lot to it

        async def publish():
            nc = await connect(url)
            try:
                body = b"x" * size
                for _ in range(messages):
                    await nc.publish("big", body)
                await nc.flush(timeout=10)
            finally:
                await nc.close()

        run(publish(), timeout)
        received, cut_off = 0, False
        try:
            while True:
                chunk = raw.recv(1 << 20)
                if not chunk:
                    cut_off = True
                    break
                received += len(chunk)
        except (ConnectionResetError, BrokenPipeError):
            cut_off = True
        except socket.timeout:
            cut_off = False  # still connected: the server kept everything
    finally:
        raw.close()
    after = None
    if varz:
        deadline = time.monotonic() + 5
        while (after := varz()["slow_consumers"]) == before and cut_off and time.monotonic() < deadline:
            time.sleep(0.05)
        after -= before
    return StalledSubscriberRun(messages * size, received, cut_off, after)


# --------------------------------------------------------------------------------------------------
# Queue groups: competing consumers in several processes
# --------------------------------------------------------------------------------------------------


def queue_scaling(url, workers=(1, 2, 4), jobs=200, work_ms=5.0, timeout=60.0, progress=None):
    """Publish ``jobs`` jobs to a queue group served by N worker processes, for each N in
    ``workers``; each job takes ``work_ms`` of (IO) waiting. Returns a
    :class:`~chanlab.broker.ScalingPoint` per N.

    Go: every worker calls ``nc.QueueSubscribe("jobs", "workers", handler)``; the server hands each
    message to exactly one member of the group.
    """
    if isinstance(workers, (str, bytes)) or not hasattr(workers, "__iter__"):
        raise TypeError(f"workers must be a sequence of increasing counts >= 1, e.g. (1, 2, 4); "
                        f"not {type(workers).__name__} {workers!r}")
    workers = [args.count(n, f"workers[{i}]", minimum=1) for i, n in enumerate(workers)]
    if not workers or workers != sorted(set(workers)):
        raise ValueError(f"workers must be increasing counts >= 1, e.g. (1, 2, 4); got {workers!r}")
    jobs = args.count(jobs, "jobs", minimum=1)
    work_ms = args.number(work_ms, "work_ms", minimum=0, unit=" ms")
    timeout = args.seconds(timeout, "timeout", positive=True)

    async def one_round(n):
        done, per_worker = [], {}
        nc = await connect(url)
        try:
            async def collect(msg):
                d = json.loads(msg.data)
                done.append(d["job"])
                per_worker[d["worker"]] = per_worker.get(d["worker"], 0) + 1

            await nc.subscribe("done", cb=collect)
            await subscribed(nc)
            t0 = time.perf_counter()
            for i in range(jobs):
                await nc.publish("jobs", str(i).encode())
            await nc.flush()
            await wait_until(lambda: len(done) >= jobs, timeout / 2, f"{jobs} jobs to be done")
            seconds = time.perf_counter() - t0
            return ScalingPoint(n, jobs, len(set(done)), seconds, dict(sorted(per_worker.items())))
        finally:
            await nc.close()

    points = []
    with Workers() as ws:
        for n in workers:
            while len(ws.workers) < n:
                ws.start("qwork", "--url", url, "--work-ms", work_ms, name=f"worker-{len(ws.workers) + 1}")
            ws.wait_ready(timeout / 2)
            points.append(run(one_round(n), timeout))
            if progress:
                progress(points[-1])
    return points
