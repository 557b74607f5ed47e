"""The event bus's logic, written once for both flavours (:mod:`chanlab.events` for threads,
:mod:`chanlab.aio.events` for asyncio), the way :class:`chanlab.messaging.QueueCore` holds the work
queue's.

Everything that decides something lives here: topics and patterns, the subscribers' counters, which
subscribers an event goes to, what the overflow policy (:mod:`chanlab.policies`) does with a full
inbox, what a handler's error becomes, what an unsubscribe drops. The flavours differ only in how
they *wait*: a thread blocks, a coroutine awaits. So each step that may wait (calling a handler,
``inbox <- e`` when there is no room, ``<-inbox``) is written here as a ``yield`` of the call to
make, and each flavour runs these generators with a small driver that makes the call (and, in
asyncio, awaits it) and sends the result back in, or throws the exception back in::

    publish (threads)  = drive(bus._publishing(topic, event, timeout))
    publish (asyncio)  = await drive_async(bus._publishing(topic, event, timeout))

This is how a Go channel operation looks from inside the runtime too: ``chansend`` decides, and
only ``gopark`` waits.
"""
import contextvars
import inspect
import itertools
import threading
from dataclasses import dataclass
from typing import Any, NamedTuple

from . import policies as _policies
from . import trace as _trace
from .args import count as _count
from .chan import check_timeout
from .errors import ClosedChannelError

__all__ = ["BusClosedError", "Envelope", "HandlerError", "Stats", "matches", "MODES", "MAX_DEPTH",
           "check_options", "late_error", "SubscriptionBase", "BusBase", "drive", "drive_async"]

#: "sync": the handler runs inside publish; "async": the subscriber has an inbox (and a goroutine).
MODES = ("sync", "async")
#: How deeply sync handlers may publish from inside publish before it is called runaway recursion.
MAX_DEPTH = 32

_depth = contextvars.ContextVar("chanlab_events_depth", default=0)  # nested publishes, per thread/task


class BusClosedError(ClosedChannelError):
    """``publish`` or ``subscribe`` on a closed bus (Go: ``panic: send on closed channel``)."""


class Envelope(NamedTuple):
    """What a pull subscription receives: the topic it was published on, and the event."""

    topic: str
    event: Any


class HandlerError(NamedTuple):
    """One handler failure, kept as data in ``sub.errors``."""

    topic: str
    event: Any
    exception: BaseException


@dataclass(frozen=True)
class Stats:
    """A subscriber's counters at one moment (``sub.stats``). At any quiet moment
    ``published == delivered + dropped + queued``."""

    published: int  # matching events offered to it
    delivered: int  # handled (errors included) or received by recv()
    dropped: int  # thrown away: by the policy, or because it unsubscribed with events still queued
    errors: int  # handler calls that raised
    high_water: int  # the most events ever waiting in its inbox at once
    queued: int  # waiting in its inbox now


# --- topics and patterns -----------------------------------------------------------------------------
def _segments(text, what):
    """Split a topic or pattern into its segments, or raise an error that says what to write."""
    example = "'order.placed'" if what == "topic" else "'order.placed', 'order.*' or 'order.#'"
    if not isinstance(text, str):
        raise TypeError(f"a {what} is a dot-separated string such as {example}, "
                        f"not {type(text).__name__} {text!r}")
    if not text:
        raise ValueError(f"a {what} must not be empty: write a dot-separated string such as {example}")
    parts = tuple(text.split("."))
    if "" in parts:
        raise ValueError(f"{what} {text!r} has an empty segment (two dots in a row, or a dot at an end); "
                         f"write it like {example}")
    for part in parts:
        if what == "topic" and ("*" in part or "#" in part):
            raise ValueError(f"topic {text!r} contains a wildcard: wildcards belong in subscribe() "
                             f"patterns; publish on a concrete topic such as 'order.placed'")
        if what == "pattern" and part not in ("*", "#") and ("*" in part or "#" in part):
            raise ValueError(f"pattern {text!r}: a wildcard must be a whole segment "
                             f"('order.*', not 'order*'); '*' matches one segment, '#' zero or more")
        if what == "pattern" and part == ">":
            raise ValueError(f"pattern {text!r}: '>' is NATS syntax; this bus uses AMQP wildcards: "
                             f"'*' matches exactly one segment, '#' zero or more (so 'order.#')")
    return parts


