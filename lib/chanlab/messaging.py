"""Message-driven work queues: acks, redelivery, dead letters, idempotency and request/reply.

A channel hands a value to one receiver and forgets it: if that receiver dies halfway, the work is
gone. A *work queue* keeps every message until a consumer says it is done. A consumer *pulls* a
message (``get``), works on it, and settles it: ``ack`` (done: forget it), ``nack`` (failed: deliver
it again after a backoff) or ``term`` (hopeless: set it aside as a dead letter). A consumer that
says nothing within ``ack_timeout`` -- it crashed, or hangs -- gets the message taken back and
delivered again, to whoever asks next. After ``max_deliveries`` attempts the message is a dead
letter. So every message is processed *at least once*; a message can be processed twice (the
first consumer did the work but its ack came too late), so handlers must be *idempotent*:
:class:`IdempotencyStore` applies each message id's effect exactly once.

Go has no work queue; by hand it is a job channel, a map of jobs in flight and a timer per job::

    type Job struct { ID string; Body []byte; Attempt int }
    jobs := make(chan Job, 100)
    inFlight := map[string]*time.Timer{}          // guarded by a mutex
    // a worker: j := <-jobs; t := time.AfterFunc(ackWait, func() { jobs <- j }) ...; t.Stop()

NATS JetStream (Go client ``nats.go/jetstream``), whose ideas this module mirrors::

    js.CreateStream(ctx, jetstream.StreamConfig{Name: "JOBS", Subjects: []string{"jobs"},
        Retention: jetstream.WorkQueuePolicy})               // a message is kept until acked
    cons, _ := js.CreateOrUpdateConsumer(ctx, "JOBS", jetstream.ConsumerConfig{Durable: "workers",
        AckPolicy: jetstream.AckExplicitPolicy, AckWait: 30 * time.Second, MaxDeliver: 5})
    js.Publish(ctx, "jobs", body, jetstream.WithMsgID("order-17"))
    msg, _ := cons.Next()                                     // pull one message
    if err := handle(msg.Data()); err != nil { msg.Nak() } else { msg.Ack() }

chanlab::

    q = WorkQueue("jobs", ack_timeout=30, max_deliveries=5)
    q.put(body, id="order-17")
    msg = q.get(timeout=5)
    try:
        handle(msg.body)
    except Exception:
        msg.nack()
    else:
        msg.ack()

What maps to what (chanlab.aio.messaging has the same names, awaited, like nats-py):

===================  ==========================  ==========================  =========================
idea                 chanlab                     NATS JetStream              Celery / RQ
===================  ==========================  ==========================  =========================
the queue            ``WorkQueue("jobs")``       a WorkQueue-retention       a broker queue
                                                 stream + a pull consumer    (RabbitMQ, Redis)
send a job           ``q.put(body, id=...)``     ``js.Publish``; an id in    ``task.delay(...)``,
                                                 ``Nats-Msg-Id`` dedupes     ``queue.enqueue(f)``
competing consumers  goroutines calling ``get``  clients of one consumer     worker processes
pull one             ``q.get(timeout=...)``      ``cons.Next()``, ``Fetch``  the worker's loop
done                 ``msg.ack()``               ``msg.Ack()``               the task returns
failed, try again    ``msg.nack(delay=...)``     ``Nak``, ``NakWithDelay``   ``self.retry(countdown)``
give up now          ``msg.term()``              ``msg.Term()``              ``Reject(requeue=False)``
still working        ``msg.in_progress()``       ``msg.InProgress()``        -
crash detection      ``ack_timeout``             ``AckWait`` (30 s)          visibility timeout
attempt number       ``msg.attempt``             ``NumDelivered``            ``request.retries + 1``
most attempts        ``max_deliveries``          ``MaxDeliver``              ``max_retries``
wait between tries   ``backoff``                 ``BackOff``                 ``retry_backoff``
dead letters         ``q.dead_letters``          none: advisories            RQ: failed job registry
                                                 (MAX_DELIVERIES, ...)
backpressure         ``capacity``: put waits     ``MaxMsgs``: publish fails  -
request/reply        ``q.request(b, timeout=)``  ``nc.Request`` (an inbox)   ``result.get(timeout=)``
===================  ==========================  ==========================  =========================

Where chanlab differs from JetStream, on purpose: ``nack()`` waits ``backoff(attempt)`` seconds
(Celery's retry backoff; JetStream's plain ``Nak()`` redelivers at once, which is ``nack(delay=0)``,
and its ``BackOff`` list stretches the AckWait of each redelivery instead); an ack of a delivery
whose ack timeout already ran out raises :class:`AckError` (JetStream silently accepts or ignores
it), so the mistake shows; a full queue makes ``put`` wait (backpressure) where JetStream's publish
fails; and dead letters are kept in a list (JetStream only announces them). Celery acks a task
*before* running it unless ``acks_late=True``: by default a crashed worker loses the task (at most
once); with it, the broker's visibility timeout (Redis, SQS) plays the part of ``ack_timeout``.

``ack_timeout``, backoff delays and message times use ``time.monotonic()`` here, and the event
loop's clock (virtual under ``aio.run(..., virtual_time=True)``) in :mod:`chanlab.aio.messaging`.

Trace events (``with trace.tracing() as tr``), on the queue's name, with the message id as value:
``put``, ``duplicate`` (an id still in the queue: ignored), ``deliver``, ``redeliver`` (attempt 2 and
later), ``ack``, ``nack``, ``term``, ``ack_timeout`` (by ``timer``), ``dead_letter``, ``close``, and
``crash`` (a worker of :func:`consume` died holding the message); ``reply`` and ``reply_ignored`` on
the inbox (``jobs.replies``). A consumer waiting in ``get`` shows as ``block``/``unblock``, as on a
channel.
"""
import inspect
import itertools
import math
import threading
import time
import weakref
from collections import deque
from dataclasses import dataclass
from typing import Any

from . import args
from . import timers as _timers
from . import trace as _trace
from .chan import Chan, check_timeout
from .errors import ClosedChannelError
from .goroutine import go
from .runtime import block, current_g, ready, will_park
from .sync import WaitGroup

