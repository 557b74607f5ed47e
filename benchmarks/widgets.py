"""How long an explorer takes to redraw after its first slider moves (virtual-time experiment + figure).

    python benchmarks/widgets.py

Measures every explorer :mod:`chanlab.widgets` exports (each name in its ``__all__`` ending in
``_explorer``), so a new explorer is measured without editing this file; ``tests/test_widgets.py``
fails if one is added that this benchmark cannot drive. Uses matplotlib's Agg backend, as a headless
kernel would. A redraw includes rendering the figure to the PNG the page shows (``widgets.base``
draws it once per change), so these figures are what the kernel spends per slider move; in JupyterLab
the page's own update comes on top (``tests/test_browser.py`` times that, key press to new figure).
Prints the median and the worst of 5 changes per explorer.
"""
import statistics
import time

import matplotlib

matplotlib.use("Agg")

import ipywidgets as W  # noqa: E402

from chanlab import widgets  # noqa: E402


def explorers():
    """Every explorer of :mod:`chanlab.widgets`: name -> the function that builds it."""
    return {name: getattr(widgets, name) for name in widgets.__all__ if name.endswith("_explorer")}


def nudge(control, i):
    """Move ``control`` one step, up on even ``i`` and back down on odd ``i`` (within its range); a
    dropdown goes to its next option and back. Raises ``TypeError`` for a control it cannot move."""
    if isinstance(control, (W.IntSlider, W.FloatSlider)):
        up = control.value + control.step <= control.max
        control.value = control.value + (control.step if (i % 2 == 0) == up else -control.step)
    elif isinstance(control, W.Dropdown):
        options = list(control.options)
        k = options.index(control.value)
        control.value = options[(k + 1) % len(options) if i % 2 == 0 else (k - 1) % len(options)]
    else:
        raise TypeError(f"cannot move a {type(control).__name__}: an explorer's first control should be a "
                        f"slider or a dropdown")


def redraw_times(make, repeats=5):
    """Build the explorer, then move its first control ``repeats`` times; the seconds each redraw
    took. Raises ``RuntimeError`` if a move did not redraw (``w.result`` unchanged)."""
    w = make()
    control = w.children[0]
    times = []
    for i in range(repeats):
        before = w.result
        t0 = time.perf_counter()
        nudge(control, i)
        times.append(time.perf_counter() - t0)
        if w.result is before:
            raise RuntimeError(f"{make.__name__}: moving {control.description!r} did not redraw")
    return times


def main():
    for name, make in explorers().items():
        times = redraw_times(make)
        print(f"{name:20} median {statistics.median(times) * 1000:6.0f} ms, "
              f"worst {max(times) * 1000:6.0f} ms per redraw")


if __name__ == "__main__":
    main()
