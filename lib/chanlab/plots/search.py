"""02c: Google Search 1.0 to 3.0, the latency of each version (:mod:`chanlab.experiments.search`)."""
from .base import new_axes
from ..i18n import _

__all__ = ["draw_search_latencies"]


def draw_search_latencies(runs, ax=None, deadline=None):
    """The latency distribution of each :class:`SearchRun` as a cumulative curve (milliseconds),
    with the deadline (seconds) marked if given. Returns the axes."""
    ax = new_axes(ax)
    for run in runs:
        xs = sorted(1000 * t for t in run.latencies)
        ys = [(i + 1) / len(xs) for i in range(len(xs))]
        ax.step(xs, ys, where="post", label=_("{name} (p99 {percentile:.0f} ms)").format(name=run.name, percentile=1000 * run.percentile(99)))
    if deadline is not None:
        ax.axvline(1000 * deadline, color="grey", linestyle=":", label=_("deadline {deadline:.0f} ms").format(deadline=1000 * deadline))
    ax.set_title(_("Google Search 1.0 to 3.0: latency per query (virtual clock, seeded)"))
    ax.set_xlabel(_("latency of one query (ms)"))
    ax.set_ylabel(_("share of queries at most this slow"))
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower right")
    return ax
