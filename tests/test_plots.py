"""The figure convention of chanlab.plots: every ``draw_<thing>(run, ax=None, ...)`` draws what an
experiment returned, accepts ``ax=``, returns the axes it drew on, and gives every panel a title,
labelled axes and a legend. One module per topic, no private imports across modules."""
import ast
import importlib
import pkgutil
from pathlib import Path
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from chanlab import delivery, diagrams, plots, widgets  # noqa: E402
from chanlab.experiments import PARTITIONS, POLICIES, publish, worker_pool  # noqa: E402
from chanlab.experiments.events import fan_out  # noqa: E402
from chanlab.experiments import eventsourcing, notification, ordering, outbox, sagas, search  # noqa: E402
from chanlab.experiments.handoff import CASES as HANDOFFS, SwitchCost  # noqa: E402
from chanlab.experiments.messaging import run_queue  # noqa: E402
from chanlab.widgets.base import capacity_for  # noqa: E402


async def _sequential_search(query, b):
    return [await b.web[0](query), await b.image[0](query), await b.video[0](query)]


def _queue():
    return run_queue(workers=3, messages=12, work=1.0, poison=[9], crash_on=[5], max_deliveries=3)


# draw function -> (its arguments, the shape of the panels it draws: None for one axes)
CASES = {
    "draw_scaling": (lambda: ({"a": [(1, 2.0), (2, 1.0)]},), None),
    "draw_outcomes": (lambda: ([("a", 3, 1), ("b", 2, 2)],), None),
    "draw_histogram": (lambda: ({"a": [0.1, 0.2, 0.3], "b": [0.2]},), None),
    "draw_diagram": (lambda: (diagrams.message_driven(),), None),
    "draw_delivery_matrix": (lambda: (delivery.point_to_point(),), None),
    "draw_timeline": (lambda: (worker_pool(2, 4, 1.0, trace=True),), None),
    "draw_jobs": (lambda: (worker_pool(3, 7, 1.0, "uniform", seed=2),), None),
    "draw_pool_scaling": (lambda: ({p: [worker_pool(w, 8, 1.0, partition=p) for w in (1, 2, 4)]
                                    for p in PARTITIONS},), None),
    "draw_publisher": (lambda: (publish(10, 0.01, 0.025, trace=True),), None),
    "draw_policies": (lambda: ({p: publish(20, 0.01, 0.025, capacity_for(p, 2), p) for p in POLICIES},), (1, 2)),
    "draw_fan_out": (lambda: (fan_out(),), (1, 2)),
    "draw_deliveries": (lambda: (_queue(),), None),
    "draw_throughput": (lambda: ({"a": _queue()},), None),
    "draw_latency": (lambda: ({"a": _queue()},), None),
    "draw_contents": (lambda: ({"a": _queue()},), None),
    "draw_publish_times": (lambda: ({"a": _queue()},), None),
    "draw_counts": (lambda: (_queue(),), None),
    "draw_sweep": (lambda: ({"a": {1: _queue(), 2: _queue()}}, lambda r: r.throughput), None),
    "draw_dashboard": (lambda: (_queue(),), (2, 2)),
    "draw_saga_latency": (lambda: (sagas.compare(orders=10),), None),
    "draw_saga_scenarios": (lambda: ([("quiet", sagas.compare(orders=10))],), None),
    "draw_notification": (lambda: ({s: notification.run_notification(s, events=10) for s in notification.STYLES},),
                          None),
    "draw_ordering": (lambda: ([ordering.run_ordering(lay, w, 40) for lay in ordering.LAYOUTS for w in (1, 2)],),
                      (1, 2)),
    "draw_outbox": (lambda: (outbox.sweep(seeds=range(2), orders=5),), None),
    "draw_projection_lag": (lambda: ([eventsourcing.projection_lag(duration=2)],), None),
    # 11's runs need a NATS server; the figures need only their fields
    "draw_relay_dedup": (lambda: (SimpleNamespace(orders=5, relay_crashes=2, published=7, stored_with_id=5,
                                                  duplicates_dropped=2, stored_without_id=7),), None),
    "draw_choreography_outcomes": (lambda: ({"jetstream": SimpleNamespace(
        in_process=("shipped", "cancelled"), outcomes=("shipped", "stuck"))},), None),
    "draw_search_latencies": (lambda: ([search.search_latencies(_sequential_search, "1.0", queries=20)],), None),
    "draw_switch_cost": (lambda: ({p: SwitchCost(p, cpus, 2, 1, dict(zip(HANDOFFS, (20e3, 22e3, 45e3))))
                                   for p, cpus in (("unpinned", (None, None)), ("one core", (0, 0)))},), None),
}
KWARGS = {"draw_sweep": dict(xlabel="workers", ylabel="acked per virtual s", title="a sweep")}  # caller-named
DRAWS = [name for name in plots.__all__ if name.startswith("draw_")]


