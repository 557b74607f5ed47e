"""Go channels for threads: ``make(chan T)``, ``ch <- v``, ``<-ch``, ``close(ch)``.

Built the way Go's ``runtime/chan.go`` builds them: one small lock per channel, a FIFO queue of
waiting senders and one of waiting receivers, and direct hand-off. A sender that finds a receiver
waiting writes the value straight into the receiver's record and wakes it; a receiver that finds a
sender waiting takes its value (or, on a full buffer, moves it into the buffer) and wakes it. So a
message costs at most one sleep and one wake-up.

Go::

    ch := make(chan int)        // unbuffered: a send waits for a receiver
    go func() { ch <- 42 }()
    v, ok := <-ch               // 42 true
    close(ch)
    v, ok = <-ch                // 0 false

chanlab::

    ch = Chan()
    go(ch.send, 42)
    v, ok = ch.recv_ok()        # (42, True)
    ch.close()
    v, ok = ch.recv_ok()        # (None, False): Python has no typed zero value, so None

Invariants (Go states them at the top of ``runtime/chan.go``; here in chanlab's names, for both
flavours, with the channel's lock held). A *live* waiter is one that still waits: not a select's
stale entry that another channel already completed (Go removes those in ``selectgo``'s pass 3;
chanlab too, lazily), not a cancelled asyncio task.

* At least one of ``_sendq`` and ``_recvq`` has no live waiter, except for an unbuffered channel
  with a single goroutine blocked on it for both sending and receiving in one ``select`` (then
  both queues hold only that goroutine's entries, as many as the select has cases on it).
* For buffered channels, also: ``len(_buf) > 0`` implies that ``_recvq`` has no live waiter, and
  ``len(_buf) < _cap`` implies that ``_sendq`` has no live waiter.
* chanlab adds: ``len(_buf) <= _cap``, and a closed channel has no live waiter at all (``close``
  wakes every one).

``Chan._check_invariants()`` (both flavours) checks them and raises ``AssertionError``; the stress
tests call it while the channels are busy.
"""

import _thread
import itertools
import threading
import types
from collections import deque

from . import args
from . import trace as _trace
from .errors import ClosedChannelError
from .runtime import block, current_g, ready, will_park

__all__ = ["Chan", "ChanBase", "Case", "check_capacity", "check_timeout", "check_invariants"]

_names = itertools.count(1)


#: what a channel's capacity may be (the words of the error message)
CAPACITY = "an int >= 0 (0 = unbuffered, like make(chan T); n buffers n values, like make(chan T, n))"


def check_capacity(capacity):
    """Return ``capacity`` as an int if it is a valid channel size (an integer >= 0), else raise
    ``TypeError`` (not an int) or ``ValueError`` (negative), as :mod:`chanlab.args` does. Go panics
    with ``makechan: size out of range``. Shared by both flavours."""
    capacity = args.integer(capacity, "capacity", allowed=CAPACITY)  # numpy's integers too
    if capacity < 0:
        raise ValueError(f"capacity must be {CAPACITY}, got {capacity}")
    return capacity


def check_timeout(timeout, name="timeout"):
    """Return ``timeout`` (None, or seconds >= 0, as given), or raise ``TypeError`` / ``ValueError``
    as :mod:`chanlab.args` does (NaN is a ``ValueError``). A timeout too long for the operating
    system (``math.inf`` included) means no timeout: ``None``. Shared by both flavours."""
    seconds = args.seconds(timeout, name, allow_none=True, finite=False,
                           none_means="no timeout: wait as long as it takes")
    if seconds is None or seconds > threading.TIMEOUT_MAX:
        return None
    return timeout


def _dequeue(q):
    """Go ``waitq.dequeue``: pop the first waiter of ``q`` that is still waiting and mark it done,
    or return None. A select's waiter is taken only if it wins its goroutine's claim; an entry of
    a select that another channel already completed is stale and dropped."""
    while q:
        s = q.popleft()
        if s.sel and not s.g.claim.acquire(False):
            continue
        s.done = True
        return s
    return None


