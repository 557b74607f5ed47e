"""Starting and ending a Go program: ``run``.

Go::

    func main() { ... }          // the runtime starts main; the program ends when main returns

chanlab.aio::

    aio.run(main())              # runs main() on a private event loop and returns its result

``run`` starts the program on a new event loop in a helper thread, so it works in a plain script
and inside a running Jupyter kernel alike (where ``asyncio.run`` fails), and the thread that called
it stays free to notice Ctrl-C (a kernel interrupt), which stops the program within half a second.
"""

import asyncio
import inspect
import threading
import time

from chanlab import args
from chanlab import trace as _trace

from .loop import RealTimeLoop, VirtualTimeLoop
from .park import record

__all__ = ["run"]

#: How long the thread that called run() waits between checks for Ctrl-C (and for its timeout).
_SLICE = 0.05
#: How long run() waits for the loop thread to finish after an interrupt or a timeout.
_GRACE = 0.4


async def _main(coro, prog):
    """The main goroutine: the coroutine given to run(), with panics and deadlocks raised in it."""
    if _trace.active is not None:
        record("start")
    try:
        return await coro
    except asyncio.CancelledError:
        exc = prog.pending
        if exc is None or prog.aborted:
            raise
        prog.pending = None
        raise exc from exc.__cause__
    finally:
        if _trace.active is not None:
            record("end")


# --------------------------------------------------------------------------------------------------
# run()
# --------------------------------------------------------------------------------------------------


class _Outcome:
    """What the loop thread hands back to the thread that called run()."""

    def __init__(self):
        self.result = None
        self.exc = None
        # Set when the loop thread is done. (We wait on this, not on Thread.join: a join
        # interrupted by Ctrl-C can mark a running thread as stopped in CPython <= 3.12.)
        self.finished = threading.Event()


def _serve(loop, coro, outcome):
    """The body of the loop thread: run main, then cancel what is left and close the loop."""
    prog = loop._chanlab
    try:
        main = loop.create_task(_main(coro, prog), name="main")
        prog.main = main
        try:
            outcome.result = loop.run_until_complete(main)
        except BaseException as exc:  # noqa: BLE001 - handed to the thread that called run()
            outcome.exc = exc
        if outcome.exc is None and prog.pending is not None:
            outcome.exc = prog.pending  # main swallowed the cancellation that carried a panic
        _shutdown(loop, prog)
        if outcome.exc is None and prog.pending is not None:
            outcome.exc = prog.pending  # a goroutine panicked as main returned (see goroutine.py)
    except BaseException as exc:  # noqa: BLE001
        if outcome.exc is None:
            outcome.exc = exc
    finally:
        try:
            loop.close()
        finally:
            outcome.finished.set()


def _shutdown(loop, prog):
    """Go's exit: end the goroutines main left behind (here: cancel them and let them clean up)."""
    prog.closing = True
    for _ in range(3):
        tasks = asyncio.all_tasks(loop)
        if not tasks:
            break
        for task in tasks:
            task.cancel()
        try:
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        except RuntimeError:
            pass  # the loop was stopped: goroutines that refuse to end
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.run_until_complete(loop.shutdown_default_executor())


def _abort(loop):
    """Cancel everything on the loop (runs in the loop thread)."""
    prog = loop._chanlab
    prog.aborted = True
    for task in asyncio.all_tasks(loop):
        task.cancel()


def _stop(loop, thread, outcome):
    """From the calling thread: cancel the program, give it a moment to clean up, then stop the loop."""
    try:
        loop.call_soon_threadsafe(_abort, loop)
    except RuntimeError:
        pass  # the loop has closed already
    if not outcome.finished.wait(_GRACE / 2):
        try:
            loop.call_soon_threadsafe(loop.stop)
        except RuntimeError:
            pass
        outcome.finished.wait(_GRACE / 2)
    if outcome.finished.is_set():
        thread.join()


def _as_coroutine(main):
    if inspect.iscoroutine(main):
        return main
    if inspect.iscoroutinefunction(main):
        return main()
    raise TypeError(
        f"run() needs a coroutine, such as run(main()) for an 'async def main()'; got {main!r}"
    )


def run(main, *, virtual_time=False, timeout=None):
    """Run ``main`` (a coroutine) as a Go program and return its result.

    Go::

        func main() { ... }      // go run main.go

    chanlab::

        result = aio.run(main())                      # real time
        result = aio.run(main(), virtual_time=True)   # simulated time: sleeps cost nothing

    The program runs on a new, private event loop in a helper thread, so ``run`` also works inside
    Jupyter (where ``asyncio.run`` fails because the kernel's loop is running). Like Go:

    * when main returns, the goroutines still running are cancelled (Go just stops them);
    * an exception in a goroutine started with :func:`go` ends the program: main gets a
      ``PanicError`` whose cause is the goroutine's exception;
    * if every goroutine waits on a channel, select or WaitGroup and nothing can wake them, main gets
      ``DeadlockError("all goroutines are asleep - deadlock!")``.

    Ctrl-C (a kernel interrupt) cancels the program and raises ``KeyboardInterrupt`` within half a
    second. ``timeout`` (wall-clock seconds, also with ``virtual_time=True``) does the same and raises
    ``TimeoutError``. ``virtual_time=True`` gives a loop whose clock starts at 0.0 and jumps over every
    sleep, so a seeded program (``random.seed(n)``) gives the same result every run.
    """
    coro = _as_coroutine(main)
    try:
        args.seconds(timeout, "timeout", positive=True, allow_none=True, finite=False,
                     none_means="no limit")
    except (TypeError, ValueError):
        coro.close()
        raise
    loop = VirtualTimeLoop() if virtual_time else RealTimeLoop()
    outcome = _Outcome()
    thread = threading.Thread(
        target=_serve, args=(loop, coro, outcome), name="chanlab.aio.run", daemon=True
    )
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        thread.start()
        while not outcome.finished.wait(_SLICE):  # short slices: Ctrl-C lands between them
            if deadline is not None and time.monotonic() >= deadline:
                _stop(loop, thread, outcome)
                raise TimeoutError(
                    f"aio.run: the program was still running after {timeout} s (wall clock), so it "
                    f"was cancelled. Look for a goroutine that never ends or a channel nobody "
                    f"closes, or pass a larger timeout="
                )
    except KeyboardInterrupt:
        _stop(loop, thread, outcome)
        raise
    thread.join()
    if outcome.exc is not None:
        exc, outcome.exc = outcome.exc, None
        raise exc
    return outcome.result
