"""What every explorer of :mod:`chanlab.widgets` shares: its sliders, and how it shows a figure.

A slider is made from the explorer's argument, and the argument is checked first with
:mod:`chanlab.args`: a value outside the slider's range is an error that names the parameter, the
value and the range (an ``ipywidgets`` slider would silently clamp it: ``messages=1000`` on a slider
that ends at 100 would run 100)::

    messages = int_slider(messages, 1, 100, "messages", name="messages")

A slider's ``description`` is English and shown in the learner's language (:mod:`chanlab.i18n`);
``tools/i18n.py library`` extracts it from every call of these three helpers.

An explorer is built with :func:`explorer` (not ``ipywidgets.interactive`` itself) and shows its figure
with :func:`show` or :func:`shown`, so that its figure keeps one size in pixels, from the first
drawing on: every drawing is made under the matplotlib settings in effect when the explorer was built
(a notebook's ``with plt.rc_context({"figure.dpi": 80}): w = widgets.policy_explorer()`` makes every
figure of ``w`` 80 dpi, not only the first), and is shown as a PNG of the whole figure, figsize × dpi
pixels (the inline backend would crop it to its contents, ``bbox_inches="tight"``, whose size changes
with every title and label).
"""
import functools
import io

import ipywidgets as W
import matplotlib as mpl
import matplotlib.pyplot as plt
from IPython import get_ipython
from IPython.display import display
from matplotlib.backends.backend_agg import FigureCanvasAgg
import matplotlib.image  # noqa: F401  (mpl.image.imsave)
import numpy as np
from matplotlib.transforms import Bbox

from .. import args, policies
from ..plots.base import FONT_KEY, smallest_text_pt
from ..i18n import _

__all__ = ["STYLE", "LIVE", "int_slider", "float_slider", "dropdown", "capacity_for", "explorer", "png", "show", "shown",
           "spread_tick_labels"]

STYLE = {"description_width": "initial"}


def int_slider(value, lo, hi, description, *, name):
    """An ``IntSlider`` from ``lo`` to ``hi`` set to ``value`` (the explorer's argument ``name``).
    A value that is not an int between ``lo`` and ``hi`` raises (TypeError or ValueError)."""
    value = args.count(value, name, minimum=lo, maximum=hi)
    return W.IntSlider(value=value, min=lo, max=hi, description=_(description), style=STYLE,
                       continuous_update=False)


def float_slider(value, lo, hi, step, description, *, name):
    """A ``FloatSlider`` from ``lo`` to ``hi`` in steps of ``step``, set to ``value`` (checked as
    :func:`int_slider` does: a number between ``lo`` and ``hi``)."""
    value = args.number(value, name, minimum=lo, maximum=hi)
    return W.FloatSlider(value=value, min=lo, max=hi, step=step, description=_(description), style=STYLE,
                         continuous_update=False, readout_format=".3g")


def dropdown(options, value, description, *, name):
    """A ``Dropdown`` of ``options`` set to ``value``, which must be one of them."""
    value = args.choice(value, name, options)
    return W.Dropdown(options=options, value=value, description=_(description), style=STYLE)


def capacity_for(policy, capacity):
    """The capacity an explorer passes for its capacity slider's value, the same in every explorer
    and read by the rule of :mod:`chanlab.policies`: ``None`` for a policy whose buffer is fixed
    (``unbounded`` never fills, ``keep_latest`` is a one-slot mailbox), at least 1 for
    ``drop_oldest`` (it drops from a buffer), else the slider's value (0: unbuffered). Figures show
    the capacity actually used."""
    overflow = policies.get(policy)
    if overflow.fixed is not None:  # a buffer that is not the user's to set
        return None
    return max(capacity, 1) if isinstance(overflow, policies.DropOldest) else capacity


LIVE = ("backend", "font.family", "font.sans-serif")  # the settings an explorer does not keep


