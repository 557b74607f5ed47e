"""The explorers of chanlab.widgets: each draws once with its defaults and redraws when a control
moves; an argument outside its slider is an error, not silently clamped; the explorers agree on
what "no capacity" means; the widget benchmark finds and drives every explorer by itself."""
import importlib
import importlib.util
import inspect
import math
import pkgutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import ipywidgets as W  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from chanlab import policies, widgets  # noqa: E402
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