__all__ = [
    "WorkQueue", "Message", "Stats", "DeadLetter", "exponential",
    "consume", "Workers", "WorkerStats", "Crash",
    "IdempotencyStore", "Inbox",
    "AckError", "ClosedQueueError", "InProgressError",
]


# --------------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------------


class AckError(RuntimeError):
    """A delivery was settled (``ack``, ``nack``, ``term``, ``in_progress``) when it no longer could
    be: it was settled already, or its ack timeout ran out and the queue took the message back."""


class ClosedQueueError(ClosedChannelError):
    """``put`` on a closed work queue, or ``close`` twice (Go: ``send on closed channel``)."""


class InProgressError(RuntimeError):
    """:meth:`IdempotencyStore.run`: another delivery of the same message id is being handled right
    now (its ack timed out and it was delivered again). :func:`consume` nacks it: try again later."""


class Crash(Exception):
    """Raise it in a :func:`consume` handler to simulate a worker that dies on the spot: no ack, no
    nack, the worker goroutine ends. The queue notices only when the ack timeout runs out, and then
    delivers the message again (a new worker replaces the dead one unless ``restart=False``)."""


# --------------------------------------------------------------------------------------------------
# Checking arguments (shared with chanlab.aio.messaging)
# --------------------------------------------------------------------------------------------------


def _is_number(x):
    return not isinstance(x, bool) and isinstance(x, (int, float)) and not math.isnan(x)


def check_seconds(value, what, *, positive=False, allow_none=False, none_means="no limit"):
    """``value`` (as given) if it is seconds >= 0 (> 0 with ``positive``; ``math.inf`` allowed), or
    ``TypeError`` / ``ValueError`` from :func:`chanlab.args.seconds` naming ``what``."""
    args.seconds(value, what, positive=positive, allow_none=allow_none, finite=False,
                 none_means=none_means)
    return value


def check_count(value, what, minimum, allow_none=False):
    """``value`` as an int >= ``minimum`` (or None with ``allow_none``: no limit), or ``TypeError`` /
    ``ValueError`` from :func:`chanlab.args.count` naming ``what``."""
    return args.count(value, what, minimum=minimum, allow_none=allow_none)


def check_id(id):
    """A message id: a str or an int (None lets the queue make one); shared by both flavours."""
    if isinstance(id, bool) or not isinstance(id, (str, int)):
        raise TypeError(f"a message id is a str or an int (or None to let the queue make one), not "
                        f"{type(id).__name__} {id!r}")
    return id


def check_request_timeout(timeout):
    if timeout is None:
        raise ValueError("request() needs timeout=seconds: without one, a lost request or reply "
                         "would make it wait forever (NATS requests always have a timeout)")
    return check_timeout(timeout)


# --------------------------------------------------------------------------------------------------
# Backoff: how long a nacked message waits before it is delivered again
# --------------------------------------------------------------------------------------------------


class _Exponential:
    __slots__ = ("first", "factor", "cap")

    def __init__(self, first, factor, cap):
        self.first = check_seconds(first, "exponential(first=...)")
        args.number(factor, "exponential(factor=...)", minimum=1)
        self.factor = factor
        self.cap = check_seconds(cap, "exponential(cap=...)")

    def __call__(self, attempt):
        try:
            return min(self.cap, self.first * self.factor ** (attempt - 1))
        except OverflowError:
            return self.cap

    def __repr__(self):
        return f"exponential(first={self.first:g}, factor={self.factor:g}, cap={self.cap:g})"


def exponential(first=1.0, factor=2.0, cap=30.0):
    """A backoff: wait ``first`` seconds after attempt 1 fails, ``first * factor`` after attempt 2,
    and so on, never more than ``cap`` (Celery: ``retry_backoff``, ``retry_backoff_max``).

    ``exponential(0.1, 2, 1)`` waits 0.1, 0.2, 0.4, 0.8, 1, 1, ... seconds.
    """
    return _Exponential(first, factor, cap)


def check_backoff(backoff):
    """A ``backoff`` is one of: a number (the same wait every time); a tuple or list of waits, one
    per attempt, the last one repeated (JetStream's ``BackOff``); a function ``attempt -> seconds``
    (such as :func:`exponential`)."""
    if callable(backoff):
        return backoff
    if isinstance(backoff, (int, float)) and not isinstance(backoff, bool):  # NaN too: ValueError
        return check_seconds(backoff, "backoff")
    if isinstance(backoff, (tuple, list)) and backoff:
        return tuple(check_seconds(b, f"backoff[{i}]") for i, b in enumerate(backoff))
    raise TypeError(f"backoff must be seconds, a non-empty tuple of seconds (one per attempt), or a "
                    f"function attempt -> seconds such as exponential(0.1, 2, 5); not {backoff!r}")


def backoff_delay(backoff, attempt):
    """The wait after attempt number ``attempt`` (1, 2, ...) failed."""
    if callable(backoff):
        delay = backoff(attempt)
        if not _is_number(delay) or delay < 0 or math.isinf(delay):
            raise ValueError(f"backoff({attempt}) returned {delay!r}; it must return seconds >= 0")
        return delay
    if isinstance(backoff, tuple):
        return backoff[min(attempt, len(backoff)) - 1]
    return backoff


# --------------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stats:
    """A snapshot of a queue's counters (``q.stats``).

    ``depth``: messages waiting to be delivered (ready, or waiting out a backoff); ``in_flight``:
    delivered and not yet settled; ``high_water``: the most messages held at once
    (``depth + in_flight``), which ``capacity`` bounds. ``delivered`` counts every delivery,
    ``redelivered`` those of attempt 2 and later; ``timed_out`` deliveries whose ack timeout ran out;
    ``duplicates`` puts ignored because a message with that id was still in the queue.
    """

    put: int
    duplicates: int
    delivered: int
    redelivered: int
    acked: int
    nacked: int
    timed_out: int
    dead_lettered: int
    in_flight: int
    depth: int
    high_water: int


