"""The explorers of chanlab.widgets: each draws once with its defaults and redraws when a control
moves; an argument outside its slider is an error, not silently clamped; the explorers agree on
what "no capacity" means; the widget benchmark finds and drives every explorer by itself."""
import base64
import importlib
import importlib.util
import inspect
import math
import pkgutil
import struct
from pathlib import Path

import matplotlib
import matplotlib.figure

matplotlib.use("Agg")
import ipywidgets as W  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from jupyter_client.manager import start_new_kernel  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402

from chanlab import policies, widgets  # noqa: E402
from chanlab.widgets import base  # noqa: E402
from chanlab.widgets.base import capacity_for  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("bench_widgets", ROOT / "benchmarks" / "widgets.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)
EXPLORERS = bench.explorers()


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_the_benchmark_finds_every_explorer_defined_in_the_package():
    defined = {name for info in pkgutil.iter_modules(widgets.__path__)
               for name, obj in vars(importlib.import_module(f"chanlab.widgets.{info.name}")).items()
               if name.endswith("_explorer") and inspect.isfunction(obj)}
    assert defined == set(EXPLORERS), "export every explorer from chanlab.widgets.__all__"
    assert len(EXPLORERS) >= 6


@pytest.mark.parametrize("name", sorted(EXPLORERS))
def test_the_benchmark_can_drive_every_explorer(name):
    """Draws once with the defaults (a static copy shows a figure); moving the first control (as the
    benchmark and the browser test do) redraws from a new run."""
    w = EXPLORERS[name]()
    assert isinstance(w, W.interactive) and w.result is not None
    assert len(bench.redraw_times(EXPLORERS[name], repeats=2)) == 2  # raises if a move did not redraw


def _parameters(name):
    """(parameter, its control) for every control of the explorer built with its defaults."""
    w = EXPLORERS[name]()
    params = list(inspect.signature(EXPLORERS[name]).parameters)
    assert len(params) == len(w.kwargs_widgets), f"{name}: one control per parameter"
    return list(zip(params, w.kwargs_widgets))


@pytest.mark.parametrize("name", sorted(EXPLORERS))
def test_an_explorer_given_a_value_outside_its_controls_says_so(name):
    make = EXPLORERS[name]
    for param, control in _parameters(name):
        if isinstance(control, W.Dropdown):
            bad = {ValueError: ["no-such-option"], TypeError: [3]}
        elif isinstance(control, W.IntSlider):
            bad = {ValueError: [control.max + 1, control.min - 1, 10 ** 9], TypeError: [True, "3", 2.5]}
        else:
            bad = {ValueError: [control.max * 10 + 1, control.min - 1, math.nan], TypeError: [True, "0.1"]}
        for error, values in bad.items():
            for value in values:
                with pytest.raises(error, match=f"^{param} must be "):  # names it and says what is allowed
                    make(**{param: value})


def test_publisher_explorer_no_longer_clamps_messages():
    with pytest.raises(ValueError, match="messages must be an int between 1 and 100, got 1000"):
        widgets.publisher_explorer(messages=1000)


def test_pool_widget_result_follows_the_sliders():
    w = widgets.pool_explorer(workers=4, jobs=24)
    w.children[0].value = 6  # workers
    assert w.result.workers == 6
    w.children[1].value = 30  # jobs
    assert len(w.result.records) == 30


def test_publisher_widget_handles_extreme_settings():
    w = widgets.publisher_explorer()
    w.children[4].value = "drop_oldest"  # with capacity 0: uses the smallest buffer, and says so
    assert w.result.capacity == 1
    w.children[4].value = "unbounded"
    assert w.result.capacity is None and w.result.dropped == 0
    w.children[2].value = 0.0  # an instant consumer
    assert w.result.dropped == 0


@pytest.mark.parametrize("policy", policies.NAMES)
def test_the_explorers_agree_on_what_no_capacity_means(policy):
    """The publisher and the event explorer offer the same policies (every one chanlab.policies
    knows) and pass the capacity slider through the same rule: none for a policy whose buffer is
    fixed, at least 1 for drop_oldest, else the slider."""
    fixed = policies.get(policy).fixed is not None
    assert capacity_for(policy, 0) == (None if fixed else {"drop_oldest": 1}.get(policy, 0))
    assert capacity_for(policy, 5) == (None if fixed else 5)
    pub = widgets.publisher_explorer(capacity=0, policy=policy, messages=10)
    ev = widgets.events_explorer(capacity=0, policy=policy, events=10)
    assert pub.children[4].options == ev.children[5].options == policies.NAMES
    # each run records the buffer it really had: keep_latest's one slot, None for unbounded
    assert pub.result.capacity == {"unbounded": None, "keep_latest": 1, "drop_oldest": 1}.get(policy, 0)
    assert ev.result.capacity == pub.result.capacity
    assert ev.result.policy == pub.result.policy == policies.label(policy)


# --- what the figures look like -----------------------------------------------------------------------

@pytest.fixture
def closed_figures(monkeypatch):
    """Every figure an explorer closes after showing it, in order (each figure is shown, then closed)."""
    figures = []
    close = plt.close

    def record(fig=None):
        if isinstance(fig, matplotlib.figure.Figure):
            figures.append(fig)
        close(fig)

    monkeypatch.setattr(plt, "close", record)
    return figures


def _overlapping_tick_labels(fig):
    """(axes title, axis, label, label) for every two tick labels of an axis whose boxes overlap, as drawn."""
    canvas = FigureCanvasAgg(fig)  # (a closed figure is left with a canvas that cannot draw)
    fig.draw_without_rendering()
    renderer = canvas.get_renderer()
    found = []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            labels = [t for t in axis.get_ticklabels() if t.get_visible() and t.get_text()]
            boxes = [t.get_window_extent(renderer) for t in labels]
            found += [(ax.get_title(), axis.axis_name, labels[i].get_text(), labels[j].get_text())
                      for i in range(len(boxes)) for j in range(i + 1, len(boxes)) if boxes[i].overlaps(boxes[j])]
    return found


@pytest.mark.parametrize("slowest", [0.03, 0.087, 0.1])  # the default; long labels ("10.875 ms", "12.5 ms")
def test_the_events_explorer_keeps_its_labels_apart_at_8_subscribers(closed_figures, slowest):
    w = widgets.events_explorer(subscribers=w_max("subscribers"), slowest=slowest)
    assert len(w.result.subscribers) == 8
    assert _overlapping_tick_labels(closed_figures[-1]) == []
    w.children[0].value = 7  # and one fewer, redrawn
    assert _overlapping_tick_labels(closed_figures[-1]) == []


def w_max(control):
    """The largest value of the events explorer's ``control`` slider."""
    return next(c.max for p, c in _parameters("events_explorer") if p == control)


# The one control whose value sizes its explorer's figure, by design: a row per worker.
SIZED_BY = {"pool_explorer": "workers"}


@pytest.mark.parametrize("name", sorted(EXPLORERS))
def test_an_explorer_built_under_other_settings_redraws_at_the_same_size(name, closed_figures):
    """As notebooks 04-06 build theirs, with a smaller dpi for the first figure: a redraw, made
    after that rc_context is gone, must not jump to another size (every figure is made under the
    settings of the explorer's construction), and what is displayed is the whole figure."""
    with plt.rc_context({"figure.dpi": 72}):
        w = EXPLORERS[name]()
    params = inspect.signature(EXPLORERS[name]).parameters
    param, control = next((p, c) for p, c in zip(params, w.kwargs_widgets) if p != SIZED_BY.get(name))
    first = closed_figures[-1]
    before = w.result
    bench.nudge(control, 0)
    assert w.result is not before, f"moving {param} did not redraw"
    sizes = {fig.canvas.get_width_height() for fig in (first, closed_figures[-1])}
    assert len(sizes) == 1, f"{name}: the first figure and the redraw after moving {param} differ: {sizes}"
    assert closed_figures[-1].dpi == 72
    for fig in (first, closed_figures[-1]):  # and the whole figure holds every title, label and legend
        drawn = fig.get_tightbbox(FigureCanvasAgg(fig).get_renderer())
        width, height = fig.get_size_inches()
        assert (drawn.x0 >= -0.01 and drawn.y0 >= -0.01 and drawn.x1 <= width + 0.01 and drawn.y1 <= height + 0.01), \
            f"{name}: the figure is {width:g} x {height:g} in, but draws in {drawn}"


def _png_size(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_the_png_shown_is_the_whole_figure():
    fig, ax = plt.subplots(figsize=(5, 2), dpi=80)
    ax.set_title("a title " * 20)  # wider than the figure: a 'tight' crop would grow
    fig.tight_layout()
    assert _png_size(base.png(fig)) == (400, 160)


def _run_in_kernel(kc, code, timeout=120):
    """Execute ``code`` in the kernel; the (width, height) of every PNG it displayed, in order.
    Raises AssertionError if the code raised."""
    msg_id = kc.execute(code)
    sizes, errors = [], []
    while True:
        msg = kc.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind in ("display_data", "execute_result") and "image/png" in content["data"]:
            sizes.append(_png_size(base64.b64decode(content["data"]["image/png"])))
        elif kind == "error":
            errors.append(f"{content['ename']}: {content['evalue']}")
        elif kind == "status" and content["execution_state"] == "idle":
            assert errors == [], errors
            return sizes


def test_in_a_kernel_the_policy_explorer_redraws_at_the_size_of_its_first_figure():
    """The bug, end to end: notebook 04 builds the policy explorer under a smaller dpi and the
    inline backend; its first figure was 952 x 296 px, every redraw 1190 x 370 (and a 'tight' crop
    moved by a pixel or two as the title changed)."""
    km, kc = start_new_kernel(kernel_name="python3", startup_timeout=60, cwd=str(ROOT / "notebooks"))
    try:
        first = _run_in_kernel(kc, "%matplotlib inline\n"
                                   "import matplotlib.pyplot as plt\n"
                                   "from chanlab import widgets\n"
                                   "with plt.rc_context({'figure.dpi': 80}):\n"
                                   "    w = widgets.policy_explorer()\n"
                                   "display(w)")
        redraws = [_run_in_kernel(kc, move) for move in ("w.children[0].value = 7",  # messages
                                                         "w.children[1].value = 0.1",  # interval
                                                         "w.children[3].value = 0")]  # capacity
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    assert len(first) == 1 and all(len(r) == 1 for r in redraws), (first, redraws)
    assert {size for r in [first, *redraws] for size in r} == {(800, 304)}  # 10 x 3.8 in at 80 dpi


def test_an_explorer_redraws_in_the_language_and_fonts_set_since_it_was_built(monkeypatch):
    """It keeps the settings of its construction, except the fonts: a learner who builds it in
    English and then switches to Chinese gets Chinese labels with the glyphs to draw them."""
    from chanlab import i18n
    seen = []
    with matplotlib.rc_context():
        w = widgets.policy_explorer(messages=10)
        english = list(matplotlib.rcParams["font.sans-serif"])
        try:
            i18n.set_language("zh_CN")
            chinese = list(matplotlib.rcParams["font.sans-serif"])
            monkeypatch.setattr(base, "png", lambda fig: seen.append(list(matplotlib.rcParams["font.sans-serif"])))
            w.children[0].value = 11
        finally:
            i18n.set_language("en")
    assert chinese != english and seen == [chinese]
