"""02b: what one hand-off between two threads costs, unpinned and pinned to one core."""
from .base import new_axes

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
                      label=placement if run.cpus[0] is None else f"{placement} (cpu {run.cpus[0]})")
        ax.bar_label(bars, fmt="%.0f", fontsize=8)
    ax.set_xticks(range(len(cases)), cases)
    ax.set_xlabel("hand-off between two threads")
    ax.set_ylabel("µs per message (per switch)")
    ax.set_title("One hand-off: threads unpinned vs pinned to one core (real time)")
    ax.legend(fontsize=8)
    return ax
