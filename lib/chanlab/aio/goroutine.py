"""Go's ``go`` statement for asyncio: start a goroutine (an asyncio task).

Go::

    go worker(1, jobs, results)

chanlab.aio::

    go(worker, 1, jobs, results)     # or go(worker(1, jobs, results))

An exception that ends a goroutine is Go's unrecovered panic: it ends the program. Under
:func:`chanlab.aio.run`, the main goroutine gets a ``PanicError`` (the goroutine's exception is its
cause) unless some goroutine awaited the task and so saw the exception itself. Outside ``run`` (under
``asyncio.run`` or top-level ``await``) the panic is reported at once through the event loop's
exception handler instead of being forgotten.
"""

import asyncio
import inspect
import weakref

from chanlab import trace as _trace
from chanlab.errors import PanicError

from .loop import _outside, program, raise_in_main
from .park import record

__all__ = ["go", "num_goroutine"]

_started = weakref.WeakSet()  # the tasks started by go() (an ended task is forgotten with it)


def go(fn, *args, name=None, **kwargs):
    """``go fn(args...)``: run ``fn(*args, **kwargs)`` (an ``async def`` function) as a new goroutine.

    ``fn`` may also be a coroutine object (``go(worker(1))``). Returns the ``asyncio.Task``; you
    may await it, but Go code would use a WaitGroup or a channel instead. The task is named after
    the function and a counter (``worker-1``, ``worker-2``, ...) unless you pass ``name``; to pass
    an argument called ``name`` to ``fn``, use ``functools.partial`` (as with :func:`chanlab.go`).
    """
    if inspect.iscoroutine(fn):
        if args or kwargs:
            fn.close()
            raise TypeError("go(coroutine, *args, **kwargs): the coroutine already has its arguments")
        coro = fn
    elif callable(fn):
        if inspect.isfunction(fn) and not inspect.iscoroutinefunction(fn):
            raise TypeError(
                f"go() runs an 'async def' function; {fn.__name__!r} is a plain function. "
                f"Define it with 'async def', or use the threads flavour (chanlab.go)"
            )
        coro = fn(*args, **kwargs)
        if not inspect.iscoroutine(coro):
            raise TypeError(f"go() needs an 'async def' function; {fn!r} returned {coro!r}")
    else:
        raise TypeError(f"go() needs an 'async def' function or a coroutine; got {fn!r}")
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        coro.close()
        raise RuntimeError(
            "go() starts a goroutine on the running event loop: call it inside a coroutine "
            "(for example one run by chanlab.aio.run)"
        ) from None
    if name is None:
        prog = program(loop) or _outside
        name = prog.goroutine_name(getattr(coro, "__name__", None) or "goroutine")
    task = loop.create_task(coro, name=name)
    _started.add(task)
    if _trace.active is not None:
        record("start", who=name)
    task.add_done_callback(_ended)
    return task


def num_goroutine():
    """How many goroutines started by :func:`go` on the running event loop are still running
    (on every loop, when called outside one).

    Go's ``runtime.NumGoroutine()`` also counts ``main``; this does not (as :func:`chanlab.num_goroutine`).
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    return sum(1 for t in list(_started) if not t.done() and (loop is None or t.get_loop() is loop))


def _ended(task):
    """A goroutine ended. If with an exception, see (two loop turns later) whether anybody awaited
    the task and so saw it; if not, it is an unrecovered panic."""
    if _trace.active is not None:
        record("end", who=task.get_name())
    if task.cancelled():
        return
    if getattr(task, "_exception", True) is None:
        return  # ended normally
    loop = task.get_loop()
    loop.call_soon(loop.call_soon, _check_panic, task)


def _check_panic(task):
    if not getattr(task, "_log_traceback", True):
        return  # somebody retrieved the exception (awaited the task, or asyncio.gather did)
    exc = task.exception()  # marks it retrieved: we report it ourselves
    if exc is None:
        return
    loop = task.get_loop()
    prog = program(loop)
    err = PanicError(task.get_name(), exc)
    err.__cause__ = exc
    if prog is None:
        loop.call_exception_handler({
            "message": f"goroutine {task.get_name()!r} panicked (in Go this ends the program; "
                       f"run the program with chanlab.aio.run to stop it here)",
            "exception": err,
            "task": task,
        })
    elif prog.aborted:
        return
    elif prog.closing:
        # main has returned, but this goroutine died before anyone could see it (say, in the same
        # loop turn): run() raises it once the program has shut down. It must not vanish.
        if prog.pending is None:
            prog.pending = err
    else:
        raise_in_main(prog, err)
