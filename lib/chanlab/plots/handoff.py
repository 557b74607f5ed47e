"""02b: what one hand-off between two threads costs, unpinned and pinned to one core."""
from .base import SMALLEST_PT, new_axes
from ..i18n import _

__all__ = ["draw_switch_cost"]


def draw_switch_cost(runs, ax=None):
    """Bars of :func:`chanlab.experiments.handoff.pinning`'s ``{placement: SwitchCost}``: µs per
    message (per switch for the lock ping-pong) of each hand-off, one colour per placement."""
    ax = new_axes(ax, size=(6.4, 3.6))
    cases = list(next(iter(runs.values())).ns)
    width = 0.8 / len(runs)
    for j, (placement, run) in enumerate(runs.items()):
        xs = [i + (j - (len(runs) - 1) / 2) * width for i in range(len(cases))]
        bars = ax.bar(xs, [run.ns[c] / 1e3 for c in cases], width,
                      label=placement if run.cpus[0] is None else _("{placement} (cpu {cpus})").format(placement=placement, cpus=run.cpus[0]))
        ax.bar_label(bars, fmt="%.0f", fontsize=SMALLEST_PT)
    ax.set_xticks(range(len(cases)), cases)
    ax.set_xlabel(_("hand-off between two threads"))
    ax.set_ylabel(_("µs per message (per switch)"))
    ax.set_title(_("One hand-off: threads unpinned vs pinned to one core (real time)"))
    ax.legend()
    return ax
