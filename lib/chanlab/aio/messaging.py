"""Message-driven work queues for asyncio: :mod:`chanlab.messaging` with every wait awaited.

The names, arguments and rules are those of :mod:`chanlab.messaging` (read its docstring for the
ideas and for what maps to NATS JetStream and Celery); what blocks there is awaited here, as in
nats-py (``await msg.ack()``, ``await msg.nak(delay=...)``, ``await msg.term()``)::

    from chanlab import aio
    from chanlab.aio.messaging import WorkQueue, consume

    async def main():
        q = WorkQueue("jobs", ack_timeout=5, max_deliveries=3, backoff=0.5)
        for n in range(10):
            await q.put(n)
        q.close()
        pool = consume(q, handle, workers=3)   # handle: a function or an 'async def' function
        await pool.join()
        return q.stats

    aio.run(main(), virtual_time=True)

Ack timeouts, backoff delays and message times follow the event loop's clock: under
``aio.run(..., virtual_time=True)`` a consumer that "hangs" for a minute costs no wall time, and a
seeded experiment with crashes and redeliveries gives the same result every run. A queue belongs to
the event loop that first uses it (make it inside the program); it is not thread-safe.
"""

import asyncio
import inspect

from chanlab import trace as _trace
from chanlab.chan import check_timeout
from chanlab.messaging import (AckError, ClosedQueueError, Crash, DeadLetter, IdempotencyBase,
                               InboxBase, InProgressError, MessageBase, QueueCore, Stats,
                               WorkersBase, WorkerStats, check_id, _reply_to, check_request_timeout,
                               exponential)

from .chan import Chan
from .goroutine import go
from .park import CLOSED, park, record
from .sync import WaitGroup

__all__ = [
    "WorkQueue", "Message", "Stats", "DeadLetter", "exponential",
    "consume", "Workers", "WorkerStats", "Crash",
    "IdempotencyStore", "Inbox",
    "AckError", "ClosedQueueError", "InProgressError",
]


def _me():
    task = asyncio.current_task()
    return task.get_name() if task is not None else "timer"


class Message(MessageBase):
    """One delivery of a message: ``id``, ``body``, ``attempt`` (1, 2, ...), ``published``,
    ``first_delivered``, ``last_delivered`` (event-loop seconds), ``reply_to``.

    Settle it exactly once: ``await msg.ack()``, ``await msg.nack(delay)`` or ``await msg.term()``
    (nats-py: ``await msg.ack()``, ``await msg.nak(delay=...)``, ``await msg.term()``).
    """

    __slots__ = ()

    async def ack(self):
        """Done: the message leaves the queue. Raises :class:`AckError` if this delivery was settled
        already or its ack timeout ran out (the message was taken back)."""
        self._queue._ack(self, _me())

    async def nack(self, delay=None):
        """Failed: deliver it again after ``delay`` seconds (default: the queue's backoff for this
        attempt; 0: at once), or make it a dead letter after its ``max_deliveries``-th attempt."""
        self._queue._nack(self, delay, _me())

    async def term(self, reason=None):
        """Hopeless (a poison message): make it a dead letter now."""
        self._queue._term(self, reason, _me())

    async def in_progress(self):
        """Still working: restart this delivery's ack timer (nats-py: ``await msg.in_progress()``)."""
        self._queue._in_progress(self)

    async def reply(self, body):
        """Answer a request; True if the requester took it, False if ignored (late or duplicate)."""
        return _reply_to(self).deliver(self.id, body)


