"""The figure of notebook 05 (an event bus fanning out to subscribers), drawn from a
:class:`chanlab.experiments.events.FanOutRun` of :func:`chanlab.experiments.events.fan_out`."""
from .base import new_panels
from .charts import draw_outcomes

__all__ = ["draw_fan_out"]


def draw_fan_out(run, ax=None, title=None):
    """Two panels for a :class:`FanOutRun`: what each subscriber handled or lost (bars), and when
    each event was published and handled (one dot per handled event, the publisher as a line).
    ``ax``: two axes, or None for a new figure; returns the two axes."""
    left, right = new_panels(ax, (1, 2), (13, 4), gridspec_kw={"width_ratios": [1, 1.6]})
    rows = [(f"{s.name}\n{s.handler_time * 1000:g} ms", s.delivered, s.dropped) for s in run.subscribers]
    capacity = "unbounded" if run.capacity is None else run.capacity  # the inbox it really had
    how = f"{run.policy}, capacity {capacity}" if run.dispatch == "async" else "sync (observer)"
    draw_outcomes(rows, left, title=title or f"{run.events} events, {how}",
                  xlabel="subscriber (handler time per event)", ylabel="events (count)")
    right.plot(run.published_at, range(run.events), color="black", lw=1.5, label="publisher: publish called")
    for s in run.subscribers:
        right.scatter(s.at, s.handled, s=10, label=f"{s.name} ({s.handler_time * 1000:g} ms): handled")
    right.set_xlabel("virtual time (s)")
    right.set_ylabel("event number")
    right.set_title(f"When each event was published and handled: publisher done at "
                    f"{run.publisher_done:.2f} s, all handled at {run.wall:.2f} s")
    right.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    right.grid(alpha=0.3)
    return left, right
