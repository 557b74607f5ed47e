"""Worker processes running :mod:`chanlab.nats.worker` (the NATS programs of notebook 07)::

    with Workers() as ws:
        w = ws.start("jswork", "--url", url, "--stream", "WORK", name="w1")
        w.wait_for(lambda e: e["event"] == "ready", timeout=10)
        w.kill()                                     # SIGKILL

Starting, reading reports and stopping are broker-neutral: :mod:`chanlab.broker.workers`.
"""
from chanlab import broker
from chanlab.broker import Worker

__all__ = ["Worker", "Workers"]


class Workers(broker.Workers):
    """:class:`chanlab.broker.Workers` running ``python -m chanlab.nats.worker MODE ...``."""

    program = "chanlab.nats.worker"