@dataclass(frozen=True)
class DeadLetter:
    """A message the queue gave up on: ``reason`` is ``"term"`` (or the reason given to ``term``), or
    says that ``max_deliveries`` was reached; ``attempts`` is how often it was delivered."""

    id: Any
    body: Any
    attempts: int
    reason: str
    at: float


class _Entry:
    """A message while it is in the queue (JetStream: a stored message and its pending state)."""

    __slots__ = ("id", "body", "reply_to", "published", "attempt", "first_delivered",
                 "last_delivered", "timer", "gen", "state")

    def __init__(self, id, body, reply_to):
        self.id, self.body, self.reply_to = id, body, reply_to
        self.published = self.first_delivered = self.last_delivered = None
        self.attempt = 0  # deliveries so far: the one in flight is this attempt
        self.timer = None  # its ack timer, or its backoff timer while it waits
        self.gen = 0  # bumped whenever its timer is set or stopped: a stale timer does nothing
        self.state = "new"  # ready, waiting (backoff), in flight, acked, dead


class MessageBase:
    """One delivery of a message, shared by both flavours: what a consumer gets from ``get``."""

    __slots__ = ("_queue", "_entry", "id", "body", "attempt", "published", "first_delivered",
                 "last_delivered", "reply_to", "_settled")

    def __init__(self, queue, entry):
        self._queue = queue
        self._entry = entry
        self.id = entry.id  #: the message id (also the correlation id of a request)
        self.body = entry.body
        self.attempt = entry.attempt  #: 1 for the first delivery, 2 for the first redelivery, ...
        self.published = entry.published  #: when it was put
        self.first_delivered = entry.first_delivered
        self.last_delivered = entry.last_delivered  #: when this delivery happened
        self.reply_to = entry.reply_to  #: the requester's Inbox, or None for a plain put
        self._settled = None  # "ack", "nack", "term" once settled

    @property
    def redelivered(self):
        """True for attempt 2 and later (JetStream: ``NumDelivered > 1``)."""
        return self.attempt > 1

    def _expired(self):
        """Not settled, yet no longer the delivery in flight: its ack timeout ran out."""
        entry = self._entry
        return self._settled is None and (entry.state != "in flight" or entry.attempt != self.attempt)

    def __repr__(self):
        state = (f"{self._settled}ed" if self._settled else "expired" if self._expired() else "in flight")
        return f"<Message {self.id!r} attempt {self.attempt} {state} body={self.body!r}>"


# --------------------------------------------------------------------------------------------------
# The queue: a state machine both flavours share
# --------------------------------------------------------------------------------------------------

_names = itertools.count(1)


