"""Execute notebooks in place, top to bottom in a fresh kernel, as they must be committed.

    python tools/run_notebooks.py                      # every notebooks/NN-*.ipynb
    python tools/run_notebooks.py notebooks/03-*.ipynb
    python tools/run_notebooks.py --jobs JOBS.json     # the tests' executions (tests/notebook_runs.py)

Removes the per-cell execution timestamps that Jupyter records, so that a re-run changes a
notebook's file only where its outputs changed. Runs the kernels with ``KERNEL_ENV`` (the tests do too,
see the repository's conftest.py), so that the committed outputs are the same on every Python.

With ``--jobs``, runs a list of executions that the tests asked for, one after another, each in a fresh
kernel: ``[{"src", "dest", "cwd", "timeout", "allow_errors", "env", "attempts"}, ...]``. Each executed
notebook is written to ``dest`` (atomically, once it is complete), or, if the execution failed,
``dest + ".error"`` holds the error; ``dest + ".note"`` says what happened on an attempt that was
retried. At the end, ``JOBS.json + ".time"`` holds the wall and CPU seconds of the whole run.
"""
import json
import os
import resource
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError

ROOT = Path(__file__).resolve().parent.parent

# ipykernel sets FORCE_COLOR=1 in every kernel (meant for the tools a cell starts, such as ls or git).
# From Python 3.13, traceback printing honours it too (_colorize.can_colorize): a traceback that
# threading.excepthook writes, even into an io.StringIO, comes out in ANSI colours on 3.13 and plain on
# 3.10-3.12. PYTHON_COLORS=0 is Python's own switch, which wins over FORCE_COLOR and touches nothing else.
KERNEL_ENV = {"PYTHON_COLORS": "0"}


def execute(nb, cwd, timeout=600, allow_errors=False, env=None):
    """Run every code cell of ``nb`` (in place) in a fresh kernel started in ``cwd``, with ``env``
    added to this process's environment; returns ``nb``."""
    kernel_env = {**os.environ, **KERNEL_ENV, **(env or {})}
    NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=allow_errors,
                   resources={"metadata": {"path": str(cwd)}}).execute(env=kernel_env)
    return nb


def run(path):
    nb = execute(nbformat.read(path, as_version=4), path.parent)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)


def run_job(job):
    """One execution the tests asked for (see the module's docstring); never raises for the notebook's
    sake: a failure is written next to ``dest``."""
    dest = Path(job["dest"])
    notes = []
    for attempt in range(1, job.get("attempts", 1) + 1):
        nb = nbformat.read(job["src"], as_version=4)
        try:
            execute(nb, job["cwd"], job["timeout"], job["allow_errors"], job.get("env"))
            break
        except CellTimeoutError as err:
            # The message names the cell that stalled; with attempts > 1, one more try in a fresh kernel.
            if attempt == job.get("attempts", 1):
                _write(dest.with_name(dest.name + ".error"), f"{type(err).__name__}: {err}")
                return
            notes.append(f"try {attempt}: {err}")
        except Exception as err:  # a dead kernel, a kernel that did not start: the test reports it
            _write(dest.with_name(dest.name + ".error"), f"{type(err).__name__}: {err}")
            return
    if notes:
        _write(dest.with_name(dest.name + ".note"), "\n".join(notes))
    _write(dest, nbformat.writes(nb))


def _write(path, text):
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)  # a reader never sees a half-written file


def cpu_seconds():
    """CPU time (user + system) of this process and of its reaped children (the kernels), in seconds."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def run_jobs(jobs_file):
    wall = time.perf_counter()
    for job in json.loads(Path(jobs_file).read_text()):
        run_job(job)
    _write(Path(jobs_file + ".time"), json.dumps({"wall": time.perf_counter() - wall, "cpu": cpu_seconds()}))


def main(args):
    if args[:1] == ["--jobs"]:
        return run_jobs(args[1])
    paths = [Path(a) for a in args] or sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    for path in paths:
        t0 = time.perf_counter()
        run(path)
        print(f"{path.name}: {time.perf_counter() - t0:.1f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
