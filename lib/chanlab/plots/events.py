"""The figure of notebook 05 (an event bus fanning out to subscribers), drawn from a
:class:`chanlab.experiments.events.FanOutRun` of :func:`chanlab.experiments.events.fan_out`."""
from .base import new_panels, two_lines
from .charts import draw_outcomes
from ..i18n import _

__all__ = ["draw_fan_out"]


def draw_fan_out(run, ax=None, title=None):
    """Two panels for a :class:`FanOutRun`: what each subscriber handled or lost (bars), and when
    each event was published and handled (one dot per handled event, the publisher as a line).
    ``ax``: two axes, or None for a new figure; returns the two axes."""
    left, right = new_panels(ax, (1, 2), (10, 4.4), gridspec_kw={"width_ratios": [1, 1.25]})
    # three significant digits: "25.7 ms", not "25.7143 ms" (eight such labels must fit side by side)
    rows = [(f"{s.name}\n{s.handler_time * 1000:.3g} ms", s.delivered, s.dropped) for s in run.subscribers]
    capacity = "unbounded" if run.capacity is None else run.capacity  # the inbox it really had
    how = _("{policy}, capacity {capacity}").format(policy=run.policy, capacity=capacity) if run.dispatch == "async" else _("sync (observer)")
    draw_outcomes(rows, left, title=title or _("{events} events, {how}").format(events=run.events, how=how),
                  xlabel=_("subscriber (handler time per event)"), ylabel=_("events (count)"))
    right.plot(run.published_at, range(run.events), color="black", lw=1.5, label=_("publisher: publish called"))
    for s in run.subscribers:
        right.scatter(s.at, s.handled, s=10, label=_("{name} ({handler_time:g} ms)").format(name=s.name, handler_time=s.handler_time * 1000))
    right.set_xlabel(_("virtual time (s)"))
    right.set_ylabel(_("event number"))
    right.set_title(two_lines(_("When each event was published and handled: publisher done at {publisher_done:.2f} s, all handled at {wall:.2f} s").format(publisher_done=run.publisher_done, wall=run.wall)))
    right.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, handletextpad=0.2, markerscale=1.5)
    right.grid(alpha=0.3)
    return left, right
