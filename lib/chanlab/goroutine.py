"""``go f(x)``: start a goroutine, here a daemon thread.

Go::

    go worker(3, jobs)

chanlab::

    g = go(worker, 3, jobs)     # returns a handle: g.join() waits for it and gives its result

Differences from Go, said plainly:

* A goroutine is a thread. Threads cost more than goroutines (a few hundred, not a million) and,
  under the GIL, run Python code one at a time: they help with waiting, not with computing.
* When the main program ends, Go kills the remaining goroutines; Python does too for daemon threads,
  but in a notebook the kernel lives on, and so does any goroutine still blocked. Join them, or close
  the channels they wait on.
* A Go panic in a goroutine ends the whole program. Here the exception is printed at once (one
  line) and raised as :class:`~chanlab.errors.PanicError` by ``join`` and by the main thread's
  current or next wait (``recv``, ``send``, ``select``, ``WaitGroup.wait``), so it cannot vanish.
"""
import itertools
import sys
import threading
import time

from . import trace as _trace
from .chan import check_timeout
from .errors import PanicError
from .runtime import G, sched
from .sync import WaitGroup

__all__ = ["go", "Goroutine", "num_goroutine"]

_ids = itertools.count(1)


class Goroutine:
    """A running (or finished) goroutine. Made by :func:`go`."""

    def __init__(self, fn, args, kwargs, name=None):
        if not callable(fn):
            raise TypeError(f"go() needs a function to run, not {type(fn).__name__} {fn!r}")
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.name = name if name is not None else f"{getattr(fn, '__name__', 'goroutine')}-{next(_ids)}"
        self.result = None
        self.exception = None
        self._exited = WaitGroup()
        self._exited.add(1)
        self.thread = threading.Thread(target=self._main, name=self.name, daemon=True)
        # Known to the deadlock detector before it starts, as a goroutine that is running.
        sched.gs[self.thread] = G(self.thread, goroutine=True)
        self.thread.start()

    def _main(self):
        # A new thread tends to run before the one that started it; `go f()` in Go lets main go on
        # first. Hand the interpreter back once, so that (as in Go) the starter usually continues.
        time.sleep(0)
        tr = _trace.active
        if tr is not None:
            tr.record(tr.real_time(), self.name, "start")
        try:
            self.result = self.fn(*self.args, **self.kwargs)
        except BaseException as exc:
            self.exception = exc
            sched.panics.append(self)
            print(f"panic in goroutine {self.name!r}: {type(exc).__name__}: {exc} ({_where(exc)}); "
                  f"it is raised as PanicError by join() and by the main thread's next wait",
                  file=sys.stderr)
        finally:
            tr = _trace.active
            if tr is not None:
                tr.record(tr.real_time(), self.name, "end")
            self._exited.done()  # still counted as running until here: no false deadlock
            sched.gs.pop(self.thread, None)

    def is_alive(self):
        return self.thread.is_alive()

    def join(self, timeout=None):
        """Wait for the goroutine to end and return its result.

        Raises :class:`PanicError` (from the original exception) if it ended with one, and the
        built-in ``TimeoutError`` if it has not ended within ``timeout`` seconds.
        """
        if timeout is not None:
            timeout = check_timeout(timeout)
        try:
            self._exited.wait(timeout)
        except TimeoutError:
            raise TimeoutError(f"goroutine {self.name!r} still running after {timeout} s") from None
        self.thread.join(1.0)  # it has finished its work; let the thread itself end too
        if self.exception is not None:
            try:
                sched.panics.remove(self)
            except ValueError:
                pass  # already raised in the main thread
            raise PanicError(self.name, self.exception) from self.exception
        return self.result

    def __repr__(self):
        state = "running" if self.is_alive() else ("panicked" if self.exception else "done")
        return f"<Goroutine {self.name} {state}>"


def go(fn, *args, name=None, **kwargs):
    """``go fn(args...)``: run ``fn(*args, **kwargs)`` in a new goroutine; return its handle.

    ``name`` labels it in traces and error messages (default: the function's name and a counter,
    ``worker-7``); to pass an argument called ``name`` to ``fn``, use ``functools.partial``.
    """
    return Goroutine(fn, args, kwargs, name)


def num_goroutine():
    """How many goroutines started by :func:`go` are still running.

    Go's ``runtime.NumGoroutine()`` also counts ``main``; this does not.
    """
    return sum(1 for g in list(sched.gs.values()) if g.goroutine)


def _where(exc):
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return "no traceback"
    return f"in {tb.tb_frame.f_code.co_name}, line {tb.tb_lineno}"
