"""The notebook executions that the tests read, each run once, in a background process.

A test module that checks executed notebooks names the execution each of its tests needs:

    def NOTEBOOK_RUN(path):                      # path: the test's ``path`` parameter
        return Job("without-tools", source, cwd=..., timeout=60, ...)

and reads it with ``notebook_runs.result(job)``. Once collection is done, tests/conftest.py hands the
jobs of every selected test to one process, ``tools/run_notebooks.py --jobs``, which executes them one
after another, each in a fresh kernel, while the unit tests run here: a kernel is a process of its own,
so on two cores the executions and the unit tests overlap. The kernels run in that process, not in
this one, so no thread of nbclient or pyzmq is left here. A test waits for its result only when it
runs; the configuration of each execution (environment, working directory, timeout) is exactly what
the test asks for, so running them elsewhere changes nothing that a test checks.
"""
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
RUNNER = ROOT / "tools" / "run_notebooks.py"
WAIT = 1800.0  # seconds a test waits for its execution (queued behind the others) before it fails

__all__ = ["Job", "result", "start", "finish"]


@dataclasses.dataclass(frozen=True)
class Job:
    """One execution: the notebook ``src`` (a file; ``prepare`` may cut it first), in a fresh kernel in
    ``cwd`` with ``env`` added to the environment, ``timeout`` seconds per cell, errors allowed or not,
    and up to ``attempts`` tries when a cell stalls."""
    config: str
    src: Path
    cwd: Path
    timeout: float
    allow_errors: bool = False
    env: tuple = ()  # ((name, value), ...)
    attempts: int = 1
    prepare: object = None  # a function nb -> nb (e.g. cut after the first exercise); None: run it all

    @property
    def name(self):
        return f"{self.config}/{self.src.name}"


class _Batch:
    """One background process running some jobs, in order, and the files they leave."""

    def __init__(self, jobs):
        self.dir = Path(tempfile.mkdtemp(prefix="chanlab-runs-"))
        self.dest = {}
        specs = []
        for job in jobs:
            (self.dir / job.config).mkdir(exist_ok=True)
            src = job.src
            if job.prepare is not None:
                src = self.dir / job.config / f"in-{job.src.name}"
                nbformat.write(job.prepare(nbformat.read(job.src, as_version=4)), src)
            self.dest[job] = self.dir / job.config / job.src.name
            specs.append({"src": str(src), "dest": str(self.dest[job]), "cwd": str(job.cwd),
                          "timeout": job.timeout, "allow_errors": job.allow_errors, "env": dict(job.env),
                          "attempts": job.attempts})
        self.jobs_file = self.dir / "jobs.json"
        self.jobs_file.write_text(json.dumps(specs))
        self.log = open(self.dir / "runner.log", "wb")
        self.proc = subprocess.Popen([sys.executable, str(RUNNER), "--jobs", str(self.jobs_file)], cwd=ROOT,
                                     stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT)

    def result(self, job):
        dest = self.dest[job]
        error, note = dest.with_name(dest.name + ".error"), dest.with_name(dest.name + ".note")
        deadline = time.monotonic() + WAIT
        while not dest.exists() and not error.exists():
            if self._ended() and not dest.exists() and not error.exists():
                raise AssertionError(f"{job.name}: the runner ended ({self.proc.returncode}) without a result; "
                                     f"its output:\n{(self.dir / 'runner.log').read_text(errors='replace')}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{job.name}: no result after {WAIT:.0f} s")
            time.sleep(0.1)
        if note.exists():
            print(note.read_text())  # what a retried attempt saw (shown with the test's output)
        if error.exists():
            raise AssertionError(f"{job.name}: {error.read_text()}")
        return nbformat.read(dest, as_version=4)

    def _ended(self):
        # Without reaping it (WNOWAIT): finish() does, so that its CPU time is counted once, there.
        return os.waitid(os.P_PID, self.proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None

    def finish(self):
        """Wait for the process to end (kill it if some of its results were never asked for, as when a
        run stops at its first failure), remove its files; return (wall s, CPU s, executions) or None."""
        done = all(d.exists() or d.with_name(d.name + ".error").exists() for d in self.dest.values())
        try:
            self.proc.wait(timeout=60 if done else 1)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        timing = Path(f"{self.jobs_file}.time")
        spent = json.loads(timing.read_text()) if timing.exists() else None
        shutil.rmtree(self.dir, ignore_errors=True)
        return (spent["wall"], spent["cpu"], len(self.dest)) if spent else None


_batches = []


def start(jobs):
    """Start one background process that runs those of ``jobs`` that no process runs yet, in order."""
    jobs = [j for j in dict.fromkeys(jobs) if not any(j in b.dest for b in _batches)]
    if jobs:
        _batches.append(_Batch(jobs))


def result(job):
    """The executed notebook of ``job`` once it is there (started now if no process runs it yet);
    raises AssertionError with the error if the execution failed."""
    start([job])
    return next(b for b in _batches if job in b.dest).result(job)


def finish():
    """End every background process; return their total (wall seconds, CPU seconds, executions), or None
    if none ran."""
    spent = [s for s in (b.finish() for b in _batches) if s]
    _batches.clear()
    return tuple(sum(column) for column in zip(*spent)) if spent else None