def _match(pattern, topic):
    """Does ``pattern`` (a tuple of segments) match ``topic`` (a tuple of segments)?"""
    if not pattern:
        return not topic
    first, rest = pattern[0], pattern[1:]
    if first == "#":  # zero or more segments: try every split
        return any(_match(rest, topic[i:]) for i in range(len(topic) + 1))
    return bool(topic) and first in ("*", topic[0]) and _match(rest, topic[1:])


def matches(pattern, topic):
    """Does ``pattern`` match ``topic``? AMQP wildcards: ``*`` is exactly one segment, ``#`` zero or
    more. ``matches("order.*", "order.placed")`` is True; ``matches("order.*", "order")`` is False;
    ``matches("order.#", "order")`` is True; ``matches("#", "anything.at.all")`` is True."""
    return _match(_segments(pattern, "pattern"), _segments(topic, "topic"))


# --- checking subscribe()'s arguments ------------------------------------------------------------------
def check_options(handler, mode, capacity, policy, name, on_error):
    """Raise a clear error for a bad combination of subscribe() arguments; return the
    :class:`~chanlab.policies.Policy` and the inbox size (both None for a sync subscriber, which has
    no inbox). ``policy`` is a name or a Policy; ``capacity`` is read as every policy reads it."""
    if mode not in MODES:
        raise ValueError(f"mode must be 'sync' (the handler runs inside publish) or 'async' (the "
                         f"subscriber gets an inbox and its own goroutine), got {mode!r}")
    if handler is not None and not callable(handler):
        raise TypeError(f"handler must be a function called as handler(topic, event), "
                        f"not {type(handler).__name__} {handler!r}")
    if on_error is not None and not callable(on_error):
        raise TypeError(f"on_error must be a function called as on_error(topic, event, exception), "
                        f"not {type(on_error).__name__} {on_error!r}")
    if name is not None and not isinstance(name, str):
        raise TypeError(f"name must be a string (it labels the subscriber in traces), not {name!r}")
    overflow = _policies.get(policy)
    capacity = _count(capacity, "capacity", allow_none=True, none_means="no buffer asked for, as 0")
    if mode == "sync":
        if handler is None:
            raise ValueError("a sync subscriber needs a handler (it is called inside publish); for a "
                             "subscription that you read with recv() or a for loop, pass mode='async'")
        if capacity not in (None, 0) or overflow != _policies.BLOCK:
            raise ValueError("capacity and policy describe an async subscriber's inbox; a sync "
                             "subscriber has none: pass mode='async' to use them")
        return None, None
    return overflow, overflow.buffer(capacity)


def default_name(handler, n):
    """``audit-3`` for a function called audit, ``sub-3`` for a lambda, ``pull-3`` without a handler."""
    base = "pull" if handler is None else getattr(handler, "__name__", "sub")
    return f"{'sub' if base == '<lambda>' else base}-{n}"


def nested(bus_name):
    """Enter one level of publish (checks MAX_DEPTH); returns the token to leave it with."""
    depth = _depth.get()
    if depth >= MAX_DEPTH:
        raise RecursionError(
            f"publish on bus {bus_name!r} nested {depth} deep: a sync handler publishes an event that "
            f"reaches it again. Break the cycle, or make that subscriber mode='async'")
    return _depth.set(depth + 1)


def late_error(bus_name, timeout, late):
    """The ``TimeoutError`` of a ``close`` whose handlers in ``late`` were still running."""
    names = ", ".join(f"{sub.name} ({len(sub._inbox)} events waiting)" for sub in late)
    return TimeoutError(f"bus {bus_name!r} closed, but after {timeout} s these handlers were still "
                        f"running: {names}. Call close() again to keep waiting")


