"""What every figure of :mod:`chanlab.plots` shares: where it draws, and the unit of its time axis.

The convention (one for every chapter): a figure is a function ``draw_<thing>(run, ax=None, ...)``
that takes what an experiment returned and returns the ``Axes`` it drew on, with a title, labelled
axes (units in brackets) and a legend. ``ax=None`` makes a new figure of the function's usual size;
a figure of several panels takes and returns a sequence of axes (see :func:`new_panels`). A
notebook's static figure and its explorer call the same function.

Figures are also shown on slides (tools/build_slides.py), in a room: at most 1200x600 px on a 1280x720
slide, where their text should be at least 18 px (``font_pt * dpi / 72 * shown / natural``).
:data:`STYLE` is the text size every figure starts from (applied when this module is imported): 12 pt
text, 11 pt ticks and legends, so that a figure up to 9 in wide (at 100 dpi) keeps its default text at
18 px or more on a slide. A figure that asks for smaller text, or is wider, falls below; the slides'
test (tests/test_slides.py) measures each one. For that, a figure shown in a notebook is written as a
PNG that says the size of its smallest text (:func:`smallest_text_pt`, in the PNG text chunk
:data:`FONT_KEY`): :func:`install_png_formatter`, called at import in an IPython kernel.
"""
import matplotlib as mpl
import matplotlib.pyplot as plt

__all__ = ["GREEN", "RED", "BLUE", "STYLE", "FONT_KEY", "new_axes", "new_panels", "time_unit",
           "smallest_text_pt", "png_with_font_size", "install_png_formatter"]

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


# rcParams for figures that are projected as well as read on a screen (see the module docstring).
STYLE = {"font.size": 12, "axes.titlesize": 13, "axes.labelsize": 12, "xtick.labelsize": 11,
         "ytick.labelsize": 11, "legend.fontsize": 11, "legend.title_fontsize": 11, "figure.titlesize": 13}
FONT_KEY = "chanlab:min-font-pt"   # PNG text chunk: the smallest font size of the figure's text, in pt


def smallest_text_pt(fig):
    """The smallest font size (pt) of the visible, non-empty text that ``fig`` draws; None if none."""
    from matplotlib.text import Text

    fig.draw_without_rendering()   # tick labels exist only once the figure is laid out
    sizes = [t.get_fontsize() for t in fig.findobj(Text)
             if t.get_visible() and t.get_text().strip() and t.get_figure() is not None]
    return min(sizes) if sizes else None


def png_with_font_size(fig, **kwargs):
    """``fig`` as base64 PNG (IPython's inline printer), with :data:`FONT_KEY` in its metadata."""
    from IPython.core.pylabtools import print_figure

    kwargs.setdefault("bbox_inches", "tight")
    smallest = smallest_text_pt(fig)
    metadata = dict(kwargs.pop("metadata", None) or {})
    if smallest is not None:
        metadata[FONT_KEY] = f"{smallest:g}"
    return print_figure(fig, "png", base64=True, metadata=metadata, **kwargs)


def install_png_formatter(shell=None) -> bool:
    """In an IPython kernel that shows figures as PNG (``%matplotlib inline``), show them with
    :func:`png_with_font_size` (same pixels, one more text chunk); True if installed."""
    try:
        from IPython import get_ipython
        from matplotlib.figure import Figure
    except ImportError:
        return False
    shell = shell or get_ipython()
    formatters = getattr(getattr(shell, "display_formatter", None), "formatters", {})
    png = formatters.get("image/png")
    if png is None or Figure not in png.type_printers:   # no inline PNG figures in this shell
        return False
    try:
        from matplotlib_inline.config import InlineBackend
        extra = dict(InlineBackend.instance(parent=shell).print_figure_kwargs)
    except ImportError:
        extra = {}
    png.for_type(Figure, lambda fig: png_with_font_size(fig, **extra))
    return True


mpl.rcParams.update(STYLE)
install_png_formatter()
