"""Job sizes for experiments: seeded, from a distribution you pick, the same numbers every run.

    sizes = job_sizes(100, mean=0.5, distribution="exponential", seed=1)

Distributions (all with the given mean, in seconds of work):

``constant``     every job the same
``uniform``      evenly spread between 0 and twice the mean
``exponential``  many short jobs, a few long ones (memoryless, like arrivals at a counter)
``lognormal``    a long tail: most jobs near the median, a few very long (sigma 1)
``bimodal``      90 % short jobs and 10 % jobs ten times longer
"""
import math
import random

from .. import args

__all__ = ["DISTRIBUTIONS", "job_sizes", "check_count", "check_seconds"]

DISTRIBUTIONS = ("constant", "uniform", "exponential", "lognormal", "bimodal")


def check_count(value, what, minimum=0):
    """``value`` as an int >= ``minimum``: :func:`chanlab.args.count` (``TypeError`` for a wrong type,
    ``ValueError`` for a wrong value, the message names ``what``). Kept for the experiments that
    call it; new code calls ``chanlab.args`` directly."""
    return args.count(value, what, minimum=minimum)


def check_seconds(value, what, minimum=0.0):
    """``value`` as a float >= ``minimum`` seconds (finite): :func:`chanlab.args.seconds`."""
    return args.seconds(value, what, minimum=minimum)


def job_sizes(n, mean=1.0, distribution="constant", seed=0):
    """``n`` job sizes (seconds of work) with the given ``mean``, drawn with ``random.Random(seed)``."""
    n = args.count(n, "n")
    mean = args.seconds(mean, "mean")
    args.choice(distribution, "distribution", DISTRIBUTIONS)
    seed = args.integer(seed, "seed")
    rng = random.Random(seed)
    if distribution == "constant":
        return [mean] * n
    if distribution == "uniform":
        return [rng.uniform(0, 2 * mean) for _ in range(n)]
    if distribution == "exponential":
        return [rng.expovariate(1 / mean) if mean > 0 else 0.0 for _ in range(n)]
    if distribution == "lognormal":
        mu = math.log(mean) - 0.5 if mean > 0 else 0.0  # sigma = 1: E[X] = exp(mu + 1/2)
        return [rng.lognormvariate(mu, 1.0) if mean > 0 else 0.0 for _ in range(n)]
    # bimodal
    short = mean / (0.9 + 0.1 * 10)  # 90 % of size s, 10 % of size 10 s: mean 1.9 s
    return [short * (10 if rng.random() < 0.1 else 1) for _ in range(n)]
