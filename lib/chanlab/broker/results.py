"""What the broker experiments of notebook 07 return: one record per question, whatever the broker.

Each question is one a learner would ask of any message broker (NATS, RabbitMQ, Kafka...), so a
second broker package answers it with the same record and a notebook can put the two side by side.
Counts are exact (``published``, ``delivered``, ``lost``), so a notebook can print them and nbval can
check them; times vary from run to run.

=========================  ===========================================================================
``FanOutRun``              events fan out to subscriber processes; does one that joins late miss
                           what came before? (at most once: yes)
``SlowSubscriberRun``      a subscriber slower than its publisher: what does its client library drop?
``StalledSubscriberRun``   a subscriber that stops reading: does the server cut it off?
``ScalingPoint``           competing consumers in N processes: how many jobs per second?
``WorkerCrashRun``         a worker process killed in the middle of a job: is the job lost?
``FailoverRun``            a server node killed during a run: is an acknowledged message lost?
``Rate``                   messages per second and latency, beside in-process channels
=========================  ===========================================================================
"""
from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["FanOutRun", "SlowSubscriberRun", "StalledSubscriberRun", "ScalingPoint", "WorkerCrashRun",
           "FailoverRun", "Rate"]


@dataclass
class FanOutRun:
    """``counts[subscriber][pattern]``: events each subscriber process received, per pattern."""

    published: int
    before_late: int  # published before the late subscriber connected
    patterns: dict
    counts: dict


@dataclass
class SlowSubscriberRun:
    published: int
    delivered: int
    dropped: int  # one report per message the client library threw away (NATS: SlowConsumerError)
    pending_limit: int  # how many messages the client keeps waiting for the handler


@dataclass
class StalledSubscriberRun:
    published_bytes: int
    received_bytes: int  # what the stalled subscriber found in its socket afterwards
    cut_off: bool  # the server closed its connection
    slow_consumers: int | None  # the server's own count of slow consumers, if it could be read


@dataclass
class ScalingPoint:
    workers: int
    jobs: int
    done: int
    seconds: float
    per_worker: dict

    @property
    def rate(self):
        """Jobs per second."""
        return self.done / self.seconds


@dataclass
class WorkerCrashRun:
    published: int  # acknowledged by the broker
    acked: int  # distinct jobs whose ack the broker confirmed
    lost: int
    killed: str  # the worker that was killed
    in_flight: str  # the job it was doing
    redelivered_to: str  # who finished that job
    delivery: int  # the delivery count when it was finished (2 = redelivered once)
    duplicates: int  # jobs acknowledged more than once (at-least-once: possible, not expected here)
    left_over: int  # jobs the broker still holds at the end
    pids: list = field(default_factory=list)


@dataclass
class FailoverRun:
    published: int  # messages the publisher tried to publish
    acknowledged: int  # distinct messages the cluster acknowledged
    consumed: int  # distinct acknowledged messages that the consumer received
    lost: int  # acknowledged but never consumed
    killed: str  # the node that was killed (the leader for the data at that moment)
    new_leader: str
    retries: int  # publishes that had to be retried (while a new leader was elected)
    duplicates: int  # deliveries of a message already consumed (at-least-once)
    stored: int  # messages the cluster stores at the end
    client_events: list = field(default_factory=list)


@dataclass
class Rate:
    name: str
    per_second: float  # messages per second, one producer to one consumer
    latency_us: float  # median round trip, or publish-to-ack time, in microseconds (NaN: not measured)
