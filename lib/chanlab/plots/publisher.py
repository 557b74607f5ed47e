"""Figures of notebook 04 (a publisher and its consumer): one run's timeline, and every overflow
policy on the same workload. Both take :class:`chanlab.experiments.PublishRun` results of
:func:`chanlab.experiments.publish`."""
from .base import new_panels, time_unit
from .charts import draw_histogram, draw_outcomes
from .timeline import draw_timeline

__all__ = ["draw_publisher", "draw_policies"]


def draw_publisher(run, ax=None, title=None, until=None):
    """The timeline of one traced run (``publish(..., trace=True)``): the publisher's and the
    consumer's (``main``) lanes, every message from send to receive, a cross where one was dropped.
    The default title names the policy, the capacity actually used and the counts."""
    capacity = "unbounded" if run.capacity is None else run.capacity
    return draw_timeline(run.trace, ax, goroutines=["publisher", "main"], until=until,
                         title=title or f"{run.policy}, capacity {capacity}: {run.delivered} delivered, "
                                        f"{run.dropped} dropped",
                         xlabel="virtual time (s)" if run.mode == "virtual" else "time (s)")


def draw_policies(runs, ax=None, title=None):
    """Two panels for ``runs`` (policy -> run, the same workload): delivered and dropped per policy
    (stacked bars), and the latency of the delivered messages (overlaid histograms). ``ax``: two
    axes, or None for a new figure; returns the two axes."""
    left, right = new_panels(ax, (1, 2), (12, 3.8))
    run = next(iter(runs.values()))
    draw_outcomes([(p, r.delivered, r.dropped) for p, r in runs.items()], left, xlabel="overflow policy",
                  title=title or f"{len(run.messages)} messages, the same workload for every policy")
    left.tick_params(axis="x", labelrotation=20)
    draw_histogram({p: r.latencies for p, r in runs.items()}, right, title="Latency of delivered messages",
                   xlabel=f"latency: offer to receipt ({time_unit(run)})")
    return left, right
