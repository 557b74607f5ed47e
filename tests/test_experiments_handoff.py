"""The hand-off experiment: what it returns and how it checks its arguments (never its timings)."""
import math
import threading

import pytest

from chanlab.experiments import handoff as H


def _shape(run, n, repeat):
    assert isinstance(run, H.SwitchCost)
    assert set(run.ns) == set(H.CASES) and run.n == n and run.repeat == repeat
    assert all(v > 0 and math.isfinite(v) for v in run.ns.values())
    assert len(run.cpus) == 2
    assert run.switches_per_message("thread switch") == pytest.approx(1.0)
    assert run.switches_per_message("Chan(0)") > 0


def test_switch_cost_unpinned_returns_one_median_per_case():
    run = H.switch_cost(pinned=False, n=40, repeat=2)
    _shape(run, 40, 2)
    assert run.placement == "unpinned" and run.cpus == (None, None)


def test_switch_cost_pinned_puts_both_threads_on_one_core_where_the_os_can():
    run = H.switch_cost(pinned=True, n=40, repeat=1)
    _shape(run, 40, 1)
    cpus = H.can_pin()
    if cpus:
        assert run.placement == "one core" and run.cpus == (cpus[0], cpus[0])
    else:
        assert run.placement == "unpinned"


def test_pinning_runs_both_placements_and_leaves_no_thread_or_affinity_behind():
    before = H.can_pin()
    runs = H.pinning(n=20, repeat=1)
    assert list(runs) == (list(H.PLACEMENTS) if before else ["unpinned"])
    assert H.can_pin() == before  # only the measuring threads were pinned
    assert not [t for t in threading.enumerate() if t.name.startswith("handoff-")]


@pytest.mark.parametrize("kwargs, error, msg", [
    ({"pinned": 1}, TypeError, "pinned must be True"), ({"n": 1}, ValueError, "n must be an int between 2"),
    ({"n": 2.5}, TypeError, "n must be"), ({"repeat": 0}, ValueError, "repeat must be an int between 1"),
    ({"n": 10**9}, ValueError, "n must be"),
])
def test_switch_cost_bad_input(kwargs, error, msg):
    with pytest.raises(error, match=msg):
        H.switch_cost(**kwargs)


def test_switches_per_message_names_the_cases():
    run = H.SwitchCost("unpinned", (None, None), 2, 1, {"thread switch": 10.0, "Chan(0)": 12.0,
                                                        "queue.Queue(1)": 25.0})
    assert run.switches_per_message("queue.Queue(1)") == 2.5
    with pytest.raises(ValueError, match="case must be one of"):
        run.switches_per_message("Queue(1)")


def test_draw_switch_cost_labels_every_placement_and_case():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from chanlab import plots
    ns = {"thread switch": 20e3, "Chan(0)": 22e3, "queue.Queue(1)": 45e3}
    runs = {"unpinned": H.SwitchCost("unpinned", (None, None), 2, 1, ns),
            "one core": H.SwitchCost("one core", (0, 0), 2, 1, {k: v / 4 for k, v in ns.items()})}
    ax = plots.draw_switch_cost(runs)
    try:
        assert [t.get_text() for t in ax.get_xticklabels()] == list(H.CASES)
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["unpinned", "one core (cpu 0)"]
        assert ax.get_title() and "µs" in ax.get_ylabel()
        assert sorted(round(p.get_height(), 2) for p in ax.patches) == sorted(
            [20.0, 22.0, 45.0, 5.0, 5.5, 11.25])
    finally:
        plt.close(ax.figure)
