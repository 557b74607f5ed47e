"""The explorer of notebook 06 (message-driven work queues): sliders over
:func:`chanlab.experiments.messaging.run_queue`, redrawing :func:`chanlab.plots.draw_dashboard`."""

from ..experiments.messaging import run_queue
from ..plots import draw_dashboard
from .base import explorer, float_slider, int_slider, show

__all__ = ["queue_explorer"]


def queue_explorer(workers=3, failure_rate=0.1, capacity=0, crash_rate=0.02, messages=60, interval=0.25,
                   work=1.0, seed=1):
    """A work queue in virtual time: move workers, failure rate and capacity (0: no limit)."""

    def run(workers, failure_rate, capacity, crash_rate, messages, interval, work, seed):
        result = run_queue(workers, messages, work, distribution="exponential", interval=interval,
                           failure_rate=failure_rate, crash_rate=crash_rate, capacity=capacity, seed=seed)
        axes = draw_dashboard(result)  # at the size the notebook's figure has
        show(axes[0][0].figure)
        return result

    return explorer(run, workers=int_slider(workers, 1, 16, "workers", name="workers"),
                    failure_rate=float_slider(failure_rate, 0.0, 0.9, 0.05, "failure rate", name="failure_rate"),
                    capacity=int_slider(capacity, 0, 50, "capacity (0: no limit)", name="capacity"),
                    crash_rate=float_slider(crash_rate, 0.0, 0.5, 0.01, "crash rate", name="crash_rate"),
                    messages=int_slider(messages, 1, 300, "messages", name="messages"),
                    interval=float_slider(interval, 0.0, 2.0, 0.05, "publish every (s)", name="interval"),
                    work=float_slider(work, 0.1, 5.0, 0.1, "mean work (s)", name="work"),
                    seed=int_slider(seed, 0, 99, "seed", name="seed"))
