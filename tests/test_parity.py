"""The two flavours say the same thing: every threads module and its asyncio twin export the same
names, and every shared function, class and method has the same signature, except for the short list
of intended differences below (each with the reason). A difference not on the list is an accident
(one flavour drifted) and fails here.

What is compared, for each pair ``chanlab.X`` / ``chanlab.aio.X``: the names in ``__all__``; for each
name in both, the signature (parameter names, kinds and defaults); for a class, its public members
and their signatures, and which iteration / ``with`` protocol it speaks; for every function or method,
whether it is a coroutine function. In the asyncio flavour, exactly the operations that may wait are
``async``: Go's blocking statements become ``await``, everything that never waits stays plain.
"""

import importlib
import inspect

import pytest

import chanlab
from chanlab import aio

MODULES = ["chan", "select", "goroutine", "sync", "timers", "context", "events", "messaging", "runtime",
           "errgroup"]

# ---- the intended differences ----------------------------------------------------------------------

#: Names only one flavour exports, by module ("" is the package itself), with the reason.
ONLY_THREADS = {
    # defined once in the threads module, imported from there by chanlab.aio.chan
    "chan": {"ChanBase", "Case", "check_capacity", "check_timeout", "check_invariants"},
    # go() returns a handle on the thread; in asyncio it returns the asyncio.Task itself
    "goroutine": {"Goroutine"},
    "": {"Goroutine",
         "trace"},  # one tracing module records both flavours: chanlab.trace
    # the timer thread's heap; asyncio has its loop's call_later
    "timers": {"schedule", "cancel"},
    # parking threads (Go's gopark/goready, checkdead); asyncio parks in chanlab.aio.park, with the loop
    "runtime": {"G", "Sudog", "block", "current_g", "deadlocked", "ready", "sched", "take_panic",
                "will_park"},
}
ONLY_AIO = {
    # a program needs its event loop: run(main()); a threads program runs in the caller's thread
    "runtime": {"run"},
    "": {"run", "sleep"},
    # time.sleep blocks one thread and is fine with threads; a goroutine on a loop must await sleep
    "timers": {"sleep"},
}

#: Members whose signatures differ on purpose: none so far.
SIGNATURES = {}

#: The operations that may wait, hence ``async`` in chanlab.aio (plain in the threads flavour).
ASYNC = {
    "chan.Chan.send", "chan.Chan.recv", "chan.Chan.recv_ok",
    "select.select",
    "sync.WaitGroup.wait", "sync.Once.do", "sync.RWMutex.rlock", "sync.RWMutex.lock",
    "errgroup.Group.go", "errgroup.Group.wait",
    "timers.sleep",
    "events.Bus.publish", "events.Bus.close", "events.Subscription.recv",
    "messaging.WorkQueue.put", "messaging.WorkQueue.get", "messaging.WorkQueue.request",
    "messaging.Message.ack", "messaging.Message.nack", "messaging.Message.term",
    "messaging.Message.in_progress", "messaging.Message.reply",
    "messaging.Workers.join", "messaging.Workers.stop",
    "messaging.IdempotencyStore.run",
}

#: Protocols: ``for``/``with`` in threads are ``async for``/``async with`` in asyncio where the step
#: may wait. (An aio class may keep ``__enter__`` to raise a helpful error, as aio Bus does.)
PROTOCOLS = {"__iter__": "__aiter__", "__enter__": "__aenter__"}

# ---- names that must exist in both (they were accidental gaps until branch gotoday landed) -----------
EXPECTED = {"context": {"background", "with_cancel", "with_timeout", "with_deadline"},
            "timers": {"Ticker"}, "": {"Ticker", "context"}}
#: Accidental differences owned by another branch and not closed yet: none now (gotoday aligned
#: WaitGroup.add's parameter). An entry here ("module.Class.member": why) silences one comparison.
KNOWN_GAPS = {}


# ---- the comparison ---------------------------------------------------------------------------------


def _modules(name):
    if name == "":
        return chanlab, aio
    try:
        return importlib.import_module(f"chanlab.{name}"), importlib.import_module(f"chanlab.aio.{name}")
    except ModuleNotFoundError:
        return None


def _sig(obj):
    try:
        return str(inspect.signature(obj))
    except (TypeError, ValueError):
        return None


