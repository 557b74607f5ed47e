"""Running nats-py (an asyncio library) from ordinary code and from a notebook cell.

A notebook cell that awaits nats-py at top level cannot be interrupted (ipykernel issue 881), so
every experiment here runs its asyncio part with :func:`chanlab.aio.run`: a private event loop in a
helper thread, waited on with a timeout, stopped by Ctrl-C within half a second.

Go (nats.go)::

    nc, err := nats.Connect("nats://127.0.0.1:4222", nats.ErrorHandler(onError))
    defer nc.Close()

chanlab::

    async def main():
        nc = await connect(url, errors=seen)     # seen: a list that collects async errors
        try:
            ...
        finally:
            await nc.close()

    run(main(), timeout=30)
"""
from __future__ import annotations

import asyncio

from chanlab import aio

from .install import client_missing

try:
    import nats
    import nats.js.errors
except ImportError as exc:  # pip install chanlab without the [nats] extra
    raise client_missing(exc) from None

__all__ = ["connect", "subscribed", "run", "wait_until", "reset_stream"]


async def connect(url, *, errors=None, events=None, **options):
    """``nats.connect`` to ``url`` (one URL, or several separated by commas: a cluster), quietly.

    Asynchronous errors (e.g. ``SlowConsumerError``) are appended to the list ``errors``, and
    "disconnected"/"reconnected"/"closed" to the list ``events``, instead of being logged: a
    notebook must not print from the client's background tasks. Reconnects are retried every 0.2 s
    without limit (the cluster demo needs them); ``options`` go to ``nats.connect``.
    """
    async def on_error(exc):
        if errors is not None:
            errors.append(exc)

    def note(what):
        async def cb(*_):
            if events is not None:
                events.append(what)
        return cb

    settings = dict(servers=[u.strip() for u in url.split(",")], connect_timeout=3,
                    reconnect_time_wait=0.2, max_reconnect_attempts=-1, error_cb=on_error,
                    disconnected_cb=note("disconnected"), reconnected_cb=note("reconnected"),
                    closed_cb=note("closed"))
    settings.update(options)
    return await nats.connect(**settings)


async def subscribed(nc, timeout=5.0):
    """Return once the server has every subscription made so far on ``nc``.

    Go (nats.go)::

        sub, _ := nc.Subscribe("feed", handler)
        nc.Flush()                  // PING after SUB in one buffer: the PONG proves the server has it

    In nats-py ``await nc.flush()`` alone is no proof: ``subscribe()`` leaves ``SUB`` in the client's
    pending buffer for its flusher task, but ``flush()`` writes ``PING`` straight to the socket, so
    the server can answer ``PONG`` before it has read ``SUB``; a burst published right then from
    another connection finds no subscriber and is dropped without a trace (what ``client_slow``
    hit on a loaded machine; ``tests/nats_flush_repro.py`` shows it). So first wait until the
    flusher has written the buffer (``nc.pending_data_size`` back to 0), then ``flush()``.
    """
    deadline = asyncio.get_running_loop().time() + timeout
    while nc.pending_data_size > 0:
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"the client still had {nc.pending_data_size} bytes to write after {timeout} s")
        await asyncio.sleep(0)
    await nc.flush(timeout=timeout)


def run(coro, timeout=60.0):
    """Run ``coro`` on a private event loop (``chanlab.aio.run``); ``TimeoutError`` after ``timeout`` s."""
    return aio.run(coro, timeout=timeout)


async def wait_until(predicate, timeout, what):
    """Poll ``predicate()`` every 5 ms; ``TimeoutError`` naming ``what`` after ``timeout`` s."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.005)


async def reset_stream(js, name, **config):
    """Delete stream ``name`` if it exists (a previous run), then create it with ``config``."""
    try:
        await js.delete_stream(name)
    except nats.js.errors.NotFoundError:
        pass
    return await js.add_stream(name=name, **config)
