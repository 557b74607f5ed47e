"""Who receives what: point-to-point (a queue) versus publish/subscribe (a topic), measured.

Go, point-to-point: one channel, several receivers; each value goes to exactly ONE of them::

    jobs := make(chan int)
    for w := 1; w <= 3; w++ { go worker(w, jobs) }   // competing consumers
    for j := 1; j <= 6; j++ { jobs <- j }

Go, publish/subscribe: one channel PER subscriber; the publisher sends each event to EVERY one::

    for _, sub := range subscribers { sub <- event }  // fan-out

Both functions run the scenario with chanlab.aio on a virtual clock, so they are deterministic and
instant, and return a list of :class:`Delivery` records (data, not pictures): which item reached
which receiver, and when. ``chanlab.plots.draw_delivery_matrix`` draws them.
"""
import asyncio
from dataclasses import dataclass

from . import aio, args
from .chan import check_capacity

__all__ = ["Delivery", "point_to_point", "publish_subscribe"]


@dataclass(frozen=True)
class Delivery:
    item: int  # the message or event number, from 1
    receiver: str  # "worker 1", "subscriber 2", ...
    t: float  # virtual seconds after the start when the receiver got it




def _check_run(items, receivers, work, capacity):
    """The checks both deliveries make on their arguments."""
    args.count(items, "items", minimum=1)
    args.count(receivers, "receivers", minimum=1)
    args.seconds(work, "work")
    check_capacity(capacity)


def point_to_point(items=6, receivers=3, work=1.0, capacity=0):
    """A queue with competing consumers: ``items`` messages, ``receivers`` workers that each take
    ``work`` seconds per message. Every message is delivered to exactly one worker."""
    _check_run(items, receivers, work, capacity)
    got = []

    async def main():
        loop = asyncio.get_running_loop()
        jobs = aio.Chan(capacity, name="jobs")
        wg = aio.WaitGroup()

        async def worker(w):
            async for item in jobs:
                got.append(Delivery(item, f"worker {w}", loop.time()))
                await aio.sleep(work)
            wg.done()

        for w in range(1, receivers + 1):
            wg.add(1)
            aio.go(worker, w)
        for item in range(1, items + 1):
            await jobs.send(item)
        jobs.close()
        await wg.wait()

    aio.run(main(), virtual_time=True, timeout=30)
    return got


def publish_subscribe(items=6, receivers=3, work=1.0, capacity=0):
    """A topic with subscribers: ``items`` events, each sent to every one of ``receivers``
    subscribers (one channel each), who take ``work`` seconds per event."""
    _check_run(items, receivers, work, capacity)
    got = []

    async def main():
        loop = asyncio.get_running_loop()
        inboxes = [aio.Chan(capacity, name=f"subscriber {s}") for s in range(1, receivers + 1)]
        wg = aio.WaitGroup()

        async def subscriber(s, inbox):
            async for item in inbox:
                got.append(Delivery(item, f"subscriber {s}", loop.time()))
                await aio.sleep(work)
            wg.done()

        for s, inbox in enumerate(inboxes, 1):
            wg.add(1)
            aio.go(subscriber, s, inbox)
        for item in range(1, items + 1):
            for inbox in inboxes:  # fan-out: the publisher sends to every subscriber
                await inbox.send(item)
        for inbox in inboxes:
            inbox.close()
        await wg.wait()

    aio.run(main(), virtual_time=True, timeout=30)
    return got

