"""General charts several chapters share: curves vs workers, delivered/dropped bars, histograms.

They take plain data (a dict of points, rows of counts, lists of samples), so any experiment can
feed them; the chapter figures (``draw_publisher``, ``draw_fan_out``, ...) are built on them.
"""
import numpy as np

from .base import GREEN, RED, new_axes
from ..i18n import N_, _

__all__ = ["draw_scaling", "draw_outcomes", "draw_histogram"]


def draw_scaling(points, ax=None, title=N_("Wall time vs number of workers"), ideal=None, ylabel=N_("wall time (s)"),
                 xlabel=N_("workers")):
    """Curves of a measure vs workers. ``points`` maps a label to [(workers, value), ...];
    ``ideal`` (optional) is [(workers, value)] drawn dashed as the best possible."""
    ax = new_axes(ax, (6.4, 4))
    for label, pts in points.items():
        xs, ys = zip(*sorted(pts))
        ax.plot(xs, ys, marker="o", label=label)
    if ideal:
        xs, ys = zip(*sorted(ideal))
        ax.plot(xs, ys, linestyle="--", color="grey", label=_("ideal (work / workers)"))
    ax.set_xlabel(_(xlabel))
    ax.set_ylabel(_(ylabel))
    ax.set_title(_(title))
    ax.legend()
    ax.grid(alpha=0.3)
    return ax


def draw_outcomes(rows, ax=None, title=N_("Delivered and dropped messages"), xlabel=N_("case"),
                  ylabel=N_("messages (count)")):
    """Stacked bars: ``rows`` is [(label, delivered, dropped), ...], one bar per label."""
    ax = new_axes(ax, (6.4, 3.6))
    labels = [r[0] for r in rows]
    delivered = [r[1] for r in rows]
    dropped = [r[2] for r in rows]
    ax.bar(labels, delivered, color=GREEN, label=_("delivered"))
    ax.bar(labels, dropped, bottom=delivered, color=RED, label=_("dropped"))
    ax.set_ylabel(_(ylabel))
    ax.set_xlabel(_(xlabel))
    ax.set_title(_(title))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return ax


def draw_histogram(samples, ax=None, title=N_("Latency"), xlabel=N_("latency (s)"), bins=20, ylabel=N_("messages (count)")):
    """Overlaid histograms on shared bins: ``samples`` maps a label to a list of values.

    Each histogram is one filled step outline (``ax.stairs``), not a bar per bin: an explorer redraws
    six of them per slider move, and 120 bar patches cost more than the rest of its figure."""
    ax = new_axes(ax, (6.4, 3.6))
    values = [v for vs in samples.values() for v in vs]
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    edges = np.linspace(lo, hi, bins + 1) if hi > lo else np.histogram_bin_edges([lo], bins)
    for label, vs in samples.items():
        counts, _edges = np.histogram(vs, bins=edges)
        ax.stairs(counts, edges, fill=True, alpha=0.55, label=_("{label} (n={n_vs})").format(label=label, n_vs=len(vs)))
    ax.set_xlabel(_(xlabel))
    ax.set_ylabel(_(ylabel))
    ax.set_title(_(title))
    ax.legend()
    return ax
