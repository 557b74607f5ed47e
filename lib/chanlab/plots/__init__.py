"""Figures for the notebooks: thin matplotlib layers over the data the experiments return.

One convention for every chapter: a figure is ``draw_<thing>(run, ax=None, ...)``. It takes what an
experiment returned, draws on ``ax`` (a new figure of its usual size when ``ax`` is None; a figure
of several panels takes and returns a sequence of axes), and returns the axes. Every figure has a
title, labelled axes with units and a legend. A notebook's static figure and the explorer in
:mod:`chanlab.widgets` call the same function, so no figure code is copied into a cell.

One module per topic:

=================  ==========================================================================
``base``           where a figure draws (``new_axes``, ``new_panels``), the unit of its times; the
                   projection rules (``SMALLEST_PT``, ``fit_size``, ``label_bars``, ``two_lines``)
``charts``         general charts: curves vs workers, delivered/dropped bars, histograms
``diagrams``       01: boxes-and-arrows diagrams, who received what
``handoff``        02b: one hand-off between two threads, unpinned and pinned to one core
``timeline``       03, 04: a trace as one lane per goroutine, messages as arrows
``search``         02c: Google Search 1.0-3.0, latency per query on a virtual clock
``pool``           03: jobs on workers, wall time vs workers
``publisher``      04: one publisher run, every overflow policy side by side
``events``         05: an event bus fanning out to subscribers
``messaging``      06: work queues (deliveries, throughput, latency, contents, the ledger)
``systems``        09-11: sagas, thin and fat events, ordering, the outbox, a read model's lag, NATS
=================  ==========================================================================
"""
from .base import SMALLEST_PT, two_lines
from .charts import draw_histogram, draw_outcomes, draw_scaling
from .diagrams import draw_delivery_matrix, draw_diagram
from .events import draw_fan_out
from .handoff import draw_switch_cost
from .messaging import (OUTCOME_COLORS, draw_contents, draw_counts, draw_dashboard, draw_deliveries, draw_latency,
                        draw_publish_times, draw_sweep, draw_throughput)
from .pool import draw_jobs, draw_pool_scaling
from .publisher import draw_policies, draw_publisher
from .search import draw_search_latencies
from .systems import (STYLE_COLORS, draw_choreography_outcomes, draw_notification, draw_ordering, draw_outbox,
                      draw_projection_lag, draw_relay_dedup, draw_saga_latency, draw_saga_scenarios)
from .timeline import draw_timeline, message_paths

__all__ = ["SMALLEST_PT", "two_lines",
           "draw_scaling", "draw_outcomes", "draw_histogram",
           "draw_diagram", "draw_delivery_matrix",
           "draw_switch_cost",
           "draw_timeline", "message_paths",
           "draw_jobs", "draw_pool_scaling",
           "draw_publisher", "draw_policies",
           "draw_fan_out",
           "draw_search_latencies",
           "OUTCOME_COLORS", "draw_deliveries", "draw_throughput", "draw_latency", "draw_contents",
           "draw_publish_times", "draw_counts", "draw_sweep", "draw_dashboard",
           "STYLE_COLORS", "draw_saga_latency", "draw_saga_scenarios", "draw_notification", "draw_ordering",
           "draw_outbox", "draw_projection_lag", "draw_relay_dedup", "draw_choreography_outcomes"]
