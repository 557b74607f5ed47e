"""JetStream: a work queue that survives a killed worker process, and a three-node cluster that
survives a killed node. Part of :mod:`chanlab.nats.experiments`."""
from __future__ import annotations

import asyncio
import time

import nats
from nats.js import api

from chanlab import args
from chanlab.broker import FailoverRun, WorkerCrashRun

from .client import connect, reset_stream, run
from .workers import Workers

__all__ = ["crash", "failover"]


# --------------------------------------------------------------------------------------------------
# JetStream: a work queue that survives a worker's crash
# --------------------------------------------------------------------------------------------------


def crash(url, jobs=30, workers=2, hang_on=3, ack_wait=1.0, work_ms=10.0, timeout=60.0):
    """A JetStream work queue of ``jobs`` jobs served by ``workers`` processes sharing the durable pull
    consumer ``workers`` (explicit acks, ``ack_wait`` seconds). Worker 1 gets stuck on its
    ``hang_on``-th job and is SIGKILLed in the middle of it. Returns a
    :class:`~chanlab.broker.WorkerCrashRun`.

    Go::

        js.AddStream(&nats.StreamConfig{Name: "CHANLAB_WORK", Subjects: []string{"work.>"},
                                        Retention: nats.WorkQueuePolicy})
        js.AddConsumer("CHANLAB_WORK", &nats.ConsumerConfig{Durable: "workers",
                       AckPolicy: nats.AckExplicitPolicy, AckWait: time.Second})
    """
    jobs = args.count(jobs, "jobs", minimum=1)
    workers = args.count(workers, "workers", minimum=2)  # one to kill, one to finish its job
    hang_on = args.count(hang_on, "hang_on", minimum=1, maximum=jobs)
    ack_wait = args.seconds(ack_wait, "ack_wait", positive=True)
    work_ms = args.number(work_ms, "work_ms", minimum=0, unit=" ms")
    timeout = args.seconds(timeout, "timeout", positive=True)
    stream = "CHANLAB_WORK"

    async def setup():
        nc = await connect(url)
        try:
            js = nc.jetstream()
            await reset_stream(js, stream, subjects=["work.>"], retention=api.RetentionPolicy.WORK_QUEUE)
            await js.add_consumer(stream, durable_name="workers", ack_policy=api.AckPolicy.EXPLICIT,
                                  ack_wait=ack_wait, max_deliver=10)
        finally:
            await nc.close()

    async def publish():
        nc = await connect(url)
        try:
            js = nc.jetstream()
            return sum([bool(await js.publish(f"work.{i}", str(i).encode())) for i in range(jobs)])
        finally:
            await nc.close()

    async def teardown():
        nc = await connect(url)
        try:
            js = nc.jetstream()
            left = (await js.stream_info(stream)).state.messages
            await js.delete_stream(stream)
            return left
        finally:
            await nc.close()

    run(setup(), timeout)
    try:
        with Workers() as ws:
            victim = ws.start("jswork", "--url", url, "--stream", stream, "--hang-on", hang_on,
                              "--work-ms", work_ms, name="worker-1")
            for i in range(2, workers + 1):
                ws.start("jswork", "--url", url, "--stream", stream, "--work-ms", work_ms, name=f"worker-{i}")
            ws.wait_ready(timeout / 3)
            published = run(publish(), timeout)
            stuck = victim.wait_for(lambda e: e["event"] == "hang", timeout / 3)
            victim.kill()
            survivors = [w for w in ws.workers if w is not victim]
            deadline = time.monotonic() + timeout / 2

            def acked_events():
                return [e for w in ws.workers for e in w.log if e["event"] == "acked"]

            while len({e["job"] for e in acked_events()}) < jobs:
                for w in survivors:
                    w.events(wait=0.01)
                if time.monotonic() > deadline:
                    break
            acked = acked_events()
            jobs_acked = [e["job"] for e in acked]
            again = [e for e in acked if e["job"] == stuck["job"]]
            pids = ws.pids
    finally:
        left = run(teardown(), timeout)
    return WorkerCrashRun(published, len(set(jobs_acked)), published - len(set(jobs_acked)), victim.name,
                    stuck["job"], again[0]["name"] if again else "nobody",
                    again[0]["delivery"] if again else 0, len(jobs_acked) - len(set(jobs_acked)),
                    left, pids)


