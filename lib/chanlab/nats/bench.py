"""Throughput and latency on this machine: core NATS and JetStream beside in-process chanlab
channels. Part of :mod:`chanlab.nats.experiments`."""
from __future__ import annotations

import statistics
import time

from chanlab import args
from chanlab.broker import Rate

from .client import connect, reset_stream, run, subscribed, wait_until

__all__ = ["throughput", "in_process_rates"]


# --------------------------------------------------------------------------------------------------
# Throughput and latency, beside in-process channels
# --------------------------------------------------------------------------------------------------


def throughput(url, messages=20000, round_trips=300, js_messages=500, timeout=60.0):
    """Measure on this machine: core NATS publish -> subscriber rate and request/reply round trip;
    JetStream publish (each waits for its PubAck) and pull-consume-ack rates. Returns
    [:class:`~chanlab.broker.Rate`, ...]."""
    messages = args.count(messages, "messages", minimum=1)
    round_trips = args.count(round_trips, "round_trips", minimum=1)
    js_messages = args.count(js_messages, "js_messages", minimum=1)
    timeout = args.seconds(timeout, "timeout", positive=True)

    async def main():
        nc_pub = await connect(url)
        nc_sub = await connect(url)
        try:
            got = [0]

            async def count(msg):
                got[0] += 1

            async def echo(msg):
                await msg.respond(msg.data)

            await nc_sub.subscribe("bench.flow", cb=count, pending_msgs_limit=messages * 2)
            await nc_sub.subscribe("bench.echo", cb=echo)
            await subscribed(nc_sub)
            body = b"x" * 64
            t0 = time.perf_counter()
            for _ in range(messages):
                await nc_pub.publish("bench.flow", body)
            await nc_pub.flush()
            await wait_until(lambda: got[0] >= messages, timeout / 3, "the core messages")
            core_rate = messages / (time.perf_counter() - t0)
            rtts = []
            for _ in range(round_trips):
                t = time.perf_counter()
                await nc_pub.request("bench.echo", body, timeout=2)
                rtts.append(time.perf_counter() - t)
            js = nc_pub.jetstream()
            await reset_stream(js, "CHANLAB_BENCH", subjects=["benchjs.>"])
            lat = []
            t0 = time.perf_counter()
            for _ in range(js_messages):
                t = time.perf_counter()
                await js.publish("benchjs.x", body)
                lat.append(time.perf_counter() - t)
            js_pub_rate = js_messages / (time.perf_counter() - t0)
            sub = await js.pull_subscribe("benchjs.x", durable="bench", stream="CHANLAB_BENCH")
            n, t0 = 0, time.perf_counter()
            while n < js_messages:
                for msg in await sub.fetch(100, timeout=5):
                    await msg.ack()
                    n += 1
            await nc_pub.flush()
            js_con_rate = js_messages / (time.perf_counter() - t0)
            await js.delete_stream("CHANLAB_BENCH")
        finally:
            await nc_pub.close()
            await nc_sub.close()
        us = 1e6
        return [Rate("core NATS (pub->sub; req/reply)", core_rate, statistics.median(rtts) * us),
                Rate("JetStream publish (PubAck)", js_pub_rate, statistics.median(lat) * us),
                Rate("JetStream pull + ack", js_con_rate, float("nan"))]

    return run(main(), timeout)


def in_process_rates(messages=20000, round_trips=300):
    """The same two measures inside one process: ``chanlab.Chan(64)`` between two threads (rate) and
    a ping-pong over two unbuffered channels (round trip); ``chanlab.aio.Chan`` likewise."""
    messages = args.count(messages, "messages", minimum=1)
    round_trips = args.count(round_trips, "round_trips", minimum=1)
    from chanlab import Chan, aio, go

    def threads():
        ch = Chan(64)

        def produce():
            for i in range(messages):
                ch.send(i, timeout=30)
            ch.close()

        t0 = time.perf_counter()
        g = go(produce)
        for _ in ch:
            pass
        g.join(timeout=30)
        rate = messages / (time.perf_counter() - t0)
        ping, pong = Chan(), Chan()

        def echo():
            for v in ping:
                pong.send(v, timeout=30)

        g = go(echo)
        rtts = []
        for i in range(round_trips):
            t = time.perf_counter()
            ping.send(i, timeout=30)
            pong.recv(timeout=30)
            rtts.append(time.perf_counter() - t)
        ping.close()
        g.join(timeout=30)
        return Rate("chanlab Chan (threads)", rate, statistics.median(rtts) * 1e6)

    async def tasks():
        ch = aio.Chan(64)

        async def produce():
            for i in range(messages):
                await ch.send(i)
            ch.close()

        t0 = time.perf_counter()
        aio.go(produce)
        async for _ in ch:
            pass
        rate = messages / (time.perf_counter() - t0)
        ping, pong = aio.Chan(), aio.Chan()

        async def echo():
            async for v in ping:
                await pong.send(v)

        aio.go(echo)
        rtts = []
        for i in range(round_trips):
            t = time.perf_counter()
            await ping.send(i)
            await pong.recv()
            rtts.append(time.perf_counter() - t)
        ping.close()
        return Rate("chanlab.aio Chan (tasks)", rate, statistics.median(rtts) * 1e6)

    return [threads(), run(tasks(), 60)]