def timeout_error(topic, timeout, late, reached):
    return TimeoutError(
        f"publish({topic!r}) timed out after {timeout} s: the inbox of {', '.join(late)} stayed full "
        f"(its policy waits for room), so the event was dropped for {'it' if len(late) == 1 else 'them'}; it was "
        f"delivered or queued to {reached} other subscriber(s)")



# --- running the steps: the only code that differs between threads and asyncio ---------------------
def drive(steps):
    """Run one of the core's generators in this thread: make each call it yields, send the result
    back in (or throw the exception back in); return what the generator returns."""
    try:
        call, args = next(steps)
        while True:
            try:
                result = call(*args)
            except BaseException as exc:  # the generator decides what an error means
                call, args = steps.throw(exc)
            else:
                call, args = steps.send(result)
    except StopIteration as stop:
        return stop.value


async def drive_async(steps):
    """:func:`drive` for asyncio: a call that returns an awaitable (an ``async def`` handler, a
    channel operation) is awaited."""
    try:
        call, args = next(steps)
        while True:
            try:
                result = call(*args)
                if inspect.isawaitable(result):
                    result = await result
            except BaseException as exc:
                call, args = steps.throw(exc)
            else:
                call, args = steps.send(result)
    except StopIteration as stop:
        return stop.value


