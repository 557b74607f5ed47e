"""A publisher and a slower (or later) consumer: when are messages dropped? The article's second
program, generalised.

Go, the article's policy (drop the new message when nobody can take it now)::

    for i := 0; i < n; i++ {
        select {
        case ch <- i:                  // delivered to a waiting receiver (or into the buffer)
        default:                       // nobody ready: drop it
            fmt.Println("dropping", i)
        }
        time.Sleep(interval)
    }

:func:`publish` runs a publisher that offers ``messages`` messages, one every ``interval``
seconds, to a consumer that starts after ``start_delay`` seconds and takes ``consumer_time`` seconds
per message, through a channel of ``capacity`` with an overflow ``policy``:

``block``          ``ch <- v``: wait for room (backpressure: the publisher slows down, nothing is lost)
``drop_newest``    ``select`` with ``default``: the message that does not fit is dropped (the article)
``drop_oldest``    make room by dropping the oldest queued message (a sliding window)
``keep_latest``    a one-slot mailbox that always holds the newest message (conflation)
``unbounded``      never wait, never drop: the queue (and the memory it holds) grows instead
``block_timeout``  wait up to a timeout for room, then drop (``select`` with ``time.After``)

The policies are those of :mod:`chanlab.policies` (a name, or an object such as
``BlockTimeout(0.02)``), and so is the rule for ``capacity`` (``None`` and 0: no buffer asked for).
It returns a :class:`PublishRun`: the fate of every message and the queue's length over time.
"""
import asyncio
import sys
import time
from dataclasses import dataclass, field

from .. import aio, args
from .. import policies as _policies
from .. import trace as _trace
from ..chan import Chan
from ..goroutine import go
from ..policies import POLICIES, UNBOUNDED, WAIT
from ..select import select

__all__ = ["POLICIES", "MODES", "Message", "PublishRun", "publish"]

#: "virtual": chanlab.aio on a virtual clock; "asyncio": real time; "threads": goroutines, real time.
MODES = ("virtual", "asyncio", "threads")


@dataclass(frozen=True)
class Message:
    seq: int  # 0, 1, 2, ...
    offered: float  # when the publisher offered it (s after the start)
    outcome: str  # "delivered" or "dropped"
    at: float  # when it was received, or dropped

    @property
    def latency(self):
        """Seconds from offer to receipt (None if dropped)."""
        return self.at - self.offered if self.outcome == "delivered" else None


@dataclass
class PublishRun:
    policy: str  # the policy's label: its name, with its parameters if any
    capacity: object  # an int, or None for the unbounded policy
    mode: str
    messages: list  # of Message, in order of seq
    queue: list  # (t, number of messages waiting in the channel), sampled at every offer
    payload_bytes: int  # the size of one message's payload object (each message has its own)
    wall: float
    trace: object = field(default=None, repr=False)
    overflow: object = field(default=None, repr=False)  # the chanlab.policies.Policy

    @property
    def delivered(self):
        return sum(m.outcome == "delivered" for m in self.messages)

    @property
    def dropped(self):
        return sum(m.outcome == "dropped" for m in self.messages)

    @property
    def latencies(self):
        return [m.latency for m in self.messages if m.outcome == "delivered"]

    @property
    def peak_queue(self):
        return max((n for _, n in self.queue), default=0)

    @property
    def peak_bytes(self):
        """The most payload memory the queue held at once (bytes)."""
        return self.peak_queue * self.payload_bytes


def publish(messages=20, interval=0.01, consumer_time=0.025, capacity=None, policy="drop_newest",
            start_delay=0.0, *, mode="virtual", payload_bytes=100, trace=False, max_seconds=20.0):
    """Run the publisher and its consumer; return a :class:`PublishRun`.

    ``mode`` is ``"virtual"`` (chanlab.aio on a virtual clock: instant and repeatable; the default),
    ``"asyncio"`` (real time) or ``"threads"`` (chanlab goroutines, real time).
    """
    messages = args.count(messages, "messages")
    interval = args.seconds(interval, "interval")
    consumer_time = args.seconds(consumer_time, "consumer_time")
    start_delay = args.seconds(start_delay, "start_delay")
    payload_bytes = args.count(payload_bytes, "payload_bytes")
    max_seconds = args.seconds(max_seconds, "max_seconds", positive=True)
    policy, cap = _policies.buffer_for(policy, capacity)
    mode = args.choice(mode, "mode", MODES)
    if mode != "virtual":
        waits = messages * (policy.patience()[0] or 0.0)  # block_timeout: at most this much waiting
        drains = messages * consumer_time if not policy.drops else 0.0
        expected = start_delay + max(messages * interval + waits, drains)
        if expected > max_seconds:
            raise ValueError(f"this run would take about {expected:.1f} s of real time (more than "
                             f"max_seconds={max_seconds:g}); use mode='virtual' or fewer/faster messages")
    runner = _run_threads if mode == "threads" else _run_aio
    run_args = (messages, interval, consumer_time, cap, policy, start_delay, payload_bytes, mode)
    if trace:
        with _trace.tracing() as tr:
            fates, queue, wall = runner(*run_args)
    else:
        tr = None
        fates, queue, wall = runner(*run_args)
    msgs = [Message(seq, *fates[seq]) for seq in sorted(fates)]
    return PublishRun(policy.label, None if cap == UNBOUNDED else cap, mode, msgs, queue,
                      sys.getsizeof(bytes(payload_bytes)), wall, tr, policy)


