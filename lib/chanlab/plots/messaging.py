"""Figures of notebook 06 (message-driven work queues), drawn from
:class:`chanlab.experiments.messaging.QueueRun` results of
:func:`chanlab.experiments.messaging.run_queue` (one run, or a dict label -> run to compare)."""
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .base import SMALLEST_PT, label_bars, new_axes, new_panels, time_unit, two_lines
from .charts import draw_histogram
from ..i18n import N_, _

__all__ = ["OUTCOME_COLORS", "draw_deliveries", "draw_throughput", "draw_latency", "draw_contents",
           "draw_publish_times", "draw_counts", "draw_sweep", "draw_dashboard"]

OUTCOME_COLORS = {"acked": "#55a868", "nacked": "#dd8452", "crashed": "#c44e52", "late": "#8172b3"}
_LABELS = {"acked": N_("acked"), "nacked": N_("failed: nacked (retried after the backoff)"),
           "crashed": N_("worker crashed holding it (no ack)"), "late": N_("ack too late (taken back)")}
#: the ledger's entries (QueueRun.counts' keys) as a figure names them
_LEDGER = {"published": N_("published"), "processed": N_("processed"), "redelivered": N_("redelivered"),
           "crashed": N_("crashed"), "acked": N_("acked"), "dead-lettered": N_("dead-lettered")}


def draw_deliveries(run, ax=None, title=None):
    """Who handled which delivery, when: one lane per worker, one bar per delivery (labelled
    ``message#attempt``), coloured by outcome; a cross where a message became a dead letter."""
    workers = sorted({d.worker for d in run.deliveries}, key=lambda w: int(w.rsplit("-", 1)[1]))
    ax = new_axes(ax, (8, 0.5 * len(workers) + 2.4))  # (+ the legend under it)
    y = {w: i for i, w in enumerate(workers)}
    for d in run.deliveries:
        ax.broken_barh([(d.start, max(d.end - d.start, run.wall * 0.004))], (y[d.worker] - 0.38, 0.76),
                       color=OUTCOME_COLORS[d.outcome], edgecolor="white")
    dead = [m for m in run.messages if m.fate == "dead"]
    for m in dead:
        last = max((d for d in run.deliveries if d.seq == m.seq), key=lambda d: d.start)
        ax.scatter([m.done], [y[last.worker]], marker="X", s=70, color="black", zorder=5)
    ax.set_yticks(range(len(workers)), workers)
    ax.set_ylim(len(workers) - 0.4, -0.6)
    ax.set_xlim(0, run.wall * 1.02)
    label_bars(ax, [(d.start, d.end, y[d.worker], f"{d.seq}#{d.attempt}") for d in run.deliveries])
    ax.set_xlabel(_("time ({unit})").format(unit=time_unit(run)))
    ax.set_ylabel(_("worker"))
    ax.set_title(title or _("{processed} deliveries of {published} messages on {workers} workers").format(processed=run.processed, published=run.published, workers=run.params['workers']))
    handles = [Patch(color=OUTCOME_COLORS[k], label=_(_LABELS[k]))
               for k in OUTCOME_COLORS if any(d.outcome == k for d in run.deliveries)]
    handles.append(Patch(fc="white", ec="white", label=_("bar label: message#attempt")))
    if dead:
        handles.append(Line2D([], [], color="black", marker="X", linestyle="", label=_("dead letter")))
    # under the axes, not beside them: the lanes keep the figure's width (and their bar labels room)
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2, frameon=False)
    return ax


def draw_throughput(runs, ax=None, bin_seconds=1.0, title=N_("Throughput over time")):
    """Acks per second in bins of ``bin_seconds``, one step line per run (``runs``: label -> run)."""
    ax = new_axes(ax, (6.4, 3.6))
    for label, run in runs.items():
        series = run.throughput_series(bin_seconds)
        xs = [t for t, _unused in series] + [series[-1][0] + bin_seconds]
        ys = [r for _unused, r in series] + [series[-1][1]]
        ax.step(xs, ys, where="post", label=_("{label} (mean {throughput:.2f}/s)").format(label=label, throughput=run.throughput))
    run = next(iter(runs.values()))
    ax.set_xlabel(_("time ({unit})").format(unit=time_unit(run)))
    ax.set_ylabel(_("acked messages per {unit}").format(unit=time_unit(run)))
    ax.set_title(_(title))
    ax.legend()
    ax.grid(alpha=0.3)
    return ax


def draw_latency(runs, ax=None, title=N_("End-to-end latency of acked messages"), bins=20):
    """Histograms of end-to-end latency (wanted to publish -> acked), one per run."""
    run = next(iter(runs.values()))
    return draw_histogram({label: r.latencies for label, r in runs.items()}, ax, title=title, bins=bins,
                          xlabel=_("latency: offered to acked ({unit})").format(unit=time_unit(run)))


