"""Explorers: thin ipywidgets layers over :mod:`chanlab.experiments` and :mod:`chanlab.plots`.

Each function returns an ``ipywidgets.interactive``: sliders and dropdowns, and a figure that is
redrawn when you move them. It is drawn once with the defaults when it is built, so a reader who
never touches it (or reads a static copy) still sees a figure. ``w.result`` is the data behind the
current figure (the experiment's return value), so you can always look at the numbers.

In a notebook::

    from chanlab import widgets
    _ = display(widgets.pool_explorer())
"""
import ipywidgets as W
import matplotlib.pyplot as plt

from . import plots, policies
from .experiments import DISTRIBUTIONS, PARTITIONS, publish, worker_pool
from .policies import NAMES as POLICIES  # every policy, block_timeout (at its default) too

__all__ = ["pool_explorer", "scaling_explorer", "publisher_explorer", "policy_explorer", "show"]

_STYLE = {"description_width": "initial"}


def _int(value, lo, hi, description):
    return W.IntSlider(value=value, min=lo, max=hi, description=description, style=_STYLE, continuous_update=False)


def _float(value, lo, hi, step, description):
    return W.FloatSlider(value=value, min=lo, max=hi, step=step, description=description, style=_STYLE,
                         continuous_update=False, readout_format=".3g")


def _choice(options, value, description):
    return W.Dropdown(options=options, value=value, description=description, style=_STYLE)


def _capacity(policy, capacity):
    """The capacity slider's value, as the policy takes it: unbounded and keep_latest have no
    capacity to set, and a sliding window (drop_oldest) needs a buffer of at least 1. Figures
    show the capacity actually used."""
    if policies.get(policy).fixed is not None:  # unbounded, keep_latest
        return None
    return max(capacity, 1) if policy == "drop_oldest" else capacity


def _rate_sliders(messages, max_messages, interval, consumer_time):
    return dict(messages=_int(messages, 1, max_messages, "messages"),
                interval=_float(interval, 0.001, 0.1, 0.001, "publish every (s)"),
                consumer_time=_float(consumer_time, 0.0, 0.1, 0.001, "consumer takes (s)"))


def show(fig):
    """Display a finished figure inside the widget's output (and close it, so it is shown once)."""
    plt.show()
    plt.close(fig)


def pool_explorer(workers=4, jobs=24, job_time=1.0, distribution="exponential", partition="shared", seed=1):
    """A worker pool in virtual time: who did which job, and how close to ideal it came."""

    def run(workers, jobs, job_time, distribution, partition, seed):
        result = worker_pool(workers, jobs, job_time, distribution, seed, partition=partition)
        fig, ax = plt.subplots(figsize=(8, 0.45 * workers + 1.8))
        plots.job_chart(result, ax, title=f"{jobs} jobs ({distribution}, mean {job_time:g} s), {partition} "
                                          f"queue: efficiency {result.efficiency:.0%}")
        fig.tight_layout()
        show(fig)
        return result

    return W.interactive(run, workers=_int(workers, 1, 32, "workers"), jobs=_int(jobs, 1, 200, "jobs"),
                         job_time=_float(job_time, 0.1, 5.0, 0.1, "mean job time (s)"),
                         distribution=_choice(DISTRIBUTIONS, distribution, "job sizes"),
                         partition=_choice(PARTITIONS, partition, "how work is shared"),
                         seed=_int(seed, 0, 99, "seed"))


def scaling_explorer(max_workers=16, jobs=64, job_time=0.5, distribution="exponential", seed=1):
    """Wall time vs workers (virtual time) for a shared queue and a static split, beside the ideal."""

    def run(max_workers, jobs, job_time, distribution, seed):
        counts = sorted({1, 2, 4, 8, 16, 32, max_workers} & set(range(1, max_workers + 1)))
        curves = {p: [] for p in PARTITIONS}
        ideal = []
        for w in counts:
            for p in PARTITIONS:
                r = worker_pool(w, jobs, job_time, distribution, seed, partition=p)
                curves[p].append((w, r.wall))
            ideal.append((w, r.ideal))
        fig, ax = plt.subplots(figsize=(6.4, 4))
        plots.scaling({f"{p} queue": pts for p, pts in curves.items()}, ax, ideal=ideal,
                      title=f"{jobs} jobs ({distribution}, mean {job_time:g} s)", ylabel="wall time (virtual s)")
        ax.set_xscale("log", base=2)
        fig.tight_layout()
        show(fig)
        return {"workers": counts, **curves, "ideal": ideal}

    return W.interactive(run, max_workers=_int(max_workers, 1, 64, "up to workers"), jobs=_int(jobs, 1, 400, "jobs"),
                         job_time=_float(job_time, 0.1, 5.0, 0.1, "mean job time (s)"),
                         distribution=_choice(DISTRIBUTIONS, distribution, "job sizes"),
                         seed=_int(seed, 0, 99, "seed"))


def publisher_explorer(messages=20, interval=0.01, consumer_time=0.025, capacity=0, policy="drop_newest",
                       start_delay=0.0):
    """One publisher run in virtual time: the timeline of every message, delivered or dropped."""

    def run(messages, interval, consumer_time, capacity, policy, start_delay):
        result = publish(messages, interval, consumer_time, _capacity(policy, capacity), policy, start_delay,
                         trace=True)
        fig, ax = plt.subplots(figsize=(9, 2.6))
        plots.timeline(result.trace, ax, goroutines=["publisher", "main"],
                       title=f"{policy}, capacity {'unbounded' if result.capacity is None else result.capacity}: "
                             f"{result.delivered} delivered, "
                             f"{result.dropped} dropped")
        ax.set_xlabel("virtual time (s)")
        fig.tight_layout()
        show(fig)
        return result

    return W.interactive(run, **_rate_sliders(messages, 100, interval, consumer_time),
                         capacity=_int(capacity, 0, 32, "capacity"),
                         policy=_choice(POLICIES, policy, "when full"),
                         start_delay=_float(start_delay, 0.0, 0.2, 0.001, "consumer starts after (s)"))


def policy_explorer(messages=100, interval=0.01, consumer_time=0.025, capacity=8):
    """Every overflow policy on the same workload (virtual time): delivered vs dropped, and latency."""

    def run(messages, interval, consumer_time, capacity):
        runs = {}
        for policy in POLICIES:
            runs[policy] = publish(messages, interval, consumer_time, _capacity(policy, capacity), policy)
        fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
        plots.outcomes([(p, r.delivered, r.dropped) for p, r in runs.items()], axes[0],
                       title=f"{messages} messages, one every {interval:g} s; consumer {consumer_time:g} s each")
        axes[0].tick_params(axis="x", labelrotation=20)
        plots.histogram({p: r.latencies for p, r in runs.items()}, axes[1], title="Latency of delivered messages",
                        xlabel="latency: offer to receipt (virtual s)")
        fig.tight_layout()
        show(fig)
        return runs

    return W.interactive(run, **_rate_sliders(messages, 500, interval, consumer_time),
                         capacity=_int(capacity, 0, 64, "capacity"))
