"""The event-bus explorer of notebook 05: sliders over :func:`chanlab.experiments.events.fan_out`.

:func:`draw_fan_out` draws one :class:`~chanlab.experiments.events.FanOutRun` (the notebook draws it
once with the explorer's defaults, so a static reader sees the figure); :func:`events_explorer`
redraws it from a new virtual-time run whenever a slider moves. ``w.result`` is the run behind the
figure::

    from chanlab.widgets_events import events_explorer
    _ = display(events_explorer())
"""
import ipywidgets as W
import matplotlib.pyplot as plt

from . import plots
from . import policies
from .policies import NAMES as POLICIES  # every policy, block_timeout (at its default) too
from .experiments.events import DISPATCH, fan_out, spread
from .widgets import _choice, _float, _int, show

__all__ = ["draw_fan_out", "events_explorer"]


def draw_fan_out(run, axes=None, title=None):
    """Two panels for a :class:`FanOutRun`: what each subscriber handled or lost (bars), and when
    each event was published and handled (one dot per handled event, the publisher as a line)."""
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(13, 4), gridspec_kw={"width_ratios": [1, 1.6]})
    left, right = axes
    rows = [(f"{s.name}\n{s.handler_time * 1000:g} ms", s.delivered, s.dropped) for s in run.subscribers]
    how = (f"{run.policy}, capacity {run.capacity if run.policy not in ('unbounded', 'keep_latest') else '-'}"
           if run.dispatch == "async" else "sync (observer)")
    plots.outcomes(rows, left, title=title or f"{run.events} events, {how}")
    left.set_xlabel("subscriber (handler time per event)")
    left.set_ylabel("events (count)")
    seqs = range(run.events)
    right.plot(run.published_at, seqs, color="black", lw=1.5, label="publisher: publish called")
    for s in run.subscribers:
        right.scatter(s.at, s.handled, s=10, label=f"{s.name} ({s.handler_time * 1000:g} ms): handled")
    right.set_xlabel("virtual time (s)")
    right.set_ylabel("event number")
    right.set_title(f"When each event was published and handled: publisher done at "
                    f"{run.publisher_done:.2f} s, all handled at {run.wall:.2f} s")
    right.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    right.grid(alpha=0.3)
    return axes


def events_explorer(subscribers=3, slowest=0.03, events=50, interval=0.01, capacity=4,
                    policy="drop_newest", dispatch="async"):
    """One publisher, ``subscribers`` subscribers whose handlers take from ``slowest / subscribers``
    up to ``slowest`` seconds, in virtual time: who got what, and who waited."""

    def run(subscribers, slowest, events, interval, capacity, policy, dispatch):
        cap = None if policies.get(policy).fixed is not None else (
            max(capacity, 1) if policy == "drop_oldest" else capacity)
        result = fan_out(spread(subscribers, slowest), events, interval, dispatch, cap, policy)
        fig, axes = plt.subplots(1, 2, figsize=(13, 4), gridspec_kw={"width_ratios": [1, 1.6]})
        draw_fan_out(result, axes)
        fig.tight_layout()
        show(fig)
        return result

    return W.interactive(run, subscribers=_int(subscribers, 1, 8, "subscribers"),
                         slowest=_float(slowest, 0.001, 0.1, 0.001, "slowest handler (s)"),
                         events=_int(events, 1, 200, "events"),
                         interval=_float(interval, 0.001, 0.1, 0.001, "publish every (s)"),
                         capacity=_int(capacity, 0, 32, "inbox capacity"),
                         policy=_choice(POLICIES, policy, "when an inbox is full"),
                         dispatch=_choice(DISPATCH, dispatch, "dispatch"))
