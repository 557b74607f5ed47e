"""Figures of notebook 01: a :class:`chanlab.diagrams.Diagram` as boxes and arrows, and who received
what (:mod:`chanlab.delivery`) as a grid."""
import matplotlib.pyplot as plt
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch

from ..diagrams import KINDS
from .base import GREEN, new_axes
from ..i18n import _

__all__ = ["draw_diagram", "draw_delivery_matrix"]

COLORS = {"sender": "#4c72b0", "channel": "#dd8452", "receiver": GREEN}
BOX_W, BOX_H = 0.62, 0.34


def draw_diagram(diagram, ax=None):
    """Draw a :class:`chanlab.diagrams.Diagram`: boxes by kind, arrows, a legend and notes.

    A diagram has no quantities, so its axes are hidden; the legend says what boxes and arrows mean.
    """
    ax = new_axes(ax)
    for n in diagram.nodes:
        ax.add_patch(FancyBboxPatch((n.x - BOX_W / 2, n.y - BOX_H / 2), BOX_W, BOX_H,
                                    boxstyle="round,pad=0.02", fc=COLORS[n.kind], ec="black", alpha=0.9))
        ax.text(n.x, n.y, n.name, ha="center", va="center", color="white", fontsize=9, weight="bold")
    for e in diagram.edges:
        a, b = diagram.node(e.src), diagram.node(e.dst)
        ax.add_patch(FancyArrowPatch((a.x + BOX_W / 2, a.y), (b.x - BOX_W / 2, b.y), arrowstyle="-|>",
                                     mutation_scale=14, lw=1.5, linestyle="--" if e.style == "dashed" else "-",
                                     color="black"))
    ys = [n.y for n in diagram.nodes]
    ax.set_xlim(-0.5, 2.5)
    ax.set_ylim(min(ys) - 0.6, max(ys) + 0.6)
    ax.set_axis_off()
    ax.set_title(diagram.title, fontsize=11, pad=16)
    if diagram.notes:
        ax.text(0.5, 1.0, "  ·  ".join(diagram.notes), transform=ax.transAxes, ha="center", va="bottom",
                fontsize=8, style="italic")
    kinds = sorted({n.kind for n in diagram.nodes}, key=list(KINDS).index)
    handles = [Patch(color=COLORS[k], label=diagram.kinds.get(k, KINDS[k])) for k in kinds]
    arrows = dict.fromkeys((e.style, e.label) for e in diagram.edges)
    handles += [Line2D([], [], color="black", lw=1.5, linestyle="--" if style == "dashed" else "-",
                       label=_("arrow: {label}").format(label=label)) for style, label in arrows]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.02), ncol=2, fontsize=8,
              frameon=False)
    return ax


def draw_delivery_matrix(deliveries, ax=None, title=None):
    """Which receiver got which item: a grid with one row per receiver and one column per item.

    ``deliveries`` is a list of :class:`chanlab.delivery.Delivery`. A filled cell means delivered and
    shows when (virtual seconds after the start).
    """
    ax = new_axes(ax, (6.4, 2.8))
    receivers = list(dict.fromkeys(d.receiver for d in sorted(deliveries, key=lambda d: d.receiver)))
    items = sorted({d.item for d in deliveries})
    row = {r: i for i, r in enumerate(receivers)}
    for d in deliveries:
        ax.add_patch(plt.Rectangle((d.item - 0.45, row[d.receiver] - 0.4), 0.9, 0.8, color=GREEN))
        ax.text(d.item, row[d.receiver], f"{d.t:g} s", ha="center", va="center", color="white", fontsize=8)
    ax.set_xlim(min(items) - 0.6, max(items) + 0.6)
    ax.set_ylim(len(receivers) - 0.5, -0.5)
    ax.set_xticks(items)
    ax.set_yticks(range(len(receivers)), receivers)
    ax.set_xlabel(_("item number (the n-th message or event sent)"))
    ax.set_ylabel(_("receiver"))
    ax.set_title(title or _("Who received what"))
    ax.legend(handles=[Patch(color=GREEN, label=_("delivered (label: virtual time of receipt, s)")),
                       Patch(fc="white", ec="grey", label=_("not delivered to this receiver"))],
              loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=2, fontsize=8, frameon=False)
    return ax
