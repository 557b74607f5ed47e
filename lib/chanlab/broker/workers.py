"""Worker *processes*: real OS processes running a broker's worker program, so "kill a worker" is real.

Go has no processes of its own; the shell does it::

    go run worker.go &          # start
    kill -9 $!                  # kill it in the middle of a job

chanlab, in the parent::

    with Workers("chanlab.nats.worker") as ws:        # chanlab.nats.Workers() names it for you
        w = ws.start("jswork", "--url", url, name="w1")   # python -m chanlab.nats.worker jswork ...
        w.wait_for(lambda e: e["event"] == "ready", timeout=10)
        w.kill()                                     # SIGKILL
    # every process is stopped here, even after an error or Ctrl-C

and in the worker program (an asyncio ``main``)::

    stop = stop_event()             # set by SIGTERM, or when the parent process is gone
    report(event="ready")           # one JSON object per line on stdout
    await stop.wait()

:meth:`Worker.events` reads the reports without blocking and without a thread.
"""
from __future__ import annotations

import asyncio
import json
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import time

from chanlab import args

from .processes import stop_process, track

__all__ = ["Worker", "Workers", "report", "stop_event"]


class Worker:
    """One worker process (``python -m PROGRAM MODE --name NAME ARGS...``) and the events it has
    reported so far (``w.log``, a list of dicts)."""

    def __init__(self, program, name, mode, argv):
        self.name = name
        self.log = []
        self._buf = b""
        self._err = tempfile.TemporaryFile()
        cmd = [sys.executable, "-m", program, mode, "--name", name, *map(str, argv)]
        self.proc = track(subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                           stderr=self._err))
        os.set_blocking(self.proc.stdout.fileno(), False)

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def events(self, wait=0.0):
        """Read what the worker printed since the last call (waiting up to ``wait`` seconds for it)."""
        wait = args.seconds(wait, "wait")
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
        new = [json.loads(line) for line in lines if line.strip()]
        self.log.extend(new)
        return new

    def wait_for(self, predicate, timeout):
        """Wait until the worker reports an event for which ``predicate(event)`` is true; return it."""
        timeout = args.seconds(timeout, "timeout", positive=True)
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
    """A set of worker processes running ``program`` (a module run with ``python -m``) that all stop
    when the ``with`` block ends (``ws.pids`` for the record)."""

    program = None  # a broker package's subclass names its worker module here

    def __init__(self, program=None):
        program = program or self.program
        if not isinstance(program, str) or not program:
            raise TypeError(f"program must be the name of a module to run with python -m, "
                            f"e.g. 'chanlab.nats.worker'; got {program!r}")
        self.program = program
        self.workers: list[Worker] = []

    def start(self, mode, *argv, name=None):
        w = Worker(self.program, name or f"w{len(self.workers) + 1}", mode, argv)
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


# --------------------------------------------------------------------------------------------------
# Inside the worker process
# --------------------------------------------------------------------------------------------------


def report(**event):
    """Tell the parent what happened: one JSON object on one line of stdout."""
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def stop_event(poll=0.5):
    """An ``asyncio.Event`` (call it inside the worker's event loop) set by SIGTERM, or within
    ``poll`` seconds of the parent process going away: a kernel that was SIGKILLed runs no cleanup,
    and its workers must not run on."""
    poll = args.seconds(poll, "poll", positive=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    parent = os.getppid()

    async def watch_parent():
        while not stop.is_set():
            if os.getppid() != parent:
                stop.set()
            await asyncio.sleep(poll)

    stop.watcher = loop.create_task(watch_parent())  # keep a reference to the task
    return stop
