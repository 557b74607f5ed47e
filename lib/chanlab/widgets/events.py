"""The explorer of notebook 05 (an event bus fanning out to subscribers): sliders over
:func:`chanlab.experiments.events.fan_out`, redrawing :func:`chanlab.plots.draw_fan_out`."""

from ..experiments.events import DISPATCH, fan_out, spread
from ..plots import draw_fan_out
from ..policies import NAMES as POLICIES  # every policy, block_timeout (at its default) too
from .base import capacity_for, dropdown, explorer, float_slider, int_slider, shown, spread_tick_labels

__all__ = ["events_explorer"]


def events_explorer(subscribers=3, slowest=0.03, events=50, interval=0.01, capacity=4,
                    policy="drop_newest", dispatch="async"):
    """One publisher, ``subscribers`` subscribers whose handlers take from ``slowest / subscribers``
    up to ``slowest`` seconds, in virtual time: who got what, and who waited. The subscribers' labels
    go on two or three rows when they do not fit on one."""

    def run(subscribers, slowest, events, interval, capacity, policy, dispatch):
        result = fan_out(spread(subscribers, slowest), events, interval, dispatch, capacity_for(policy, capacity),
                         policy)
        axes = draw_fan_out(result)  # at the size the notebook's figure has
        fig = axes[0].figure
        fig.tight_layout()  # (where the labels will be: the legend below takes height)
        spread_tick_labels(axes[0])  # 8 subscribers' labels ("sub3\n11.25 ms") do not fit side by side
        return shown(fig, result)

    return explorer(run, subscribers=int_slider(subscribers, 1, 8, "subscribers", name="subscribers"),
                    slowest=float_slider(slowest, 0.001, 0.1, 0.001, "slowest handler (s)", name="slowest"),
                    events=int_slider(events, 1, 200, "events", name="events"),
                    interval=float_slider(interval, 0.001, 0.1, 0.001, "publish every (s)", name="interval"),
                    capacity=int_slider(capacity, 0, 32, "inbox capacity", name="capacity"),
                    policy=dropdown(POLICIES, policy, "when an inbox is full", name="policy"),
                    dispatch=dropdown(DISPATCH, dispatch, "dispatch", name="dispatch"))
