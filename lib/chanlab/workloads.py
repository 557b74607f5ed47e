"""Small named jobs for experiments: CPU-bound, IO-bound, and a few helpers.

They live in a module, not in a notebook cell, because ``multiprocessing`` sends a job to another
process by *name* (``chanlab.workloads.spin``). Under the ``spawn`` start method (the default on
macOS and Windows) the worker is a fresh Python that imports that name; a function defined in a
notebook cell exists only in the notebook's kernel, so the worker cannot find it.

Go::

    func spin(n int) int {              // CPU-bound: keeps one core busy
        s := 0
        for i := 0; i < n; i++ {
            s += i
        }
        return s
    }

    func nap(d time.Duration) { time.Sleep(d) }   // IO-bound: waits, uses no CPU

chanlab::

    from concurrent.futures import ProcessPoolExecutor
    from chanlab.workloads import spin

    with ProcessPoolExecutor(2) as pool:
        sums = list(pool.map(spin, [10**6] * 8))

Under the GIL, threads running ``spin`` take turns on one core; processes (or Go's goroutines)
run them in parallel. ``nap`` releases the GIL while it sleeps, so threads overlap it fine.
"""
import os
import pickle
import re
import time

from . import args

__all__ = ["spin", "nap", "square", "whoami", "try_unpickle"]


def _count(n, fn):
    """``n`` as an int >= 0 (:mod:`chanlab.args`' contract), the message saying what to pass."""
    allowed = f"an int >= 0 (how many numbers to add up), for example {fn}(1_000_000)"
    n = args.integer(n, "n", allowed=allowed)
    if n < 0:
        raise ValueError(f"n must be {allowed}, got {n}")
    return n


def spin(n):
    """CPU-bound work: ``sum(range(n))``, which CPython computes in a C loop that holds the GIL
    throughout (so threads running it take turns; processes run it in parallel).

    Returns the sum, ``n * (n - 1) // 2``. ``spin(1_000_000)`` takes a few tens of milliseconds.
    Raises ``ValueError`` for a negative ``n`` and ``TypeError`` for anything but an int.
    """
    return sum(range(_count(n, "spin")))


def nap(seconds):
    """IO-bound work: sleep ``seconds`` (Go: ``time.Sleep``), releasing the GIL; returns ``seconds``.

    Raises ``ValueError`` for a negative or NaN duration and ``TypeError`` for a non-number.
    """
    args.seconds(seconds, "seconds")  # (finite: time.sleep(inf) would never return)
    time.sleep(seconds)
    return seconds


def square(x):
    """``x * x``: the smallest job that can be sent to another process (for pickling demos)."""
    args.number(x, "x", finite=False)
    return x * x


def whoami(_=None):
    """The id of the process that runs this job (``os.getpid()``); the argument is ignored, so
    ``pool.map(whoami, range(8))`` shows which workers took the jobs."""
    return os.getpid()


def try_unpickle(blob):
    """Unpickle ``blob`` in the process that runs this job, as a ``spawn`` worker unpickles the jobs
    it is sent, and say how it went: ``"ok: <the object>"`` or ``"<ErrorType>: <message>"``.

    A function pickles as its module and name (``__main__.square``); a fresh process can load it
    only if it can import that name. Sending this job to a spawned process shows why a function
    defined in a notebook cell cannot run there. Raises ``TypeError`` unless ``blob`` is bytes.
    """
    if not isinstance(blob, (bytes, bytearray)):
        raise TypeError(f"try_unpickle(blob) takes the bytes made by pickle.dumps(obj), not {type(blob).__name__}")
    try:
        obj = pickle.loads(blob)
    except Exception as exc:  # the point is to report it, whatever it is
        # (the module's repr differs between Python versions: keep just its name)
        return f"{type(exc).__name__}: " + re.sub(r"<module '([^']+)'(?:[^<>]|<[^<>]*>)*>", r"module '\1'", str(exc))
    return f"ok: {getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', repr(obj))}"
