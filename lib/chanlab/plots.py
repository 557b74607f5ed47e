"""Figures for the notebooks: thin matplotlib layers over data the library returns.

Every function takes the data and an optional ``ax`` (a new figure is made if it is None) and
returns the ``Axes``; each figure gets a title, labelled axes (with units where there are any) and a
legend.
"""
import matplotlib.pyplot as plt
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch

from .diagrams import KINDS

__all__ = ["draw_diagram", "delivery_matrix", "timeline", "message_paths", "job_chart", "scaling", "outcomes",
           "histogram", "draw_switch_cost"]

COLORS = {"sender": "#4c72b0", "channel": "#dd8452", "receiver": "#55a868"}
BOX_W, BOX_H = 0.62, 0.34


def _axes(ax, size=(6.4, 3.6)):
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def draw_diagram(diagram, ax=None):
    """Draw a :class:`chanlab.diagrams.Diagram`: boxes by kind, arrows, a legend and notes.

    A diagram has no quantities, so its axes are hidden; the legend says what boxes and arrows mean.
    """
    ax = _axes(ax)
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
                       label=f"arrow: {label}") for style, label in arrows]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.02), ncol=2, fontsize=8,
              frameon=False)
    return ax


def delivery_matrix(deliveries, ax=None, title=None):
    """Which receiver got which item: a grid with one row per receiver and one column per item.

    ``deliveries`` is a list of :class:`chanlab.delivery.Delivery`. A filled cell means delivered and
    shows when (virtual seconds after the start).
    """
    ax = _axes(ax, (6.4, 2.8))
    receivers = list(dict.fromkeys(d.receiver for d in sorted(deliveries, key=lambda d: d.receiver)))
    items = sorted({d.item for d in deliveries})
    row = {r: i for i, r in enumerate(receivers)}
    for d in deliveries:
        ax.add_patch(plt.Rectangle((d.item - 0.45, row[d.receiver] - 0.4), 0.9, 0.8, color="#55a868"))
        ax.text(d.item, row[d.receiver], f"{d.t:g} s", ha="center", va="center", color="white", fontsize=8)
    ax.set_xlim(min(items) - 0.6, max(items) + 0.6)
    ax.set_ylim(len(receivers) - 0.5, -0.5)
    ax.set_xticks(items)
    ax.set_yticks(range(len(receivers)), receivers)
    ax.set_xlabel("item number (the n-th message or event sent)")
    ax.set_ylabel("receiver")
    ax.set_title(title or "Who received what")
    ax.legend(handles=[Patch(color="#55a868", label="delivered (label: virtual time of receipt, s)"),
                       Patch(fc="white", ec="grey", label="not delivered to this receiver")],
              loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=2, fontsize=8, frameon=False)
    return ax


# --- timelines from a trace --------------------------------------------------------------------------
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