class QueueCore:
    """The bookkeeping of a work queue, without waiting and without clocks: both flavours subclass
    it and supply the hooks at the end (a clock, timers, waking a waiting consumer or producer,
    trace notes). Every method here runs with the queue's lock held (threads) or on its event loop."""

    def __init__(self, name=None, *, ack_timeout=30.0, max_deliveries=5, backoff=None, capacity=None):
        self.name = name if name is not None else f"queue-{next(_names)}"
        ack_timeout = check_seconds(ack_timeout, "ack_timeout", positive=True, allow_none=True,
                                    none_means="no deadline for the ack")
        self.ack_timeout = None if ack_timeout is None or math.isinf(ack_timeout) else ack_timeout
        self.max_deliveries = check_count(max_deliveries, "max_deliveries", 1, allow_none=True)
        self.backoff = exponential() if backoff is None else check_backoff(backoff)
        self.capacity = check_count(capacity, "capacity (unfinished messages held at once)", 1,
                                     allow_none=True)
        #: every message given up on, as :class:`DeadLetter` records, oldest first
        self.dead_letters = []
        self._entries = {}  # id -> _Entry: every message not yet acked or dead (the stream)
        self._ready = deque()  # new messages, in the order they were put
        self._retry = deque()  # messages to deliver again, before new ones (JetStream: rdq)
        self._getters = deque()  # consumers waiting in get, oldest first
        self._putters = deque()  # producers waiting for room (capacity), oldest first
        self._closed = False
        self._seq = 0
        self._high = 0
        self._n = dict.fromkeys(("put", "duplicates", "delivered", "redelivered", "acked", "nacked",
                                 "timed_out", "dead_lettered"), 0)

    def __repr__(self):
        s = self._stats()
        state = " closed" if self._closed else ""
        cap = "" if self.capacity is None else f" capacity={self.capacity}"
        return (f"<{type(self).__name__} {self.name!r}{cap}{state}: depth={s.depth} "
                f"in_flight={s.in_flight} acked={s.acked} dead={s.dead_lettered}>")

    @property
    def closed(self):
        return self._closed

    def _stats(self):
        in_flight = sum(1 for e in self._entries.values() if e.state == "in flight")
        return Stats(**self._n, in_flight=in_flight, depth=len(self._entries) - in_flight,
                     high_water=self._high)

    # ---- producing -------------------------------------------------------------------------------

    def _new_id(self):
        self._seq += 1
        return f"{self.name}:{self._seq}"

    def _entry(self, body, id, reply_to):
        if self._closed:
            raise ClosedQueueError(f"put on closed work queue {self.name!r}: close() means no more "
                                   f"messages; make a new WorkQueue")
        return _Entry(self._new_id() if id is None else check_id(id), body, reply_to)

    def _has_room(self):
        return self.capacity is None or len(self._entries) < self.capacity

    def _admit(self, entry, who):
        """Store a new message (there is room) and hand it to a waiting consumer if any."""
        if entry.id in self._entries:  # JetStream: a Nats-Msg-Id seen within the window
            self._n["duplicates"] += 1
            self._note("duplicate", entry.id, who)
            return
        entry.published = self._now()
        entry.state = "ready"
        self._entries[entry.id] = entry
        self._ready.append(entry)
        self._n["put"] += 1
        self._high = max(self._high, len(self._entries))
        self._note("put", entry.id, who)
        self._dispatch()

    # ---- delivering ------------------------------------------------------------------------------

    def _dispatch(self):
        """Hand ready messages to waiting consumers, the longest-waiting first."""
        while self._getters and (self._retry or self._ready):
            w = self._getters.popleft()
            if self._getter_alive(w):
                self._wake_getter(w, self._deliver(self._getter_name(w)))

    def _try_get(self, who, stop):
        """``(True, message or None)`` if a get can finish now, ``(False, None)`` if it must wait.
        None means: closed and every message finished, or the consumer's pool is stopping."""
        if stop is not None and stop.stopped:
            return True, None
        if self._retry or self._ready:
            return True, self._deliver(who)
        if self._closed and not self._entries:
            return True, None
        return False, None

    def _deliver(self, who):
        entry = (self._retry or self._ready).popleft()
        now = self._now()
        entry.attempt += 1
        if entry.attempt == 1:
            entry.first_delivered = now
        entry.last_delivered = now
        entry.state = "in flight"
        msg = self._Message(self, entry)
        self._n["delivered"] += 1
        if entry.attempt > 1:
            self._n["redelivered"] += 1
        self._note("redeliver" if entry.attempt > 1 else "deliver", entry.id, who)
        if self.ack_timeout is not None:
            self._start_timer(entry, self.ack_timeout, self._ack_timed_out)
        return msg

    # ---- settling --------------------------------------------------------------------------------

    def _check_live(self, msg, verb):
        """Raise AckError unless ``msg`` is the delivery in flight now."""
        if msg._queue is not self:
            raise AckError(f"{verb}: message {msg.id!r} came from work queue {msg._queue.name!r}, not {self.name!r}")
        if msg._settled is not None:
            raise AckError(f"{verb}: delivery {msg.attempt} of message {msg.id!r} was already settled "
                           f"with {msg._settled}(); ack, nack and term settle a delivery once")
        if msg._expired():
            entry = msg._entry
            if entry.state == "acked":
                fate = "a later delivery acked it"
            elif entry.state == "dead":
                fate = "it is now a dead letter"
            elif entry.state == "in flight":
                fate = f"it is out again as attempt {entry.attempt}"
            else:
                fate = "it waits to be delivered again"
            raise AckError(
                f"{verb} too late: delivery {msg.attempt} of message {msg.id!r} was not settled within "
                f"ack_timeout={self.ack_timeout:g} s, so the queue took it back ({fate}). The work may be "
                f"done twice: make the handler idempotent (IdempotencyStore), raise ack_timeout, or call "
                f"msg.in_progress() while working")

    def _start_timer(self, entry, delay, fn):
        """Call ``fn(entry, gen)`` after ``delay`` seconds; it acts only if ``gen`` is still current."""
        entry.gen += 1
        entry.timer = self._after(delay, fn, entry, entry.gen)

    def _stop_timer(self, entry):
        entry.gen += 1
        if entry.timer is not None:
            self._cancel(entry.timer)
            entry.timer = None

    def _ack(self, msg, who):
        self._check_live(msg, "ack")
        msg._settled = "ack"
        entry = msg._entry
        self._stop_timer(entry)
        self._n["acked"] += 1
        self._note("ack", entry.id, who)
        self._finish(entry, "acked")

    def _nack(self, msg, delay, who):
        delay = check_seconds(delay, "nack(delay=...)", allow_none=True,
                              none_means="the queue's backoff")
        if delay is not None and math.isinf(delay):
            raise ValueError("nack(delay=...) must be finite; to give up on a message, use term()")
        self._check_live(msg, "nack")
        entry = msg._entry
        if delay is None:
            delay = backoff_delay(self.backoff, entry.attempt)
        msg._settled = "nack"
        self._stop_timer(entry)
        self._n["nacked"] += 1
        self._note("nack", entry.id, who)
        self._again(entry, delay, who, "nacked")

    def _term(self, msg, reason, who):
        if reason is not None and not isinstance(reason, str):
            raise TypeError(f"term(reason=...) takes a str, not {reason!r}")
        self._check_live(msg, "term")
        msg._settled = "term"
        entry = msg._entry
        self._stop_timer(entry)
        self._note("term", entry.id, who)
        self._dead(entry, reason or "term", who)

    def _in_progress(self, msg):
        self._check_live(msg, "in_progress")
        entry = msg._entry
        if self.ack_timeout is not None:
            self._stop_timer(entry)
            self._start_timer(entry, self.ack_timeout, self._ack_timed_out)

    def _ack_timed_out(self, entry, gen):
        """Timer: nobody settled the delivery within ack_timeout (the consumer crashed, or hangs)."""
        if entry.gen != gen:
            return  # settled (or in_progress) just before the timer fired
        entry.timer = None
        self._n["timed_out"] += 1
        self._note("ack_timeout", entry.id, "timer")
        self._again(entry, 0.0, "timer", "not acked in time")

    def _again(self, entry, delay, who, why):
        """Deliver ``entry`` again after ``delay`` seconds, unless it has had all its attempts."""
        if self.max_deliveries is not None and entry.attempt >= self.max_deliveries:
            self._dead(entry, f"max_deliveries={self.max_deliveries} reached (last attempt {why})", who)
        elif delay > 0:
            entry.state = "waiting"
            self._start_timer(entry, delay, self._retry_due)
        else:
            self._make_ready(entry)

    def _retry_due(self, entry, gen):
        """Timer: a nacked message has waited out its backoff."""
        if entry.gen == gen:
            entry.timer = None
            self._make_ready(entry)

    def _make_ready(self, entry):
        entry.state = "ready"
        self._retry.append(entry)
        self._dispatch()

    def _dead(self, entry, reason, who):
        self._n["dead_lettered"] += 1
        self.dead_letters.append(DeadLetter(entry.id, entry.body, entry.attempt, reason, self._now()))
        self._note("dead_letter", entry.id, who)
        self._finish(entry, "dead")

    def _finish(self, entry, state):
        """``entry`` leaves the queue: room for a waiting producer; maybe the end for consumers."""
        entry.state = state
        del self._entries[entry.id]
        while self._putters and self._has_room():
            p = self._putters.popleft()
            if self._putter_alive(p):
                self._admit(self._putter_entry(p), self._putter_name(p))
                self._wake_putter(p, True)
        self._maybe_done()

    # ---- closing and stopping --------------------------------------------------------------------

    def _close(self):
        if self._closed:
            raise ClosedQueueError(f"close of closed work queue {self.name!r}")
        self._closed = True
        self._note("close", None)
        while self._putters:  # producers waiting for room: their messages were not put
            p = self._putters.popleft()
            if self._putter_alive(p):
                self._wake_putter(p, False)
        self._maybe_done()

    def _maybe_done(self):
        """Closed and every message acked or dead: every waiting consumer gets None."""
        if self._closed and not self._entries:
            while self._getters:
                w = self._getters.popleft()
                if self._getter_alive(w):
                    self._wake_getter(w, None)

    def _stop_getters(self, stop):
        """A pool is stopping: its consumers waiting in get get None; its others see the flag."""
        stop.stopped = True
        for w in [w for w in self._getters if self._getter_stop(w) is stop]:
            self._getters.remove(w)
            if self._getter_alive(w):
                self._wake_getter(w, None)


