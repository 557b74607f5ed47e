"""Server processes of a broker on this machine: free loopback ports, one temporary folder, ready
when they say so, stopped and removed at the end of a ``with`` block.

The shell, for a broker with a monitoring port::

    DIR=$(mktemp -d); nats-server -c $DIR/server.conf &           # start it
    until curl -s 127.0.0.1:8222/healthz; do sleep 0.05; done      # wait until it is ready
    kill $!; rm -rf $DIR                                           # stop it, remove its folder

chanlab: a broker package says how to run one node (:class:`Node`: :meth:`Node.command`,
:meth:`Node.healthy`) and which nodes a group has (:meth:`ServerGroup.make_nodes`); this module
does the rest, the same for every broker::

    class Server(ServerGroup):                 # chanlab.nats.Server, for example
        product = "nats-server"
        def binary(self): ...                  # path of the server program
        def make_nodes(self): return [NatsNode("n1", self.folder_for("n1"))]

    with Server() as srv:                      # started; a node that exits early says why
        ...                                    # srv.nodes[0].port, .http_port, .proc.pid
    # stopped (SIGTERM, then SIGKILL) and its folder removed, even after an error or Ctrl-C
"""
from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

from chanlab import args

from .processes import free_port, remove_folder, stop_process, temp_folder, track

__all__ = ["Node", "ServerGroup", "PortTakenError"]


class PortTakenError(RuntimeError):
    """A server could not bind its port: another program took it after :func:`free_port` chose it."""


class Node:
    """One server process: its name, folder, client port (``port``) and HTTP monitoring port."""

    def __init__(self, name, folder):
        self.name = name
        self.folder = Path(folder)
        self.port = free_port()
        self.http_port = free_port()
        self.proc = None

    def command(self, binary):
        """The command line that starts this node (it may first write a config file into ``folder``)."""
        raise NotImplementedError

    def healthy(self):
        """True once the node is ready for clients."""
        raise NotImplementedError

    @property
    def log(self):
        return self.folder / "server.log"

    def start(self, binary):
        self.folder.mkdir(parents=True, exist_ok=True)
        self.proc = track(subprocess.Popen(self.command(binary), stdin=subprocess.DEVNULL,
                                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))

    def http_json(self, page, timeout=1.0):
        """GET ``http://127.0.0.1:HTTP_PORT/page`` (a monitoring page) as JSON."""
        import urllib.request  # here, not at the top: every worker process imports this package

        with urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}/{page}", timeout=timeout) as resp:
            return json.loads(resp.read().decode())

    def answers(self, page, key, value):
        """True if monitoring ``page`` answers with ``key`` equal to ``value`` (False if it does not
        answer yet)."""
        try:
            return self.http_json(page, 0.5).get(key) == value
        except (OSError, ValueError):  # urllib's URLError is an OSError
            return False

    def failure(self):
        """Why the process ended early: the end of its stderr or log."""
        text = ""
        if self.proc is not None and self.proc.stderr is not None and self.proc.poll() is not None:
            text = self.proc.stderr.read().decode(errors="replace")
        if not text and self.log.exists():
            text = self.log.read_text(errors="replace")
        return "\n".join(text.strip().splitlines()[-5:])


class ServerGroup:
    """Nodes that start together and stop together, in one temporary folder (a context manager).

    Subclasses set ``product`` (the program's name, for messages) and define :meth:`binary` and
    :meth:`make_nodes`. If a node exits because its port was taken (``free_port`` races with every
    other program on the machine), the group starts again on new ports, up to ``attempts`` times.
    """

    product = "server"
    folder_prefix = "chanlab-broker-"
    attempts = 3

    def __init__(self, timeout):
        self.timeout = args.seconds(timeout, "timeout", positive=True)
        self.folder = None
        self.nodes: list[Node] = []

    def binary(self):
        """Path of the server program (raise an error that says how to install it if it is missing)."""
        raise NotImplementedError

    def make_nodes(self):
        """The nodes of this group, each in its own folder under ``self.folder`` (:meth:`folder_for`)."""
        raise NotImplementedError

    def folder_for(self, name):
        return Path(self.folder) / name

    def __enter__(self):
        try:
            self.start()
        except BaseException:  # also KeyboardInterrupt: never leave a half-started group
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        binary = self.binary()
        for attempt in range(1, self.attempts + 1):
            self.folder = temp_folder(self.folder_prefix)
            self.nodes = self.make_nodes()
            try:
                self._start_nodes(binary)
                return
            except PortTakenError:
                self.stop()
                if attempt == self.attempts:
                    raise

    def _start_nodes(self, binary):
        for node in self.nodes:
            node.start(binary)
        deadline = time.monotonic() + self.timeout
        waiting = list(self.nodes)
        while waiting:
            for node in list(waiting):
                if node.proc.poll() is not None:
                    why = node.failure()
                    error = PortTakenError if "address already in use" in why.lower() else RuntimeError
                    raise error(f"{self.product} {node.name} exited with status {node.proc.returncode}:\n{why}")
                if node.healthy():
                    waiting.remove(node)
            if waiting and time.monotonic() > deadline:
                raise TimeoutError(f"{self.product} {', '.join(n.name for n in waiting)} not ready after "
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
                remove_folder(self.folder)
                self.folder = None

    def kill(self, index):
        """SIGKILL node ``index`` (0-based; a crash, a pulled plug) and wait for it to end; returns its name."""
        index = args.count(index, "index", maximum=len(self.nodes) - 1)
        node = self.nodes[index]
        stop_process(node.proc, sig=signal.SIGKILL)
        return node.name

    def index_of(self, name):
        """The index of the node called ``name`` (``"n2"`` -> 1)."""
        for i, node in enumerate(self.nodes):
            if node.name == name:
                return i
        raise ValueError(f"no node called {name!r}; the nodes are {[n.name for n in self.nodes]}")

    def alive(self):
        """Names of the nodes whose process is running."""
        return [n.name for n in self.nodes if n.proc is not None and n.proc.poll() is None]

    @property
    def pids(self):
        return [n.proc.pid for n in self.nodes if n.proc is not None]