class ChanBase:
    """What both flavours of channel share: Go's ``len(ch)`` and ``cap(ch)``."""

    __slots__ = ()

    #: ``Chan[int]`` in a type hint reads like Go's ``chan int``
    __class_getitem__ = classmethod(types.GenericAlias)

    def __len__(self):
        """``len(ch)``: how many values wait in the buffer (always 0 when unbuffered)."""
        return len(self._buf)

    @property
    def cap(self):
        """``cap(ch)``: the buffer size given to ``make`` (0 when unbuffered)."""
        return self._cap

    @property
    def closed(self):
        """Whether ``close`` has been called (Go has no such query; it is here for teaching)."""
        return self._closed


class Chan(ChanBase):
    """A Go channel between threads. ``Chan()`` is ``make(chan T)``, ``Chan(n)`` is ``make(chan T, n)``.

    ``name`` labels the channel in traces and error messages (default ``chan-1``, ``chan-2``, ...).
    Values of any type may be sent, ``None`` included; ``recv_ok`` tells a sent ``None`` from a
    closed channel.
    """

    __slots__ = ("_lock", "_buf", "_cap", "_closed", "_recvq", "_sendq", "name", "__weakref__")

    def __init__(self, capacity=0, name=None):
        self._cap = check_capacity(capacity)
        self._lock = _thread.allocate_lock()
        self._buf = deque()
        self._closed = False
        self._recvq = deque()  # Sudogs of receivers waiting (Go: c.recvq)
        self._sendq = deque()  # Sudogs of senders waiting (Go: c.sendq)
        self.name = name if name is not None else f"chan-{next(_names)}"

    def __repr__(self):
        state = "closed" if self._closed else "open"
        return (f"<Chan {self.name!r} cap={self._cap} len={len(self._buf)} {state}, "
                f"{len(self._sendq)} senders and {len(self._recvq)} receivers waiting>")

    # --- the two halves of an operation, called with self._lock held (shared with select) -------
    def _send_now(self, value):
        """Go ``chansend`` without blocking: hand ``value`` to a waiting receiver (and wake it) or
        put it in the buffer. Returns True when done, False when the send must wait."""
        rq = self._recvq
        s = _dequeue(rq) if rq else None
        if s is not None:
            g = s.g
            ready(g, s.index, value, True)
            if _trace.active is not None:
                _record_handoff(self, value, sender=current_name(), receiver=g.name)
            return True
        if len(self._buf) < self._cap:
            self._buf.append(value)
            if _trace.active is not None:
                _record(self, "send", value)
            return True
        return False

    def _recv_now(self):
        """Go ``chanrecv`` without blocking: ``(value, ok)``, or None when it must wait. A sender
        that was waiting is completed and woken."""
        buf = self._buf
        sq = self._sendq
        if buf:
            value = buf.popleft()
            s = _dequeue(sq) if sq else None  # (no call in the common case: nobody waiting)
            if s is not None:  # the buffer was full: move the first waiting sender's value into it
                g = s.g
                elem = s.elem  # (read it before waking the sender: it reuses its sudog at once)
                buf.append(elem)
                ready(g, s.index, None, True)
                if _trace.active is not None:
                    _record(self, "send", elem, who=g.name)
            if _trace.active is not None:
                _record(self, "recv", value)
            return value, True
        s = _dequeue(sq) if sq else None
        if s is not None:  # unbuffered: take the value straight from a waiting sender
            g = s.g
            elem = s.elem  # (read it before waking the sender: it reuses its sudog at once)
            ready(g, s.index, None, True)
            if _trace.active is not None:
                _record_handoff(self, elem, sender=g.name, receiver=current_name())
            return elem, True
        if self._closed:
            return None, False
        return None

    def _withdraw(self, queue, s):
        """Take a plain (non-select) waiter off ``queue``; False if a peer already completed it."""
        with self._lock:
            if s.done:
                return False
            queue.remove(s)
            return True

    def _wait(self, queue, elem, timeout, reason):
        """With the lock held, nothing ready and ``timeout`` checked by ``check_timeout``: queue this thread on ``queue`` (offering ``elem``
        if it sends), release the lock and park until a peer completes the operation (Go:
        ``gopark``). Returns the thread's G, which holds the result."""
        lock = self._lock
        what = f"{'send on' if reason == 'chan send' else 'receive from'} {self.name}"
        if timeout == 0:
            lock.release()
            raise TimeoutError(f"{what} would block (timeout=0)")
        g = current_g()
        s = g.sudog
        s.elem = elem
        s.done = False
        queue.append(s)
        will_park(g, timeout)
        lock.release()
        done = block(g, timeout, lambda: self._withdraw(queue, s), self.name, reason)
        s.elem = None
        if not done:
            nobody = "no receiver took the value" if reason == "chan send" else "nothing was sent"
            raise TimeoutError(f"{what} timed out after {timeout} s: {nobody}")
        return g

    # --- select { case ch <- v: default: } and select { case v, ok := <-ch: default: } ------------
    def try_send(self, value):
        """Send ``value`` only if that needs no waiting: True when sent, False when it would wait.

        Go::

            select {
            case ch <- v:   // sent: True
            default:        // a send would block: False
            }

        A waiting receiver gets ``value`` directly, or it goes into the buffer. On a closed channel
        raises ``ClosedChannelError("send on closed channel")``, as Go panics.
        """
        with self._lock:
            if self._closed:
                raise ClosedChannelError("send on closed channel")
            return self._send_now(value)

    def try_recv(self):
        """Receive only if that needs no waiting: ``(value, True)`` when a value was received,
        ``(None, False)`` when the channel is closed and drained, ``None`` when it would wait.

        Go::

            select {
            case v, ok := <-ch:  // (v, True), or (None, False) once closed and drained
            default:             // a receive would block: None
            }
        """
        with self._lock:
            return self._recv_now()

    def _check_invariants(self):
        """Check the invariants in the module docstring under the lock; raise ``AssertionError``
        naming the broken one. A debugging aid for the tests, safe to call while others use the
        channel."""
        with self._lock:
            check_invariants(self, [s.g for s in self._sendq if _live(s)],
                             [s.g for s in self._recvq if _live(s)])

    # --- ch <- v ----------------------------------------------------------------------------------
    def send(self, value, timeout=None):
        """``ch <- value``. Waits until a receiver takes it (unbuffered) or the buffer has room.

        Raises ``ClosedChannelError("send on closed channel")`` if the channel is closed, also
        when it is closed while this send waits. With ``timeout`` (seconds), raises the built-in
        ``TimeoutError`` if the send could not complete in time; the value was then not sent.
        """
        if timeout is not None:
            timeout = check_timeout(timeout)
        lock = self._lock
        lock.acquire()
        if self._closed:
            lock.release()
            raise ClosedChannelError("send on closed channel")
        buf = self._buf
        if len(buf) < self._cap and not self._recvq:  # the common case, kept short
            buf.append(value)
            lock.release()
            if _trace.active is not None:
                _record(self, "send", value)
            return
        if self._send_now(value):
            lock.release()
            return
        g = self._wait(self._sendq, value, timeout, "chan send")
        if not g.ok:
            raise ClosedChannelError("send on closed channel")

    # --- v, ok := <-ch ----------------------------------------------------------------------------
    def recv_ok(self, timeout=None):
        """``v, ok := <-ch``: ``(value, True)``, or ``(None, False)`` once closed and drained.

        With ``timeout`` (seconds), raises the built-in ``TimeoutError`` if nothing arrived in time.
        """
        if timeout is not None:
            timeout = check_timeout(timeout)
        lock = self._lock
        lock.acquire()
        buf = self._buf
        if buf and not self._sendq:  # the common case, kept short
            value = buf.popleft()
            lock.release()
            if _trace.active is not None:
                _record(self, "recv", value)
            return value, True
        r = self._recv_now()
        if r is not None:
            lock.release()
            return r
        g = self._wait(self._recvq, None, timeout, "chan receive")
        value = g.value
        g.value = None
        return value, g.ok

    def recv(self, timeout=None):
        """``v := <-ch``: the next value, or ``None`` once the channel is closed and drained.

        Use ``recv_ok`` (or ``for v in ch``) when ``None`` can also be a real value.
        """
        return self.recv_ok(timeout)[0]

    # --- close(ch) --------------------------------------------------------------------------------
    def close(self):
        """``close(ch)``: no more values will be sent.

        Receivers drain the buffer, then get ``(None, False)``. Every waiting receiver wakes with
        that result and every waiting sender wakes with ``ClosedChannelError``. Closing twice raises
        ``ClosedChannelError("close of closed channel")``.
        """
        with self._lock:
            if self._closed:
                raise ClosedChannelError("close of closed channel")
            self._closed = True
            for queue, ok in ((self._recvq, False), (self._sendq, False)):
                while (s := _dequeue(queue)) is not None:
                    ready(s.g, s.index, None, ok)
            if _trace.active is not None:
                _record(self, "close")

    # --- for v := range ch ------------------------------------------------------------------------
    def __iter__(self):
        """``for v := range ch``: receive until the channel is closed *and* drained."""
        while True:
            value, ok = self.recv_ok()
            if not ok:
                return
            yield value

    # --- cases for select -------------------------------------------------------------------------
    def sending(self, value):
        """The select case ``case ch <- value:``."""
        return Case(self, True, value)

    def receiving(self):
        """The select case ``case v, ok := <-ch:``."""
        return Case(self, False, None)


