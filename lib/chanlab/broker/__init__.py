"""chanlab.broker: what every real message broker in the course stands on, whichever broker it is.

NATS, RabbitMQ, Kafka and Redis are *message brokers*: a server process of their own that programs
connect to. Putting one to the test on a laptop takes the same chores each time, and they live
here, once:

==============================  ====================================================================
:mod:`~chanlab.broker.processes`  free loopback ports; processes tracked, stopped by PID (SIGTERM,
                                  then SIGKILL); temporary folders; all of it cleaned up at exit
:mod:`~chanlab.broker.servers`    a group of server processes in one folder: started on free ports,
                                  ready when healthy, stopped and removed at the end of ``with``
:mod:`~chanlab.broker.workers`    worker processes that report JSON lines and end with their parent
:mod:`~chanlab.broker.results`    the records the experiments return, named for their question
==============================  ====================================================================

A broker is a package beside this one that adds what is its own: the server's binary and config,
a client, the worker programs and the experiments. :mod:`chanlab.nats` is the first; a second
(say ``chanlab.rabbitmq``) would subclass :class:`ServerGroup` and :class:`Node`, name its worker
module in a :class:`Workers` subclass, and answer the same questions with the same records.
(The in-process stand-ins, :class:`chanlab.messaging.WorkQueue` and :class:`chanlab.outbox.Broker`,
need none of this: they run no server.)
"""
from .processes import free_port, live_pids, remove_folder, stop_process, temp_folder, track
from .results import (FailoverRun, FanOutRun, Rate, ScalingPoint, SlowSubscriberRun, StalledSubscriberRun,
                      WorkerCrashRun)
from .servers import Node, PortTakenError, ServerGroup
from .workers import Worker, Workers, report, stop_event

__all__ = ["free_port", "track", "live_pids", "stop_process", "temp_folder", "remove_folder", "Node",
           "ServerGroup", "PortTakenError", "Worker", "Workers", "report", "stop_event", "FanOutRun",
           "SlowSubscriberRun", "StalledSubscriberRun", "ScalingPoint", "WorkerCrashRun", "FailoverRun",
           "Rate"]
