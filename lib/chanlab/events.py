"""An event bus: publish/subscribe over topics, the observer pattern and its asynchronous twin.

An *event* says that something happened (``order.placed``). Whoever publishes it does not know who
listens, or whether anybody does: the bus hands it to every subscriber whose *pattern* matches the
topic. That is what "event-driven" means here. A subscriber is one of three kinds:

``mode="sync"``              the observer pattern: ``handler(topic, event)`` runs inside
                             ``publish``, in the publisher's thread, before ``publish`` returns
``mode="async"``             each subscriber gets its own channel (an *inbox*) and a goroutine that
                             runs its handler: ``publish`` only queues the event
``mode="async"``, no handler a pull subscription: the inbox is read by your own loop,
                             ``sub.recv(timeout=...)`` or ``for topic, event in sub:``

Go has no event bus in its standard library; the one people write by hand is a list of channels, one
per subscriber, and a loop that offers each event to every one of them::

    type Bus struct {
        mu   sync.Mutex
        subs []*Sub                        // each with a pattern and an inbox: chan Event
    }

    func (b *Bus) Publish(topic string, e Event) {
        b.mu.Lock()
        defer b.mu.Unlock()
        for _, s := range b.subs {
            if !s.Matches(topic) { continue }
            select {
            case s.inbox <- e:               // queued for the subscriber's goroutine
            default:                         // its inbox is full: the policy decides (here: drop)
            }
        }
    }

    go func() { for e := range s.inbox { s.handler(e) } }()    // one goroutine per subscriber

chanlab::

    bus = Bus("shop")
    bus.subscribe("order.*", audit)                           # sync: audit(topic, event) runs in publish
    bus.subscribe("order.#", ship, mode="async", capacity=8, policy="drop_oldest")
    feed = bus.subscribe("#", mode="async", capacity=100)     # pull: no handler
    bus.publish("order.placed", {"id": 1})                     # 3: delivered or queued to 3 subscribers
    bus.close(timeout=5)                                       # drain every inbox, join every goroutine

**Topics and patterns** (AMQP style, as in RabbitMQ's topic exchanges). A topic is a dot-separated
string of non-empty segments, ``order.placed``. A pattern may use two wildcards, each a whole
segment: ``*`` matches exactly one segment, ``#`` matches zero or more. So ``order.*`` matches
``order.placed`` but not ``order`` or ``order.placed.eu``; ``order.#`` matches all three. (NATS
writes ``#`` as ``>``, which matches *one* or more; this bus does not accept ``>``.) See
:func:`matches`.

**When an inbox is full** (async subscribers), the subscriber's ``policy`` decides; the names are those
of :mod:`chanlab.experiments.publisher`:

``block``        ``ch <- e``: publish waits for room (backpressure; ``publish(timeout=...)`` bounds it)
``drop_newest``  ``select`` with ``default``: the new event is dropped
``drop_oldest``  the oldest queued event is dropped to make room (needs ``capacity >= 1``)
``keep_latest``  a one-slot mailbox that always holds the newest event (capacity 1)
``unbounded``    never wait, never drop: the inbox (and the memory it holds) grows instead

**Every event is accounted for.** ``sub.stats`` counts ``published`` (matching events offered to the
subscriber), ``delivered`` (handled, or received by ``recv``), ``dropped``, ``errors`` (handlers that
raised; they count as delivered too), ``high_water`` (the most events ever waiting in its inbox) and
``queued`` (waiting now). At any quiet moment ``published == delivered + dropped + queued``; after
``bus.close()`` ``queued`` is 0 for every subscriber with a handler. Drops are recorded as ``drop``
events in the active :mod:`chanlab.trace`, so timelines show them.

**Ordering.** Late subscribers miss earlier events: there is no replay. Per subscriber, the events of
one publisher are handled in the order they were published (an inbox is FIFO and has one goroutine),
with gaps where events were dropped. The order breaks in two places:

* several publishers (threads, or tasks that wait in a ``block`` publish): their events reach each
  subscriber in whatever order the publish calls happen to interleave, and two subscribers may see
  two such events in different orders. A sync handler runs in each publisher's thread, so with
  several publishing threads it can run in several threads at once: guard its state with a lock;
* re-entrancy: a sync handler that publishes dispatches the new event *depth-first*, at once, like the
  function call it is (as pyee and blinker do). Subscribers after that handler then receive the new
  event *before* the one being dispatched. A publish nested more than ``MAX_DEPTH`` deep (a handler
  whose event reaches itself again) raises ``RecursionError``, which becomes that handler's error.
  An async handler that publishes is simply one more publisher, in its own goroutine; with the
  ``block`` policy it can end up waiting for room in its own inbox, so give such a publish a timeout.

**Errors are data.** A handler that raises does not stop the others: the exception is stored in
``sub.errors`` as a :class:`HandlerError` ``(topic, event, exception)``, counted in
``sub.stats.errors``, and passed to ``on_error(topic, event, exception)`` if you gave one. Nothing is
printed or warned. If ``on_error`` itself raises, that is treated as a bug that must not be hidden: in a
sync subscriber the exception leaves ``publish`` (the subscribers after it do not get that event); in
an async one it ends the goroutine like a Go panic (``bus.close()`` raises ``PanicError``) and the
events still in its inbox are counted as dropped.

**Closing.** ``bus.close(timeout=...)`` stops accepting events (``publish`` then raises
:class:`BusClosedError`), closes every inbox, lets each handler goroutine finish what is queued, and
joins them all: no thread is left behind. A handler that does not finish in time makes ``close`` raise
``TimeoutError`` naming it; call ``close`` again to keep waiting. Pull subscriptions keep what is in
their inbox for your loop to drain (Go: receivers drain a closed channel). ``sub.close()`` (or
``bus.unsubscribe(sub)``), allowed anywhere, even inside a handler during a publish, is different: it
means *stop listening now*: the subscriber gets no later event, what was still queued for it is
dropped, and once ``unsubscribe`` has returned its handler is not called again (in the threads flavour,
except for one call that its goroutine was starting at that very instant; a call already running
finishes). Events published concurrently with ``close`` or ``unsubscribe`` are either handled or
counted as dropped, never lost.

**Compared with what Python programmers use.** `pyee <https://pypi.org/project/pyee/>`_
(``ee.on("placed", f)``, ``ee.emit("placed", order)``) is Node's EventEmitter: exact event names, no
wildcards, handlers called synchronously in the emitter, and an exception in a handler propagates out
of ``emit`` (its asyncio emitter schedules coroutine handlers as fire-and-forget tasks and emits their
errors as an ``"error"`` event). `blinker <https://pypi.org/project/blinker/>`_ (``signal("placed")``,
``.connect(f)``, ``.send(sender, **data)``) calls receivers synchronously and returns their results,
holds them by weak reference by default, and lets a receiver's exception stop the send. Neither has
inboxes, so neither has backpressure, drop policies or counters: a slow handler simply slows the
publisher. This module stays small so that it can be read in one sitting; the asyncio twin with the
same API is :mod:`chanlab.aio.events`.
"""
import contextvars
import inspect
import itertools
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any, NamedTuple