def _offer(fates, seq, t, ch, payload, policy):
    """Message ``seq``, offered at ``t``: the policy's step that never waits. Returns the item and
    the offer's answer (:data:`~chanlab.policies.WAIT`: the publisher waits, in its own way)."""
    fates[seq] = [t, "pending", None]
    item = (seq, bytes(payload))  # a payload of its own: the memory a queue holds is real
    return item, policy.offer(ch, item, lambda v: _dropped(fates, v[0], t, ch.name))


def _dropped(fates, seq, t, ch_name):
    fates[seq][1:] = ["dropped", t]
    if _trace.active is not None:
        _trace.note("drop", ch_name, seq)


# --- asyncio: virtual or real time ----------------------------------------------------------------
# As in the article, the publisher is a goroutine and main is the consumer: with no start delay,
# main is already waiting when the first message is offered.
def _run_aio(n, interval, consumer_time, cap, policy, start_delay, payload, mode):
    fates = {}  # seq -> [offered, outcome, at]
    queue = []

    async def main():
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        now = lambda: loop.time() - t0  # noqa: E731
        ch = aio.Chan(cap, name="messages")

        async def publisher():
            try:
                for seq in range(n):
                    t = now()
                    item, answer = _offer(fates, seq, t, ch, payload, policy)
                    if answer is WAIT:
                        try:
                            await ch.send(item, timeout=policy.patience()[0])  # ch <- v
                        except TimeoutError:  # block_timeout: no room in time
                            _dropped(fates, seq, now(), ch.name)
                    queue.append((t, len(ch)))
                    await asyncio.sleep(interval)
            finally:
                ch.close()

        aio.go(publisher, name="publisher")
        if start_delay:  # (even a zero sleep would let the publisher offer message 0 first)
            await asyncio.sleep(start_delay)
        async for seq, _ in ch:
            fates[seq][1:] = ["delivered", now()]
            await asyncio.sleep(consumer_time)
        return now()

    wall = aio.run(main(), virtual_time=(mode == "virtual"), timeout=None if mode == "virtual" else 3600)
    return fates, queue, wall


# --- threads -----------------------------------------------------------------------------------------
def _run_threads(n, interval, consumer_time, cap, policy, start_delay, payload, mode):
    fates = {}
    queue = []
    t0 = time.perf_counter()
    now = lambda: time.perf_counter() - t0  # noqa: E731
    ch = Chan(cap, name="messages")
    stop = Chan(name="stop")  # closed if main stops early (an interrupt): the publisher returns

    def publisher():
        try:
            for seq in range(n):
                t = now()
                item, answer = _offer(fates, seq, t, ch, payload, policy)
                if answer is WAIT:
                    try:  # ch <- v, unless stopped
                        if select(stop.receiving(), ch.sending(item),
                                  timeout=policy.patience()[0]).index == 0:
                            return
                    except TimeoutError:  # block_timeout: no room in time
                        _dropped(fates, seq, now(), ch.name)
                queue.append((t, len(ch)))
                try:
                    stop.recv(timeout=interval)  # sleep, unless stopped
                    return
                except TimeoutError:
                    pass
        finally:
            ch.close()

    g = go(publisher)
    try:
        if start_delay:
            time.sleep(start_delay)
        for seq, _ in ch:
            fates[seq][1:] = ["delivered", now()]
            time.sleep(consumer_time)
        return fates, queue, now()
    finally:
        if not ch.closed:
            stop.close()
        g.join(timeout=5)