def draw_contents(runs, ax=None, title=N_("What the queue holds")):
    """Unfinished messages in the queue over time (waiting + in flight), one step line per run;
    a dashed line at each run's capacity."""
    ax = new_axes(ax, (6.4, 3.6))
    for label, run in runs.items():
        xs = [0.0] + [t for t, _unused, _unused in run.samples]
        ys = [0] + [w + f for _unused, w, f in run.samples]
        line, = ax.step(xs, ys, where="post", label=_("{label} (most: {high_water})").format(label=label, high_water=run.stats.high_water))
        if run.params["capacity"] is not None:
            ax.axhline(run.params["capacity"], color=line.get_color(), linestyle="--", lw=1,
                       label=_("{label}: the limit ({capacity} messages)").format(label=label, capacity=run.params['capacity']))
    ax.set_xlabel(_("time ({unit})").format(unit=time_unit(run)))
    ax.set_ylabel(_("messages held (waiting + in flight)"))
    ax.set_title(_(title))
    ax.legend()
    ax.grid(alpha=0.3)
    return ax


def draw_publish_times(runs, ax=None, title=N_("When the producer could publish")):
    """Per message: when the producer wanted to publish it (dashed) and when ``put`` returned
    (one line per run); the gap is time the producer was held back (backpressure)."""
    ax = new_axes(ax, (6.4, 3.6))
    run = next(iter(runs.values()))
    for label, r in runs.items():
        ax.plot([m.seq for m in r.messages], [m.published for m in r.messages], marker=".",
                label=_("{label}: put returned (last at {published:g})").format(label=label, published=r.messages[-1].published))
    # drawn last, on top: where a run's line hides it, that run was never held back
    ax.plot([m.seq for m in run.messages], [m.offered for m in run.messages], color="black",
            linestyle="--", lw=1.5, zorder=3, label=_("wanted to publish (offered)"))
    ax.set_xlabel(_("message number"))
    ax.set_ylabel(_("time ({unit})").format(unit=time_unit(run)))
    ax.set_title(_(title))
    ax.legend()
    ax.grid(alpha=0.3)
    return ax


def draw_counts(run, ax=None, title=None):
    """The ledger of one run as bars: published, processed, redelivered, crashed, acked, dead."""
    ax = new_axes(ax, (6.4, 3.6))
    counts = run.counts()
    colors = ["#4c72b0", "#937860", "#dd8452", "#c44e52", "#55a868", "#333333"]
    names = [_(_LEDGER[k]) for k in counts]
    bars = ax.bar(names, list(counts.values()), color=colors)
    ax.bar_label(bars, fontsize=SMALLEST_PT)
    ax.set_ylim(0, max(max(counts.values()) * 1.18, 1))  # room for the numbers over the bars
    ax.set_ylabel(_("messages (count)"))
    ax.set_xlabel(_("entry of the ledger"))
    ax.tick_params(axis="x", labelrotation=20)
    ax.set_title(title or _("published {published} = acked {acked} + dead-lettered {dead_lettered}").format(published=run.published, acked=run.acked, dead_lettered=run.dead_lettered))
    ax.legend(handles=[Patch(color=c, label=k) for c, k in zip(colors, names)],
              loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return ax


def draw_sweep(curves, metric, ax=None, xlabel="", ylabel="", title=""):
    """One line per curve: ``curves`` maps a label to ``{x: run}``; ``metric(run)`` is the y value.
    A sweep has no natural axes: the caller names them (``xlabel``, ``ylabel``, ``title``)."""
    ax = new_axes(ax, (6.4, 3.8))
    for label, runs in curves.items():
        xs = sorted(runs)
        ax.plot(xs, [metric(runs[x]) for x in xs], marker="o", label=label)
    ax.set_xlabel(_(xlabel))
    ax.set_ylabel(_(ylabel))
    ax.set_title(_(title))
    ax.legend()
    ax.grid(alpha=0.3)
    return ax


def draw_dashboard(run, ax=None):
    """Four panels for one run: the ledger, throughput over time, latency, queue contents.
    ``ax``: a 2 x 2 grid of axes, or None for a new figure; returns the grid."""
    axes = new_panels(ax, (2, 2), (10, 5))
    p = run.params
    cap = _("unbounded") if p["capacity"] is None else p["capacity"]
    workers = _("{workers} workers").format(workers=p["workers"])
    draw_counts(run, axes[0][0])
    draw_throughput({workers: run}, axes[0][1], bin_seconds=max(1.0, run.wall / 30))
    draw_latency({workers: run}, axes[1][0])
    draw_contents({_("capacity {capacity}").format(capacity=cap): run}, axes[1][1])
    # four panels on one projected figure: shorter words where the single figures spell them out
    axes[0][0].set_xticks([])  # the legend names the bars
    axes[0][1].set_ylabel(_("acked per {unit}").format(unit=time_unit(run)))
    axes[1][1].set_ylabel(_("held (messages)"))
    fig = axes[0][0].figure
    fig.suptitle(two_lines(_("{messages} messages, one every {interval:g} s, {work:g} s of work each; failure rate {failure_rate:.0%}, crash rate {crash_rate:.0%}").format(messages=p['messages'], interval=p['interval'], work=p['work'], failure_rate=p['failure_rate'], crash_rate=p['crash_rate'])))
    fig.tight_layout()
    return axes