def explorer(run, **controls):
    """``ipywidgets.interactive(run, **controls)`` (drawn once now, redrawn when a control moves), with
    every call of ``run`` made under the matplotlib settings (``rcParams``) in effect now, when the
    explorer is built: its figures keep the dpi, sizes and style of the first one. Except
    :data:`LIVE`, taken as they are at each drawing: the backend, and the fonts that
    ``chanlab.set_language`` chooses (so that a figure redrawn in Chinese has its glyphs)."""
    settings = {key: value for key, value in mpl.rcParams.copy().items() if key not in LIVE}

    @functools.wraps(run)  # (interactive reads run's parameters through the wrapper)
    def drawn(**kwargs):
        with plt.rc_context(settings):
            return run(**kwargs)

    return W.interactive(drawn, **controls)


def png(fig):
    """The PNG of the whole of ``fig``: ``figsize × dpi`` pixels, drawn once, not cropped, with the size
    of its smallest text in its metadata (:data:`chanlab.plots.base.FONT_KEY`, read by the slides' test)."""
    buf = io.BytesIO()
    if isinstance(fig.canvas, FigureCanvasAgg):  # the inline backend's, Agg's, ipympl's
        fig.canvas.draw()  # one drawing (savefig draws twice once a layout has been made) ...
        smallest = smallest_text_pt(fig, drawn=True)  # ... read as drawn ...
        metadata = {FONT_KEY: f"{smallest:g}"} if smallest is not None else {}
        mpl.image.imsave(buf, np.asarray(fig.canvas.buffer_rgba()), format="png", dpi=fig.dpi,
                         metadata=metadata)  # ... and written as it is
    else:
        fig.savefig(buf, format="png", dpi=fig.dpi, bbox_inches=Bbox.from_bounds(0, 0, *fig.get_size_inches()),
                    metadata={FONT_KEY: f"{smallest_text_pt(fig):g}"})
    return buf.getvalue()


def show(fig):
    """Display a finished figure inside the widget's output as its :func:`png` (in IPython; elsewhere
    only render it), and close it, so it is shown once. Returns the PNG's bytes."""
    data = png(fig)
    width, height = fig.canvas.get_width_height()
    text = f"<Figure size {width}x{height} with {len(fig.axes)} Axes>"  # (as the inline backend says it)
    plt.close(fig)
    if get_ipython() is not None:
        display({"image/png": data, "text/plain": text}, raw=True)
    return data


def shown(fig, result):
    """Lay out ``fig``, :func:`show` it, and return ``result`` (the run an explorer's ``run`` keeps)."""
    fig.tight_layout()
    show(fig)
    return result


def spread_tick_labels(ax, most_rows=3):
    """Keep the x tick labels of ``ax`` (a bar per category, laid out) from overlapping: if two
    neighbours overlap, every second label moves down a row (every third, with three rows), using as
    few rows as keep the labels of each row apart, at most ``most_rows``. Returns the rows used; lay
    the figure out afterwards (the labels take more height). Measured where the labels are now:
    before ``tight_layout``, the axes are about as wide as after it."""
    most_rows = args.count(most_rows, "most_rows", minimum=1)
    renderer = ax.figure.canvas.get_renderer()
    ax.xaxis.get_tightbbox(renderer)  # (puts the tick labels where the current layout draws them)
    ticks = [t for t in ax.xaxis.get_major_ticks() if t.label1.get_visible() and t.label1.get_text()]
    boxes = [t.label1.get_window_extent(renderer) for t in ticks]
    rows = next((k for k in range(1, most_rows + 1)
                 if not any(boxes[i].overlaps(boxes[i + k]) for i in range(len(boxes) - k))), most_rows)
    if rows > 1:
        row_height = max(b.height for b in boxes) * 72 / ax.figure.dpi + 2  # points: a label and a gap
        for i, tick in enumerate(ticks):
            tick.set_pad(tick.get_pad() + (i % rows) * row_height)
    return rows
