"""The NATS experiments of notebook 07: each runs real servers and processes and returns data.

=====================  ==========================================================================
``pubsub``             event-driven across processes: subscribers with wildcards in their own
                       processes; one joins late and misses what was published before (at most once)
``client_slow``        a subscriber slower than its publisher: nats-py drops what does not fit in
                       the subscription's pending limit and reports ``SlowConsumerError``
``server_slow``        a subscriber that stops reading its socket: the server cuts it off
``queue_scaling``      competing consumers (a queue group) in 1, 2, 4 worker processes: throughput
``crash``              JetStream work queue, durable pull consumer, explicit acks: a worker process is
                       SIGKILLed in the middle of a job, the job is redelivered, nothing is lost
``failover``           a three-node cluster, stream with 3 replicas: the stream's leader is killed
                       during a run; publishing and consuming continue; nothing acknowledged is lost
``throughput``         publish/consume rates and latencies: core NATS, JetStream, and in-process chanlab
=====================  ==========================================================================

The questions are broker-neutral, and so are the records the experiments return
(:mod:`chanlab.broker.results`: ``FanOutRun``, ``SlowSubscriberRun``, ``StalledSubscriberRun``,
``ScalingPoint``, ``WorkerCrashRun``, ``FailoverRun``, ``Rate``); they are re-exported here.
Counts come back exact (``published``, ``delivered``, ``lost``), so a notebook can print them and
nbval can check them; times vary from run to run.
"""
from chanlab.broker.results import (FailoverRun, FanOutRun, Rate, ScalingPoint, SlowSubscriberRun,
                                    StalledSubscriberRun, WorkerCrashRun)

from .bench import in_process_rates, throughput
from .core import TOPICS, client_slow, pubsub, queue_scaling, server_slow
from .jetstream import crash, failover

__all__ = ["TOPICS", "FanOutRun", "pubsub", "SlowSubscriberRun", "client_slow", "StalledSubscriberRun",
           "server_slow", "ScalingPoint", "queue_scaling", "WorkerCrashRun", "crash", "FailoverRun",
           "failover", "Rate", "throughput", "in_process_rates"]
