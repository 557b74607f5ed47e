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

A WaitGroup is a completion barrier (a counter), not a way to pass messages. Go 1.25's
``wg.Go(f)`` adds and starts in one call (so ``add`` cannot end up inside the goroutine, which
``go vet`` reports)::

    wg.Go(func() { work(i) })    # Go 1.25
    wg.go(work, i)               # chanlab.aio: work is an async def function
"""

from collections import deque

from chanlab import args

from .goroutine import go
from .park import WOKEN, park

__all__ = ["WaitGroup"]


class WaitGroup:
    """A counter of unfinished goroutines: ``add`` before starting one, ``done`` when it ends,
    ``await wait()`` until the counter is zero."""

    __slots__ = ("_count", "_waiters")

    def __init__(self):
        self._count = 0
        self._waiters = deque()  # goroutines parked in wait()

    def add(self, delta=1):
        """``wg.Add(delta)``. Raises ``ValueError("sync: negative WaitGroup counter")`` (Go panics) if
        the counter would drop below zero; the counter is then left as it was."""
        delta = args.integer(delta, "WaitGroup.add(delta)")
        count = self._count + delta
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

    def go(self, fn, *args):
        """``wg.Go(f)`` (Go 1.25): ``add(1)`` and start ``fn(*args)`` (an ``async def`` function)
        as a goroutine that calls ``done()`` when it ends, however it ends. Returns the task.

        (The task is created before ``add(1)``, but nothing runs in between: no ``await``.)
        """
        task = go(fn, *args)
        self.add(1)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task):
        self.done()

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
