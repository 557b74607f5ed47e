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

**When an inbox is full** (async subscribers), the subscriber's ``policy`` decides: a name or an
object of :mod:`chanlab.policies`, the same ones as the publisher of notebook 04 (``capacity`` is
read as there: ``None`` and 0 both mean no buffer asked for):

``block``          ``ch <- e``: publish waits for room (backpressure; ``publish(timeout=...)`` bounds it)
``drop_newest``    ``select`` with ``default``: the new event is dropped
``drop_oldest``    the oldest queued event is dropped to make room (needs ``capacity >= 1``)
``keep_latest``    a one-slot mailbox that always holds the newest event (capacity 1)
``unbounded``      never wait, never drop: the inbox (and the memory it holds) grows instead
``block_timeout``  wait up to ``BlockTimeout(d).timeout`` seconds for room, then drop the event
                   (``select { case ch <- e: case <-time.After(d): }``)

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
same API is :mod:`chanlab.aio.events`; the logic both share is in :mod:`chanlab.bus`.
"""
import inspect
import threading
import time

from .bus import (MAX_DEPTH, MODES, BusBase, BusClosedError, Envelope, HandlerError, Stats,
                  SubscriptionBase, drive, late_error, matches)
from .chan import Chan, check_timeout
from .errors import PanicError
from .goroutine import go
from .policies import POLICIES

__all__ = ["Bus", "Subscription", "Stats", "Envelope", "HandlerError", "BusClosedError", "matches",
           "POLICIES", "MODES", "MAX_DEPTH"]


class Subscription(SubscriptionBase):
    """One subscriber of a :class:`Bus` (threads). Made by ``bus.subscribe``; see the module docs."""

    def _serve(self):
        """The subscriber's goroutine: ``for e := range inbox { handler(e) }``."""
        drive(self._serving())

    def recv(self, timeout=None):
        """The next :class:`Envelope` ``(topic, event)``; ``None`` once the subscription is closed
        (unsubscribed, or the bus closed) and its inbox drained. Raises ``TimeoutError`` if nothing
        came within ``timeout`` seconds. Only for subscriptions made without a handler."""
        return drive(self._receiving(timeout))

    def __iter__(self):
        """``for topic, event in sub:``, until the subscription is closed and drained."""
        self._check_pull("iteration")
        while (item := self.recv()) is not None:
            yield item


class Bus(BusBase):
    """An event bus for threads. ``Bus(name)``; see the module docs for the whole story.

    ``with Bus() as bus:`` closes it (and joins its goroutines) at the end of the block.
    """

    _chan, _subscription = Chan, Subscription
    _go = staticmethod(go)
    _clock = staticmethod(time.monotonic)

    def subscribe(self, pattern, handler=None, *, mode="sync", capacity=None, policy="block",
                  name=None, on_error=None):
        """Subscribe to the topics that match ``pattern`` (``*`` one segment, ``#`` zero or more).

        ``handler(topic, event)`` runs inside publish (``mode="sync"``) or in the subscriber's own
        goroutine, fed by an inbox of ``capacity`` whose overflow ``policy`` is a name of
        :data:`chanlab.policies.NAMES` or a :class:`chanlab.policies.Policy` (``mode="async"``).
        Without a handler (``mode="async"``), read the events with ``sub.recv(timeout=...)`` or
        ``for topic, event in sub``. ``name`` labels the subscriber (and its goroutine and inbox)
        in traces. ``on_error(topic, event, exception)`` is told about every handler error.
        Returns the :class:`Subscription`.
        """
        if inspect.iscoroutinefunction(handler):
            raise TypeError(f"handler {handler.__name__!r} is an 'async def' function: threads cannot "
                            f"await it. Use chanlab.aio.events.Bus, or a plain function")
        return self._add(pattern, handler, mode, capacity, policy, name, on_error)

    def publish(self, topic, event=None, *, timeout=None):
        """Offer ``event`` to every subscriber whose pattern matches ``topic``, in subscription order;
        return to how many it was delivered (sync) or queued (async).

        Sync handlers run here, in this thread, before publish returns; a handler that raises does
        not stop the others. For an async subscriber with a full inbox its policy decides; with
        ``block``, ``timeout`` (seconds, for the whole publish) bounds the wait: the subscribers whose
        inbox stayed full have the event counted as dropped, and publish raises ``TimeoutError``.
        (``block_timeout`` has a limit of its own: when that passes first, the event is dropped for
        that subscriber and publish goes on without an error.)
        Raises :class:`BusClosedError` once the bus is closed.
        """
        return drive(self._publishing(topic, event, timeout))

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
                    g.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
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
