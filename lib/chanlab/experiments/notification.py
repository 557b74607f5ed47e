"""Thin events or fat ones: event notification against event-carried state transfer.

Fowler's first two meanings of "event-driven", side by side on a virtual clock. The customer
service publishes ``CustomerUpdated`` for every change, and ``receivers`` services need the
customer's data to do their work (an e-mail, an invoice, a search index):

* ``"notification"``: the event says only *which* customer changed; every receiver calls the
  customer service back (request/reply, one server that takes ``source_work`` seconds a call) to
  read the data. While the source is down a call gets no answer: the receiver waits
  ``call_timeout`` seconds and calls again.
* ``"state_transfer"``: the event carries the data; each receiver keeps its own copy and never calls.

:func:`run_notification` returns a :class:`NotificationRun`: calls to the source per event,
end-to-end latency per (event, receiver), the bytes of one event, and the receivers' copies. The
same seed gives the same run.

Go, a receiver of thin events::

    for ev := range events {
        for {
            select {
            case customers <- Req{ID: ev.ID, Reply: reply}:
            case <-time.After(timeout): continue        // nobody takes requests: the source is down
            }
            if c, ok := <-reply; ok { use(c); break }
        }
    }
"""
import asyncio
import json
import math
import random
from dataclasses import dataclass

from .. import aio, args

__all__ = ["STYLES", "NotificationRun", "run_notification"]

STYLES = ("notification", "state_transfer")


@dataclass(frozen=True)
class NotificationRun:
    style: str
    events: int
    receivers: int
    calls: int  #: requests sent to the source, retries included
    timeouts: int  #: requests that got no answer (the source was down)
    latencies: tuple  #: seconds from publish to done, one per (event, receiver)
    event_bytes: int  #: the size of one event as JSON
    copies_agree: bool  #: every receiver ended with the source's latest data

    @property
    def calls_per_event(self):
        return self.calls / self.events

    def percentile(self, q):
        lat = sorted(self.latencies)
        return lat[min(len(lat) - 1, int(q * len(lat)))]


def run_notification(style="notification", receivers=3, events=200, interval=0.05, customers=20,
                     source_work=0.005, receiver_work=0.002, source_down=(), call_timeout=0.5, seed=0):
    """Publish ``events`` customer updates, one every ``interval`` seconds, to ``receivers``."""
    args.choice(style, "style", STYLES)
    receivers = args.count(receivers, "receivers", minimum=1, maximum=100)
    events = args.count(events, "events", minimum=1, maximum=100_000)
    interval = args.seconds(interval, "interval")
    customers = args.count(customers, "customers", minimum=1, maximum=100_000)
    source_work = args.seconds(source_work, "source_work", maximum=10)
    receiver_work = args.seconds(receiver_work, "receiver_work", maximum=10)
    call_timeout = args.seconds(call_timeout, "call_timeout", positive=True, maximum=60)
    windows = []
    for w in source_down:
        if not (isinstance(w, tuple) and len(w) == 2):
            raise TypeError(f"source_down is a tuple of (start, end) seconds, not {source_down!r}")
        windows.append(tuple(args.seconds(t, "source_down time") for t in w))
    rng = random.Random(args.seed(seed))
    db = {f"customer-{i}": {"id": f"customer-{i}", "name": f"Customer {i}", "email": f"c{i}@example.com",
                            "address": f"{i} Channel Street", "version": 0} for i in range(customers)}
    changes = [f"customer-{rng.randrange(customers)}" for _ in range(events)]
    counters = {"calls": 0, "timeouts": 0}
    latencies = []
    copies = [dict() for _ in range(receivers)]
    sizes = []

    def down(now):
        return any(a <= now < b for a, b in windows)

    async def source(requests):
        async for cid, reply in requests:
            await aio.sleep(source_work)
            reply.try_send(json.loads(json.dumps(db[cid])))  # capacity 1: never waits

    async def receiver(i, inbox, requests):
        async for event, published in inbox:
            if style == "state_transfer":
                data = event["data"]
            else:
                data = None
                while data is None:
                    reply = aio.Chan(1)
                    counters["calls"] += 1
                    if down(_now()):
                        counters["timeouts"] += 1  # nobody answers: wait out the timeout, call again
                        await aio.sleep(call_timeout)
                        continue
                    await requests.send((event["id"], reply))
                    sel = await aio.select(reply.receiving(), aio.after(call_timeout).receiving())
                    if sel.index == 0:
                        data = sel.value
                    else:
                        counters["timeouts"] += 1
            await aio.sleep(receiver_work)
            old = copies[i].get(data["id"])
            if old is None or old["version"] <= data["version"]:
                copies[i][data["id"]] = data
            latencies.append(_now() - published)

    async def main():
        requests = aio.Chan(10_000)
        inboxes = [aio.Chan(events) for _ in range(receivers)]
        wg = aio.WaitGroup()
        aio.go(source, requests)
        for i, inbox in enumerate(inboxes):
            wg.go(receiver, i, inbox, requests)
        for cid in changes:
            db[cid] = {**db[cid], "version": db[cid]["version"] + 1}
            event = {"type": "CustomerUpdated", "id": cid}
            if style == "state_transfer":
                event["data"] = db[cid]
            sizes.append(len(json.dumps(event)))
            for inbox in inboxes:
                await inbox.send((event, _now()))
            await aio.sleep(interval)
        for inbox in inboxes:
            inbox.close()
        await wg.wait()
        requests.close()

    aio.run(main(), virtual_time=True, timeout=120)
    agree = all(c == {cid: db[cid] for cid in c} and set(c) == set(changes) for c in copies)
    return NotificationRun(style, events, receivers, counters["calls"], counters["timeouts"], tuple(latencies),
                           max(sizes), agree)



def _now():
    return asyncio.get_running_loop().time()
