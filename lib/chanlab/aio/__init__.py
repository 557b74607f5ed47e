"""chanlab.aio: Go's goroutines, channels, select and WaitGroup for asyncio.

Go::

    func main() {
        ch := make(chan int)
        go func() { ch <- 42 }()
        fmt.Println(<-ch)
    }

chanlab.aio::

    from chanlab import aio

    async def main():
        ch = aio.Chan()
        aio.go(ch.send(42))
        print(await ch.recv())

    aio.run(main())

=========================  ======================================================================
Go                          chanlab.aio
=========================  ======================================================================
``make(chan T, n)``         ``Chan(n)``
``ch <- v`` / ``<-ch``      ``await ch.send(v)`` / ``await ch.recv()``
``v, ok := <-ch``           ``v, ok = await ch.recv_ok()``
``close(ch)``               ``ch.close()``
``for v := range ch``       ``async for v in ch``
``select { ... }``          ``await select(ch.receiving(), out.sending(v), default=...)``
``go f(x)``                 ``go(f, x)``
``runtime.NumGoroutine``    ``num_goroutine()`` (without main)
``sync.WaitGroup``          ``WaitGroup()`` with ``add``, ``done``, ``await wait()``
``wg.Go(f)``                ``wg.go(fn, *args)``
``sync.Once``               ``Once()`` with ``await do(fn)``
``errgroup.Group``          ``errgroup.Group()``, ``errgroup.with_context()``
``time.After(d)``           ``after(seconds)``
``time.Tick(d)``            ``tick(seconds)``
``time.NewTimer(d)``        ``Timer(seconds)`` with ``c``, ``stop()``, ``reset(seconds)``
``time.NewTicker(d)``       ``Ticker(seconds)`` with ``c``, ``stop()``, ``reset(seconds)``
``context.WithTimeout``...  ``context.with_timeout`` ... (:mod:`chanlab.aio.context`)
``time.Sleep(d)``           ``await sleep(seconds)``
running ``main``            ``run(main())``, optionally with ``virtual_time=True``
=========================  ======================================================================

Where asyncio cannot be Go:

* Goroutines are tasks on one thread: a goroutine that never awaits (or calls ``time.sleep``)
  stops all the others. A Chan belongs to one event loop and is not thread-safe.
* asyncio can cancel a waiting goroutine (timeouts, ``task.cancel()``); Go cannot. A cancelled
  send, receive or select leaves the channel as if it had never been tried; if a partner handed
  over the value in the same instant, the operation counts as done and the cancellation is absorbed,
  so no value is ever lost or received twice.
* The deadlock detector (in ``run`` only) raises only when it is sure: a goroutine waiting for
  anything outside chanlab (a plain future, IO, a thread, an ``asyncio.Lock``) counts as awake.
* Under ``virtual_time=True`` the clock jumps to the next timer instead of waiting, so it does not
  wait for threads (``run_in_executor``) either while a timer is pending.
"""

from chanlab.errors import ClosedChannelError, DeadlockError, PanicError

from . import context, errgroup
from .chan import Chan
from .goroutine import go, num_goroutine
from .runtime import run
from .select import Selected, select
from .sync import Once, RWMutex, WaitGroup
from .timers import Ticker, Timer, after, sleep, tick

__all__ = [
    "Chan",
    "select",
    "Selected",
    "go",
    "num_goroutine",
    "WaitGroup",
    "Once",
    "RWMutex",
    "errgroup",
    "after",
    "tick",
    "Timer",
    "Ticker",
    "sleep",
    "context",
    "run",
    "ClosedChannelError",
    "DeadlockError",
    "PanicError",
]
