"""Explorers: thin ipywidgets layers over :mod:`chanlab.experiments` and :mod:`chanlab.plots`.

Each ``*_explorer`` returns an ``ipywidgets.interactive``: sliders and dropdowns, and a figure that
is redrawn when you move them. It is drawn once with the defaults when it is built, so a reader who
never touches it (or reads a static copy) still sees a figure. ``w.result`` is the data behind the
current figure (the experiment's return value), so you can always look at the numbers. The figure
is the same ``draw_*`` function of :mod:`chanlab.plots` that the notebook's static figure calls.
An argument outside its slider's range is an error, not silently clamped.

One module per chapter topic: ``pool`` (03), ``publisher`` (04), ``events`` (05), ``messaging``
(06), ``systems`` (09); ``base`` holds the sliders they share. In a notebook::

    from chanlab import widgets
    _ = display(widgets.pool_explorer())
"""
from .base import show
from .events import events_explorer
from .messaging import queue_explorer
from .pool import pool_explorer, scaling_explorer
from .publisher import policy_explorer, publisher_explorer
from .systems import ordering_explorer, saga_explorer

__all__ = ["pool_explorer", "scaling_explorer", "publisher_explorer", "policy_explorer", "events_explorer",
           "queue_explorer", "saga_explorer", "ordering_explorer", "show"]