class Case:
    """One case of a ``select``: made by ``ch.sending(v)`` (``case ch <- v``) or ``ch.receiving()``
    (``case v, ok := <-ch``), for either flavour. ``None`` in its place is Go's nil channel."""

    __slots__ = ("chan", "is_send", "value")

    def __init__(self, chan, is_send, value):
        self.chan = chan
        self.is_send = is_send
        self.value = value

    def __repr__(self):
        if self.is_send:
            return f"<case {self.chan!r} <- {self.value!r}>"
        return f"<case <-{self.chan!r}>"


def _live(s):
    """Does this queue entry still wait? (A select's entry whose claim a peer took is stale.)"""
    return not s.done and not (s.sel and s.g.claim.locked())


def check_invariants(ch, senders, receivers):
    """Raise ``AssertionError`` if channel ``ch`` breaks an invariant of the module docstring, given
    who waits on it: ``senders`` and ``receivers``, one entry per live waiter (its goroutine).
    Shared by both flavours."""
    n, cap = len(ch._buf), ch._cap
    where = f"{ch!r}: "
    if senders and receivers:
        alone = ch._cap == 0 and len({id(g) for g in senders + receivers}) == 1
        assert alone, where + "both sendq and recvq have live waiters (only a single goroutine's " \
                              "select may wait on both sides of an unbuffered channel)"
    assert n <= cap, where + f"len(buf) = {n} > cap = {cap}"
    if cap > 0:
        assert not (n > 0 and receivers), where + "values in the buffer while receivers wait"
        assert not (n < cap and senders), where + "room in the buffer while senders wait"
    assert not (ch._closed and (senders or receivers)), where + "closed, yet goroutines still wait"


def current_name():
    return threading.current_thread().name


def _record(ch, kind, value=None, who=None):
    tr = _trace.active
    if tr is not None:
        tr.record(tr.real_time(), who or current_name(), kind, ch.name, value)


def _record_handoff(ch, value, sender, receiver):
    tr = _trace.active
    if tr is not None:
        t = tr.real_time()
        tr.record(t, sender, "send", ch.name, value)
        tr.record(t, receiver, "recv", ch.name, value)

