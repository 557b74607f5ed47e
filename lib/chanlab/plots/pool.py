"""Figures of notebook 03 (worker pools): who did which job when, and wall time vs workers.

Both take :class:`chanlab.experiments.PoolRun` results of :func:`chanlab.experiments.worker_pool`.
"""
from matplotlib.patches import Patch

from .base import GREEN, RED, label_bars, new_axes, time_unit, two_lines
from .charts import draw_scaling
from ..i18n import N_, _

__all__ = ["draw_jobs", "draw_pool_scaling"]


def draw_jobs(run, ax=None, title=None):
    """Who did which job, when: one row per worker of a :class:`~chanlab.experiments.PoolRun`, one
    bar per job (labelled with its number), with the ideal finish (work split perfectly) and the
    actual one."""
    ax = new_axes(ax, (6.5, 0.35 * run.workers + 1.8))
    for r in run.records:
        ax.broken_barh([(r.start, r.size)], (r.worker - 0.4, 0.8), color=GREEN, edgecolor="white")
    ax.axvline(run.ideal, color="grey", linestyle="--", label=_("ideal: {ideal:.2f} s").format(ideal=run.ideal))
    ax.axvline(run.wall, color=RED, label=_("finished: {wall:.2f} s").format(wall=run.wall))
    every = -(-run.workers // 12)  # at most 12 worker labels: 11 pt text needs a fifth of an inch a row
    ax.set_yticks(range(1, run.workers + 1, every),
                  [_("worker {w}").format(w=w) for w in range(1, run.workers + 1, every)])
    ax.set_ylim(run.workers + 0.6, 0.4)
    ax.set_xlim(0, run.wall * 1.02)
    label_bars(ax, [(r.start, r.start + r.size, r.worker, str(r.job)) for r in run.records])
    ax.set_xlabel(_("time ({unit})").format(unit=time_unit(run)))
    ax.set_ylabel(_("worker"))
    ax.set_title(two_lines(title or _("{n_records} jobs on {workers} workers ({partition} queue): efficiency {efficiency:.0%}").format(n_records=len(run.records), workers=run.workers, partition=run.partition, efficiency=run.efficiency)))
    ax.legend(handles=[Patch(color=GREEN, label=_("a job (its number)"))] + ax.get_legend_handles_labels()[0],
              loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    return ax


def draw_pool_scaling(runs, ax=None, title=N_("Wall time vs number of workers")):
    """Wall time vs workers, one curve per way of sharing the work, beside the ideal.

    ``runs`` maps a partition (``"shared"``, ``"static"``) to a list of runs of the same jobs on
    more and more workers; the workers axis is logarithmic (base 2), ticked at the counts run.
    """
    names = {"shared": "shared queue", "static": "static split"}
    first = next(iter(runs.values()))
    ax = draw_scaling({names.get(p, p): [(r.workers, r.wall) for r in rs] for p, rs in runs.items()}, ax,
                      ideal=[(r.workers, r.ideal) for r in first], title=title,
                      ylabel=_("wall time ({unit})").format(unit=time_unit(first[0])))
    counts = sorted({r.workers for r in first})
    ax.set_xscale("log", base=2)
    ax.set_xticks(counts, [str(w) for w in counts])
    return ax
