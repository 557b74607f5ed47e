"""What every figure of :mod:`chanlab.plots` shares: where it draws, and the unit of its time axis.

The convention (one for every chapter): a figure is a function ``draw_<thing>(run, ax=None, ...)``
that takes what an experiment returned and returns the ``Axes`` it drew on, with a title, labelled
axes (units in brackets) and a legend. ``ax=None`` makes a new figure of the function's usual size;
a figure of several panels takes and returns a sequence of axes (see :func:`new_panels`). A
notebook's static figure and its explorer call the same function.
"""
import matplotlib.pyplot as plt

__all__ = ["GREEN", "RED", "BLUE", "new_axes", "new_panels", "time_unit"]

GREEN, RED, BLUE = "#55a868", "#c44e52", "#4c72b0"  # delivered / running, dropped / blocked, messages


def new_axes(ax, size=(6.4, 3.6)):
    """``ax`` itself, or the axes of a new figure of ``size`` (inches) when ``ax`` is None."""
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def new_panels(ax, shape, size, **kwargs):
    """``ax`` (a sequence of axes) itself, or the axes of a new figure of ``shape`` = (rows, columns)
    panels; ``kwargs`` go to :func:`matplotlib.pyplot.subplots` (``gridspec_kw=...``)."""
    if ax is None:
        _, ax = plt.subplots(*shape, figsize=size, **kwargs)
    return ax


def time_unit(run):
    """The unit of a run's times: virtual seconds for a virtual-clock run, seconds otherwise."""
    return "virtual s" if run.mode == "virtual" else "s"
