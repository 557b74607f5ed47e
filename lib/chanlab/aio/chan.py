"""Go's channels for asyncio: ``make(chan T)``, ``ch <- v``, ``<-ch``, ``close(ch)``.

Go::

    ch := make(chan int)       // unbuffered: a send waits for a receiver
    jobs := make(chan int, 3)  // buffered: a send waits only when 3 values are queued
    go func() { ch <- 42 }()
    v := <-ch
    v, ok := <-ch              // ok == false once ch is closed and drained
    close(ch)
    for v := range jobs { ... }

chanlab.aio::

    ch = Chan()
    jobs = Chan(3)
    go(ch.send(42))
    v = await ch.recv()
    v, ok = await ch.recv_ok()
    ch.close()
    async for v in jobs: ...

Built the way Go's runtime builds it (``runtime/chan.go``): a ``deque`` for the buffer and two FIFO
queues of parked goroutines. A sender that finds a receiver waiting hands the value straight to it
and goes on without waiting; when a send or receive can complete at once it does not await anything
at all. A Chan belongs to one event loop and is not thread-safe: from another thread, use
``loop.call_soon_threadsafe(ch.close)``.
"""

from collections import deque

from chanlab import trace as _trace
from chanlab.chan import Case, ChanBase, check_capacity, check_invariants, check_timeout
from chanlab.errors import ClosedChannelError
from chanlab.select import Selected

from .loop import _outside, program
from .park import CLOSED, EMPTY, park, record

__all__ = ["Chan"]


def _live(queue):
    """Drop waiters that no longer wait (a select that chose another case, a cancelled goroutine);
    then is anybody left?"""
    while queue and queue[0].fut.done():
        queue.popleft()
    return bool(queue)


