"""The explorers of notebook 03 (worker pools): one pool run, and wall time vs workers.

They redraw :func:`chanlab.plots.draw_jobs` and :func:`chanlab.plots.draw_pool_scaling` from
:func:`chanlab.experiments.worker_pool` runs in virtual time.
"""
import matplotlib.pyplot as plt

from ..experiments import DISTRIBUTIONS, PARTITIONS, worker_pool
from ..plots import draw_jobs, draw_pool_scaling
from ..plots.base import fit_size
from ..i18n import _
from .base import dropdown, explorer, float_slider, int_slider, shown

__all__ = ["pool_explorer", "scaling_explorer"]


def pool_explorer(workers=4, jobs=24, job_time=1.0, distribution="exponential", partition="shared", seed=1):
    """A worker pool in virtual time: who did which job, and how close to ideal it came."""

    def run(workers, jobs, job_time, distribution, partition, seed):
        result = worker_pool(workers, jobs, job_time, distribution, seed, partition=partition)
        ax = draw_jobs(result, title=_("{jobs} jobs ({distribution}, mean {job_time:g} s), {partition} queue: efficiency {efficiency:.0%}").format(jobs=jobs, distribution=distribution, job_time=job_time, partition=partition, efficiency=result.efficiency))
        return shown(ax.figure, result)

    return explorer(run, workers=int_slider(workers, 1, 32, "workers", name="workers"),
                    jobs=int_slider(jobs, 1, 200, "jobs", name="jobs"),
                    job_time=float_slider(job_time, 0.1, 5.0, 0.1, "mean job time (s)", name="job_time"),
                    distribution=dropdown(DISTRIBUTIONS, distribution, "job sizes", name="distribution"),
                    partition=dropdown(PARTITIONS, partition, "how work is shared", name="partition"),
                    seed=int_slider(seed, 0, 99, "seed", name="seed"))


def scaling_explorer(max_workers=16, jobs=64, job_time=0.5, distribution="exponential", seed=1):
    """Wall time vs workers (virtual time) for a shared queue and a static split, beside the ideal.
    ``w.result`` maps each partition to its runs, one per worker count."""

    def run(max_workers, jobs, job_time, distribution, seed):
        counts = sorted({1, 2, 4, 8, 16, 32, max_workers} & set(range(1, max_workers + 1)))
        runs = {p: [worker_pool(w, jobs, job_time, distribution, seed, partition=p) for w in counts]
                for p in PARTITIONS}
        fig, ax = plt.subplots(figsize=fit_size((6.4, 4)))
        draw_pool_scaling(runs, ax, title=_("{jobs} jobs ({distribution}, mean {job_time:g} s)").format(jobs=jobs, distribution=distribution, job_time=job_time))
        return shown(fig, runs)

    return explorer(run, max_workers=int_slider(max_workers, 1, 64, "up to workers", name="max_workers"),
                    jobs=int_slider(jobs, 1, 400, "jobs", name="jobs"),
                    job_time=float_slider(job_time, 0.1, 5.0, 0.1, "mean job time (s)", name="job_time"),
                    distribution=dropdown(DISTRIBUTIONS, distribution, "job sizes", name="distribution"),
                    seed=int_slider(seed, 0, 99, "seed", name="seed"))
