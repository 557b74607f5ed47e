"""The article's claims put to the test: the same workload, run in both styles.

One *workload* (orders arriving at seeded random times, each needing some seconds of handling) is
run through

* the **event-driven** style: :class:`chanlab.aio.events.Bus`; the shop *publishes* ``order.placed``
  and subscribers react (Go: a channel per subscriber, a loop that offers each event to every one);
* the **message-driven** style: :class:`chanlab.aio.messaging.WorkQueue`; the shop *puts* a message,
  competing consumers *get*, handle and *ack* it (Go: one job channel shared by a pool of workers,
  plus the bookkeeping of acks)::

    wl = workload(200, rate=80, service=0.01)       # the same orders for both
    ev = run_style("event", wl)                     # virtual time: instant and repeatable
    ms = run_style("message", wl)
    percentile(ev.latencies, 99), percentile(ms.latencies, 99)

Every experiment runs on the virtual clock by default (``mode="virtual"``); ``mode="asyncio"`` runs
the same program in real time, whose numbers differ a little from run to run. :func:`verdicts` runs
the experiments and turns each of the article's 22 claims (:data:`chanlab.claims.CLAIMS`) into a
:class:`Verdict`, computed from the measurements where the claim is measurable.

:func:`event_driven_shop` and :func:`message_driven_shop` are two *equivalent programs* (take the
orders, handle each one, return the results), kept as real source so that :func:`complexity` can
count their lines and moving parts with :mod:`ast` instead of quoting numbers.

The package, one module per part: :mod:`.run` (the workload, one run of one style),
:mod:`.measure` (the experiments, one per claim), :mod:`.programs` (the two shops, counted) and
:mod:`.judge` (one verdict function per claim, keyed by the claim's id).
"""
from .judge import VERDICTS, Verdict, balance_verdict, reasoned, verdict, verdict_table, verdicts
from .measure import (crash_recovery, fan_out_reactions, handoff_cost, latency, memory_growth,
                      missed_events, observer_vs_pubsub, one_channel, rendezvous, scaling, sync_async)
from .programs import PARTS, complexity, event_driven_shop, message_driven_shop
from .run import LAYOUTS, MODES, STYLES, StyleRun, Workload, percentile, run_style, workload

__all__ = ["STYLES", "LAYOUTS", "Workload", "workload", "StyleRun", "run_style", "percentile",
           "latency", "scaling", "crash_recovery", "missed_events", "memory_growth", "sync_async",
           "rendezvous", "one_channel", "observer_vs_pubsub", "fan_out_reactions", "handoff_cost",
           "event_driven_shop", "message_driven_shop", "complexity", "Verdict", "verdicts",
           "verdict_table", "balance_verdict", "PARTS", "MODES", "VERDICTS", "verdict",
           "reasoned"]

