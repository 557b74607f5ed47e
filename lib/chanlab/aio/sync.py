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

import asyncio
import contextlib
from collections import deque

from chanlab import args
from chanlab.chan import check_timeout
from chanlab.sync import OnceState

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
        if timeout is not None:
            check_timeout(timeout)  # also when the counter is zero: bad input is an error
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


class Once(OnceState):
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

    __slots__ = ("_running", "_finished")

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


__all__ += ["Once"]


# --- sync.RWMutex --------------------------------------------------------------------------------


class RWMutex:
    """Go's ``sync.RWMutex`` for asyncio: many readers at a time, or one writer; asyncio has none.

    Go::

        mu.RLock(); v := m[k]; mu.RUnlock()
        mu.Lock(); m[k] = v; mu.Unlock()

    chanlab.aio::

        async with mu.rlocked():
            v = m[k]
        async with mu.locked():
            m[k] = v

    As in Go (and :class:`chanlab.RWMutex`), a waiting writer holds back new readers. On one thread a
    lock is needed only around an ``await``: readers that never await need none at all.
    """

    __slots__ = ("_waiters", "_readers", "_writer", "_writers_waiting")

    def __init__(self):
        self._waiters = []  # futures of goroutines waiting for a change
        self._readers = 0
        self._writer = False
        self._writers_waiting = 0

    async def _wait_for(self, ready, timeout, what):
        timeout = check_timeout(timeout)
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while not ready():
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                raise TimeoutError(f"RWMutex.{what} timed out after {timeout} s")
            fut = loop.create_future()
            self._waiters.append(fut)
            try:
                await asyncio.wait_for(fut, remaining)
            except asyncio.TimeoutError:
                raise TimeoutError(f"RWMutex.{what} timed out after {timeout} s") from None
            finally:
                if fut in self._waiters:
                    self._waiters.remove(fut)

    def _notify(self):
        waiters, self._waiters = self._waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)

    async def rlock(self, timeout=None):
        """``mu.RLock()``: wait while a writer holds or waits for the lock."""
        await self._wait_for(lambda: not self._writer and not self._writers_waiting, timeout, "rlock")
        self._readers += 1

    def runlock(self):
        """``mu.RUnlock()``. ``RuntimeError`` if no read lock is held (Go: fatal error)."""
        if self._readers <= 0:
            raise RuntimeError("sync: RUnlock of unlocked RWMutex")
        self._readers -= 1
        if self._readers == 0:
            self._notify()

    async def lock(self, timeout=None):
        """``mu.Lock()``: wait until no reader and no writer holds it."""
        self._writers_waiting += 1
        try:
            await self._wait_for(lambda: not self._writer and self._readers == 0, timeout, "lock")
        finally:
            self._writers_waiting -= 1
            if not self._writers_waiting:
                self._notify()  # readers held back by this writer may go (if it gave up)
        self._writer = True

    def unlock(self):
        """``mu.Unlock()``. ``RuntimeError`` if it is not locked (Go: fatal error)."""
        if not self._writer:
            raise RuntimeError("sync: Unlock of unlocked RWMutex")
        self._writer = False
        self._notify()

    def rlocked(self, timeout=None):
        """``mu.RLock(); defer mu.RUnlock()`` as an ``async with`` block."""
        return self._held(self.rlock, self.runlock, timeout)

    def locked(self, timeout=None):
        """``mu.Lock(); defer mu.Unlock()`` as an ``async with`` block."""
        return self._held(self.lock, self.unlock, timeout)

    @contextlib.asynccontextmanager
    async def _held(self, lock, unlock, timeout):
        await lock(timeout)
        try:
            yield self
        finally:
            unlock()

    def __repr__(self):
        return f"<RWMutex readers={self._readers} writer={self._writer} writers_waiting={self._writers_waiting}>"


__all__ += ["RWMutex"]
