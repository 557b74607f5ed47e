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
import contextlib
import threading

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
        if timeout is not None:
            timeout = check_timeout(timeout)  # also when the counter is zero: bad input is an error
        with self._lock:
            if self._count == 0:
                return
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


# --- sync.Once and sync.RWMutex ------------------------------------------------------------------


class OnceState:
    """What both flavours' ``Once`` show (shared with chanlab.aio.sync): whether ``fn`` has run."""

    __slots__ = ("_done",)

    @property
    def done(self):
        """Whether ``fn`` has run (Go does not expose it; it is here for teaching and tests)."""
        return self._done

    def __repr__(self):
        return f"<Once {'done' if self._done else 'not yet'}>"


class Once(OnceState):
    """Go's ``sync.Once``: ``do(fn)`` calls ``fn`` the first time only, however many threads call it.

    Go::

        var once sync.Once
        once.Do(loadConfig)         // every caller returns after loadConfig has returned

    chanlab::

        once = Once()
        once.do(load_config)

    As in Go, a caller that arrives while ``fn`` runs waits until it has returned; if ``fn`` raises,
    it still counts as done (later calls do nothing). Go deadlocks when ``fn`` calls ``Do`` on the
    same Once; here that raises ``RuntimeError`` instead.
    """

    __slots__ = ("_lock", "_owner")

    def __init__(self):
        self._done = False  # Go: done atomic.Uint32, read without the lock on the fast path
        self._lock = _thread.allocate_lock()  # Go: m Mutex
        self._owner = None  # the thread running fn, to catch a recursive do()

    def do(self, fn, *args, timeout=None):
        """``once.Do(f)``. ``TimeoutError`` if another thread's ``fn`` runs longer than ``timeout``."""
        if not callable(fn):
            raise TypeError(f"Once.do needs a function, not {type(fn).__name__} {fn!r}")
        if self._done:
            return
        if self._owner == _thread.get_ident():
            raise RuntimeError("sync: Once.do called from inside its own function (Go deadlocks here)")
        timeout = check_timeout(timeout)
        if not self._lock.acquire(True, -1 if timeout is None else timeout):
            raise TimeoutError(f"Once.do waited {timeout} s for another thread's call to return")
        try:
            if not self._done:
                self._owner = _thread.get_ident()
                try:
                    fn(*args)
                finally:
                    self._owner = None
                    self._done = True
        finally:
            self._lock.release()


class RWMutex:
    """Go's ``sync.RWMutex``: many readers at a time, or one writer. Python's ``threading`` has none.

    Go::

        var mu sync.RWMutex
        mu.RLock(); v := m[k]; mu.RUnlock()     // readers share
        mu.Lock(); m[k] = v; mu.Unlock()        // a writer is alone

    chanlab::

        mu = RWMutex()
        with mu.rlocked():
            v = m[k]
        with mu.locked():
            m[k] = v

    As in Go, a writer that waits blocks new readers (so a stream of readers cannot starve it), and
    a read lock must not be taken twice by one thread while a writer may be waiting (Go deadlocks).
    Every acquire takes a ``timeout`` (``TimeoutError``).
    """

    __slots__ = ("_cond", "_readers", "_writer", "_writers_waiting")

    def __init__(self):
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0
        self._writer = False
        self._writers_waiting = 0

    def _wait_for(self, ready, timeout, what):
        if not self._cond.wait_for(ready, check_timeout(timeout)):
            raise TimeoutError(f"RWMutex.{what} timed out after {timeout} s")

    def rlock(self, timeout=None):
        """``mu.RLock()``: wait while a writer holds or waits for the lock."""
        with self._cond:
            self._wait_for(lambda: not self._writer and not self._writers_waiting, timeout, "rlock")
            self._readers += 1

    def runlock(self):
        """``mu.RUnlock()``. ``RuntimeError`` if no read lock is held (Go: fatal error)."""
        with self._cond:
            if self._readers <= 0:
                raise RuntimeError("sync: RUnlock of unlocked RWMutex")
            self._readers -= 1
            if self._readers == 0:
                self._cond.notify_all()

    def lock(self, timeout=None):
        """``mu.Lock()``: wait until no reader and no writer holds it."""
        with self._cond:
            self._writers_waiting += 1
            try:
                self._wait_for(lambda: not self._writer and self._readers == 0, timeout, "lock")
            finally:
                self._writers_waiting -= 1
                if not self._writers_waiting:
                    self._cond.notify_all()  # readers held back by this writer may go (if it gave up)
            self._writer = True

    def unlock(self):
        """``mu.Unlock()``. ``RuntimeError`` if it is not locked (Go: fatal error)."""
        with self._cond:
            if not self._writer:
                raise RuntimeError("sync: Unlock of unlocked RWMutex")
            self._writer = False
            self._cond.notify_all()

    def rlocked(self, timeout=None):
        """``mu.RLock(); defer mu.RUnlock()`` as a ``with`` block."""
        return self._held(self.rlock, self.runlock, timeout)

    def locked(self, timeout=None):
        """``mu.Lock(); defer mu.Unlock()`` as a ``with`` block."""
        return self._held(self.lock, self.unlock, timeout)

    @contextlib.contextmanager
    def _held(self, lock, unlock, timeout):
        lock(timeout)
        try:
            yield self
        finally:
            unlock()

    def __repr__(self):
        return f"<RWMutex readers={self._readers} writer={self._writer} writers_waiting={self._writers_waiting}>"


__all__ += ["Once", "RWMutex"]