class StopFlag:
    """Set when a pool of workers stops; checked by its consumers under the queue's lock."""

    __slots__ = ("stopped",)

    def __init__(self):
        self.stopped = False


# --------------------------------------------------------------------------------------------------
# Threads
# --------------------------------------------------------------------------------------------------


class Message(MessageBase):
    """One delivery of a message: ``id``, ``body``, ``attempt`` (1, 2, ...), ``published``,
    ``first_delivered``, ``last_delivered`` (``time.monotonic()`` seconds), ``reply_to``.

    Settle it exactly once: :meth:`ack`, :meth:`nack` or :meth:`term`. Go (``nats.go/jetstream``)::

        msg.Ack()  msg.Nak()  msg.NakWithDelay(d)  msg.Term()  msg.InProgress()
    """

    __slots__ = ()

    def ack(self):
        """Done: the message leaves the queue. Raises :class:`AckError` if this delivery was settled
        already or its ack timeout ran out (the message was taken back)."""
        q = self._queue
        with q._lock:
            q._ack(self, _me())

    def nack(self, delay=None):
        """Failed: deliver it again after ``delay`` seconds (default: the queue's backoff for this
        attempt; 0: at once, JetStream's ``Nak()``), or make it a dead letter if this was its
        ``max_deliveries``-th attempt."""
        q = self._queue
        with q._lock:
            q._nack(self, delay, _me())

    def term(self, reason=None):
        """Hopeless (a poison message): make it a dead letter now, without more attempts."""
        q = self._queue
        with q._lock:
            q._term(self, reason, _me())

    def in_progress(self):
        """Still working: restart this delivery's ack timer (JetStream: ``InProgress()``)."""
        q = self._queue
        with q._lock:
            q._in_progress(self)

    def reply(self, body):
        """Answer a request (see :meth:`WorkQueue.request`). Returns True if the requester took it,
        False if it was ignored: the requester gave up (timed out), or was answered already."""
        return _reply_to(self).deliver(self.id, body)


def _forget_timers(entries):
    for entry in list(entries.values()):
        if entry.timer is not None:
            _timers.cancel(entry.timer)


def _reply_to(msg):
    if msg.reply_to is None:
        raise ValueError(f"message {msg.id!r} has no reply_to: it was put(), not sent with request(), "
                         f"so nobody waits for an answer")
    return msg.reply_to


def _me():
    t = threading.current_thread()
    return "timer" if t.name == "chanlab-timers" else t.name


class _Waiter:
    """A thread waiting in get (``item`` is its pool's StopFlag) or in put (``item`` is its message)."""

    __slots__ = ("g", "item")

    def __init__(self, g, item):
        self.g, self.item = g, item