from . import trace as _trace
from .chan import Chan, check_capacity, check_timeout
from .errors import ClosedChannelError, PanicError
from .goroutine import go
from .select import select

__all__ = ["Bus", "Subscription", "Stats", "Envelope", "HandlerError", "BusClosedError", "matches",
           "POLICIES", "MODES", "MAX_DEPTH"]

#: What a subscriber's full inbox does to a publisher (the names of chanlab.experiments.publisher).
POLICIES = ("block", "drop_newest", "drop_oldest", "keep_latest", "unbounded")
#: "sync": the handler runs inside publish; "async": the subscriber has an inbox (and a goroutine).
MODES = ("sync", "async")
#: How deeply sync handlers may publish from inside publish before it is called runaway recursion.
MAX_DEPTH = 32
UNBOUNDED = sys.maxsize  # the capacity of an inbox that never fills

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


# --- checking subscribe()'s arguments (shared with chanlab.aio.events) ----------------------------------
def check_options(handler, mode, capacity, policy, name, on_error):
    """Raise a clear error for a bad combination of subscribe() arguments; return the inbox size
    (None for a sync subscriber, which has no inbox)."""
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
    if policy not in POLICIES:
        raise ValueError(f"unknown policy {policy!r}: choose one of {', '.join(POLICIES)}")
    capacity = check_capacity(capacity)
    if mode == "sync":
        if handler is None:
            raise ValueError("a sync subscriber needs a handler (it is called inside publish); for a "
                             "subscription that you read with recv() or a for loop, pass mode='async'")
        if capacity != 0 or policy != "block":
            raise ValueError("capacity and policy describe an async subscriber's inbox; a sync "
                             "subscriber has none: pass mode='async' to use them")
        return None
    if policy == "unbounded":
        if capacity != 0:
            raise ValueError("the unbounded policy has no capacity: leave capacity at 0")
        return UNBOUNDED
    if policy == "keep_latest":
        if capacity not in (0, 1):
            raise ValueError("keep_latest is a one-slot mailbox: leave capacity at 0 (or 1)")
        return 1
    if policy == "drop_oldest" and capacity == 0:
        raise ValueError("drop_oldest drops from a buffer: give it a capacity >= 1")
    return capacity


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
    names = ", ".join(f"{sub.name} ({len(sub._inbox)} events waiting)" for sub in late)
    return TimeoutError(f"bus {bus_name!r} closed, but after {timeout} s these handlers were still "
                        f"running: {names}. Call close() again to keep waiting")