def timeline(trace, ax=None, title="Timeline of goroutines", until=None, goroutines=None):
    """A Gantt chart of a :class:`chanlab.trace.Trace`: one lane per goroutine.

    Green: not blocked on a channel (running, or sleeping); red: blocked on a channel (labelled with
    it); arrows: each
    message from its send to its receive (a vertical arrow is a rendezvous: both sides met at that
    instant); black crosses: dropped messages. ``until`` cuts the view at that time (seconds);
    ``goroutines`` picks and orders the lanes.
    """
    events = [e for e in trace.events if until is None or e.t <= until]
    lanes = _lanes(events)
    names = goroutines or list(lanes)
    names = [n for n in names if n in lanes]
    ax = _axes(ax, (9, 0.6 * len(names) + 1.6))
    y = {n: i for i, n in enumerate(names)}
    end = max((e.t for e in events), default=1.0) or 1.0
    for n in names:
        first, last, blocks = lanes[n]
        ax.broken_barh([(first, max(last - first, end * 0.002))], (y[n] - 0.15, 0.3), color="#55a868")
        for start, stop, chan in blocks:
            ax.broken_barh([(start, max(stop - start, end * 0.002))], (y[n] - 0.3, 0.6), color="#c44e52")
            if stop - start > end * 0.06:
                ax.text((start + stop) / 2, y[n], str(chan), ha="center", va="center", fontsize=7, color="white")
    for chan, value, sender, ts, receiver, tr in message_paths(events):
        if sender in y and receiver in y:
            ax.annotate("", xy=(tr, y[receiver]), xytext=(ts, y[sender]),
                        arrowprops=dict(arrowstyle="-|>", color="#4c72b0", lw=1, alpha=0.8))
    drops = [e for e in events if e.kind == "drop" and e.goroutine in y]
    if drops:
        ax.scatter([e.t for e in drops], [y[e.goroutine] for e in drops], marker="x", color="black", s=40, zorder=5)
    ax.set_yticks(range(len(names)), names)
    ax.set_ylim(len(names) - 0.4, -0.6)
    ax.set_xlim(-end * 0.02, end * 1.02)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("goroutine")
    ax.set_title(title)
    handles = [Patch(color="#55a868", label="not blocked on a channel (running or sleeping)"),
               Patch(color="#c44e52", label="blocked on a channel"),
               Line2D([], [], color="#4c72b0", marker=">", label="message: send → receive")]
    if drops:
        handles.append(Line2D([], [], color="black", marker="x", linestyle="", label="dropped"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    return ax


def job_chart(run, ax=None, title=None):
    """Who did which job, when: one row per worker of a :class:`chanlab.experiments.PoolRun`, with
    the ideal finish (work split perfectly) and the actual one."""
    ax = _axes(ax, (8, 0.45 * run.workers + 1.8))
    for r in run.records:
        ax.broken_barh([(r.start, r.size)], (r.worker - 0.4, 0.8), color="#55a868", edgecolor="white")
        if r.size > run.wall * 0.04:
            ax.text(r.start + r.size / 2, r.worker, str(r.job), ha="center", va="center", fontsize=7, color="white")
    ax.axvline(run.ideal, color="grey", linestyle="--", label=f"ideal: {run.ideal:.2f} s")
    ax.axvline(run.wall, color="#c44e52", label=f"finished: {run.wall:.2f} s")
    ax.set_yticks(range(1, run.workers + 1), [f"worker {w}" for w in range(1, run.workers + 1)])
    ax.set_ylim(run.workers + 0.6, 0.4)
    unit = "virtual s" if run.mode == "virtual" else "s"
    ax.set_xlabel(f"time ({unit})")
    ax.set_ylabel("worker")
    ax.set_title(title or f"{len(run.records)} jobs on {run.workers} workers ({run.partition} queue): "
                          f"efficiency {run.efficiency:.0%}")
    ax.legend(handles=[Patch(color="#55a868", label="a job (its number)")] + ax.get_legend_handles_labels()[0],
              loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
    return ax


# --- experiment figures --------------------------------------------------------------------------------
def scaling(points, ax=None, title="Wall time vs number of workers", ideal=None, ylabel="wall time (s)"):
    """Curves of a measure vs workers. ``points`` maps a label to [(workers, value), ...];
    ``ideal`` (optional) is [(workers, value)] drawn dashed as the best possible."""
    ax = _axes(ax, (6.4, 4))
    for label, pts in points.items():
        xs, ys = zip(*sorted(pts))
        ax.plot(xs, ys, marker="o", label=label)
    if ideal:
        xs, ys = zip(*sorted(ideal))
        ax.plot(xs, ys, linestyle="--", color="grey", label="ideal (work / workers)")
    ax.set_xlabel("workers")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    return ax


def outcomes(rows, ax=None, title="Delivered and dropped messages"):
    """Stacked bars: ``rows`` is [(label, delivered, dropped), ...]."""
    ax = _axes(ax, (6.4, 3.6))
    labels = [r[0] for r in rows]
    delivered = [r[1] for r in rows]
    dropped = [r[2] for r in rows]
    ax.bar(labels, delivered, color="#55a868", label="delivered")
    ax.bar(labels, dropped, bottom=delivered, color="#c44e52", label="dropped")
    ax.set_ylabel("messages (count)")
    ax.set_xlabel("")
    ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    return ax


def histogram(samples, ax=None, title="Latency", xlabel="latency (s)", bins=20):
    """Overlaid histograms: ``samples`` maps a label to a list of values."""
    ax = _axes(ax, (6.4, 3.6))
    values = [v for vs in samples.values() for v in vs]
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    edges = [lo + (hi - lo) * i / bins for i in range(bins + 1)] if hi > lo else bins
    for label, vs in samples.items():
        ax.hist(vs, bins=edges, alpha=0.55, label=f"{label} (n={len(vs)})")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("messages (count)")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return ax


def draw_switch_cost(runs, ax=None):
    """Bars of :func:`chanlab.experiments.handoff.pinning`'s ``{placement: SwitchCost}``: µs per
    message (per switch for the lock ping-pong) of each hand-off, one colour per placement."""
    ax = _axes(ax, size=(6.4, 3.6))
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