# --- what both flavours share -----------------------------------------------------------------------
class SubscriptionBase:
    """The state, counters and steps of one subscriber; the flavours run the steps."""

    def __init__(self, bus, pattern, handler, mode, overflow, capacity, name, on_error, inbox):
        self.bus = bus
        self.pattern = pattern
        self.handler = handler
        self.mode = mode
        self.capacity = capacity  # the inbox's size: None for sync, policies.UNBOUNDED for unbounded
        self.overflow = overflow  # the chanlab.policies.Policy (None for sync)
        self.policy = overflow.name if overflow is not None else None  # its name
        self.name = name
        self.on_error = on_error
        self.errors = []  # HandlerError(topic, event, exception), in order
        self._segments = _segments(pattern, "pattern")
        self._inbox = inbox
        self._state = "open"  # -> "bus closed" (queued events are still handled) or "unsubscribed"
        self._lock = threading.Lock()  # guards the counters (publishers and the goroutine race)
        self._published = self._delivered = self._dropped = self._high_water = 0
        self._goroutine = None  # the handler's goroutine (async subscribers with a handler)

    @property
    def active(self):
        """True while the subscriber accepts new events."""
        return self._state == "open"

    @property
    def stats(self):
        """A :class:`Stats` snapshot of the counters."""
        with self._lock:
            return Stats(self._published, self._delivered, self._dropped, len(self.errors),
                         self._high_water, len(self._inbox) if self._inbox is not None else 0)

    def close(self):
        """Unsubscribe: ``bus.unsubscribe(self)``."""
        self.bus.unsubscribe(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __repr__(self):
        s = self.stats
        kind = self.mode if self.handler is not None else "pull"
        extra = f" {self.overflow.label} cap=" \
                f"{self._inbox.cap if self.capacity != _policies.UNBOUNDED else 'unbounded'}" \
            if self._inbox is not None else ""
        return (f"<Subscription {self.name!r} to {self.pattern!r} {kind}{extra} {self._state}: "
                f"published={s.published} delivered={s.delivered} dropped={s.dropped} "
                f"errors={s.errors} high_water={s.high_water}>")

    # --- the steps, run by the flavour's driver (each yield is a call that may wait) ----------------
    def _calling(self, topic, event):
        """Run the handler on one event. An exception becomes data (``self.errors``); if
        ``on_error`` raises, that is a bug that must not be hidden: it propagates."""
        error = None
        try:
            yield self.handler, (topic, event)
        except Exception as exc:  # a failing handler must not stop the others
            error = self._failed(topic, event, exc)
        finally:
            self._count_delivered()
        if error is not None and self.on_error is not None:
            yield self.on_error, tuple(error)

    def _offering(self, item, remaining):
        """Put ``item`` in the inbox as the policy says: True if queued, False if dropped. A wait
        that runs out of the publisher's ``remaining`` seconds counts the drop, then raises
        ``TimeoutError``; one that runs out of the policy's own time (``block_timeout``) drops."""
        self._count_published()
        inbox, overflow = self._inbox, self.overflow
        try:
            queued = overflow.offer(inbox, item, self._drop)  # the step that never waits
            if queued is _policies.WAIT:
                wait, own = overflow.patience(remaining)
                try:
                    yield inbox.send, (item, wait)  # ch <- e, for at most `wait` seconds
                except TimeoutError:
                    if not own:
                        raise
                    self._drop(item)  # select { case ch <- e: case <-time.After(d): }
                    return False
                queued = True
        except ClosedChannelError:  # unsubscribed, or the bus closed, while we offered it
            self._drop(item)
            return False
        except BaseException:  # the publisher's timeout, a deadlock, an interrupt: it was not sent
            self._drop(item)
            raise
        if queued:
            self._queued()
        return queued

    def _serving(self):
        """The subscriber's goroutine: ``for e := range inbox { handler(e) }``."""
        _depth.set(0)
        try:
            while True:
                item, ok = yield self._inbox.recv_ok, ()
                if not ok:
                    return
                if self._state == "unsubscribed":  # unsubscribed: what was still queued is dropped
                    self._drop(item)
                else:
                    yield from self._calling(*item)
        except BaseException:
            # on_error raised, or the goroutine was cancelled: nothing more will be handled here,
            # so what is still queued is dropped and every event stays accounted for.
            self._shut("unsubscribed")
            self._drain_dropped()
            raise

    def _receiving(self, timeout):
        """``recv``: the next Envelope, or None once closed and drained."""
        self._check_pull("recv")
        while True:
            item, ok = yield self._inbox.recv_ok, (timeout,)
            if not ok:
                return None
            if self._state == "unsubscribed":  # unsubscribed while we waited
                self._drop(item)
                continue
            self._count_delivered()
            return item

    # --- bookkeeping --------------------------------------------------------------------------------
    def _count_published(self):
        with self._lock:
            self._published += 1

    def _count_delivered(self):
        with self._lock:
            self._delivered += 1

    def _queued(self):
        """An offer succeeded: update the high-water mark."""
        n = len(self._inbox)
        with self._lock:
            if n > self._high_water:
                self._high_water = n

    def _drop(self, item):
        """``item`` (an Envelope) will never be handled: count it and show it in the trace."""
        with self._lock:
            self._dropped += 1
        if _trace.active is not None:
            _trace.note("drop", self._inbox.name if self._inbox is not None else self.name, item)

    def _drain_dropped(self):
        """Drop what is still queued (the inbox is closed: this never waits)."""
        while (got := self._inbox.try_recv()) is not None and got[1]:
            self._drop(got[0])

    def _failed(self, topic, event, exc):
        """A handler raised: keep the error as data (and return it, for on_error)."""
        error = HandlerError(topic, event, exc)
        with self._lock:
            self.errors.append(error)
        return error

    def _shut(self, state):
        """Stop accepting events: ``"bus closed"`` (queued events are still handled) or
        ``"unsubscribed"`` (they are dropped). Closes the inbox. False if nothing changed."""
        with self._lock:
            if self._state == "unsubscribed" or self._state == state:
                return False
            self._state = state
            if self._inbox is not None and not self._inbox.closed:
                self._inbox.close()
            return True

    def _check_pull(self, what):
        if self._inbox is None or self.handler is not None:
            raise TypeError(f"{what}: subscription {self.name!r} has a handler, which receives its "
                            f"events; recv() and iteration are for subscriptions made without one "
                            f"(bus.subscribe(pattern, mode='async'))")


class BusBase:
    """What both flavours of bus share: subscribing, publishing, unsubscribing, naming. A flavour
    sets :attr:`_chan`, :attr:`_go`, :attr:`_subscription` and :meth:`_clock`."""

    _names = itertools.count(1)
    _chan = _go = _subscription = None  # the flavour's Chan, go and Subscription

    def __init__(self, name=None):
        if name is not None and not isinstance(name, str):
            raise TypeError(f"Bus(name): a name is a string, not {name!r}")
        self.name = name if name is not None else f"bus-{next(BusBase._names)}"
        self._lock = threading.Lock()
        self._subs = ()  # replaced, never changed in place: a publish walks a stable snapshot
        self._ids = itertools.count(1)
        self._running = []  # subscribers whose goroutine is not joined yet (unsubscribed ones too)
        self._closed = False

    @property
    def closed(self):
        return self._closed

    @property
    def subscriptions(self):
        """The subscriptions not unsubscribed, in the order they were made."""
        return self._subs

    def __repr__(self):
        return f"<{type(self).__name__} {self.name!r}: {len(self._subs)} subscriptions, " \
               f"{'closed' if self._closed else 'open'}>"

    def _clock(self):  # pragma: no cover - every flavour overrides it
        raise NotImplementedError

    def _can_start(self):
        """Raise if a handler's goroutine cannot be started here (asyncio: outside a loop)."""

    def _add(self, pattern, handler, mode, capacity, policy, name, on_error):
        """Check the arguments, make the subscription (with an inbox for an async one), append it
        and, for an async handler, start its goroutine (under the lock, so close() cannot miss it)."""
        _segments(pattern, "pattern")
        overflow, size = check_options(handler, mode, capacity, policy, name, on_error)
        if mode == "async" and handler is not None:
            self._can_start()
        with self._lock:
            if self._closed:
                raise BusClosedError(f"subscribe on closed bus {self.name!r}: make a new Bus")
            name = name if name is not None else default_name(handler, next(self._ids))
            inbox = None if size is None else self._chan(size, name=f"{name}.inbox")
            sub = self._subscription(self, pattern, handler, mode, overflow, size, name, on_error,
                                     inbox)
            if mode == "async" and handler is not None:
                # go func() { for e := range inbox { handler(e) } }()
                sub._goroutine = self._go(sub._serve, name=sub.name)
                self._running.append(sub)
            self._subs = self._subs + (sub,)
            return sub

    def unsubscribe(self, sub):
        """Stop ``sub`` now: it gets no later event, and what was still queued for it is dropped.

        Allowed anywhere, also inside a handler while a publish is running (that publish goes on
        with the others, and skips ``sub`` if it has not reached it yet). It does not wait: a handler
        call already running finishes (threads: so may one that was just starting); ``bus.close()``
        joins the goroutine. Unsubscribing twice does nothing.
        """
        if not isinstance(sub, SubscriptionBase) or sub.bus is not self:
            raise ValueError(f"unsubscribe({sub!r}): not a subscription of bus {self.name!r}")
        with self._lock:
            self._subs = tuple(s for s in self._subs if s is not sub)
        if sub._shut("unsubscribed") and sub._inbox is not None and sub.handler is None:
            sub._drain_dropped()  # (a subscriber with a handler: its goroutine drops them)

    def _check_open(self, topic):
        if self._closed:
            raise BusClosedError(f"publish({topic!r}) on closed bus {self.name!r}: the bus was closed, "
                                 f"so nobody would receive it")

    def _publishing(self, topic, event, timeout):
        """``publish``: offer the event to every matching subscriber, in subscription order; return
        to how many it was delivered (sync) or queued (async). Go::

            for _, s := range subs { if s.Matches(topic) { /* the policy */ s.inbox <- e } }
        """
        parts = _segments(topic, "topic")
        timeout = check_timeout(timeout)
        self._check_open(topic)
        deadline = None if timeout is None else self._clock() + timeout
        item = Envelope(topic, event)
        reached, late = 0, []
        token = nested(self.name)
        try:
            for sub in self._subs:  # a snapshot: subscribing meanwhile does not disturb it
                if sub._state != "open" or not _match(sub._segments, parts):
                    continue  # (unsubscribed by an earlier handler of this very publish: skipped)
                if sub.mode == "sync":
                    sub._count_published()
                    yield from sub._calling(topic, event)
                    reached += 1
                else:
                    remaining = None if deadline is None else max(0.0, deadline - self._clock())
                    try:
                        reached += yield from sub._offering(item, remaining)
                    except TimeoutError:
                        late.append(sub.name)
        finally:
            _depth.reset(token)
        if late:
            raise timeout_error(topic, timeout, late, reached)
        return reached