def timeout_error(topic, timeout, late, reached):
    return TimeoutError(
        f"publish({topic!r}) timed out after {timeout} s: the inbox of {', '.join(late)} stayed full "
        f"(policy 'block'), so the event was dropped for {'it' if len(late) == 1 else 'them'}; it was "
        f"delivered or queued to {reached} other subscriber(s)")


# --- what both flavours share -----------------------------------------------------------------------
class SubscriptionBase:
    """The state and counters of one subscriber; the flavours add how events move."""

    def __init__(self, bus, pattern, handler, mode, capacity, policy, name, on_error, inbox):
        self.bus = bus
        self.pattern = pattern
        self.handler = handler
        self.mode = mode
        self.capacity = capacity  # the inbox's size: None for sync, sys.maxsize for unbounded
        self.policy = policy if mode == "async" else None
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
        extra = f" {self.policy} cap={self._inbox.cap if self.capacity != UNBOUNDED else 'unbounded'}" \
            if self._inbox is not None else ""
        return (f"<Subscription {self.name!r} to {self.pattern!r} {kind}{extra} {self._state}: "
                f"published={s.published} delivered={s.delivered} dropped={s.dropped} "
                f"errors={s.errors} high_water={s.high_water}>")

    # --- bookkeeping, called by the bus and by the subscriber's goroutine ----------------------------
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
    """What both flavours of bus share: subscribing, unsubscribing, naming."""

    _names = itertools.count(1)

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

    def _add(self, make, pattern, handler, mode, capacity, policy, name, on_error):
        """Check the arguments, make the subscription (``make(..., inbox_capacity)``), append it and,
        for an async handler, start its goroutine (under the lock, so that close() cannot miss it)."""
        _segments(pattern, "pattern")
        inbox_cap = check_options(handler, mode, capacity, policy, name, on_error)
        with self._lock:
            if self._closed:
                raise BusClosedError(f"subscribe on closed bus {self.name!r}: make a new Bus")
            name = name if name is not None else default_name(handler, next(self._ids))
            sub = make(self, pattern, handler, mode, inbox_cap, policy, name, on_error)
            if mode == "async" and handler is not None:
                sub._goroutine = self._start(sub)
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


