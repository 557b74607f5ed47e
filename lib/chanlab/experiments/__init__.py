"""Experiments: pure functions that run one scenario and return data (records, small dataclasses).

Figures are drawn from that data by :mod:`chanlab.plots`; widgets (:mod:`chanlab.widgets`) are thin
layers over both. Every experiment runs in virtual time by default: deterministic, and a simulated
minute in well under a second.
"""
from .cpu import KINDS, CpuRun, cpu_pool, speedups
from .jobs import DISTRIBUTIONS, job_sizes
from .pool import MODES, PARTITIONS, JobRecord, PoolRun, worker_pool
from .publisher import POLICIES, Message, PublishRun, publish

__all__ = ["KINDS", "CpuRun", "cpu_pool", "speedups", "DISTRIBUTIONS", "job_sizes", "MODES", "PARTITIONS", "JobRecord", "PoolRun", "worker_pool",
           "POLICIES", "Message", "PublishRun", "publish"]
