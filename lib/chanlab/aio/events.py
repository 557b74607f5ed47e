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
* Only the ``block`` policy (and ``async def`` sync handlers) make ``publish`` wait; with the other
  policies a publish never gives the loop away, so no other goroutine runs in the middle of it.
  Several *tasks* that publish, though, are several publishers: while one waits in a ``block``
  publish another may publish, and its event can overtake.
* Timeouts are on the loop's clock, which is virtual under ``aio.run(..., virtual_time=True)``: policy
  experiments there are instant and give the same result every run.
* ``close`` leaves a handler that does not finish in time running (and raises ``TimeoutError``);
  ``aio.run`` cancels it when main returns. ``async with Bus() as bus:`` closes the bus at the end.
"""
import asyncio
import inspect

from chanlab.chan import check_timeout
from chanlab.errors import ClosedChannelError, PanicError
from chanlab.events import (MAX_DEPTH, MODES, POLICIES, BusBase, BusClosedError, Envelope,
                            HandlerError, Stats, SubscriptionBase, _depth, _match, _segments,
                            check_options, late_error, matches, nested, timeout_error)

from .chan import Chan
from .goroutine import go
from .select import select

__all__ = ["Bus", "Subscription", "Stats", "Envelope", "HandlerError", "BusClosedError", "matches",
           "POLICIES", "MODES", "MAX_DEPTH"]


def _remaining(deadline):
    if deadline is None:
        return None
    return max(0.0, deadline - asyncio.get_running_loop().time())


async def _maybe_await(result):
    if inspect.isawaitable(result):
        await result


class Subscription(SubscriptionBase):
    """One subscriber of a :class:`Bus` (asyncio). Made by ``bus.subscribe``."""

    async def _call(self, topic, event):
        """Run the handler on one event. An exception becomes data (``self.errors``)."""
        error = None
        try:
            await _maybe_await(self.handler(topic, event))
        except Exception as exc:  # a failing handler must not stop the others
            error = self._failed(topic, event, exc)
        finally:
            self._count_delivered()
        if error is not None and self.on_error is not None:
            await _maybe_await(self.on_error(*error))  # if this raises, it propagates (a bug)

    async def _offer(self, item, deadline):
        """Put ``item`` in the inbox as the policy says. True if queued, False if dropped. A ``block``
        offer that runs out of time counts the drop, then raises ``TimeoutError``."""
        self._count_published()
        inbox = self._inbox
        try:
            if self.policy in ("block", "unbounded"):
                await inbox.send(item, timeout=_remaining(deadline))  # ch <- e
            elif self.policy == "drop_newest":
                if (await select(inbox.sending(item), default=True)).index is None:
                    self._drop(item)
                    return False
            else:  # drop_oldest, keep_latest: evict the oldest queued event until the new one fits
                while (await select(inbox.sending(item), default=True)).index is None:
                    old = await select(inbox.receiving(), default=True)
                    if old.index is not None and old.ok:
                        self._drop(old.value)
        except ClosedChannelError:  # unsubscribed, or the bus closed, while we offered it
            self._drop(item)
            return False
        except BaseException:  # a timeout, a cancellation: it was not sent
            self._drop(item)
            raise
        self._queued()
        return True

    async def _serve(self):
        """The subscriber's goroutine: ``for e := range inbox { handler(e) }``."""
        _depth.set(0)
        try:
            async for item in self._inbox:
                if self._state == "unsubscribed":  # what was still queued is dropped
                    self._drop(item)
                else:
                    await self._call(*item)
        except BaseException:
            # on_error raised, or the goroutine was cancelled: nothing more will be handled here, so
            # what is still queued is dropped and every event stays accounted for.
            self._shut("unsubscribed")
            self._drain_dropped()
            raise

    def _drain_dropped(self):
        while True:
            r = self._inbox.try_recv()  # closed: this never waits
            if r is None or not r[1]:
                return
            self._drop(r[0])

    async def recv(self, timeout=None):
        """The next :class:`Envelope` ``(topic, event)``; ``None`` once the subscription is closed
        (unsubscribed, or the bus closed) and its inbox drained. Raises ``TimeoutError`` if nothing
        came within ``timeout`` seconds. Only for subscriptions made without a handler."""
        self._check_pull("recv")
        while True:
            item, ok = await self._inbox.recv_ok(timeout)
            if not ok:
                return None
            if self._state == "unsubscribed":
                self._drop(item)
                continue
            self._count_delivered()
            return item

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

    def subscribe(self, pattern, handler=None, *, mode="sync", capacity=0, policy="block", name=None,
                  on_error=None):
        """Subscribe to the topics that match ``pattern``; as :meth:`chanlab.events.Bus.subscribe`.
        ``handler`` (and ``on_error``) may be plain or ``async def`` functions."""
        _segments(pattern, "pattern")
        check_options(handler, mode, capacity, policy, name, on_error)
        if mode == "async" and handler is not None:
            try:
                asyncio.get_running_loop()
            except RuntimeError:
                raise RuntimeError("subscribe(..., mode='async') with a handler starts a goroutine: "
                                   "call it inside a coroutine (for example one run by aio.run)") from None
        return self._add(_make, pattern, handler, mode, capacity, policy, name, on_error)

    def _start(self, sub):
        return go(sub._serve, name=sub.name)  # go func() { for e := range inbox { handler(e) } }()

    async def publish(self, topic, event=None, *, timeout=None):
        """Offer ``event`` to every subscriber whose pattern matches ``topic``, in subscription order;
        return to how many it was delivered (sync) or queued (async). As
        :meth:`chanlab.events.Bus.publish`; ``timeout`` is on the loop's clock."""
        parts = _segments(topic, "topic")
        timeout = check_timeout(timeout)
        self._check_open(topic)
        deadline = None if timeout is None else asyncio.get_running_loop().time() + timeout
        item = Envelope(topic, event)
        reached, late = 0, []
        token = nested(self.name)
        try:
            for sub in self._subs:
                if sub._state != "open" or not _match(sub._segments, parts):
                    continue
                if sub.mode == "sync":
                    sub._count_published()
                    await sub._call(topic, event)
                    reached += 1
                else:
                    try:
                        reached += await sub._offer(item, deadline)
                    except TimeoutError:
                        late.append(sub.name)
        finally:
            _depth.reset(token)
        if late:
            raise timeout_error(topic, timeout, late, reached)
        return reached

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


def _make(bus, pattern, handler, mode, inbox_cap, policy, name, on_error):
    inbox = None if inbox_cap is None else Chan(inbox_cap, name=f"{name}.inbox")
    return Subscription(bus, pattern, handler, mode, inbox_cap, policy, name, on_error, inbox)