class WorkQueue(QueueCore):
    """A work queue between threads, with at-least-once delivery (see the module docstring).

    ``name`` labels it in ids (``jobs:1``, ``jobs:2``, ...), traces and errors. ``ack_timeout``
    (seconds, default 30 as JetStream's AckWait; None: never) is how long a consumer may hold a
    message before it is delivered again. ``max_deliveries`` (default 5; None: no limit) is how
    many attempts a message gets before it becomes a dead letter. ``backoff`` is how long a nacked
    message waits: seconds, a tuple of seconds per attempt, or a function ``attempt -> seconds``
    (default ``exponential(1, 2, 30)``). ``capacity`` (default None: no limit) bounds the messages
    held at once -- waiting *and* in flight, as a JetStream work-queue stream keeps a message until
    it is acked -- so ``put`` waits while the consumers are behind: backpressure. A redelivery
    never needs room: the message never left.
    """

    _Message = Message

    def __init__(self, name=None, *, ack_timeout=30.0, max_deliveries=5, backoff=None, capacity=None):
        super().__init__(name, ack_timeout=ack_timeout, max_deliveries=max_deliveries,
                         backoff=backoff, capacity=capacity)
        self._lock = threading.Lock()
        self._inbox = None
        weakref.finalize(self, _forget_timers, self._entries)

    # ---- the operations --------------------------------------------------------------------------

    def put(self, body, *, id=None, timeout=None):
        """Add a message; return its id (``id``, or a new one such as ``jobs:7``).

        A message whose id is still in the queue is a duplicate and is ignored (JetStream:
        ``Nats-Msg-Id``). With ``capacity``, waits while the queue is full; ``timeout`` seconds
        without room raise ``TimeoutError`` (nothing was put). Raises :class:`ClosedQueueError`
        after ``close()``.
        """
        return self._put(body, id, timeout, None)

    def _put(self, body, id, timeout, reply_to):
        timeout = check_timeout(timeout)
        with self._lock:
            entry = self._entry(body, id, reply_to)
            if self._has_room() and not self._putters:
                self._admit(entry, _me())
                return entry.id
            if timeout == 0:
                raise TimeoutError(f"put on work queue {self.name!r} would wait (timeout=0): it holds "
                                   f"capacity={self.capacity} unfinished messages")
            g = current_g()
            waiter = _Waiter(g, entry)
            self._putters.append(waiter)
            will_park(g, timeout)
        if not block(g, timeout, lambda: self._withdraw(self._putters, waiter), self.name, "WorkQueue.put"):
            raise TimeoutError(
                f"put on work queue {self.name!r} timed out after {timeout} s: it holds capacity="
                f"{self.capacity} unfinished messages (waiting or not yet acked); nothing was put")
        if not g.ok:
            raise ClosedQueueError(f"put on closed work queue {self.name!r}: it was closed while "
                                   f"this put waited for room")
        return entry.id

    def get(self, timeout=None):
        """Pull the next message (a :class:`Message`), waiting for one if none is ready.

        Returns None once the queue is closed and every message is acked or dead (as a receive
        from a closed channel does). ``timeout`` seconds without a message raise ``TimeoutError``.
        """
        return self._get(timeout, None)

    def _get(self, timeout, stop):
        timeout = check_timeout(timeout)
        with self._lock:
            done, msg = self._try_get(_me(), stop)
            if done:
                return msg
            if timeout == 0:
                raise TimeoutError(f"get from work queue {self.name!r} would wait (timeout=0): no message is ready")
            g = current_g()
            waiter = _Waiter(g, stop)
            self._getters.append(waiter)
            will_park(g, timeout)
        if not block(g, timeout, lambda: self._withdraw(self._getters, waiter), self.name, "WorkQueue.get"):
            raise TimeoutError(f"get from work queue {self.name!r} timed out after {timeout} s: no message was ready")
        msg, g.value = g.value, None
        return msg

    def _withdraw(self, queue, waiter):
        with self._lock:
            if waiter in queue:
                queue.remove(waiter)
                return True
            return False  # a message (or the end) was handed over first: the operation stands

    def __iter__(self):
        """``for msg in q:`` get messages until the queue is closed and finished."""
        while True:
            msg = self.get()
            if msg is None:
                return
            yield msg

    def close(self):
        """No more puts (they raise :class:`ClosedQueueError`; so do puts waiting for room).

        Messages already in the queue are still delivered, redelivered and settled; ``get`` returns
        None once every one is acked or dead. Closing twice raises ``ClosedQueueError``.
        """
        with self._lock:
            self._close()

    @property
    def stats(self):
        """A :class:`Stats` snapshot."""
        with self._lock:
            return self._stats()

    def request(self, body, *, timeout, id=None):
        """Send ``body`` as a request and wait for its reply; return the reply's body.

        The message carries a reply-to address (this queue's :class:`Inbox`) and its id is the
        correlation id; a responder answers with ``msg.reply(result)`` (:func:`consume` does it with
        the handler's result). ``timeout`` is required; when it runs out, ``TimeoutError`` -- but
        the request stays in the queue and may still be handled: its late reply is then ignored,
        as is a second reply to a redelivered request (see ``q.inbox.ignored``).

        Go, the reply channel in the request struct::

            type Request struct { Body string; Reply chan string }   // make(chan string, 1)
            req := Request{"ping", make(chan string, 1)}
            jobs <- req
            select {
            case r := <-req.Reply:      fmt.Println(r)
            case <-time.After(time.Second): fmt.Println("timeout")
            }
            // the responder: select { case req.Reply <- "pong": default: }  (never blocks)

        NATS: ``msg, err := nc.Request("jobs", body, time.Second)`` (the reply subject is an inbox).
        """
        timeout = check_request_timeout(timeout)
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            if self._inbox is None:
                self._inbox = Inbox(f"{self.name}.replies")
            inbox = self._inbox
            cid = self._new_id() if id is None else check_id(id)
        reply = Chan(1, name=f"reply {cid}")
        inbox._expect(cid, reply)
        try:
            self._put(body, cid, timeout, inbox)
        except BaseException:
            inbox._forget(cid, sent=False)
            raise
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        try:
            return reply.recv(timeout=left)
        except TimeoutError:
            if inbox._forget(cid, sent=True):
                raise TimeoutError(
                    f"request {cid!r} on work queue {self.name!r}: no reply within {timeout} s. The "
                    f"request stays in the queue and may still be handled; a late reply will be "
                    f"ignored") from None
            return reply.recv(timeout=0)  # the reply arrived just as we gave up: take it

    @property
    def inbox(self):
        """The :class:`Inbox` where replies to this queue's requests arrive (None before a request)."""
        return self._inbox

    # ---- the hooks of QueueCore ------------------------------------------------------------------

    def _now(self):
        return time.monotonic()

    def _after(self, delay, fn, entry, gen):
        # The timer holds the queue weakly: a queue that nobody refers to any more (say, a
        # notebook variable bound to a new one) stops its timers (see _forget_timers), so they
        # neither keep it alive nor keep the deadlock detector quiet.
        method, lock = weakref.WeakMethod(fn), self._lock

        def fire():
            fn = method()
            if fn is not None:
                with lock:
                    fn(entry, gen)

        return _timers.schedule(delay, fire)

    def _cancel(self, timer):
        _timers.cancel(timer)

    def _getter_alive(self, w):
        return True  # a thread that gives up takes itself off the queue under the lock

    _putter_alive = _getter_alive

    def _getter_name(self, w):
        return w.g.name

    _putter_name = _getter_name

    def _getter_stop(self, w):
        return w.item

    def _putter_entry(self, w):
        return w.item

    def _wake_getter(self, w, msg):
        ready(w.g, 0, msg, msg is not None)

    def _wake_putter(self, w, admitted):
        ready(w.g, 0, None, admitted)

    def _note(self, kind, value, who=None):
        tr = _trace.active
        if tr is not None:
            tr.record(tr.real_time(), who or _me(), kind, self.name, value)


# --------------------------------------------------------------------------------------------------
# Request/reply: where the replies go
# --------------------------------------------------------------------------------------------------


