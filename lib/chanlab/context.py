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
As in Go, ``background().done()`` is ``None`` (a nil channel): a select case that never runs.
"""
import threading
import time

from .chan import Chan
from .timers import _check_seconds, cancel as _cancel_timer, schedule

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


class Context:
    """A context: ``done()``, ``err()``, ``deadline()``. Made by the functions of this module."""

    def __init__(self, parent=None, deadline=None):
        self._parent = parent
        self._lock = threading.Lock()
        self._done = Chan(0, name="ctx.done") if parent is not None else None
        self._err = None
        self._children = set()
        self._timer = None
        if parent is not None and parent._deadline is not None:
            deadline = parent._deadline if deadline is None else min(deadline, parent._deadline)
        self._deadline = deadline

    def done(self):
        """``ctx.Done()``: a channel closed when this context ends (``None`` for background())."""
        return self._done

    def err(self):
        """``ctx.Err()``: ``None`` while running, then ``Canceled`` or ``DeadlineExceeded``."""
        return self._err

    def deadline(self):
        """``ctx.Deadline()``: the ``time.monotonic()`` at which it ends by itself, or None."""
        return self._deadline

    def _cancel(self, err):
        with self._lock:
            if self._err is not None:
                return
            self._err = err
            children, self._children = self._children, set()
            timer, self._timer = self._timer, None
        if timer is not None:
            _cancel_timer(timer)
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


_background = Context()


def background():
    """``context.Background()``: never cancelled, no deadline; the root of every context tree."""
    return _background


def _child(parent, deadline=None):
    if not isinstance(parent, Context):
        raise TypeError(f"a context's parent must be a Context (start from context.background()), not {parent!r}")
    ctx = Context(parent, deadline)
    if parent._done is not None:
        with parent._lock:
            err = parent._err
            if err is None:
                parent._children.add(ctx)
        if err is not None:
            ctx._cancel(err)  # the parent is already done: so is the child
    return ctx


def with_cancel(parent):
    """``ctx, cancel := context.WithCancel(parent)``. ``cancel()`` ends ctx and all its children."""
    ctx = _child(parent)
    return ctx, lambda: ctx._cancel(Canceled)


def with_deadline(parent, deadline):
    """``context.WithDeadline``: ``deadline`` is a ``time.monotonic()`` value."""
    ctx = _child(parent, _check_seconds(deadline, "with_deadline()"))
    with ctx._lock:  # (a parent cancelled at this very moment has set _err: then no timer)
        if ctx._err is None:
            ctx._timer = schedule(ctx._deadline - time.monotonic(), lambda: ctx._cancel(DeadlineExceeded))
    return ctx, lambda: ctx._cancel(Canceled)


def with_timeout(parent, seconds):
    """``ctx, cancel := context.WithTimeout(parent, d)``: ends by itself after ``seconds``.

    Always call ``cancel()`` when done (Go: ``defer cancel()``), to free its timer at once.
    """
    return with_deadline(parent, time.monotonic() + _check_seconds(seconds, "with_timeout()"))
