"""The explorers of notebook 04 (a publisher and its consumer): one run's timeline, and every
overflow policy on the same workload. They redraw :func:`chanlab.plots.draw_publisher` and
:func:`chanlab.plots.draw_policies` from :func:`chanlab.experiments.publish` runs in virtual time.
"""
import matplotlib.pyplot as plt

from ..experiments import publish
from ..plots import draw_policies, draw_publisher
from ..plots.base import fit_size
from ..policies import NAMES as POLICIES  # every policy, block_timeout (at its default) too
from ..i18n import _
from .base import capacity_for, dropdown, explorer, float_slider, int_slider, shown

__all__ = ["publisher_explorer", "policy_explorer"]


def _rate_sliders(messages, max_messages, interval, consumer_time):
    return dict(messages=int_slider(messages, 1, max_messages, "messages", name="messages"),
                interval=float_slider(interval, 0.001, 0.1, 0.001, "publish every (s)", name="interval"),
                consumer_time=float_slider(consumer_time, 0.0, 0.1, 0.001, "consumer takes (s)",
                                           name="consumer_time"))


def publisher_explorer(messages=20, interval=0.01, consumer_time=0.025, capacity=0, policy="drop_newest",
                       start_delay=0.0):
    """One publisher run in virtual time: the timeline of every message, delivered or dropped."""

    def run(messages, interval, consumer_time, capacity, policy, start_delay):
        result = publish(messages, interval, consumer_time, capacity_for(policy, capacity), policy, start_delay,
                         trace=True)
        fig, ax = plt.subplots(figsize=fit_size((9, 2.6)))
        draw_publisher(result, ax)
        return shown(fig, result)

    return explorer(run, **_rate_sliders(messages, 100, interval, consumer_time),
                    capacity=int_slider(capacity, 0, 32, "capacity", name="capacity"),
                    policy=dropdown(POLICIES, policy, "when full", name="policy"),
                    start_delay=float_slider(start_delay, 0.0, 0.2, 0.001, "consumer starts after (s)",
                                             name="start_delay"))


def policy_explorer(messages=100, interval=0.01, consumer_time=0.025, capacity=8):
    """Every overflow policy on the same workload (virtual time): delivered vs dropped, and latency."""

    def run(messages, interval, consumer_time, capacity):
        runs = {p: publish(messages, interval, consumer_time, capacity_for(p, capacity), p) for p in POLICIES}
        axes = draw_policies(runs, title=_("{messages} messages, one every {interval:g} s; consumer {consumer_time:g} s each").format(messages=messages, interval=interval, consumer_time=consumer_time))
        return shown(axes[0].figure, runs)

    return explorer(run, **_rate_sliders(messages, 500, interval, consumer_time),
                    capacity=int_slider(capacity, 0, 64, "capacity", name="capacity"))
