"""Go's ``sync.WaitGroup`` for asyncio: wait until a number of goroutines have finished.

Go::

    var wg sync.WaitGroup
    for i := 1; i <= 3; i++ {
        wg.Add(1)
        go func() { defer wg.Done(); work(i) }()
    }
    wg.Wait()

chanlab.aio::

    wg = WaitGroup()
    for i in range(1, 4):
        wg.add(1)
        go(work, i, wg)          # work() calls wg.done() in a finally: block
    await wg.wait()

A WaitGroup is a completion barrier (a counter), not a way to pass messages.
"""

import asyncio
import operator
from collections import deque

from .park import WOKEN, park

__all__ = ["WaitGroup"]


class WaitGroup:
    """A counter of unfinished goroutines: ``add`` before starting one, ``done`` when it ends,
    ``await wait()`` until the counter is zero."""

    __slots__ = ("_count", "_waiters")

    def __init__(self):
        self._count = 0
        self._waiters = deque()  # goroutines parked in wait()

    def add(self, n=1):
        """``wg.Add(n)``. Raises ``ValueError("sync: negative WaitGroup counter")`` (Go panics) if
        the counter would drop below zero; the counter is then left as it was."""
        if isinstance(n, bool):
            raise TypeError("WaitGroup.add(n): pass an int, not a bool")
        n = operator.index(n)
        count = self._count + n
        if count < 0:
            raise ValueError("sync: negative WaitGroup counter")
        self._count = count
        if count == 0:
            while self._waiters:
                w = self._waiters.popleft()
                if not w.fut.done():
                    w.fut.set_result(WOKEN)

    def done(self):
        """``wg.Done()``: one goroutine has finished (``add(-1)``)."""
        self.add(-1)

    async def wait(self, timeout=None):
        """``wg.Wait()``: return once the counter is zero (at once if it is zero now).

        Raises ``TimeoutError`` if ``timeout`` seconds pass first.
        """
        if self._count == 0:
            return
        await park(((self._waiters, None, None),), timeout, "sync.WaitGroup.Wait")

    @property
    def count(self):
        """The counter (Go has no way to read it; handy when teaching)."""
        return self._count

    def __repr__(self):
        return f"<WaitGroup count={self._count} waiting={len(self._waiters)}>"


# --- sync.Once -----------------------------------------------------------------------------------


class Once:
    """Go's ``sync.Once`` for asyncio: ``await once.do(fn)`` runs ``fn`` (an ``async def``
    function) the first time only.

    Go::

        var once sync.Once
        once.Do(connect)

    chanlab.aio::

        once = Once()
        await once.do(connect)

    A goroutine that arrives while ``fn`` runs waits until it has returned (as in Go). If ``fn``
    raises, it counts as done. Go deadlocks when ``fn`` calls ``Do`` on the same Once; here that
    raises ``RuntimeError``. ``timeout`` bounds the wait for another goroutine's call.
    """

    __slots__ = ("_done", "_running", "_finished")

    def __init__(self):
        self._done = False
        self._running = None  # the task running fn
        self._finished = WaitGroup()  # 1 while fn runs: others wait on it

    async def do(self, fn, *args, timeout=None):
        """``once.Do(f)``."""
        if not callable(fn):
            raise TypeError(f"Once.do needs an 'async def' function, not {type(fn).__name__} {fn!r}")
        if self._done:
            return
        me = asyncio.current_task()
        if self._running is not None:
            if self._running is me:
                raise RuntimeError("sync: Once.do called from inside its own function (Go deadlocks here)")
            await self._finished.wait(timeout)
            return
        self._running = me
        self._finished.add(1)
        try:
            await fn(*args)
        finally:
            self._done = True
            self._running = None
            self._finished.done()

    @property
    def done(self):
        """Whether ``fn`` has run (not in Go; for teaching and tests)."""
        return self._done

    def __repr__(self):
        return f"<Once {'done' if self._done else 'not yet'}>"


__all__ += ["Once"]