def _is_async(obj):
    return inspect.iscoroutinefunction(obj) or inspect.isasyncgenfunction(obj)


def _members(cls):
    return {k for k in dir(cls) if not k.startswith("_")}


def differences(module):
    """Every difference between chanlab.<module> and chanlab.aio.<module> not on the lists above."""
    pair = _modules(module)
    if pair is None:
        return []  # a module missing in one flavour: see test_expected_names_exist_in_both
    t, a = pair
    out = []
    prefix = f"{module}." if module else ""
    names_t, names_a = set(t.__all__), set(a.__all__)
    for n in sorted(names_t - names_a - ONLY_THREADS.get(module, set())):
        out.append(f"{prefix}{n}: only in the threads flavour")
    for n in sorted(names_a - names_t - ONLY_AIO.get(module, set())):
        out.append(f"{prefix}{n}: only in chanlab.aio")
    for n in sorted(names_t & names_a) if module else ():  # (the package re-exports the modules')
        x, y = getattr(t, n), getattr(a, n)
        if x is y or inspect.ismodule(x):
            continue  # the same object in both (an error class, a shared helper)
        out += _compare(f"{prefix}{n}", x, y)
        if inspect.isclass(x) and inspect.isclass(y):
            mt, ma = _members(x), _members(y)
            for k in sorted(mt ^ ma):
                out.append(f"{prefix}{n}.{k}: only in {'the threads flavour' if k in mt else 'chanlab.aio'}")
            for k in sorted(mt & ma):
                out += _compare(f"{prefix}{n}.{k}", getattr(x, k), getattr(y, k))
            for sync_name, async_name in PROTOCOLS.items():
                if hasattr(x, sync_name) and not (hasattr(y, async_name) or hasattr(y, sync_name)):
                    out.append(f"{prefix}{n}: threads has {sync_name}, aio has neither it nor {async_name}")
    return out


def _compare(where, x, y):
    out = []
    if where in KNOWN_GAPS:
        return out
    if _is_async(x):
        out.append(f"{where}: async in the threads flavour")
    if _is_async(y) != (where in ASYNC):
        out.append(f"{where}: {'async' if _is_async(y) else 'plain'} in chanlab.aio, expected "
                   f"{'async (it may wait)' if where in ASYNC else 'plain (it never waits)'}")
    sx, sy = _sig(x), _sig(y)
    if callable(x) and sx != sy and SIGNATURES.get(where) != (sx, sy):
        out.append(f"{where}: signature {sx} in threads, {sy} in chanlab.aio")
    return out


@pytest.mark.parametrize("module", MODULES + [""], ids=lambda m: m or "package")
def test_flavours_agree(module):
    assert differences(module) == []


def test_the_lists_name_only_what_exists():
    """No stale entry: every intended difference and async operation still names something real."""
    for table, side in ((ONLY_THREADS, 0), (ONLY_AIO, 1)):
        for module, names in table.items():
            mod = _modules(module)[side]
            for n in names:
                assert n in mod.__all__, f"{module}.{n} is listed as an intended difference but gone"
    for where in ASYNC:
        module, *path = where.split(".")
        obj = _modules(module)[1]
        for p in path:
            obj = getattr(obj, p)
        assert _is_async(obj), where


def test_expected_names_exist_in_both():
    missing = []
    for module, names in EXPECTED.items():
        pair = _modules(module)
        if pair is None:
            missing.append(f"chanlab.aio.{module}")
            continue
        missing += [f"{module}.{n}" for n in sorted(names) if n not in pair[0].__all__ or n not in pair[1].__all__]
    assert missing == []


def test_the_comparison_catches_a_drift(monkeypatch):
    """The check can fail: a method made async by mistake, a renamed parameter, a missing name."""

    async def try_recv(self):  # would wait: wrong for an operation that never waits
        return None

    monkeypatch.setattr(aio.Chan, "try_recv", try_recv)
    monkeypatch.setattr(aio.Chan, "sending", lambda self, val: None)
    monkeypatch.setattr(aio.chan, "__all__", [])
    found = "\n".join(differences("chan"))
    assert "chan.Chan: only in the threads flavour" in found
    monkeypatch.setattr(aio.chan, "__all__", ["Chan"])
    found = "\n".join(differences("chan"))
    assert "Chan.try_recv: async in chanlab.aio" in found
    assert "Chan.sending: signature" in found
