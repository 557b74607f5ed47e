"""09-11: how message- and event-driven systems are built: sagas, thin and fat events, ordering,
the outbox, a read model's lag.

Each function draws what one experiment of :mod:`chanlab.experiments` returned (``sagas``,
``notification``, ``ordering``, ``outbox``, ``eventsourcing``) and returns its axes.
"""
import math

from .base import BLUE, GREEN, RED, SMALLEST_PT, new_axes, new_panels, two_lines
from ..i18n import _

__all__ = ["STYLE_COLORS", "draw_saga_latency", "draw_saga_scenarios", "draw_notification",
           "draw_ordering", "draw_outbox", "draw_projection_lag", "draw_relay_dedup", "draw_choreography_outcomes"]

#: one colour per style, in every figure of the chapter
STYLE_COLORS = {"orchestration": BLUE, "choreography": GREEN, "notification": RED, "state_transfer": GREEN,
                "competing": RED, "partitioned": BLUE}
_GREY = "#8c8c8c"


def draw_saga_latency(runs, ax=None, title=None):
    """The latency of every shipped order as a cumulative distribution, one line per style
    (``runs``: ``{style: SagaRun}``, e.g. from :func:`chanlab.experiments.sagas.compare`)."""
    ax = new_axes(ax)
    for k, (style, run) in enumerate(runs.items()):
        lat = sorted(run.latencies())
        if lat:  # dashed and wider under solid, so that two equal curves both show
            ax.step(lat, [(i + 1) / len(lat) for i in range(len(lat))], where="post",
                    color=STYLE_COLORS.get(style), linestyle="--" if k == 0 else "-", linewidth=3 if k == 0 else 1.5,
                    label=_("{style} ({n_lat} shipped, {stuck} stuck)").format(style=style, n_lat=len(lat), stuck=run.count('stuck')))
    ax.set_xlabel(_("order latency, placed to shipped [virtual s]"))
    ax.set_ylabel(_("share of shipped orders"))
    ax.set_ylim(0, 1.02)
    ax.set_title(title or _("How long an order takes, by style"))
    ax.legend(loc="lower right")
    return ax


def draw_saga_scenarios(results, metric="messages per order", ax=None, title=None):
    """One summary number per scenario and style as grouped horizontal bars, the scenarios top to
    bottom and each bar labelled with its value (``results``: a list of ``(scenario, {style: SagaRun})``;
    ``metric``: a key of :meth:`SagaRun.summary`)."""
    ax = new_axes(ax, (6.4, 1.0 + 0.7 * max(len(results), 1)))
    styles = list(results[0][1]) if results else []
    height = 0.8 / max(len(styles), 1)
    top = 0.0
    for j, style in enumerate(styles):
        values = [runs[style].summary()[metric] for _unused, runs in results]
        ys = [i + (j - (len(styles) - 1) / 2) * height for i in range(len(results))]
        bars = ax.barh(ys, values, height, color=STYLE_COLORS.get(style), label=style)
        ax.bar_label(bars, fmt="%.3g", fontsize=SMALLEST_PT, padding=2)
        top = max([top, *values])
    ax.set_yticks(range(len(results)), [name for name, _unused in results])
    ax.set_ylim(len(results) - 0.5, -0.5)  # the first scenario on top
    ax.set_xlim(0, 1.3 * top or 1.0)      # room for the numbers at the ends of the bars
    ax.set_ylabel(_("scenario"))
    ax.set_xlabel(metric)
    ax.set_title(title or two_lines(_("{Metric}, by scenario and style").format(Metric=metric[:1].upper() + metric[1:]), 20))
    ax.legend(loc="best")
    return ax


def draw_notification(runs, ax=None, title=None):
    """Median and 95th-percentile latency per receiver (bars), and calls to the source per event
    (annotated), for thin and fat events in each scenario (``runs``: ``{label: NotificationRun}``)."""
    ax = new_axes(ax, (7.5, 3.6))
    labels = list(runs)
    ys = range(len(labels))
    p50 = [runs[k].percentile(0.5) * 1000 for k in labels]
    p95 = [runs[k].percentile(0.95) * 1000 for k in labels]
    colors = [STYLE_COLORS.get(runs[k].style, _GREY) for k in labels]
    ax.barh(ys, p95, color=colors, alpha=0.35, label=_("95th percentile"))
    ax.barh(ys, p50, color=colors, label=_("median"))
    for y, k in zip(ys, labels):
        ax.annotate(f"{runs[k].calls_per_event:.3g} calls/event", (p95[y], y), xytext=(4, 0),
                    textcoords="offset points", va="center", fontsize=SMALLEST_PT)
    ax.set_yticks(list(ys), labels)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel(_("latency from publish to done, per receiver [virtual ms, log scale]"))
    ax.set_ylabel(_("events, scenario"))
    ax.set_title(title or _("Thin events call back; fat events carry the data"))
    ax.legend(loc="lower right")
    return ax


