"""chanlab: Go's concurrency -- goroutines, channels, select, sync.WaitGroup -- in Python.

=====================================  ===============================================
Go                                      chanlab (threads)
=====================================  ===============================================
``ch := make(chan T)``                  ``ch = Chan()``
``ch := make(chan T, n)``               ``ch = Chan(n)``
``ch <- v``                             ``ch.send(v)``
``v := <-ch`` / ``v, ok := <-ch``       ``v = ch.recv()`` / ``v, ok = ch.recv_ok()``
``close(ch)``                           ``ch.close()``
``len(ch)``, ``cap(ch)``                ``len(ch)``, ``ch.cap``
``for v := range ch``                   ``for v in ch:``
``select { case ... default: }``        ``select(ch.receiving(), ch.sending(v), default=True)``
``go f(x)``                             ``go(f, x)``
``var wg sync.WaitGroup``               ``wg = WaitGroup()``
``time.After(d)``, ``time.Tick(d)``     ``after(seconds)``, ``tick(seconds)``
``time.NewTimer(d)``, ``NewTicker(d)``  ``Timer(seconds)``, ``Ticker(seconds)``
``wg.Go(f)``                            ``wg.go(fn, *args)``
``context.WithCancel`` ...              ``context.with_cancel`` ...
``sync.Once``, ``sync.RWMutex``          ``Once()``, ``RWMutex()``
``errgroup.WithContext`` ...            ``errgroup.with_context`` ...
=====================================  ===============================================

The asyncio twins, with the same names, live in :mod:`chanlab.aio`.
"""
from . import context, errgroup, trace
from .chan import Chan
from .errors import ClosedChannelError, DeadlockError, PanicError
from .goroutine import Goroutine, go, num_goroutine
from .select import Selected, select
from .sync import Once, RWMutex, WaitGroup
from .timers import Ticker, Timer, after, tick

__all__ = [
    "Chan", "select", "Selected", "go", "Goroutine", "num_goroutine", "WaitGroup", "Once", "RWMutex", "errgroup",
    "after", "tick", "Timer", "Ticker", "context", "trace",
    "ClosedChannelError", "DeadlockError", "PanicError",
]
__version__ = "0.1.0"


def load_ipython_extension(ipython):
    """``%load_ext chanlab``: adds the ``%%go`` cell magic (see :mod:`chanlab.gorun`)."""
    from .gorun import go_cell

    def go(line, cell):
        return go_cell(line, cell, ipython.user_ns)

    go.__doc__ = go_cell.__doc__
    ipython.register_magic_function(go, magic_kind="cell", magic_name="go")
