"""``golang.org/x/sync/errgroup`` for threads: a WaitGroup that also collects the first error.

Go::

    g, ctx := errgroup.WithContext(ctx)
    g.SetLimit(3)                       // at most 3 goroutines of the group at a time
    for _, url := range urls {
        g.Go(func() error { return fetch(ctx, url) })
    }
    if err := g.Wait(); err != nil {    // the first error; ctx was cancelled when it happened
        return err
    }

chanlab::

    g, ctx = errgroup.with_context(context.background())
    g.set_limit(3)
    for url in urls:
        g.go(fetch, ctx, url)           # fetch raises an exception where Go returns an error
    err = g.wait()                      # the first exception raised, or None (it is returned, not raised)
    if err is not None:
        raise err

A function of the group fails by *raising* (Python's way to return an error). The first exception
is kept; the others are dropped, as Go drops every error after the first. ``with_context`` cancels
the returned context on that first error (and, as in Go, when ``wait`` returns), so the others can
stop early -- if they look at ``ctx.done()``: cancelling stops nothing by itself.

The limit is what Go's errgroup uses too: a buffered channel of tokens, ``Chan(n)``. ``go`` sends a
token before it starts the function (so it waits while ``n`` are running) and the function's
goroutine receives one when it ends; ``try_go`` is the same send without waiting (``try_send``, Go's
``select`` with a ``default``).

Differences from Go: ``go`` and ``wait`` take a ``timeout`` (Go's wait as long as it takes); an
exception that is not an ``Exception`` (``KeyboardInterrupt``) is not an error but a panic.
"""
import threading

from . import args, context
from .chan import Chan, check_timeout
from .goroutine import go as _go
from .sync import WaitGroup

__all__ = ["Group", "with_context"]


class Group:
    """Go's ``errgroup.Group``; the zero value is ready: ``Group()`` (no limit, no context)."""

    #: the types it is built from (the asyncio flavour's subclass swaps in its own)
    _chan, _waitgroup = Chan, WaitGroup

    def __init__(self):
        self._wg = self._waitgroup()
        self._lock = threading.Lock()
        self._err = None
        self._sem = None  # Go: sem chan token (None: no limit)
        self._cancel = None  # set by with_context

    def go(self, fn, *fn_args, timeout=None):
        """``g.Go(f)``: run ``fn(*fn_args)`` in a new goroutine of the group.

        With a limit, wait first until fewer than the limit are running (at most ``timeout``
        seconds, then ``TimeoutError``; nothing is started).
        """
        self._check_fn(fn)
        if self._sem is not None:
            self._sem.send(None, timeout=check_timeout(timeout))  # Go: g.sem <- token{}
        self._start(self._sem, fn, fn_args)

    def try_go(self, fn, *fn_args):
        """``g.TryGo(f)``: start ``fn`` only if the limit allows it now; True if it was started."""
        self._check_fn(fn)
        sem = self._sem
        if sem is not None and not sem.try_send(None):
            return False  # Go: select { case g.sem <- token{}: default: return false }
        self._start(sem, fn, fn_args)
        return True

    def set_limit(self, n):
        """``g.SetLimit(n)``: at most ``n`` active goroutines; a negative ``n`` means no limit.

        As in Go, the limit may not change while goroutines of the group are running
        (``RuntimeError``; Go panics with the same message).
        """
        n = args.integer(n, "n", allowed="an int (a negative int means no limit)")
        active = len(self._sem) if self._sem is not None else 0
        if active:
            raise RuntimeError(f"errgroup: modify limit while {active} goroutines in the group are still active")
        self._sem = None if n < 0 else self._chan(n, name="errgroup.sem")

    def wait(self, timeout=None):
        """``g.Wait()``: wait for every goroutine of the group, then return the first exception
        (or None). Cancels the context of :func:`with_context`. ``TimeoutError`` after ``timeout``."""
        self._wg.wait(check_timeout(timeout))
        if self._cancel is not None:
            self._cancel()
        return self._err

    @staticmethod
    def _check_fn(fn):
        if not callable(fn):
            raise TypeError(f"Group.go needs a function to run, not {type(fn).__name__} {fn!r}")

    def _start(self, sem, fn, fn_args):
        self._wg.add(1)

        def member():
            try:
                fn(*fn_args)
            except Exception as err:  # Go: if err := f(); err != nil { g.errOnce.Do(...) }
                with self._lock:
                    first = self._err is None
                    if first:
                        self._err = err
                if first and self._cancel is not None:
                    self._cancel()
            finally:
                if sem is not None:
                    sem.recv()  # Go: <-g.sem
                self._wg.done()

        _go(member, name=f"errgroup-{getattr(fn, '__name__', 'func')}")

    def __repr__(self):
        limit = "no limit" if self._sem is None else f"limit {self._sem.cap}"
        return f"<errgroup.Group {self._wg.count} running, {limit}, err={self._err!r}>"


def with_context(parent):
    """``g, ctx := errgroup.WithContext(parent)``: a group and a context derived from ``parent``
    that is cancelled when a function of the group first fails, or when ``wait`` returns."""
    ctx, cancel = context.with_cancel(parent)
    g = Group()
    g._cancel = cancel
    return g, ctx
