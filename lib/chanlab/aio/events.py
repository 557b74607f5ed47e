"""The event bus of :mod:`chanlab.events` for asyncio: the same API, where ``publish``, ``close`` and
``recv`` are awaited. Topics, wildcards (AMQP: ``*`` one segment, ``#`` zero or more), policies,
counters, ordering and errors are exactly as described there.

Go (one goroutine per subscriber, fed by its own channel)::

    for _, s := range subs { if s.Matches(topic) { s.inbox <- e } }
    go func() { for e := range s.inbox { s.handler(e) } }()

chanlab.aio::

    from chanlab import aio
    from chanlab.aio.events import Bus

    async def main():
        bus = Bus("shop")
        bus.subscribe("order.*", audit)                        # sync: audit(topic, event), def or async def
        bus.subscribe("order.#", ship, mode="async", capacity=8, policy="drop_oldest")
        feed = bus.subscribe("#", mode="async", capacity=100)  # pull: no handler
        await bus.publish("order.placed", {"id": 1})           # 3
        await bus.close(timeout=5)                              # drain the inboxes, wait for the goroutines
        async for topic, event in feed:                         # what the pull subscription still holds
            ...

    aio.run(main(), virtual_time=True)

Where it differs from the threads flavour:

* A handler may be a plain function or an ``async def`` one (also ``on_error``). A plain handler
  that takes long, or an ``async def`` one that never awaits, stalls every goroutine: they share one
  thread.
* Subscribing with a handler in ``mode="async"`` starts a goroutine (a task), so do it inside a
  coroutine. ``Bus()``, sync and pull subscriptions can be made anywhere.
* Only the policies that wait (``block``, ``block_timeout``) and ``async def`` sync handlers make
  ``publish`` wait; with the other policies a publish never gives the loop away, so no other goroutine runs in the middle of it.
  Several *tasks* that publish, though, are several publishers: while one waits in a ``block``
  publish another may publish, and its event can overtake.
* Timeouts are on the loop's clock, which is virtual under ``aio.run(..., virtual_time=True)``: policy
  experiments there are instant and give the same result every run.
* ``close`` leaves a handler that does not finish in time running (and raises ``TimeoutError``);
  ``aio.run`` cancels it when main returns. ``async with Bus() as bus:`` closes the bus at the end.
"""
import asyncio

from chanlab.bus import (MAX_DEPTH, MODES, BusBase, BusClosedError, Envelope, HandlerError, Stats,
                         SubscriptionBase, drive_async, late_error, matches)
from chanlab.chan import check_timeout
from chanlab.errors import PanicError
from chanlab.policies import POLICIES

from .chan import Chan
from .goroutine import go

__all__ = ["Bus", "Subscription", "Stats", "Envelope", "HandlerError", "BusClosedError", "matches",
           "POLICIES", "MODES", "MAX_DEPTH"]


class Subscription(SubscriptionBase):
    """One subscriber of a :class:`Bus` (asyncio). Made by ``bus.subscribe``."""

    async def _serve(self):
        """The subscriber's goroutine: ``for e := range inbox { handler(e) }``."""
        await drive_async(self._serving())

    async def recv(self, timeout=None):
        """The next :class:`Envelope` ``(topic, event)``; ``None`` once the subscription is closed
        (unsubscribed, or the bus closed) and its inbox drained. Raises ``TimeoutError`` if nothing
        came within ``timeout`` seconds. Only for subscriptions made without a handler."""
        return await drive_async(self._receiving(timeout))

    def __aiter__(self):
        """``async for topic, event in sub:``, until the subscription is closed and drained."""
        self._check_pull("iteration")
        return self

    async def __anext__(self):
        item = await self.recv()
        if item is None:
            raise StopAsyncIteration
        return item


class Bus(BusBase):
    """An event bus for asyncio: :class:`chanlab.events.Bus` with ``await`` on publish, close, recv."""

    _chan, _subscription = Chan, Subscription
    _go = staticmethod(go)

    def _clock(self):
        return asyncio.get_running_loop().time()

    def subscribe(self, pattern, handler=None, *, mode="sync", capacity=None, policy="block",
                  name=None, on_error=None):
        """Subscribe to the topics that match ``pattern``; as :meth:`chanlab.events.Bus.subscribe`.
        ``handler`` (and ``on_error``) may be plain or ``async def`` functions."""
        return self._add(pattern, handler, mode, capacity, policy, name, on_error)

    def _can_start(self):
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError("subscribe(..., mode='async') with a handler starts a goroutine: "
                               "call it inside a coroutine (for example one run by aio.run)") from None

    async def publish(self, topic, event=None, *, timeout=None):
        """Offer ``event`` to every subscriber whose pattern matches ``topic``, in subscription order;
        return to how many it was delivered (sync) or queued (async). As
        :meth:`chanlab.events.Bus.publish`; ``timeout`` is on the loop's clock."""
        return await drive_async(self._publishing(topic, event, timeout))

    async def close(self, timeout=None):
        """Stop accepting events, let every handler goroutine finish its inbox, and wait for them.

        Raises ``TimeoutError`` naming the handlers still running after ``timeout`` seconds (call
        ``close`` again to wait more), and ``PanicError`` if a goroutine's ``on_error`` raised.
        """
        timeout = check_timeout(timeout)
        me = asyncio.current_task()
        if any(sub._goroutine is me for sub in self._running):
            raise RuntimeError(f"bus.close() inside the async handler of {me.get_name()!r} would wait "
                               f"for its own goroutine: close the bus from outside")
        self._closed = True
        for sub in self._subs:
            sub._shut("bus closed")
        running = {sub._goroutine: sub for sub in self._running}
        if running:
            await asyncio.wait(list(running), timeout=timeout)
        late = [sub for task, sub in running.items() if not task.done()]
        self._running = late
        if late:
            raise late_error(self.name, timeout, late)
        for task in running:
            # a goroutine that panicked and that nobody has reported yet (chanlab.aio.go would report
            # it to main two loop turns later; we retrieve it first, so it is reported once)
            if not task.cancelled() and getattr(task, "_log_traceback", False):
                exc = task.exception()
                raise PanicError(task.get_name(), exc) from exc

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.close()
        return False

    def __enter__(self):
        raise TypeError("an asyncio Bus is closed with await: use 'async with Bus() as bus:'")

    def __exit__(self, *exc):  # pragma: no cover - __enter__ always raises
        return False
