"""Go's ``time.After``, ``time.Tick`` and ``time.Sleep`` for asyncio.

Go::

    select {
    case v := <-results:
    case <-time.After(2 * time.Second):     // give up after 2 s
    }
    for t := range time.Tick(500 * time.Millisecond) { ... }
    time.Sleep(100 * time.Millisecond)

chanlab.aio::

    s = await select(results.receiving(), after(2).receiving())
    async for t in tick(0.5): ...
    await sleep(0.1)

Times are the event loop's clock (``loop.time()``), which is virtual under
``run(..., virtual_time=True)``: there ``after(60)`` fires at once in wall time, at t = 60.0.
"""

import asyncio
import math
import weakref

from chanlab import trace as _trace

from .chan import Chan
from .park import record

__all__ = ["after", "tick", "sleep"]


def _seconds(fn, seconds):
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or math.isnan(seconds):
        raise (ValueError if isinstance(seconds, float) else TypeError)(
            f"{fn}(seconds): pass a number of seconds; got {seconds!r}"
        )
    return seconds


def _loop(fn):
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        raise RuntimeError(f"{fn}() needs a running event loop: call it inside a coroutine") from None


def after(seconds):
    """``time.After(d)``: a channel (capacity 1) that receives the loop time once, ``seconds`` from
    now. Zero or negative ``seconds`` fire at once, as in Go."""
    seconds = _seconds("after", seconds)
    loop = _loop("after")
    ch = Chan(1, name=f"time.After({seconds:g})")
    if seconds <= 0:
        ch.try_send(loop.time())
    elif not math.isinf(seconds):  # time.After(forever) never fires
        loop.call_later(seconds, _fire_after, weakref.ref(ch), loop)
    return ch


def _fire_after(ref, loop):
    ch = ref()
    if ch is not None:  # nobody holds the channel any more: nobody can receive the value
        ch.try_send(loop.time())


def tick(seconds):
    """``time.Tick(d)``: a channel (capacity 1) that receives the loop time every ``seconds``.

    A slow receiver misses ticks instead of letting them pile up (each dropped tick is recorded as
    a ``drop`` event in the active trace). The ticker stops when its loop closes or when nothing
    refers to the channel any more. Raises ``ValueError`` unless ``seconds > 0``.
    """
    seconds = _seconds("tick", seconds)
    if seconds <= 0:
        raise ValueError(f"tick(seconds): the period must be > 0 seconds; got {seconds!r}")
    loop = _loop("tick")
    ch = Chan(1, name=f"time.Tick({seconds:g})")
    if math.isinf(seconds):
        return ch  # never ticks
    when = loop.time() + seconds
    loop.call_at(when, _fire_tick, weakref.ref(ch), loop, when, seconds)
    return ch


def _fire_tick(ref, loop, when, period):
    ch = ref()
    if ch is None:
        return  # the channel is gone: stop ticking
    now = loop.time()
    if not ch.try_send(now) and _trace.active is not None:
        record("drop", ch.name, now)
    del ch  # hold only the weak reference while waiting for the next tick
    when += period
    if when <= now:  # the loop was late: skip the ticks that were missed, as Go's ticker does
        when += period * (math.floor((now - when) / period) + 1)
    loop.call_at(when, _fire_tick, ref, loop, when, period)


async def sleep(seconds):
    """``time.Sleep(d)``: pause this goroutine (only this one: never use ``time.sleep`` in async
    code, it stops every goroutine)."""
    await asyncio.sleep(seconds)