class Chan(ChanBase):
    """A channel: ``make(chan T)`` for ``Chan()``, ``make(chan T, n)`` for ``Chan(n)``.

    ``capacity`` 0 (the default) makes an unbuffered channel: ``await ch.send(v)`` returns only once
    a receiver has taken ``v``. ``name`` labels the channel in traces and error messages.
    """

    __slots__ = ("_buf", "_cap", "_recvq", "_sendq", "_closed", "name", "__weakref__")

    def __init__(self, capacity=0, name=None):
        self._cap = check_capacity(capacity)
        self._buf = deque()
        self._recvq = deque()  # parked receivers (Waiters), oldest first
        self._sendq = deque()  # parked senders, each Waiter holding the value it sends
        self._closed = False
        self.name = name

    def __repr__(self):
        name = f" {self.name!r}" if self.name is not None else ""
        state = " closed" if self._closed else ""
        return f"<Chan{name} cap={self._cap} len={len(self._buf)}{state}>"

    # ---- the steps that never wait (shared with select) -------------------------------------------

    def try_send(self, value):
        """Go ``select { case ch <- v: default: }``, as :meth:`chanlab.Chan.try_send`: True when
        sent, False when it would wait, ``ClosedChannelError`` on a closed channel. A plain method
        (not a coroutine): it never waits. A parked receiver gets ``value`` directly, or it goes
        into the buffer."""
        if self._closed:
            raise ClosedChannelError("send on closed channel")
        recvq = self._recvq
        while recvq:
            w = recvq.popleft()
            if w.fut.done():
                continue  # a select that went another way, or a cancelled receiver
            w.fut.set_result(value if w.index is None else Selected(w.index, value, True))
            if _trace.active is not None:
                self._traced_handoff("send", value, w)
            return True
        if len(self._buf) < self._cap:
            self._buf.append(value)
            if _trace.active is not None:
                record("send", self._label(), value)
            return True
        return False

    def try_recv(self):
        """Go ``select { case v, ok := <-ch: default: }``, as :meth:`chanlab.Chan.try_recv`:
        ``(value, True)`` received, ``(None, False)`` closed and drained, ``None`` when it would
        wait. A plain method (not a coroutine): it never waits."""
        value = self._try_recv()
        if value is EMPTY:
            return None
        return (None, False) if value is CLOSED else (value, True)

    def _check_invariants(self):
        """Check the invariants stated in :mod:`chanlab.chan` and raise ``AssertionError`` naming
        the broken one (a debugging aid for the tests)."""
        check_invariants(self, [w.task for w in self._sendq if not w.fut.done()],
                         [w.task for w in self._recvq if not w.fut.done()])

    def _try_recv(self):
        """Take a value without waiting. Returns the value, ``CLOSED`` if the channel is closed and
        drained, or ``EMPTY`` if the receive would have to wait."""
        buf = self._buf
        sendq = self._sendq
        if buf:
            value = buf.popleft()
            # A sender parked on the full buffer moves its value into the freed slot (Go does this).
            while sendq:
                w = sendq.popleft()
                if w.fut.done():
                    continue
                buf.append(w.value)
                w.fut.set_result(True if w.index is None else Selected(w.index))
                if _trace.active is not None:
                    self._traced_handoff("recv", w.value, w, only_peer=True)
                break
            if _trace.active is not None:
                record("recv", self._label(), value)
            return value
        while sendq:  # unbuffered: take the value straight from a parked sender
            w = sendq.popleft()
            if w.fut.done():
                continue
            w.fut.set_result(True if w.index is None else Selected(w.index))
            if _trace.active is not None:
                self._traced_handoff("recv", w.value, w)
            return w.value
        if self._closed:
            return CLOSED
        return EMPTY

    def _can_send(self):
        return self._closed or _live(self._recvq) or len(self._buf) < self._cap

    def _can_recv(self):
        return bool(self._buf) or self._closed or _live(self._sendq)

    # ---- Go's operations -------------------------------------------------------------------------

    async def send(self, value, timeout=None):
        """``ch <- value``: wait until a receiver takes ``value`` (unbuffered) or there is room.

        Raises ``ClosedChannelError("send on closed channel")`` if the channel is or gets closed, and
        ``TimeoutError`` if ``timeout`` seconds pass first (then nothing was sent).
        """
        if timeout is not None:
            timeout = check_timeout(timeout)
        if self.try_send(value):
            return
        if await park(((self._sendq, value, None),), timeout, "chan send", self) is CLOSED:
            raise ClosedChannelError("send on closed channel")

    async def recv(self, timeout=None):
        """``v := <-ch``: the next value; ``None`` once the channel is closed and drained.

        Raises ``TimeoutError`` if ``timeout`` seconds pass first (then nothing was received).
        """
        if timeout is not None:
            timeout = check_timeout(timeout)
        value = self._try_recv()
        if value is EMPTY:
            value = await park(((self._recvq, None, None),), timeout, "chan receive", self)
        return None if value is CLOSED else value

    async def recv_ok(self, timeout=None):
        """``v, ok := <-ch``: ``(value, True)``, or ``(None, False)`` once closed and drained."""
        if timeout is not None:
            timeout = check_timeout(timeout)
        value = self._try_recv()
        if value is EMPTY:
            value = await park(((self._recvq, None, None),), timeout, "chan receive", self)
        return (None, False) if value is CLOSED else (value, True)

    def close(self):
        """``close(ch)``: no more values will come. Wakes every parked receiver (they get the closed
        result) and every parked sender (they raise). Values already buffered are still received.

        Raises ``ClosedChannelError("close of closed channel")`` the second time.
        """
        if self._closed:
            raise ClosedChannelError("close of closed channel")
        self._closed = True
        if _trace.active is not None:
            record("close", self._label())
        while self._recvq:
            w = self._recvq.popleft()
            if not w.fut.done():
                w.fut.set_result(CLOSED if w.index is None else Selected(w.index, None, False))
        while self._sendq:
            w = self._sendq.popleft()
            if not w.fut.done():
                w.fut.set_result(CLOSED)

    def __aiter__(self):
        """``for v := range ch``: ``async for v in ch`` ends when ch is closed and drained."""
        return self

    async def __anext__(self):
        value = self._try_recv()
        if value is EMPTY:
            value = await park(((self._recvq, None, None),), None, "chan receive", self)
        if value is CLOSED:
            raise StopAsyncIteration
        return value

    # ---- cases for select ------------------------------------------------------------------------

    def sending(self, value):
        """The select case ``case ch <- value:``."""
        return Case(self, True, value)

    def receiving(self):
        """The select case ``case v, ok := <-ch:``."""
        return Case(self, False, None)

    # ---- tracing ---------------------------------------------------------------------------------

    def _label(self):
        """The channel's name for traces and messages (unnamed channels get chan1, chan2, ...)."""
        if self.name is None:
            prog = program() or _outside
            prog.chans += 1
            self.name = f"chan{prog.chans}"
        return self.name

    def _traced_handoff(self, kind, value, peer, only_peer=False):
        """Record a hand-off between the running goroutine and a parked ``peer``: both sides' events
        are recorded now, by the side that completed it."""
        peer_name = peer.task.get_name() if peer.task is not None else "?"
        peer_kind = "recv" if kind == "send" else "send"
        if not only_peer:
            record(kind, self._label(), value)
        record(peer_kind, self._label(), value, who=peer_name)