def test_every_draw_function_has_a_case():
    assert sorted(CASES) == sorted(DRAWS), "add a case for the new draw_* function"


def _panels(result):
    return list(np.ravel(np.asarray(result, dtype=object))) if not isinstance(result, plt.Axes) else [result]


@pytest.mark.parametrize("name", DRAWS)
def test_a_figure_returns_its_axes_accepts_ax_and_has_title_labels_legend(name):
    draw = getattr(plots, name)
    make_args, shape = CASES[name]
    args = make_args()
    drawn = draw(*args, **KWARGS.get(name, {}))  # ax=None: a new figure
    for ax in _panels(drawn):
        assert isinstance(ax, plt.Axes), f"{name} must return its axes, got {type(ax).__name__}"
        assert ax.get_title(), f"{name}: a panel has no title"
        if ax.axison:  # a diagram has no quantities: its axes are hidden and its legend explains it
            assert ax.get_xlabel() and ax.get_ylabel(), f"{name}: a panel's axes are not labelled"
        assert ax.get_legend() is not None, f"{name}: a panel has no legend"
    fig, given = plt.subplots(*(shape or (1, 1)))
    returned = draw(*args, ax=given, **KWARGS.get(name, {}))
    assert [id(a) for a in _panels(returned)] == [id(a) for a in _panels(given)], f"{name} ignored ax="
    assert len(fig.axes) == len(_panels(given))  # it drew there, not on a figure of its own
    plt.close("all")


@pytest.mark.parametrize("name", DRAWS)
def test_a_figure_drawn_in_chinese_has_a_glyph_for_every_character(name):
    """Drawn after set_language("zh_CN") (the Chinese edition), a figure's words are Chinese, in the
    pip-installed CJK font: a character the font cannot draw is matplotlib's "Glyph ... missing" warning,
    an error here. (A diagram's notes were italic, and the CJK font has no italic: they came out as boxes.)"""
    make_args, _shape = CASES[name]
    args = make_args()
    with matplotlib.rc_context():  # the CJK font goes with the language: later tests draw in English
        _draw_in_chinese(name, args)


def _draw_in_chinese(name, args):
    from chanlab import i18n
    i18n.set_language("zh_CN")
    try:
        drawn = getattr(plots, name)(*args, **KWARGS.get(name, {}))
        fig = _panels(drawn)[0].figure
        fig.canvas.draw()
        if name == "draw_diagram":  # its words are data (chanlab.diagrams), translated where drawn
            texts = [t.get_text() for t in fig.findobj(matplotlib.text.Text) if t.get_text()]
            assert "消息驱动：一个队列，多个竞争消费者" in texts and "生产者 1" in texts, texts
    finally:
        i18n.set_language("en")
        plt.close("all")


def test_a_timeline_needs_a_trace():
    with pytest.raises(ValueError, match="trace=True"):
        plots.draw_timeline(worker_pool(2, 4, 1.0))


def test_timeline_pairs_every_send_with_its_receive():
    run = worker_pool(2, 4, 1.0, trace=True)
    jobs = [p for p in plots.message_paths(run.trace.events) if p[0] == "jobs"]
    assert [p[1] for p in jobs] == [(j, 1.0) for j in range(4)]
    assert all(p[2] == "feeder" and p[4].startswith("worker") for p in jobs)


def test_the_publisher_figure_names_the_capacity_used():
    ax = plots.draw_publisher(publish(10, 0.01, 0.025, None, "unbounded", trace=True))
    assert ax.get_title().startswith("unbounded, capacity unbounded: 10 delivered, 0 dropped")
    assert ax.get_xlabel() == "virtual time (s)"
    plt.close("all")


def _modules(package):
    for info in pkgutil.iter_modules(package.__path__):
        yield importlib.import_module(f"{package.__name__}.{info.name}")


@pytest.mark.parametrize("package", [plots, widgets], ids=["plots", "widgets"])
def test_one_module_per_topic_with_an_explicit_all_and_no_private_imports(package):
    exported = set(package.__all__)
    assert len(list(_modules(package))) >= 5 and all(hasattr(package, name) for name in exported)
    for module in _modules(package):
        assert module.__doc__ and hasattr(module, "__all__"), module.__name__
        if module.__name__.rsplit(".", 1)[1] != "base":  # base's helpers are for the modules, not the reader
            assert set(module.__all__) <= exported, f"{module.__name__}: export it from {package.__name__}"
        tree = ast.parse(Path(module.__file__).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("chanlab")):
                # ``_`` is gettext's public name for "translate" (chanlab.i18n), not a private one
                private = [a.name for a in node.names if a.name.startswith("_") and a.name != "_"]
                assert not private, f"{module.__name__} imports private {private} from {node.module}"
