"""Go's ``context`` package for asyncio: cancellation and timeouts, the same names as
:mod:`chanlab.context`.

The Go being translated (``context.WithTimeout`` and a select on ``ctx.Done()``) is shown in
:mod:`chanlab.context`; here it reads:

chanlab.aio::

    ctx, cancel = context.with_timeout(context.background(), 2.0)
    try:
        s = await select(results.receiving(), ctx.done().receiving())
        if s.index == 1:
            print(ctx.err())            # context deadline exceeded
    finally:
        cancel()                        # a plain call: cancelling never waits

``ctx.done()`` is a :class:`chanlab.aio.Chan` closed when the context ends; deadlines are on the
loop's clock (``loop.time()``, virtual under ``run(..., virtual_time=True)``), so contexts with a
timeout are made inside a coroutine. ``background().done()`` is a nil channel: never ready in a
select. ``with_timeout(parent, 0)`` (or a deadline already past) is done before it returns. The
errors are the threads flavour's own: ``context.Canceled`` and ``context.DeadlineExceeded``.
"""

import asyncio

from chanlab.context import Canceled, ContextError, DeadlineExceeded, functions
from chanlab.context import Context as _ThreadsContext

from .chan import Chan
from .select import select

__all__ = ["Context", "background", "with_cancel", "with_timeout", "with_deadline",
           "ContextError", "Canceled", "DeadlineExceeded"]


class NilChan:
    """Go's nil channel for asyncio, as ``background().done()`` returns it: its select cases are
    ``None`` (never ready), ``await ch.recv()`` waits forever, ``bool(ch)`` is False."""

    __slots__ = ()

    def receiving(self):
        return None

    def sending(self, value):
        return None

    async def recv(self, timeout=None):
        """``<-ch`` on a nil channel: block forever (or raise ``TimeoutError`` after ``timeout``)."""
        await select(timeout=timeout)

    def __bool__(self):
        return False

    def __repr__(self):
        return "<nil chan>"


#: the nil channel of the asyncio flavour
NIL = NilChan()


def _loop():
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        raise RuntimeError("a context with a deadline belongs to the running event loop: make it "
                           "inside a coroutine (for example one run by chanlab.aio.run)") from None


class Context(_ThreadsContext):
    """A context of the asyncio flavour: ``done()``, ``err()``, ``deadline()`` (loop time)."""

    chan_type = Chan
    nil = NIL

    def now(self):
        return _loop().time()

    def start_timer(self, delay):
        return _loop().call_later(delay, self._cancel, DeadlineExceeded)

    def stop_timer(self, timer):
        timer.cancel()


background, with_cancel, with_deadline, with_timeout = functions(Context, "chanlab.aio.context")
