"""Worker *processes*: real OS processes running :mod:`chanlab.nats.worker`, so "kill a worker" is real.

Go has no processes of its own; the shell does it::

    go run worker.go &          # start
    kill -9 $!                  # kill it in the middle of a job

chanlab::

    with Workers() as ws:
        w = ws.start("jswork", "--url", url, "--stream", "WORK", name="w1")
        w.wait_for(lambda e: e["event"] == "ready", timeout=10)
        w.kill()                                     # SIGKILL
    # every process is stopped here, even after an error or Ctrl-C

A worker reports what it does as one JSON object per line on its stdout (``{"event": "acked",
"job": 7}``); :meth:`Worker.events` reads them without blocking and without a thread.
"""
from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import time

from .server import _track, stop_process

__all__ = ["Worker", "Workers"]


class Worker:
    """One worker process and the events it has reported so far (``w.log``, a list of dicts)."""

    def __init__(self, name, mode, args):
        self.name = name
        self.log = []
        self._buf = b""
        self._err = tempfile.TemporaryFile()
        cmd = [sys.executable, "-m", "chanlab.nats.worker", mode, "--name", name, *map(str, args)]
        self.proc = _track(subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                            stderr=self._err))
        os.set_blocking(self.proc.stdout.fileno(), False)

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def events(self, wait=0.0):
        """Read what the worker printed since the last call (waiting up to ``wait`` seconds for it)."""
        new = []
        stream = self.proc.stdout
        if stream is None or stream.closed:
            return new
        with selectors.DefaultSelector() as sel:
            sel.register(stream, selectors.EVENT_READ)
            while sel.select(wait):
                chunk = stream.read(65536)
                if not chunk:
                    break
                self._buf += chunk
                wait = 0.0
        *lines, self._buf = self._buf.split(b"\n")
        for line in lines:
            if line.strip():
                event = json.loads(line)
                new.append(event)
        self.log.extend(new)
        return new

    def wait_for(self, predicate, timeout):
        """Wait until the worker reports an event for which ``predicate(event)`` is true; return it."""
        for event in self.log:
            if predicate(event):
                return event
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events(wait=0.02):
                if predicate(event):
                    return event
            if not self.alive():
                for event in self.events():
                    if predicate(event):
                        return event
                raise RuntimeError(f"worker {self.name} exited (status {self.proc.returncode}) before "
                                   f"reporting what was awaited; its stderr ends with:\n{self.stderr()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"worker {self.name} did not report what was awaited within "
                                   f"{timeout} s; it reported {self.log[-3:]}")

    def stderr(self):
        self._err.seek(0)
        return "\n".join(self._err.read().decode(errors="replace").strip().splitlines()[-8:])

    def kill(self):
        """SIGKILL: the process ends at once, in the middle of whatever it was doing."""
        stop_process(self.proc, sig=signal.SIGKILL, close=False)
        self.events()

    def stop(self, timeout=3.0):
        """SIGTERM (the worker finishes its current job and exits), SIGKILL after ``timeout``."""
        try:
            stop_process(self.proc, timeout=timeout, close=False)
            self.events()
        finally:
            self.proc.stdout.close()
            self._err.close()


class Workers:
    """A set of worker processes that all stop when the ``with`` block ends (``ws.pids`` for the record)."""

    def __init__(self):
        self.workers: list[Worker] = []

    def start(self, mode, *args, name=None):
        w = Worker(name or f"w{len(self.workers) + 1}", mode, args)
        self.workers.append(w)
        return w

    @property
    def pids(self):
        return [w.pid for w in self.workers]

    def wait_ready(self, timeout=15.0):
        for w in self.workers:
            w.wait_for(lambda e: e.get("event") == "ready", timeout)

    def stop(self):
        errors = []
        for w in self.workers:
            try:
                w.stop()
            except Exception as exc:  # stop the others anyway
                errors.append(exc)
        if errors:
            raise errors[0]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
