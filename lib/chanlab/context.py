"""Go's ``context`` package, enough for cancellation and timeouts.

Go::

    ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
    defer cancel()
    select {
    case r := <-results:
        use(r)
    case <-ctx.Done():
        fmt.Println(ctx.Err())          // context deadline exceeded
    }

chanlab::

    ctx, cancel = context.with_timeout(context.background(), 2.0)
    try:
        sel = select(results.receiving(), ctx.done().receiving())
        if sel.index == 1:
            print(ctx.err())            # context deadline exceeded
    finally:
        cancel()

``ctx.done()`` is a channel that is closed when the context is cancelled or its deadline passes,
so every goroutine waiting on it wakes at once (a broadcast, which a single send cannot do).
Cancelling does not stop any work by itself: the work must look at ``ctx.done()`` and return.
As in Go, ``background().done()`` is a nil channel (:data:`NIL`): its select case is never ready,
so generic code such as ``select(out.sending(v), ctx.done().receiving())`` works with background().
``with_timeout(parent, 0)`` (or a deadline already past) is cancelled before it returns.
The asyncio twin, with the same names, is :mod:`chanlab.aio.context`.
"""
import threading
import time

from . import args
from .chan import Chan
from .select import select
from .timers import cancel as _cancel_timer, schedule

__all__ = ["Context", "background", "with_cancel", "with_timeout", "with_deadline",
           "ContextError", "Canceled", "DeadlineExceeded"]


class ContextError(Exception):
    """Why a context ended (Go: the ``error`` values ``context.Canceled``, ``context.DeadlineExceeded``)."""


class _DeadlineExceededError(ContextError, TimeoutError):
    pass


#: ``context.Canceled``: ``ctx.err() is Canceled`` after ``cancel()``.
Canceled = ContextError("context canceled")
#: ``context.DeadlineExceeded``: ``ctx.err() is DeadlineExceeded`` after the deadline passed.
DeadlineExceeded = _DeadlineExceededError("context deadline exceeded")


class NilChan:
    """Go's nil channel, as ``background().done()`` returns it: ``ch.receiving()`` and
    ``ch.sending(v)`` give ``None``, the select case that is never ready; ``ch.recv()`` waits
    forever (the deadlock detector sees it); ``bool(ch)`` is False (Go: ``ctx.Done() == nil``)."""

    __slots__ = ()

    def receiving(self):
        return None

    def sending(self, value):
        return None

    def recv(self, timeout=None):
        """``<-ch`` on a nil channel: block forever (or raise ``TimeoutError`` after ``timeout``)."""
        select(timeout=timeout)

    def __bool__(self):
        return False

    def __repr__(self):
        return "<nil chan>"


#: the nil channel of the threads flavour
NIL = NilChan()