class WorkQueue(QueueCore):
    """A work queue between goroutines (asyncio tasks), with at-least-once delivery.

    Arguments as for :class:`chanlab.messaging.WorkQueue`: ``name``, ``ack_timeout`` (seconds of
    the loop's clock, default 30; None: never), ``max_deliveries`` (default 5; None: no limit),
    ``backoff`` (seconds, a tuple of seconds per attempt, or a function ``attempt -> seconds``;
    default ``exponential(1, 2, 30)``), ``capacity`` (messages held at once, waiting or in flight;
    default None: no limit).
    """

    _Message = Message

    def __init__(self, name=None, *, ack_timeout=30.0, max_deliveries=5, backoff=None, capacity=None):
        super().__init__(name, ack_timeout=ack_timeout, max_deliveries=max_deliveries,
                         backoff=backoff, capacity=capacity)
        self._loop = None
        self._inbox = None

    def _bind(self):
        """The queue's event loop: the one that first used it."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError("chanlab.aio.messaging: await the queue's operations inside a coroutine "
                               "(for example one run by chanlab.aio.run)") from None
        if self._loop is None:
            self._loop = loop
        elif self._loop is not loop:
            raise RuntimeError(f"work queue {self.name!r} belongs to another event loop (an earlier "
                               f"aio.run?): make a new WorkQueue inside this program")
        return loop

    # ---- the operations --------------------------------------------------------------------------

    async def put(self, body, *, id=None, timeout=None):
        """Add a message; return its id. A message whose id is still in the queue is ignored.
        With ``capacity``, waits while the queue is full (``TimeoutError`` after ``timeout``
        seconds; nothing was put). Raises :class:`ClosedQueueError` after ``close()``."""
        return await self._put(body, id, timeout, None)

    async def _put(self, body, id, timeout, reply_to):
        self._bind()
        timeout = check_timeout(timeout)
        entry = self._entry(body, id, reply_to)
        if self._has_room() and not self._putters:
            self._admit(entry, _me())
            return entry.id
        try:
            result = await park(((self._putters, entry, None),), timeout, f"WorkQueue.put on {self.name}")
        except TimeoutError:
            raise TimeoutError(
                f"put on work queue {self.name!r} timed out after {timeout} s: it holds capacity="
                f"{self.capacity} unfinished messages (waiting or not yet acked); nothing was put") from None
        if result is CLOSED:
            raise ClosedQueueError(f"put on closed work queue {self.name!r}: it was closed while "
                                   f"this put waited for room")
        return entry.id

    async def get(self, timeout=None):
        """Pull the next message (a :class:`Message`), waiting for one if none is ready. Returns None
        once the queue is closed and every message is acked or dead."""
        return await self._get(timeout, None)

    async def _get(self, timeout, stop):
        self._bind()
        timeout = check_timeout(timeout)
        done, msg = self._try_get(_me(), stop)
        if done:
            return msg
        try:
            result = await park(((self._getters, stop, None),), timeout, f"WorkQueue.get on {self.name}")
        except TimeoutError:
            raise TimeoutError(f"get from work queue {self.name!r} timed out after {timeout} s: "
                               f"no message was ready") from None
        return None if result is CLOSED else result

    def __aiter__(self):
        """``async for msg in q:`` get messages until the queue is closed and finished."""
        return self._messages()

    async def _messages(self):
        while True:
            msg = await self.get()
            if msg is None:
                return
            yield msg

    def close(self):
        """No more puts; messages in the queue are still delivered and settled, then ``get`` returns
        None. Closing twice raises :class:`ClosedQueueError`. Call it on the queue's event loop."""
        self._close()

    @property
    def stats(self):
        """A :class:`Stats` snapshot."""
        return self._stats()

    async def request(self, body, *, timeout, id=None):
        """Send ``body`` as a request and wait (at most ``timeout`` seconds) for its reply's body.

        As :meth:`chanlab.messaging.WorkQueue.request`: the message's id is its correlation id and
        its ``reply_to`` this queue's :class:`Inbox`; late and duplicate replies are ignored.
        nats-py: ``reply = await nc.request("jobs", body, timeout=1.0)``.
        """
        loop = self._bind()
        timeout = check_request_timeout(timeout)
        deadline = None if timeout is None else loop.time() + timeout
        if self._inbox is None:
            self._inbox = Inbox(f"{self.name}.replies")
        inbox = self._inbox
        cid = self._new_id() if id is None else check_id(id)
        reply = Chan(1, name=f"reply {cid}")
        inbox._expect(cid, reply)
        try:
            await self._put(body, cid, timeout, inbox)
        except BaseException:
            inbox._forget(cid, sent=False)
            raise
        left = None if deadline is None else max(0.0, deadline - loop.time())
        try:
            return await reply.recv(timeout=left)
        except TimeoutError:
            if inbox._forget(cid, sent=True):
                raise TimeoutError(
                    f"request {cid!r} on work queue {self.name!r}: no reply within {timeout} s. The "
                    f"request stays in the queue and may still be handled; a late reply will be "
                    f"ignored") from None
            return await reply.recv(timeout=0)  # the reply arrived just as we gave up
        except BaseException:
            inbox._forget(cid, sent=True)
            raise

    @property
    def inbox(self):
        """The :class:`Inbox` where replies to this queue's requests arrive (None before a request)."""
        return self._inbox

    # ---- the hooks of QueueCore ------------------------------------------------------------------

    def _now(self):
        return self._loop.time()

    def _after(self, delay, fn, entry, gen):
        return self._loop.call_later(delay, fn, entry, gen)

    def _cancel(self, handle):
        handle.cancel()

    def _getter_alive(self, w):
        return not w.fut.done()  # done: it timed out or was cancelled, and is leaving

    _putter_alive = _getter_alive

    def _getter_name(self, w):
        return w.task.get_name() if w.task is not None else "?"

    _putter_name = _getter_name

    def _getter_stop(self, w):
        return w.value

    def _putter_entry(self, w):
        return w.value

    def _wake_getter(self, w, msg):
        w.fut.set_result(CLOSED if msg is None else msg)

    def _wake_putter(self, w, admitted):
        # The id is a hand-off (not a marker): a put cancelled in the same instant still counts.
        w.fut.set_result(w.value.id if admitted else CLOSED)

    def _note(self, kind, value, who=None):
        if _trace.active is not None:
            record(kind, self.name, value, who=who)