# --- the threads flavour -----------------------------------------------------------------------------
def _remaining(deadline):
    return None if deadline is None else max(0.0, deadline - time.monotonic())


class Subscription(SubscriptionBase):
    """One subscriber of a :class:`Bus` (threads). Made by ``bus.subscribe``; see the module docs."""

    def _call(self, topic, event):
        """Run the handler on one event. An exception becomes data (``self.errors``)."""
        error = None
        try:
            self.handler(topic, event)
        except Exception as exc:  # a failing handler must not stop the others
            error = self._failed(topic, event, exc)
        finally:
            self._count_delivered()
        if error is not None and self.on_error is not None:
            self.on_error(*error)  # if this raises, it is a bug that must not be hidden: it propagates

    def _offer(self, item, deadline):
        """Put ``item`` in the inbox as the policy says. True if queued, False if dropped. A ``block``
        offer that runs out of time counts the drop, then raises ``TimeoutError``."""
        self._count_published()
        inbox = self._inbox
        try:
            if self.policy in ("block", "unbounded"):
                inbox.send(item, timeout=_remaining(deadline))  # ch <- e (never waits when unbounded)
            elif self.policy == "drop_newest":
                if select(inbox.sending(item), default=True).index is None:  # select { case ch <- e: default: }
                    self._drop(item)
                    return False
            else:  # drop_oldest, keep_latest: evict the oldest queued event until the new one fits
                while select(inbox.sending(item), default=True).index is None:
                    old = select(inbox.receiving(), default=True)
                    if old.index is not None and old.ok:
                        self._drop(old.value)
        except ClosedChannelError:  # unsubscribed, or the bus closed, while we offered it
            self._drop(item)
            return False
        except BaseException:  # a timeout, a deadlock, an interrupt: it was not sent
            self._drop(item)
            raise
        self._queued()
        return True

    def _serve(self):
        """The subscriber's goroutine: ``for e := range inbox { handler(e) }``."""
        _depth.set(0)
        inbox = self._inbox
        try:
            for item in inbox:
                if self._state == "unsubscribed":  # unsubscribed: what was still queued is dropped
                    self._drop(item)
                else:
                    self._call(*item)
        except BaseException:
            # on_error raised (or worse): the goroutine panics. Nothing more will be handled here,
            # so what is still queued is dropped and every event stays accounted for.
            self._shut("unsubscribed")
            self._drain_dropped()
            raise

    def _drain_dropped(self):
        for item in self._inbox:  # closed: this never waits
            self._drop(item)

    def recv(self, timeout=None):
        """The next :class:`Envelope` ``(topic, event)``; ``None`` once the subscription is closed
        (unsubscribed, or the bus closed) and its inbox drained. Raises ``TimeoutError`` if nothing
        came within ``timeout`` seconds. Only for subscriptions made without a handler."""
        self._check_pull("recv")
        while True:
            item, ok = self._inbox.recv_ok(timeout)
            if not ok:
                return None
            if self._state == "unsubscribed":  # unsubscribed while we waited
                self._drop(item)
                continue
            self._count_delivered()
            return item

    def __iter__(self):
        """``for topic, event in sub:``, until the subscription is closed and drained."""
        self._check_pull("iteration")
        while (item := self.recv()) is not None:
            yield item


