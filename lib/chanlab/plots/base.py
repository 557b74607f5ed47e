"""What every figure of :mod:`chanlab.plots` shares: where it draws, and the unit of its time axis.

The convention (one for every chapter): a figure is a function ``draw_<thing>(run, ax=None, ...)``
that takes what an experiment returned and returns the ``Axes`` it drew on, with a title, labelled
axes (units in brackets) and a legend. ``ax=None`` makes a new figure of the function's usual size;
a figure of several panels takes and returns a sequence of axes (see :func:`new_panels`). A
notebook's static figure and its explorer call the same function.

Figures are also shown on slides (tools/build_slides.py), in a room: at most 1200x600 px on a 1280x720
slide, where their text should be at least 18 px (``font_pt * dpi / 72 * shown / natural``). Two rules
keep it there, for every figure of the series:

* no text smaller than :data:`SMALLEST_PT` (11 pt): :data:`STYLE` (applied when this module is imported)
  sets 12 pt text and 11 pt ticks and legends; a label inside a bar is :data:`SMALLEST_PT` and is left
  out where it would not fit (:func:`label_bars`);
* no figure larger than :data:`LARGEST_INCHES` (10 x 5 in, at 100 dpi) *with* what sticks out of its
  axes (a legend beside them): :func:`new_axes` and :func:`new_panels` cap the size they are asked for,
  and a figure whose legend sits beside its axes asks for less width.

11 pt at 100 dpi is 15.3 px; a 10 in figure is shown 1200 px wide (x 1.2): 18.3 px. The slides' test
(tests/test_slides.py) measures each figure. For that, a figure shown in a notebook is written as a
PNG that says the size of its smallest text (:func:`smallest_text_pt`, in the PNG text chunk
:data:`FONT_KEY`): :func:`install_png_formatter`, called at import in an IPython kernel (the explorers'
PNGs carry it too: :func:`chanlab.widgets.base.png`).
"""
import matplotlib as mpl
import matplotlib.pyplot as plt

from ..i18n import _

__all__ = ["GREEN", "RED", "BLUE", "STYLE", "SMALLEST_PT", "LARGEST_INCHES", "FONT_KEY", "new_axes", "new_panels",
           "fit_size", "label_bars", "two_lines", "time_unit", "smallest_text_pt", "png_with_font_size", "install_png_formatter"]

GREEN, RED, BLUE = "#55a868", "#c44e52", "#4c72b0"  # delivered / running, dropped / blocked, messages


SMALLEST_PT = 11               # no text of a figure is smaller (points)
LARGEST_INCHES = (10.0, 5.0)   # no figure is larger (width, height in inches), legends included


def fit_size(size):
    """``size`` (width, height in inches) capped at :data:`LARGEST_INCHES`, each side on its own."""
    return min(size[0], LARGEST_INCHES[0]), min(size[1], LARGEST_INCHES[1])


def new_axes(ax, size=(6.4, 3.6)):
    """``ax`` itself, or the axes of a new figure of ``size`` (inches, :func:`fit_size`) when ``ax`` is None."""
    if ax is None:
        _, ax = plt.subplots(figsize=fit_size(size))
    return ax


def new_panels(ax, shape, size, **kwargs):
    """``ax`` (a sequence of axes) itself, or the axes of a new figure of ``shape`` = (rows, columns)
    panels of ``size`` in all (:func:`fit_size`); ``kwargs`` go to :func:`matplotlib.pyplot.subplots`
    (``gridspec_kw=...``)."""
    if ax is None:
        _, ax = plt.subplots(*shape, figsize=fit_size(size), **kwargs)
    return ax


def label_bars(ax, labels, color="white", **kwargs):
    """Write each ``(x0, x1, y, text)`` of ``labels`` centred on its bar (from ``x0`` to ``x1`` in data
    units, at height ``y``), in :data:`SMALLEST_PT` text, where it fits inside the bar at the axes'
    limits and size as they are now; a label that would spill over its bar is left out (call this once
    the x limits are set). Returns how many were written.

    The width of a label is estimated from its length (0.62 em a character, DejaVu Sans' digits are
    0.64), against 80% of its bar: the axes shrink a little when the figure is laid out."""
    size = kwargs.pop("fontsize", SMALLEST_PT)
    lo, hi = ax.get_xlim()
    inches_per_unit = ax.get_position().width * ax.figure.get_figwidth() / (abs(hi - lo) or 1.0)
    written = 0
    for x0, x1, y, text in labels:
        if len(text) * 0.62 * size / 72 <= 0.8 * abs(x1 - x0) * inches_per_unit:
            ax.text((x0 + x1) / 2, y, text, ha="center", va="center", fontsize=size, color=color, **kwargs)
            written += 1
    return written


def two_lines(title, longer_than=40):
    """``title`` on two lines if it is longer than ``longer_than`` characters (a panel's title wider than
    the panel), broken after its first colon, else its first semicolon, else its first comma (each in
    its English or Chinese form); unchanged if short, or if it has none of them."""
    if len(title) <= longer_than:
        return title
    for marks in ((": ", "："), ("; ", "；"), (", ", "，")):
        at = [(title.index(m), m) for m in marks if m in title]
        if at:
            i, mark = min(at)
            return title[:i] + mark.rstrip() + "\n" + title[i + len(mark):]
    return title


def time_unit(run):
    """The unit of a run's times, in the reader's language: virtual seconds for a virtual-clock run,
    seconds otherwise."""
    return _("virtual s") if run.mode == "virtual" else _("s")


# rcParams for figures that are projected as well as read on a screen (see the module docstring).
STYLE = {"font.size": 12, "axes.titlesize": 13, "axes.labelsize": 12, "xtick.labelsize": 11,
         "ytick.labelsize": 11, "legend.fontsize": 11, "legend.title_fontsize": 11, "figure.titlesize": 13}
FONT_KEY = "chanlab:min-font-pt"   # PNG text chunk: the smallest font size of the figure's text, in pt


def smallest_text_pt(fig, drawn=False):
    """The smallest font size (pt) of the visible, non-empty text that ``fig`` draws; None if none.
    ``drawn``: the figure has just been drawn as it is (else it is laid out first, without rendering)."""
    from matplotlib.text import Text

    if not drawn:
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


def _load_inline_backend():
    """Import the inline backend now if it is the one in use: its first import sets the shell's figure
    formats (``select_figure_formats``) and would replace a formatter installed before it (a notebook
    that imports ``chanlab.plots`` before its first figure would lose the font size in its PNGs)."""
    backend = mpl.get_backend(auto_select=False) if mpl.__version_info__ >= (3, 10) else mpl.rcParams._get("backend")
    if backend in ("inline", "module://matplotlib_inline.backend_inline"):
        try:
            import matplotlib_inline.backend_inline  # noqa: F401  (sets the formats, once)
        except ImportError:
            pass


def install_png_formatter(shell=None) -> bool:
    """In an IPython kernel that shows figures as PNG (``%matplotlib inline``), show them with
    :func:`png_with_font_size` (same pixels, one more text chunk); True if installed."""
    try:
        from IPython import get_ipython
        from matplotlib.figure import Figure
    except ImportError:
        return False
    shell = shell or get_ipython()
    _load_inline_backend()
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