class InboxBase:
    """The bookkeeping of an inbox, shared by both flavours."""

    def __init__(self, name):
        self.name = name
        self._lock = threading.Lock()
        self._pending = {}  # correlation id -> the requester's reply channel (capacity 1)
        self._answered = set()
        self._abandoned = set()
        self.accepted = 0  #: replies handed to a waiting requester
        self.ignored = []  #: ``(correlation id, reason)`` of replies nobody took: late, duplicate, unknown

    def __repr__(self):
        return (f"<{type(self).__name__} {self.name!r}: {len(self._pending)} waiting, "
                f"{self.accepted} accepted, {len(self.ignored)} ignored>")

    def _expect(self, cid, chan):
        with self._lock:
            self._pending[cid] = chan

    def _forget(self, cid, sent):
        """The requester gives up. True if no reply had come (it will be 'late' if it comes)."""
        with self._lock:
            if self._pending.pop(cid, None) is None:
                return False
            if sent:
                self._abandoned.add(cid)
            return True

    def _hand_over(self, cid, send):
        """``send(channel)`` to the request waiting for ``cid`` and return True; or record why
        nobody waits and return False. Under the lock, so a requester that gives up at this very
        moment finds the reply already in its channel."""
        with self._lock:
            chan = self._pending.pop(cid, None)
            if chan is not None:
                self._answered.add(cid)
                self._abandoned.discard(cid)
                self.accepted += 1
                send(chan)  # capacity 1, one reply per request: never waits
                return True
            reason = ("duplicate" if cid in self._answered else "late" if cid in self._abandoned
                      else "unknown")
            self.ignored.append((cid, reason))
            return False


class Inbox(InboxBase):
    """Where the replies to one requester's requests arrive, matched by correlation id (NATS: an
    ``_INBOX.<id>`` subject; AMQP: the ``reply_to`` queue; Go: the reply channel in the request).

    Each waiting request has its own channel of capacity 1, so :meth:`deliver` never waits: a reply
    that nobody waits for any more (late, or a duplicate) is dropped and listed in ``ignored``.
    """

    def deliver(self, correlation_id, body):
        """Hand a reply to the request waiting for it; True if taken, False if ignored."""
        taken = self._hand_over(correlation_id, lambda chan: chan.try_send(body))
        _trace_note("reply" if taken else "reply_ignored", self.name, correlation_id)
        return taken


def _trace_note(kind, chan, value):
    tr = _trace.active
    if tr is not None:
        tr.record(tr.real_time(), _me(), kind, chan, value)


# --------------------------------------------------------------------------------------------------
# Idempotency: the effect of each message id applied once
# --------------------------------------------------------------------------------------------------


class IdempotencyBase:
    """The bookkeeping of an idempotency store, shared by both flavours."""

    def __init__(self):
        self._lock = threading.Lock()
        self._done = {}  # id -> the result of its effect
        self._running = set()
        self.applied = 0  #: effects applied (one per id)
        self.skipped = 0  #: deliveries whose id had been applied already: the effect was skipped

    def __contains__(self, key):
        return key in self._done

    def __len__(self):
        return len(self._done)

    def __repr__(self):
        return f"<{type(self).__name__}: {self.applied} applied, {self.skipped} duplicates skipped>"

    def result(self, key):
        """The recorded result of ``key``'s effect (KeyError if it was never applied)."""
        return self._done[key]

    def _claim(self, key):
        with self._lock:
            if key in self._done:
                self.skipped += 1
                return True, self._done[key]
            if key in self._running:
                raise InProgressError(
                    f"message {key!r} is being handled by another delivery right now (its ack "
                    f"timed out and it was delivered again); try again later")
            self._running.add(key)
            return False, None

    def _commit(self, key, result):
        with self._lock:
            self._running.discard(key)
            self._done[key] = result
            self.applied += 1

    def _abort(self, key):
        with self._lock:
            self._running.discard(key)


class IdempotencyStore(IdempotencyBase):
    """Remembers which message ids have had their effect, so a message delivered twice has its
    effect once (at-least-once delivery + idempotent handling = effectively once).

    In a real system this is a table keyed by message id, written *in the same transaction* as the
    effect; here :meth:`run` records the id only when the effect function returns. Keep the whole
    effect inside that function: a crash halfway through leaves a half-done effect that is not
    rolled back (a database transaction would roll it back).
    """

    def run(self, key, fn, *args):
        """``fn(*args)`` once per ``key``: a repeat returns the first result without calling ``fn``.
        While another thread runs ``key``, raises :class:`InProgressError`."""
        seen, result = self._claim(key)
        if seen:
            return result
        try:
            result = fn(*args)
        except BaseException:
            self._abort(key)
            raise
        self._commit(key, result)
        return result


# --------------------------------------------------------------------------------------------------
# Workers: competing consumers that ack, nack and crash
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkerStats:
    """What a pool of workers did: ``handled`` (acked after the handler, or the idempotency store,
    returned), ``failed`` (the handler raised: nacked), ``crashed`` (died holding a message),
    ``late_acks`` (an ack or nack refused because the ack timeout had run out), ``workers`` started
    in all (replacements of crashed ones included)."""

    workers: int
    handled: int
    failed: int
    crashed: int
    late_acks: int


