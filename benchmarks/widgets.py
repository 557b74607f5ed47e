"""How long a widget takes to redraw after a slider moves (virtual-time experiments + the figure).

    python benchmarks/widgets.py

Uses matplotlib's Agg backend, as a headless kernel would; in JupyterLab the browser's rendering
comes on top. Prints the median of 5 changes per widget.
"""
import statistics
import time

import matplotlib

matplotlib.use("Agg")

from chanlab import widgets  # noqa: E402


def redraw_times(make, repeats=5):
    w = make()
    slider = w.children[0]
    times = []
    for i in range(repeats):
        t0 = time.perf_counter()
        slider.value = slider.value + (1 if i % 2 == 0 else -1)
        times.append(time.perf_counter() - t0)
    return times


def main():
    for make in (widgets.pool_explorer, widgets.scaling_explorer, widgets.publisher_explorer,
                 widgets.policy_explorer):
        times = redraw_times(make)
        print(f"{make.__name__:20} median {statistics.median(times) * 1000:6.0f} ms, "
              f"worst {max(times) * 1000:6.0f} ms per redraw")


if __name__ == "__main__":
    main()
