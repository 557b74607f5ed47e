"""A Gantt chart of a :class:`chanlab.trace.Trace`: one lane per goroutine, who blocked where, and
each message as an arrow from its send to its receive (notebooks 03 and 04)."""
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .base import BLUE, GREEN, RED, label_bars, new_axes
from ..i18n import N_, _

__all__ = ["message_paths", "draw_timeline"]


def _lanes(events):
    """Per goroutine: (first t, last t, [(block start, block end, channel)])."""
    lanes = {}
    open_blocks = {}
    for e in events:
        first, last, blocks = lanes.setdefault(e.goroutine, [e.t, e.t, []])
        lanes[e.goroutine][1] = max(last, e.t)
        if e.kind == "block":
            open_blocks[e.goroutine] = (e.t, e.chan or e.value)
        elif e.kind == "unblock" and e.goroutine in open_blocks:
            start, chan = open_blocks.pop(e.goroutine)
            blocks.append((start, e.t, chan))
    end = max((e.t for e in events), default=0.0)
    for g, (start, chan) in open_blocks.items():  # still blocked when the trace ended
        lanes[g][2].append((start, end, chan))
        lanes[g][1] = end
    return lanes


def message_paths(events):
    """Pair each send with its receive: channels are FIFO, so the k-th value sent on a channel is the
    k-th received from it. Returns [(chan, value, sender, t_send, receiver, t_recv)]."""
    sends, recvs = {}, {}
    for e in events:
        if e.kind == "send":
            sends.setdefault(e.chan, []).append(e)
        elif e.kind == "recv":
            recvs.setdefault(e.chan, []).append(e)
    paths = []
    for chan, ss in sends.items():
        for s, r in zip(ss, recvs.get(chan, [])):
            paths.append((chan, s.value, s.goroutine, s.t, r.goroutine, r.t))
    return paths


def _draw_lanes(ax, lanes, names, y, end):
    """The lanes' bars; returns the labels of the blocked spans (for :func:`label_bars`)."""
    labels = []
    for n in names:
        first, last, blocks = lanes[n]
        ax.broken_barh([(first, max(last - first, end * 0.002))], (y[n] - 0.15, 0.3), color=GREEN)
        for start, stop, chan in blocks:
            ax.broken_barh([(start, max(stop - start, end * 0.002))], (y[n] - 0.3, 0.6), color=RED)
            labels.append((start, stop, y[n], str(chan)))
    return labels


def draw_timeline(run, ax=None, title=N_("Timeline of goroutines"), until=None, goroutines=None,
                  xlabel=N_("time (s)")):
    """A Gantt chart of a trace: ``run`` is a :class:`chanlab.trace.Trace`, or a run made with
    ``trace=True`` (its ``.trace`` is drawn). One lane per goroutine.

    Green: not blocked on a channel (running, or sleeping); red: blocked on a channel (labelled with
    it); arrows: each message from its send to its receive (a vertical arrow is a rendezvous: both
    sides met at that instant); black crosses: dropped messages. ``until`` cuts the view at that
    time (seconds); ``goroutines`` picks and orders the lanes.
    """
    trace = run if hasattr(run, "events") else getattr(run, "trace", None)
    if trace is None:
        raise ValueError("draw_timeline needs a trace: run the experiment with trace=True")
    events = [e for e in trace.events if until is None or e.t <= until]
    lanes = _lanes(events)
    names = [n for n in (goroutines or list(lanes)) if n in lanes]
    ax = new_axes(ax, (6.4, 0.6 * len(names) + 1.6))  # (+ the legend beside it)
    y = {n: i for i, n in enumerate(names)}
    end = max((e.t for e in events), default=1.0) or 1.0
    labels = _draw_lanes(ax, lanes, names, y, end)
    for chan, value, sender, ts, receiver, tr in message_paths(events):
        if sender in y and receiver in y:
            ax.annotate("", xy=(tr, y[receiver]), xytext=(ts, y[sender]),
                        arrowprops=dict(arrowstyle="-|>", color=BLUE, lw=1, alpha=0.8))
    drops = [e for e in events if e.kind == "drop" and e.goroutine in y]
    if drops:
        ax.scatter([e.t for e in drops], [y[e.goroutine] for e in drops], marker="x", color="black", s=40, zorder=5)
    ax.set_yticks(range(len(names)), names)
    ax.set_ylim(len(names) - 0.4, -0.6)
    ax.set_xlim(-end * 0.02, end * 1.02)
    label_bars(ax, labels)
    ax.set_xlabel(_(xlabel))
    ax.set_ylabel(_("goroutine"))
    ax.set_title(_(title))
    handles = [Patch(color=GREEN, label=_("not blocked on a channel (running or sleeping)")),
               Patch(color=RED, label=_("blocked on a channel")),
               Line2D([], [], color=BLUE, marker=">", label=_("message: send → receive"))]
    if drops:
        handles.append(Line2D([], [], color="black", marker="x", linestyle="", label=_("dropped")))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return ax