class Inbox(InboxBase):
    """Where replies to one requester's requests arrive, matched by correlation id (see
    :class:`chanlab.messaging.Inbox`). :meth:`deliver` never waits."""

    def deliver(self, correlation_id, body):
        """Hand a reply to the request waiting for it; True if taken, False if ignored."""
        taken = self._hand_over(correlation_id, lambda chan: chan.try_send(body))
        if _trace.active is not None:
            record("reply" if taken else "reply_ignored", self.name, correlation_id)
        return taken


class IdempotencyStore(IdempotencyBase):
    """Remembers which message ids have had their effect (see
    :class:`chanlab.messaging.IdempotencyStore`): ``await store.run(id, fn, *args)``."""

    async def run(self, key, fn, *args):
        """``fn(*args)`` (awaited if it is a coroutine function) once per ``key``; a repeat returns
        the first result. While another goroutine runs ``key``, raises :class:`InProgressError`."""
        seen, result = self._claim(key)
        if seen:
            return result
        try:
            result = fn(*args)
            if inspect.isawaitable(result):
                result = await result
        except BaseException:
            self._abort(key)
            raise
        self._commit(key, result)
        return result


class Workers(WorkersBase):
    """A pool of worker goroutines pulling from a :class:`WorkQueue` (made by :func:`consume`)."""

    def __init__(self, queue, handler, *, workers=1, idempotency=None, crash_before_ack=None,
                 restart=True, name=None):
        super().__init__(queue, handler, workers, idempotency, crash_before_ack, restart, name,
                         WorkQueue, IdempotencyStore)
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError("consume() starts goroutines on the running event loop: call it inside "
                               "a coroutine (for example one run by chanlab.aio.run)") from None
        self.tasks = []
        self._start(WaitGroup(), self.tasks)

    _go = staticmethod(go)

    async def _work(self):
        q = self.queue
        try:
            while True:
                msg = await q._get(None, self._stop)
                if msg is None:
                    return  # the queue is closed and finished, or the pool is stopping
                try:
                    if self.idempotency is not None:
                        result = await self.idempotency.run(msg.id, self.handler, msg.body)
                    else:
                        result = self.handler(msg.body)
                        if inspect.isawaitable(result):
                            result = await result
                    if self.crash_before_ack is not None and self.crash_before_ack(msg):
                        raise Crash("after the handler, before the ack")
                except Crash:
                    self._crash(msg)
                    return  # this worker dies holding msg: no ack, no nack
                except Exception as exc:
                    self._count("failed")
                    self.errors.append((msg.id, msg.attempt, exc))
                    await self._settle(msg.nack())
                    continue
                if msg.reply_to is not None:
                    await msg.reply(result)
                if await self._settle(msg.ack()):
                    self._count("handled")
        finally:
            self._wg.done()

    def _crash(self, msg):
        self._count("crashed")
        if _trace.active is not None:
            record("crash", self.queue.name, msg.id)
        if self.restart:
            self._spawn()  # a supervisor starts a fresh worker (as for a crashed process)

    async def _settle(self, settling):
        try:
            await settling
            return True
        except AckError:
            self._count("late_acks")  # the ack timeout ran out first: the message went out again
            return False

    async def join(self, timeout=None):
        """Wait until every worker has ended: after ``q.close()``, once every message is acked or
        dead. ``TimeoutError`` if they are still running after ``timeout`` seconds."""
        try:
            await self._wg.wait(timeout)
        except TimeoutError:
            raise self._still_running(timeout) from None

    async def stop(self, timeout=None):
        """Stop pulling: each worker finishes (and settles) the message it holds, then ends."""
        self.queue._stop_getters(self._stop)
        await self.join(timeout)

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.stop()


def consume(queue, handler, *, workers=1, idempotency=None, crash_before_ack=None, restart=True,
            name=None):
    """Start ``workers`` goroutines that pull from ``queue`` and call ``handler(msg.body)`` (a
    function or an ``async def`` function): reply if it is a request, then ack on success; nack when
    it raises; die without a word when it raises :class:`Crash` (or when ``crash_before_ack(msg)``
    says so, after the handler). See :func:`chanlab.messaging.consume`. Returns a :class:`Workers`:
    ``await pool.join()`` after ``queue.close()``, or ``await pool.stop()``; ``async with`` stops.
    """
    return Workers(queue, handler, workers=workers, idempotency=idempotency,
                   crash_before_ack=crash_before_ack, restart=restart, name=name)