class Context:
    """A context: ``done()``, ``err()``, ``deadline()``. Made by the functions of this module.

    The parts that differ between flavours are the class attributes and the three clock methods;
    :mod:`chanlab.aio.context` overrides them.
    """

    chan_type = Chan  #: the flavour's channel, for ``done()``
    nil = NIL  #: the flavour's nil channel, ``background().done()``

    def __init__(self, parent=None, deadline=None):
        self._parent = parent
        self._lock = threading.Lock()
        self._done = self.chan_type(0, name="ctx.done") if parent is not None else None
        self._err = None
        self._children = set()
        self._timer = None
        if parent is not None and parent._deadline is not None:
            deadline = parent._deadline if deadline is None else min(deadline, parent._deadline)
        self._deadline = deadline

    # --- the flavour's clock --------------------------------------------------------------------
    def now(self):
        """The clock deadlines are measured on (threads: ``time.monotonic()``)."""
        return time.monotonic()

    def start_timer(self, delay):
        """Cancel this context with ``DeadlineExceeded`` after ``delay`` seconds (Go: the
        ``time.AfterFunc`` inside ``WithDeadline``); returns what :meth:`stop_timer` takes."""
        return schedule(delay, lambda: self._cancel(DeadlineExceeded))

    def stop_timer(self, timer):
        _cancel_timer(timer)

    # --- Go's methods ---------------------------------------------------------------------------
    def done(self):
        """``ctx.Done()``: a channel closed when this context ends (the nil channel for background())."""
        return self.nil if self._done is None else self._done

    def err(self):
        """``ctx.Err()``: ``None`` while running, then ``Canceled`` or ``DeadlineExceeded``."""
        return self._err

    def deadline(self):
        """``ctx.Deadline()``: the clock time at which it ends by itself, or None."""
        return self._deadline

    def derive(self, deadline=None):
        """A child of this context, with its cancel function: the step ``with_cancel`` and
        ``with_deadline`` share (Go has no such method). A deadline already past, or a parent
        already done, ends the child before this returns."""
        ctx = type(self)(self, deadline)
        if self._done is not None:
            with self._lock:
                err = self._err
                if err is None:
                    self._children.add(ctx)
            if err is not None:
                ctx._cancel(err)  # the parent is already done: so is the child
        if ctx._deadline is not None:
            delay = ctx._deadline - ctx.now()
            if delay <= 0:
                ctx._cancel(DeadlineExceeded)  # Go: already past, cancelled before returning
            else:
                with ctx._lock:  # (a parent cancelled at this very moment has set _err: no timer)
                    if ctx._err is None:
                        ctx._timer = ctx.start_timer(delay)
        return ctx, lambda: ctx._cancel(Canceled)

    def _cancel(self, err):
        with self._lock:
            if self._err is not None:
                return
            self._err = err
            children, self._children = self._children, set()
            timer, self._timer = self._timer, None
        if timer is not None:
            self.stop_timer(timer)
        self._done.close()
        for child in children:
            child._cancel(err)
        parent = self._parent
        if parent is not None and parent._done is not None:
            with parent._lock:
                parent._children.discard(self)

    def __repr__(self):
        state = "running" if self._err is None else str(self._err)
        return f"<Context {state}>"


def functions(kind, flavour):
    """Go's four constructors for contexts of class ``kind`` (module ``flavour``): ``background``,
    ``with_cancel``, ``with_deadline``, ``with_timeout``. Both flavours are made by it; deadlines
    are on ``kind``'s clock (``Context.now()``)."""
    root = kind()

    def check(parent):
        if type(parent) is not kind:
            raise TypeError(f"a context's parent must be a {flavour} Context (start from "
                            f"{flavour}.background()), not {parent!r}")
        return parent

    def background():
        """``context.Background()``: never cancelled, no deadline; the root of every context tree."""
        return root

    def with_cancel(parent):
        """``ctx, cancel := context.WithCancel(parent)``. ``cancel()`` ends ctx and all its children."""
        return check(parent).derive()

    def with_deadline(parent, deadline):
        """``context.WithDeadline``: ``deadline`` is a time on the flavour's clock (threads:
        ``time.monotonic()``, asyncio: ``loop.time()``). One already past gives a context that is
        done (``DeadlineExceeded``) before this returns, as in Go."""
        deadline = args.number(deadline, "with_deadline(deadline)")
        return check(parent).derive(deadline)

    def with_timeout(parent, seconds):
        """``ctx, cancel := context.WithTimeout(parent, d)``: ends by itself after ``seconds``
        (``0`` or less: done before this returns, as in Go).

        Always call ``cancel()`` when done (Go: ``defer cancel()``), to free its timer at once.
        """
        seconds = args.number(seconds, "with_timeout(seconds)")
        parent = check(parent)
        return parent.derive(parent.now() + seconds)

    for f in (background, with_cancel, with_deadline, with_timeout):
        f.__module__ = flavour
    return background, with_cancel, with_deadline, with_timeout


background, with_cancel, with_deadline, with_timeout = functions(Context, "chanlab.context")
