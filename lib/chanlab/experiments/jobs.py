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
import operator
import random

__all__ = ["DISTRIBUTIONS", "job_sizes", "check_count", "check_seconds"]

DISTRIBUTIONS = ("constant", "uniform", "exponential", "lognormal", "bimodal")


def check_count(value, what, minimum=0):
    """``value`` as an int >= minimum, or a clear ValueError."""
    try:
        if isinstance(value, bool):
            raise TypeError
        value = operator.index(value)  # ints, and numpy's integers from sliders
    except TypeError:
        raise ValueError(f"{what} must be a whole number >= {minimum}, got {value!r}") from None
    if value < minimum:
        raise ValueError(f"{what} must be >= {minimum}, got {value}")
    return value


def check_seconds(value, what, minimum=0.0):
    """``value`` as a float >= minimum seconds, or a clear ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value) or math.isinf(value):
        raise ValueError(f"{what} must be a number of seconds, got {value!r}")
    if value < minimum:
        raise ValueError(f"{what} must be >= {minimum} s, got {value}")
    return float(value)


def job_sizes(n, mean=1.0, distribution="constant", seed=0):
    """``n`` job sizes (seconds of work) with the given ``mean``, drawn with ``random.Random(seed)``."""
    n = check_count(n, "the number of jobs")
    mean = check_seconds(mean, "the mean job time")
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
    if distribution == "bimodal":
        short = mean / (0.9 + 0.1 * 10)  # 90 % of size s, 10 % of size 10 s: mean 1.9 s
        return [short * (10 if rng.random() < 0.1 else 1) for _ in range(n)]
    raise ValueError(f"unknown distribution {distribution!r}; pick one of {DISTRIBUTIONS}")
