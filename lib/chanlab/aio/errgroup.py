"""``golang.org/x/sync/errgroup`` for asyncio: goroutines (tasks) that fail together.

Go::

    g, ctx := errgroup.WithContext(ctx)
    g.SetLimit(3)
    for _, url := range urls {
        g.Go(func() error { return fetch(ctx, url) })
    }
    err := g.Wait()                     // the first error; ctx was cancelled when it happened

chanlab.aio::

    g, ctx = errgroup.with_context(context.background())
    g.set_limit(3)
    for url in urls:
        await g.go(fetch, ctx, url)     # awaited: with a limit, it waits for a free slot
    err = await g.wait()                # the first exception raised, or None (returned, not raised)

As in the threads flavour (:mod:`chanlab.errgroup`): a function fails by raising; the first
exception is kept and returned by ``wait``; the limit is a buffered channel of tokens; ``try_go``
never waits. ``with_context`` cancels its context on the first error and when ``wait`` returns.

Where asyncio differs: ``go`` is a coroutine (``await g.go(...)``) because with a limit it may wait;
the context is cancelled cooperatively, as in Go -- the group never calls ``task.cancel()``, so a
function that ignores ``ctx.done()`` runs to its end, exactly as a Go goroutine would.
"""
import inspect

from chanlab import errgroup as _threads
from chanlab.chan import check_timeout

from . import context
from .chan import Chan
from .goroutine import go as _go
from .sync import WaitGroup

__all__ = ["Group", "with_context"]


class Group(_threads.Group):
    """Go's ``errgroup.Group`` for asyncio; ready to use: ``Group()``. ``try_go``, ``set_limit``
    are the threads flavour's (they never wait); ``go`` and ``wait`` are coroutines."""

    _chan, _waitgroup = Chan, WaitGroup

    async def go(self, fn, *fn_args, timeout=None):
        """``g.Go(f)``: start ``fn(*fn_args)`` (an ``async def`` function) as a goroutine of the group.

        With a limit, first wait until fewer than the limit are running (at most ``timeout``
        seconds, then ``TimeoutError``; nothing is started).
        """
        self._check_fn(fn)
        if self._sem is not None:
            await self._sem.send(None, timeout=check_timeout(timeout))  # Go: g.sem <- token{}
        self._start(self._sem, fn, fn_args)

    async def wait(self, timeout=None):
        """``g.Wait()``: wait for every goroutine of the group, then return the first exception
        (or None), and cancel the context of :func:`with_context`. ``TimeoutError`` after ``timeout``."""
        await self._wg.wait(check_timeout(timeout))
        if self._cancel is not None:
            self._cancel()
        return self._err

    @staticmethod
    def _check_fn(fn):
        if not callable(fn) or (inspect.isfunction(fn) and not inspect.iscoroutinefunction(fn)):
            raise TypeError(f"Group.go needs an 'async def' function, not {type(fn).__name__} {fn!r}")

    def _start(self, sem, fn, fn_args):
        self._wg.add(1)

        async def member():
            try:
                await fn(*fn_args)
            except Exception as err:  # Go: if err := f(); err != nil { g.errOnce.Do(...) }
                if self._err is None:
                    self._err = err
                    if self._cancel is not None:
                        self._cancel()
            finally:
                if sem is not None:
                    sem.try_recv()  # Go: <-g.sem (a token is always there: never waits)
                self._wg.done()

        _go(member, name=f"errgroup-{getattr(fn, '__name__', 'func')}")


def with_context(parent):
    """``g, ctx := errgroup.WithContext(parent)``: a group and a :mod:`chanlab.aio.context` context
    derived from ``parent``, cancelled when a function of the group first fails, or when ``wait``
    returns."""
    ctx, cancel = context.with_cancel(parent)
    g = Group()
    g._cancel = cancel
    return g, ctx