class Bus(BusBase):
    """An event bus for threads. ``Bus(name)``; see the module docs for the whole story.

    ``with Bus() as bus:`` closes it (and joins its goroutines) at the end of the block.
    """

    def subscribe(self, pattern, handler=None, *, mode="sync", capacity=0, policy="block", name=None,
                  on_error=None):
        """Subscribe to the topics that match ``pattern`` (``*`` one segment, ``#`` zero or more).

        ``handler(topic, event)`` runs inside publish (``mode="sync"``) or in the subscriber's own
        goroutine, fed by an inbox of ``capacity`` whose overflow ``policy`` is one of
        :data:`POLICIES` (``mode="async"``). Without a handler (``mode="async"``), read the events
        with ``sub.recv(timeout=...)`` or ``for topic, event in sub``. ``name`` labels the subscriber
        (and its goroutine and inbox) in traces. ``on_error(topic, event, exception)`` is told about
        every handler error. Returns the :class:`Subscription`.
        """
        if inspect.iscoroutinefunction(handler):
            raise TypeError(f"handler {handler.__name__!r} is an 'async def' function: threads cannot "
                            f"await it. Use chanlab.aio.events.Bus, or a plain function")
        return self._add(_make, pattern, handler, mode, capacity, policy, name, on_error)

    def _start(self, sub):
        return go(sub._serve, name=sub.name)  # go func() { for e := range inbox { handler(e) } }()

    def publish(self, topic, event=None, *, timeout=None):
        """Offer ``event`` to every subscriber whose pattern matches ``topic``, in subscription order;
        return to how many it was delivered (sync) or queued (async).

        Sync handlers run here, in this thread, before publish returns; a handler that raises does
        not stop the others. For an async subscriber with a full inbox its policy decides; with
        ``block``, ``timeout`` (seconds, for the whole publish) bounds the wait: the subscribers whose
        inbox stayed full have the event counted as dropped, and publish raises ``TimeoutError``.
        Raises :class:`BusClosedError` once the bus is closed.
        """
        parts = _segments(topic, "topic")
        timeout = check_timeout(timeout)
        self._check_open(topic)
        deadline = None if timeout is None else time.monotonic() + timeout
        item = Envelope(topic, event)
        reached, late = 0, []
        token = nested(self.name)
        try:
            for sub in self._subs:  # a snapshot: subscribing meanwhile does not disturb it
                if sub._state != "open" or not _match(sub._segments, parts):
                    continue  # (unsubscribed by an earlier handler of this very publish: skipped)
                if sub.mode == "sync":
                    sub._count_published()
                    sub._call(topic, event)
                    reached += 1
                else:
                    try:
                        reached += sub._offer(item, deadline)
                    except TimeoutError:
                        late.append(sub.name)
        finally:
            _depth.reset(token)
        if late:
            raise timeout_error(topic, timeout, late, reached)
        return reached

    def close(self, timeout=None):
        """Stop accepting events, let every handler goroutine finish what is in its inbox, and join
        them all. Go::

            for _, s := range subs { close(s.inbox) }
            wg.Wait()

        Raises ``TimeoutError`` naming the handlers still running after ``timeout`` seconds (they keep
        running: call ``close`` again to wait more), and ``PanicError`` if a goroutine panicked
        (its ``on_error`` raised). Closing a closed bus only finishes the joining.
        """
        timeout = check_timeout(timeout)
        me = threading.current_thread()
        with self._lock:
            if any(sub._goroutine.thread is me for sub in self._running):
                raise RuntimeError(
                    f"bus.close() inside the async handler of {me.name!r} would wait for its own "
                    f"goroutine: close the bus from outside (for example after the publisher is done)")
            self._closed = True
            subs, running = self._subs, list(self._running)
        for sub in subs:
            sub._shut("bus closed")
        deadline = None if timeout is None else time.monotonic() + timeout
        late, panics = [], {}
        for sub in running:
            g = sub._goroutine
            while True:
                try:
                    g.join(_remaining(deadline))
                    break
                except TimeoutError:
                    late.append(sub)
                    break
                except PanicError as err:  # this goroutine's panic, or another one's seen while waiting
                    panics.setdefault(id(err.exc), err)
                    if getattr(err, "source", g) is g:
                        break
        with self._lock:
            self._running = [sub for sub in self._running if sub in late]
        if late:
            raise late_error(self.name, timeout, late)
        if panics:
            raise next(iter(panics.values()))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def _make(bus, pattern, handler, mode, inbox_cap, policy, name, on_error):
    inbox = None if inbox_cap is None else Chan(inbox_cap, name=f"{name}.inbox")
    return Subscription(bus, pattern, handler, mode, inbox_cap, policy, name, on_error, inbox)
