"""The same experiments in Go, for cross-checks: run with the Go toolchain that pip installed.

:func:`go_publish` runs ``publisher.go`` (beside this file) with real sleeps and returns the
delivered sequence numbers and the count of dropped messages, to compare with
``publish(..., policy="drop_newest")`` in virtual time.
"""
from pathlib import Path

from .. import args
from ..gorun import run_go
from .jobs import check_count, check_seconds

__all__ = ["go_publish", "GO_SOURCES"]

HERE = Path(__file__).resolve().parent
GO_SOURCES = {"publish": HERE / "publisher.go"}


def _ms(seconds, what):
    ms = check_seconds(seconds, what) * 1000
    if abs(ms - round(ms)) > 1e-9:
        raise ValueError(f"{what} must be a whole number of milliseconds for the Go version, got {seconds}")
    return str(round(ms))


def go_publish(messages=20, interval=0.01, consumer_time=0.025, capacity=0, start_delay=0.0, timeout=60):
    """Run the Go publisher (drop_newest); return ``(delivered_seqs, dropped)``."""
    argv = [str(check_count(messages, "messages")), _ms(interval, "interval"), _ms(consumer_time, "consumer_time"),
            str(check_count(capacity, "capacity")), _ms(start_delay, "start_delay")]
    args.seconds(timeout, "timeout", positive=True)
    result = run_go(GO_SOURCES["publish"].read_text(), args=argv, timeout=timeout)
    if result.status != 0:
        raise RuntimeError(f"the Go publisher failed ({result.stage}, status {result.status}):\n{result.stderr}")
    seqs_line, counts = result.stdout.splitlines()
    dropped = int(counts.split()[-1])
    return [int(s) for s in seqs_line.split()], dropped
