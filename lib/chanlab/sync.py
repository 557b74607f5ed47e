"""``sync.WaitGroup`` for threads: wait for a collection of goroutines to finish.

Go::

    var wg sync.WaitGroup
    for i := 0; i < 5; i++ {
        wg.Add(1)
        go func(id int) {
            defer wg.Done()
            work(id)
        }(i)
    }
    wg.Wait()

chanlab::

    wg = WaitGroup()
    for i in range(5):
        wg.add(1)
        def job(id=i):
            try:
                work(id)
            finally:
                wg.done()       # Go's defer: runs even if work() raises
        go(job)
    wg.wait()

A WaitGroup is a completion barrier, a counter that ``wait`` waits to reach zero. It carries no
messages: nothing is sent, nothing received. (The source article files it under
"message-driven"; it is not.) Call ``add`` *before* starting the goroutine, never inside it:
otherwise ``wait`` can see a zero counter before the goroutine has even started (``go vet``, since
Go 1.25, reports ``WaitGroup.Add called from inside new goroutine``). Go 1.25's ``wg.Go(f)`` does
both steps right, and so does ``wg.go(fn, *args)``::

    var wg sync.WaitGroup                       wg = WaitGroup()
    for i := range 5 {                          for i in range(5):
        wg.Go(func() { work(i) })                   wg.go(work, i)
    }                                           wg.wait()
    wg.Wait()
"""
import _thread

from . import args
from .chan import check_timeout
from .runtime import block, current_g, ready, will_park

__all__ = ["WaitGroup"]


class WaitGroup:
    """Go's ``sync.WaitGroup``. The zero value is ready to use: ``WaitGroup()``."""

    __slots__ = ("_lock", "_count", "_waiters")

    def __init__(self):
        self._lock = _thread.allocate_lock()
        self._count = 0
        self._waiters = []  # the G of every thread in wait()

    def add(self, delta=1):
        """``wg.Add(delta)``. The counter may never go below zero:
        ``ValueError("sync: negative WaitGroup counter")``, as Go panics."""
        delta = args.integer(delta, "WaitGroup.add(delta)")
        with self._lock:
            count = self._count + delta
            if count < 0:
                raise ValueError("sync: negative WaitGroup counter")
            self._count = count
            if count == 0:
                waiters, self._waiters = self._waiters, []
                for g in waiters:
                    ready(g, 0, None, True)

    def done(self):
        """``wg.Done()``: ``add(-1)``."""
        self.add(-1)

    def go(self, fn, *args):
        """``wg.Go(f)`` (Go 1.25): ``add(1)``, then start ``fn(*args)`` as a goroutine that calls
        ``done()`` when it returns or raises (Go: ``go func() { defer wg.Done(); f() }()``).
        Returns the :class:`~chanlab.Goroutine`."""
        from .goroutine import go  # (goroutine.py imports this module)

        if not callable(fn):
            raise TypeError(f"WaitGroup.go needs a function to run, not {type(fn).__name__} {fn!r}")

        def body():
            try:
                fn(*args)
            finally:
                self.done()

        body.__name__ = getattr(fn, "__name__", "goroutine")
        self.add(1)
        try:
            return go(body)
        except BaseException:
            self.done()
            raise

    @property
    def count(self):
        """The counter (Go does not expose it; it is here for teaching and tests)."""
        return self._count

    def wait(self, timeout=None):
        """``wg.Wait()``: block until the counter is zero.

        With ``timeout`` (seconds), raise the built-in ``TimeoutError`` if it is not zero in time.
        """
        with self._lock:
            if self._count == 0:
                return
            timeout = check_timeout(timeout)
            g = current_g()
            self._waiters.append(g)
            will_park(g, timeout)
        if not block(g, timeout, lambda: self._withdraw(g), None, "sync.WaitGroup.Wait"):
            raise TimeoutError(f"WaitGroup.wait timed out after {timeout} s with the counter at {self._count}")

    def _withdraw(self, g):
        with self._lock:
            if g in self._waiters:
                self._waiters.remove(g)
                return True
            return False

    def __repr__(self):
        return f"<WaitGroup count={self._count}, {len(self._waiters)} waiting>"