# --------------------------------------------------------------------------------------------------
# A three-node cluster: kill the stream's leader during a run
# --------------------------------------------------------------------------------------------------


#: what a client sees while a cluster elects a new leader or it reconnects (all of nats-py's errors
#: derive from nats.errors.Error): retry until the deadline
_RETRY = (nats.errors.Error, asyncio.TimeoutError)


async def _retrying(what, attempt, deadline, counter=None):
    """Call ``await attempt()`` until it succeeds (a cluster electing a leader answers with errors)."""
    while True:
        try:
            return await attempt()
        except _RETRY as exc:
            if counter is not None:
                counter[0] += 1
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"{what} still failing at the deadline: {exc!r}") from exc
            await asyncio.sleep(0.1)


def failover(cluster, messages=200, kill_at=80, timeout=60.0):
    """Publish ``messages`` to a stream with 3 replicas while a consumer reads and acks; after
    ``kill_at`` publishes, SIGKILL the node that leads the stream. Returns a
    :class:`~chanlab.broker.FailoverRun`.

    The publisher retries a publish that got no PubAck with the same ``Nats-Msg-Id`` header, so
    the stream stores it once (deduplication). The consumer counts a message when it receives it,
    then acks it with ``ack_sync``; an ack lost in the failover means the message may come again
    (counted in ``duplicates``), never that it is lost. ``lost`` counts messages the cluster
    acknowledged that the consumer never received.
    """
    messages = args.count(messages, "messages", minimum=2)
    kill_at = args.count(kill_at, "kill_at", minimum=1, maximum=messages - 1)
    timeout = args.seconds(timeout, "timeout", positive=True)
    stream = "CHANLAB_EVENTS"

    async def main():
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout * 0.9
        client_events = []
        nc = await connect(cluster.urls, events=client_events)
        js = nc.jetstream(timeout=2)
        acked, consumed, retries, dups = set(), set(), [0], [0]
        killed = []
        try:
            await _retrying("creating the stream", lambda: reset_stream(
                js, stream, subjects=["events.>"], num_replicas=3), deadline)
            await _retrying("creating the consumer", lambda: js.add_consumer(
                stream, durable_name="reader", ack_policy=api.AckPolicy.EXPLICIT, ack_wait=2.0), deadline)
            sub = await _retrying("binding", lambda: js.pull_subscribe_bind("reader", stream), deadline)
            publishing = [True]

            async def consume():
                while publishing[0] or len(consumed) < len(acked):
                    if loop.time() > deadline:
                        return
                    try:
                        msgs = await sub.fetch(50, timeout=0.5)
                    except _RETRY:
                        continue
                    for msg in msgs:
                        i = int(msg.data)  # received: the consumer has it (and would process it)
                        if i in consumed:
                            dups[0] += 1
                        consumed.add(i)
                        try:
                            await msg.ack_sync(timeout=1)
                        except _RETRY:
                            pass  # ack lost or refused: the message may come again (a duplicate)

            reader = asyncio.ensure_future(consume())
            for i in range(messages):
                if i == kill_at:
                    info = await _retrying("stream info", lambda: js.stream_info(stream), deadline)
                    leader = info.cluster.leader
                    killed.append(cluster.kill(cluster.index_of(leader)))
                await _retrying(f"publishing {i}", lambda: js.publish(
                    f"events.{i}", str(i).encode(), timeout=1, headers={"Nats-Msg-Id": str(i)}),
                    deadline, retries)
                acked.add(i)
            publishing[0] = False
            await reader
            info = await _retrying("stream info", lambda: js.stream_info(stream), deadline)
            await _retrying("deleting the stream", lambda: js.delete_stream(stream), deadline)
            return FailoverRun(messages, len(acked), len(consumed & acked), len(acked - consumed),
                               killed[0], info.cluster.leader, retries[0], dups[0], info.state.messages,
                               client_events)
        finally:
            await nc.close()

    return run(main(), timeout)
