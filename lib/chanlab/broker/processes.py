"""Processes this program starts (servers, workers) and their folders: tracked, stopped, cleaned up.

The shell, for one process::

    nats-server -p 4222 &            # start it; $! is its PID
    kill $!                          # SIGTERM: shut down cleanly
    sleep 5; kill -9 $!              # SIGKILL if it is still there
    rm -rf /tmp/its-folder

chanlab::

    proc = track(subprocess.Popen([...]))   # recorded: live_pids() lists it until it is reaped
    stop_process(proc)                       # SIGTERM, then SIGKILL after 5 s; pipes closed
    folder = temp_folder("chanlab-nats-")    # removed by remove_folder(folder), or at exit

At interpreter exit every tracked process still running is SIGKILLed and every folder still
registered is removed, so a program that skipped its ``with`` block (an error, Ctrl-C) leaves
nothing behind. A process killed with SIGKILL runs no exit handlers at all: that is why worker
processes also watch their parent (:func:`chanlab.broker.workers.stop_event`).
"""
from __future__ import annotations

import atexit
import contextlib
import shutil
import signal
import socket
import subprocess
import tempfile

from chanlab import args

__all__ = ["free_port", "track", "live_pids", "stop_process", "temp_folder", "remove_folder"]

#: every process started through track() that has not been reaped yet (pid -> Popen)
_LIVE: dict[int, subprocess.Popen] = {}
#: temporary folders made by temp_folder() and not removed yet
_FOLDERS: set[str] = set()


def free_port():
    """A TCP port that is free on 127.0.0.1 right now (the OS picks it).

    Another program may take it before ours binds it: :class:`chanlab.broker.servers.ServerGroup`
    starts again with new ports when a server says its address is in use."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def track(proc):
    """Record ``proc`` (a ``subprocess.Popen``) so that :func:`live_pids` lists it and it is killed at
    exit; returns it."""
    _LIVE[proc.pid] = proc
    return proc


def live_pids():
    """PIDs of the processes started through :func:`track` that are still running."""
    return sorted(pid for pid, p in list(_LIVE.items()) if p.poll() is None)


def stop_process(proc, timeout=5.0, sig=signal.SIGTERM, close=True):
    """Stop ``proc``: ``sig`` (SIGTERM: a clean shutdown), then SIGKILL after ``timeout`` seconds;
    then close its pipes (unless ``close=False``). Safe to call on a process that has ended."""
    timeout = args.seconds(timeout, "timeout", positive=True)
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


def temp_folder(prefix):
    """A new temporary folder (``tempfile.mkdtemp``), removed at exit unless :func:`remove_folder`
    removed it before."""
    folder = tempfile.mkdtemp(prefix=prefix)
    _FOLDERS.add(folder)
    return folder


def remove_folder(folder):
    """Remove ``folder`` and everything in it (nothing happens if it is gone already)."""
    shutil.rmtree(folder, ignore_errors=True)
    _FOLDERS.discard(str(folder))


@atexit.register
def _clean_up_at_exit():
    for proc in list(_LIVE.values()):
        with contextlib.suppress(Exception):
            stop_process(proc, timeout=1.0, sig=signal.SIGKILL)
    for folder in list(_FOLDERS):
        remove_folder(folder)