def draw_ordering(runs, ax=None, title=None):
    """Two panels over the number of workers, one line per layout: events handled out of order, and
    throughput (``runs``: a list of :class:`OrderingRun`)."""
    left, right = new_panels(ax, (1, 2), (10, 3.6))
    for layout in sorted({r.layout for r in runs}):
        rs = sorted((r for r in runs if r.layout == layout), key=lambda r: r.workers)
        w = [r.workers for r in rs]
        left.plot(w, [100 * r.out_of_order / r.events for r in rs], "o-", color=STYLE_COLORS.get(layout),
                  label=layout)
        right.plot(w, [r.throughput for r in rs], "o-", color=STYLE_COLORS.get(layout), label=layout)
    left.set_xlabel(_("workers (and partitions)"))
    left.set_ylabel(_("events applied out of order [%]"))
    left.set_title(_("Per-key order"))
    right.set_xlabel(_("workers (and partitions)"))
    right.set_ylabel(_("throughput [events / virtual s]"))
    right.set_title(_("What partitions cost"))
    for a in (left, right):
        a.legend()
    if title:
        left.figure.suptitle(title, y=1.02)
    return left, right


def draw_outbox(runs, ax=None, title=None):
    """Lost, phantom and duplicate messages summed over seeded runs, per way of publishing
    (``runs``: ``{method: [ReliabilityRun, ...]}`` from :func:`chanlab.experiments.outbox.sweep`)."""
    ax = new_axes(ax, (7.5, 3.6))
    kinds = [("lost", RED, "lost (saved, never announced)"), ("phantom", "#dd8452", "phantom (announced, never saved)"),
             ("duplicates", BLUE, "duplicate deliveries"), ("shipped_twice", "#8172b3", "applied twice")]
    methods = list(runs)
    width = 0.8 / len(kinds)
    for j, (kind, color, label) in enumerate(kinds):
        values = [sum(getattr(r, kind) for r in runs[m]) for m in methods]
        xs = [i + (j - (len(kinds) - 1) / 2) * width for i in range(len(methods))]
        bars = ax.bar(xs, values, width, color=color, label=label)
        ax.bar_label(bars, fontsize=SMALLEST_PT)
    n = sum(r.orders for r in next(iter(runs.values())))
    ax.set_xticks(range(len(methods)), [m.replace("_", " ") for m in methods])
    ax.set_xlabel(_("how the service publishes"))
    ax.set_ylabel(_("messages, over {n} orders").format(n=n))
    ax.set_title(title or _("Crashes between the database and the broker"))
    ax.legend()
    return ax


def draw_projection_lag(runs, ax=None, title=None):
    """A read model's lag (events not yet applied) over time, one line per run
    (``runs``: a list of :class:`LagRun`)."""
    ax = new_axes(ax)
    for r, color in zip(runs, [BLUE, RED, GREEN, _GREY, "#8172b3"]):
        ax.plot(r.times, r.lags, color=color,
                label=_("poll {poll:g} s, batch {batch} (up to {capacity:.3g}/s vs {rate:.3g}/s in)").format(poll=r.poll, batch=r.batch, capacity=r.capacity, rate=r.rate))
    ax.set_xlabel(_("time [virtual s]"))
    ax.set_ylabel(_("lag [events behind the log]"))
    ax.set_title(title or _("How far the read model is behind"))
    ax.set_ylim(bottom=0)
    ax.legend()
    return ax


def draw_relay_dedup(run, ax=None, title=None):
    """11: what the outbox relay published to JetStream and what the stream kept, with and without
    ``Nats-Msg-Id`` (``run``: a :class:`chanlab.nats.systems.RelayRun`)."""
    ax = new_axes(ax)
    bars = [("orders", run.orders, _GREY), ("relay publishes", run.published, BLUE),
            ("stored, with Nats-Msg-Id", run.stored_with_id, GREEN),
            ("stored, without an id", run.stored_without_id, RED)]
    drawn = ax.bar(range(len(bars)), [v for _unused, v, _unused in bars], color=[c for _unused, _unused, c in bars],
                   label=[name for name, _unused, _unused in bars])
    ax.bar_label(drawn, fontsize=SMALLEST_PT)
    ax.set_xticks(range(len(bars)), [name.replace(", ", ",\n") for name, _unused, _unused in bars])
    ax.set_xlabel(_("the relay crashed {relay_crashes} times between a publish and marking it sent").format(relay_crashes=run.relay_crashes))
    ax.set_ylabel(_("messages"))
    ax.set_title(title or _("The relay repeats itself; the stream's duplicate window does not"))
    ax.legend(loc="upper left")
    return ax


def draw_choreography_outcomes(runs, ax=None, title=None):
    """11: shipped, cancelled and stuck orders per run of the choreography across processes, beside
    the in-process run of 09 (``runs``: ``{label: ChoreographyRun}``, all with the same orders)."""
    ax = new_axes(ax, (7.5, 3.6))
    first = next(iter(runs.values()))
    groups = [("in process (09)", first.in_process)] + [(label, r.outcomes) for label, r in runs.items()]
    kinds = [("shipped", GREEN), ("cancelled", BLUE), ("stuck", RED)]
    width = 0.8 / len(kinds)
    for j, (kind, color) in enumerate(kinds):
        xs = [i + (j - (len(kinds) - 1) / 2) * width for i in range(len(groups))]
        bars = ax.bar(xs, [sum(o == kind for o in outcomes) for _unused, outcomes in groups], width, color=color,
                      label=kind)
        ax.bar_label(bars, fontsize=SMALLEST_PT)
    ax.set_xticks(range(len(groups)), [label for label, _unused in groups])
    ax.set_xlabel(_("run"))
    ax.set_ylabel(_("orders (of {n_in_process})").format(n_in_process=len(first.in_process)))
    ax.set_title(title or _("The same orders across processes: what finished"))
    ax.legend()
    return ax
