"""Figures of notebook 04 (a publisher and its consumer): one run's timeline, and every overflow
policy on the same workload. Both take :class:`chanlab.experiments.PublishRun` results of
:func:`chanlab.experiments.publish`."""
from .base import new_panels, time_unit, two_lines
from .charts import draw_histogram, draw_outcomes
from .timeline import draw_timeline
from ..i18n import _

__all__ = ["draw_publisher", "draw_policies"]


def draw_publisher(run, ax=None, title=None, until=None):
    """The timeline of one traced run (``publish(..., trace=True)``): the publisher's and the
    consumer's (``main``) lanes, every message from send to receive, a cross where one was dropped.
    The default title names the policy, the capacity actually used and the counts."""
    capacity = "unbounded" if run.capacity is None else run.capacity
    return draw_timeline(run.trace, ax, goroutines=["publisher", "main"], until=until,
                         title=title or _("{policy}, capacity {capacity}: {delivered} delivered, {dropped} dropped").format(policy=run.policy, capacity=capacity, delivered=run.delivered, dropped=run.dropped),
                         xlabel="virtual time (s)" if run.mode == "virtual" else "time (s)")


def draw_policies(runs, ax=None, title=None):
    """Two panels for ``runs`` (policy -> run, the same workload): delivered and dropped per policy
    (stacked bars), and the latency of the delivered messages (overlaid histograms). ``ax``: two
    axes, or None for a new figure; returns the two axes."""
    left, right = new_panels(ax, (1, 2), (10, 3.8))
    run = next(iter(runs.values()))
    draw_outcomes([(p, r.delivered, r.dropped) for p, r in runs.items()], left, xlabel=_("overflow policy"),
                  title=two_lines(title or _("{n_messages} messages, the same workload for every policy").format(n_messages=len(run.messages))))
    left.tick_params(axis="x", labelrotation=20)
    draw_histogram({p: r.latencies for p, r in runs.items()}, right, title=_("Latency of delivered messages"),
                   xlabel=_("latency: offer to receipt ({unit})").format(unit=time_unit(run)))
    return left, right
