"""Figures of notebook 01: a :class:`chanlab.diagrams.Diagram` as boxes and arrows, and who received
what (:mod:`chanlab.delivery`) as a grid."""
import matplotlib.pyplot as plt
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..diagrams import KINDS
from .base import GREEN, SMALLEST_PT, new_axes
from ..i18n import _

__all__ = ["draw_diagram", "draw_delivery_matrix"]

COLORS = {"sender": "#4c72b0", "channel": "#dd8452", "receiver": GREEN}


def draw_diagram(diagram, ax=None):
    """Draw a :class:`chanlab.diagrams.Diagram`: boxes by kind, arrows, a legend and notes.

    A box is drawn around its name (so it grows with the name, in any language, at
    :data:`~chanlab.plots.base.SMALLEST_PT`), and an arrow runs from box edge to box edge.
    A diagram has no quantities, so its axes are hidden; the legend says what boxes and arrows mean.
    """
    ax = new_axes(ax, (6.4, 4.4))
    boxes = {}
    for n in diagram.nodes:
        boxes[n.name] = ax.text(n.x, n.y, _shown(n.name), ha="center", va="center", color="white",
                                fontsize=SMALLEST_PT, weight="bold", zorder=2,
                                bbox=dict(boxstyle="round,pad=0.35", fc=COLORS[n.kind], ec="black", alpha=0.9))
    for e in diagram.edges:
        a, b = diagram.node(e.src), diagram.node(e.dst)
        # drawn after the boxes (zorder), so that their patches have their drawn size: the arrow ends there
        ax.annotate("", xy=(b.x, b.y), xytext=(a.x, a.y), zorder=3,
                    arrowprops=dict(arrowstyle="-|>", mutation_scale=14, lw=1.5, color="black", shrinkA=2,
                                    shrinkB=2, linestyle="--" if e.style == "dashed" else "-",
                                    patchA=boxes[e.src].get_bbox_patch(), patchB=boxes[e.dst].get_bbox_patch()))
    ys = [n.y for n in diagram.nodes]
    ax.set_xlim(-0.45, 2.45)
    ax.set_ylim(min(ys) - 0.4, max(ys) + 0.4)
    ax.set_axis_off()
    ax.set_title(_(diagram.title), pad=6 + 14 * len(diagram.notes))  # room for the notes, one line each
    if diagram.notes:
        ax.text(0.5, 1.0, "\n".join(_(note) for note in diagram.notes), transform=ax.transAxes, ha="center", va="bottom",
                fontsize=SMALLEST_PT, color="#444444")  # (not italic: the CJK font has none)
    kinds = sorted({n.kind for n in diagram.nodes}, key=list(KINDS).index)
    handles = [Patch(color=COLORS[k], label=_(diagram.kinds.get(k, KINDS[k]))) for k in kinds]
    arrows = dict.fromkeys((e.style, e.label) for e in diagram.edges)
    handles += [Line2D([], [], color="black", lw=1.5, linestyle="--" if style == "dashed" else "-",
                       label=_("arrow: {label}").format(label=_(label))) for style, label in arrows]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.02), ncol=1, frameon=False)
    return ax


def _shown(name):
    """A box's name as the reader sees it: its word translated, its number kept ("producer 2")."""
    word, _sep, number = name.rpartition(" ")
    return f"{_(word)} {number}" if number.isdigit() and word else _(name)


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
        ax.text(d.item, row[d.receiver], f"{d.t:g} s", ha="center", va="center", color="white", fontsize=SMALLEST_PT)
    ax.set_xlim(min(items) - 0.6, max(items) + 0.6)
    ax.set_ylim(len(receivers) - 0.5, -0.5)
    ax.set_xticks(items)
    ax.set_yticks(range(len(receivers)), [_shown(r) for r in receivers])
    ax.set_xlabel(_("item number (the n-th message or event sent)"))
    ax.set_ylabel(_("receiver"))
    ax.set_title(title or _("Who received what"))
    ax.legend(handles=[Patch(color=GREEN, label=_("delivered (label: virtual time of receipt, s)")),
                       Patch(fc="white", ec="grey", label=_("not delivered to this receiver"))],
              loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=1, frameon=False)
    return ax