class WorkersBase:
    """What both flavours' pools share: checking arguments, counting."""

    def __init__(self, queue, handler, workers, idempotency, crash_before_ack, restart, name,
                 queue_type, store_type):
        if not isinstance(queue, queue_type):
            raise TypeError(f"consume() needs a {queue_type.__module__}.WorkQueue, not {queue!r}")
        if not callable(handler):
            raise TypeError(f"consume() needs a handler function body -> result, not {handler!r}")
        if crash_before_ack is not None and not callable(crash_before_ack):
            raise TypeError(f"crash_before_ack must be a function msg -> bool (or None), not {crash_before_ack!r}")
        if idempotency is True:
            idempotency = store_type()
        if idempotency is not None and not isinstance(idempotency, store_type):
            raise TypeError(f"idempotency must be None, True or a {store_type.__module__}."
                            f"IdempotencyStore, not {idempotency!r}")
        self.queue = queue
        self.handler = handler
        self.size = check_count(workers, "workers", 1)
        #: the IdempotencyStore in use (None without idempotency)
        self.idempotency = idempotency
        self.crash_before_ack = crash_before_ack
        self.restart = bool(restart)
        self.name = name if name is not None else "worker"
        #: ``(message id, attempt, exception)`` for every handler that raised
        self.errors = []
        self._lock = threading.Lock()
        self._stop = StopFlag()
        self._started = 0
        self._n = dict.fromkeys(("handled", "failed", "crashed", "late_acks"), 0)

    def _count(self, what):
        with self._lock:
            self._n[what] += 1

    @property
    def stats(self):
        """A :class:`WorkerStats` snapshot."""
        with self._lock:
            return WorkerStats(self._started, **self._n)

    def __repr__(self):
        s = self.stats
        return (f"<Workers {self.name!r} on {self.queue.name!r}: {s.workers} started, {s.handled} handled, "
                f"{s.failed} failed, {s.crashed} crashed>")

    def _next_name(self):
        with self._lock:
            if self._stop.stopped:
                return None
            self._started += 1
            return f"{self.name}-{self._started}"

    def _start(self, wait_group, handles):
        """Start the first ``size`` workers; ``wait_group`` and the ``handles`` list are the
        flavour's (its WaitGroup; ``goroutines`` or ``tasks``), and ``_go`` its ``go``."""
        self._wg = wait_group
        self._handles = handles
        for _ in range(self.size):
            self._spawn()

    def _spawn(self):
        name = self._next_name()
        if name is not None:
            self._wg.add(1)
            self._handles.append(self._go(self._work, name=name))

    def _still_running(self, timeout):
        """The ``TimeoutError`` of a ``join`` that ran out of time."""
        return TimeoutError(
            f"workers {self.name!r}: {self._wg.count} still running after {timeout} s; close the "
            f"queue (q.close()) so that they finish, or call stop()")


class Workers(WorkersBase):
    """A pool of worker goroutines pulling from a :class:`WorkQueue` (made by :func:`consume`)."""

    def __init__(self, queue, handler, *, workers=1, idempotency=None, crash_before_ack=None,
                 restart=True, name=None):
        if inspect.iscoroutinefunction(handler):
            raise TypeError("consume() in chanlab.messaging runs plain functions in threads; for an "
                            "'async def' handler use chanlab.aio.messaging.consume")
        super().__init__(queue, handler, workers, idempotency, crash_before_ack, restart, name,
                         WorkQueue, IdempotencyStore)
        self.goroutines = []
        self._start(WaitGroup(), self.goroutines)

    _go = staticmethod(go)

    def _work(self):
        q = self.queue
        try:
            while True:
                msg = q._get(None, self._stop)
                if msg is None:
                    return  # the queue is closed and finished, or the pool is stopping
                try:
                    if self.idempotency is not None:
                        result = self.idempotency.run(msg.id, self.handler, msg.body)
                    else:
                        result = self.handler(msg.body)
                    if self.crash_before_ack is not None and self.crash_before_ack(msg):
                        raise Crash("after the handler, before the ack")
                except Crash:
                    self._crash(msg)
                    return  # this worker dies holding msg: no ack, no nack
                except Exception as exc:
                    self._count("failed")
                    with self._lock:
                        self.errors.append((msg.id, msg.attempt, exc))
                    self._settle(msg.nack)
                    continue
                if msg.reply_to is not None:
                    msg.reply(result)
                if self._settle(msg.ack):
                    self._count("handled")
        finally:
            self._wg.done()

    def _crash(self, msg):
        self._count("crashed")
        _trace_note("crash", self.queue.name, msg.id)
        if self.restart:
            self._spawn()  # a supervisor starts a fresh worker (as for a crashed process)

    def _settle(self, fn):
        try:
            fn()
            return True
        except AckError:
            self._count("late_acks")  # the ack timeout ran out first: the message went out again
            return False

    def join(self, timeout=None):
        """Wait until every worker has ended: after ``q.close()``, once every message is acked or
        dead. ``TimeoutError`` if they are still running after ``timeout`` seconds."""
        try:
            self._wg.wait(timeout)
        except TimeoutError:
            raise self._still_running(timeout) from None
        for g in list(self.goroutines):
            g.join(timeout=1.0)  # raises PanicError if a worker died of a bug

    def stop(self, timeout=None):
        """Stop pulling: each worker finishes (and settles) the message it holds, then ends.
        Messages not yet taken stay in the queue."""
        q = self.queue
        with q._lock:
            q._stop_getters(self._stop)
        self.join(timeout)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def consume(queue, handler, *, workers=1, idempotency=None, crash_before_ack=None, restart=True,
            name=None):
    """Start ``workers`` goroutines that pull from ``queue`` and call ``handler(msg.body)``.

    When the handler returns, the worker replies (if the message is a request) and acks; when it
    raises, the worker nacks (the queue's backoff applies); when it raises :class:`Crash`, the
    worker dies without a word and the message comes back after the ack timeout.
    ``crash_before_ack`` (a function ``msg -> bool``) makes a worker die *after* the handler, before
    its ack: the work is done but the queue does not know it -- the case idempotency is for.
    ``idempotency`` (``True`` or an :class:`IdempotencyStore`) runs each message id's handler once.
    ``restart=False`` leaves crashed workers dead. Returns a :class:`Workers`; ``join()`` after
    ``queue.close()``, or ``stop()``; ``with consume(...) as pool:`` stops at the end.

    Go::

        for w := 1; w <= n; w++ {
            go func() {
                for msg := range msgs {                 // the pull consumer's messages
                    if err := handle(msg.Data()); err != nil { msg.Nak() } else { msg.Ack() }
                }
            }()
        }
    """
    return Workers(queue, handler, workers=workers, idempotency=idempotency,
                   crash_before_ack=crash_before_ack, restart=restart, name=name)
