"""Record what goroutines did, for timelines: a flight recorder like Go's ``runtime/trace``.

Go::

    trace.Start(f)
    defer trace.Stop()

chanlab::

    with trace.tracing() as tr:
        ...                       # run goroutines (threads or asyncio tasks)
    tr.events                     # a list of trace.Event

Each :class:`Event` says when (seconds since tracing began, on the real clock for threads and
on the event loop's clock for asyncio, which is virtual under ``aio.run(..., virtual_time=True)``),
who (the goroutine's name), what (``kind``), on which channel, and the value. Kinds:

``start`` / ``end``      a goroutine began / finished
``send`` / ``recv``      a value was handed over (recorded by the side that completed it)
``block`` / ``unblock``  a goroutine went to sleep on a channel operation / woke up
``close``                a channel was closed
``drop``                 a value was thrown away (a ticker's tick, or your own ``trace.note``)

Tracing costs one global lookup per operation when it is off.
"""

import threading
import time
from typing import Any, NamedTuple, Optional

__all__ = ["Event", "Trace", "tracing", "note", "active"]

#: The trace being recorded, or None. Library code checks ``if trace.active is not None``.
active = None


class Event(NamedTuple):
    t: float
    goroutine: str
    kind: str
    chan: Optional[str] = None
    value: Any = None


class Trace:
    """The events of one ``tracing()`` block, in the order they happened."""

    def __init__(self):
        self.events = []
        self._t0 = time.perf_counter()
        self._lock = threading.Lock()

    def record(self, t, goroutine, kind, chan=None, value=None):
        with self._lock:
            self.events.append(Event(t, goroutine, kind, chan, value))

    def real_time(self):
        """Seconds since tracing began on the wall clock (the clock of the threads flavour)."""
        return time.perf_counter() - self._t0

    def goroutines(self):
        """Names of the goroutines that appear in the trace, in order of first appearance."""
        return list(dict.fromkeys(e.goroutine for e in self.events))

    def of_kind(self, *kinds):
        return [e for e in self.events if e.kind in kinds]

    def __len__(self):
        return len(self.events)

    def __iter__(self):
        return iter(self.events)

    def __repr__(self):
        return f"<Trace of {len(self.events)} events, {len(self.goroutines())} goroutines>"


class tracing:
    """Context manager that records a :class:`Trace` while its block runs (one at a time)."""

    def __enter__(self):
        global active
        if active is not None:
            raise RuntimeError("a trace is already being recorded; nest no tracing() blocks")
        self.trace = Trace()
        active = self.trace
        return self.trace

    def __exit__(self, *exc):
        global active
        active = None
        return False


def now(tr):
    """(who, t) for an event recorded now in trace ``tr``."""
    who, loop_time = _who()
    return who, (tr.real_time() if loop_time is None else loop_time)


def _who():
    """The name of the running goroutine: the asyncio task if one runs here, else the thread."""
    try:
        import asyncio

        task = asyncio.current_task()
    except RuntimeError:
        task = None
    if task is not None:
        loop = task.get_loop()
        # a virtual clock (aio.run(..., virtual_time=True)) is the experiment's own time
        return task.get_name(), (loop.time() if getattr(loop, "virtual_time", False) else None)
    return threading.current_thread().name, None


def note(kind, chan=None, value=None):
    """Add an event of your own (for example ``note("drop", "jobs", 7)``) to the active trace."""
    tr = active
    if tr is None:
        return
    who, t = now(tr)
    tr.record(t, who, kind, chan, value)
