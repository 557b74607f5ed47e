"""Experiments return data, deterministically in virtual time; plots and widgets sit on top (their
conventions are tested in test_plots.py and test_widgets.py)."""
import math
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from chanlab import plots  # noqa: E402
from chanlab.experiments import DISTRIBUTIONS, POLICIES, job_sizes, publish, worker_pool  # noqa: E402
from chanlab.experiments.gocheck import go_publish  # noqa: E402


# --- job sizes ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("dist", DISTRIBUTIONS)
def test_job_sizes_are_seeded_and_have_the_mean(dist):
    a = job_sizes(20_000, 0.5, dist, seed=7)
    assert a == job_sizes(20_000, 0.5, dist, seed=7)
    assert a != job_sizes(20_000, 0.5, dist, seed=8) or dist == "constant"
    assert abs(sum(a) / len(a) - 0.5) < 0.05
    assert min(a) >= 0


@pytest.mark.parametrize("args, error, msg", [
    ((-1,), ValueError, "n must be an int >= 0, got -1"), ((5, -0.1), ValueError, "mean must be a number >= 0"),
    ((5, 1.0, "normal"), ValueError, "distribution must be one of 'constant'"),
    ((2.5,), TypeError, "n must be an int >= 0, not float"), ((True,), TypeError, "n must be an int >= 0, not the bool")])
def test_job_sizes_bad_input(args, error, msg):
    with pytest.raises(error, match=msg):
        job_sizes(*args)


# --- worker pool -----------------------------------------------------------------------------------
def test_a_simulated_minute_runs_in_well_under_a_second():
    t0 = time.perf_counter()
    run = worker_pool(workers=8, jobs=600, job_time=0.8)
    assert time.perf_counter() - t0 < 1.0
    assert math.isclose(run.wall, 60.0) and math.isclose(run.efficiency, 1.0)
    assert sorted(r.job for r in run.records) == list(range(600))  # every job exactly once


def test_virtual_runs_repeat_exactly():
    a = worker_pool(5, 40, 1.0, "lognormal", seed=3)
    b = worker_pool(5, 40, 1.0, "lognormal", seed=3)
    assert a.records == b.records and a.wall == b.wall


def test_shared_queue_balances_load_better_than_a_static_split():
    shared = worker_pool(4, 40, 1.0, "exponential", seed=3, partition="shared")
    static = worker_pool(4, 40, 1.0, "exponential", seed=3, partition="static")
    assert shared.work == static.work
    assert shared.wall < static.wall
    assert {r.job % 4 + 1 for r in static.records if r.worker == 1} == {1}  # job i -> worker i mod N


@pytest.mark.parametrize("mode", ["threads", "asyncio"])
def test_real_time_modes_agree_with_virtual_on_the_totals(mode):
    run = worker_pool(4, 12, 0.02, mode=mode)
    assert sorted(r.job for r in run.records) == list(range(12))
    assert run.wall >= run.ideal  # never faster than the ideal
    assert run.busy() == pytest.approx({w: 0.06 for w in range(1, 5)}, abs=1e-9)


def test_real_time_runs_are_bounded_and_report_progress():
    with pytest.raises(ValueError, match="mode='virtual'"):
        worker_pool(1, 100, 1.0, mode="threads")
    seen = []
    worker_pool(2, 4, 0.01, mode="threads", progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]


@pytest.mark.parametrize("kwargs, msg", [({"workers": 0}, "workers"), ({"workers": -3}, "workers"),
                                         ({"mode": "gpu"}, "mode"), ({"partition": "random"}, "partition"),
                                         ({"sizes": [1.0, -2.0]}, "job size")])
def test_worker_pool_bad_input(kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        worker_pool(**kwargs)


# --- publisher -----------------------------------------------------------------------------------------
def test_article_program_delivers_everything_when_the_consumer_keeps_up():
    run = publish(messages=20, interval=0.01, consumer_time=0.008)
    assert (run.delivered, run.dropped) == (20, 0)  # unbuffered, but the receiver is always waiting


def test_slow_consumer_drops_and_late_start_drops_message_0():
    slow = publish(messages=20, interval=0.01, consumer_time=0.025)
    assert (slow.delivered, slow.dropped) == (7, 13)
    assert [m.seq for m in slow.messages if m.outcome == "delivered"] == [0, 3, 6, 9, 12, 15, 18]
    late = publish(messages=20, interval=0.01, consumer_time=0.008, start_delay=0.005)
    assert [m.seq for m in late.messages if m.outcome == "dropped"] == [0]


def test_go_and_chanlab_agree_on_the_slow_consumer():
    """The cross-check of 04: the Go program (real time) and chanlab (virtual time), same parameters."""
    # (parameters with 5 ms between any two events that could race: real time never swaps them)
    for params in [dict(interval=0.01, consumer_time=0.025), dict(interval=0.01, consumer_time=0.005),
                   dict(interval=0.01, consumer_time=0.005, start_delay=0.005)]:
        seqs, dropped = go_publish(messages=20, **params)
        run = publish(messages=20, **params)
        if (seqs, dropped) != _outcome(run):
            # the one race left: a loaded machine may run the publisher's first offer before main is
            # waiting; then Go must be what chanlab gives for main starting 1 ms late (04 says so)
            late = {**params, "start_delay": max(params.get("start_delay", 0), 0.001)}
            assert (seqs, dropped) == _outcome(publish(messages=20, **late)), params


def _outcome(run):
    return [m.seq for m in run.messages if m.outcome == "delivered"], run.dropped


@pytest.mark.parametrize("policy", POLICIES)
def test_every_message_is_accounted_for(policy):
    cap = 4 if policy in ("block", "drop_newest", "drop_oldest") else None
    run = publish(50, 0.01, 0.025, cap, policy)
    assert run.delivered + run.dropped == 50
    assert [m.seq for m in run.messages] == list(range(50))
    delivered = [m.seq for m in run.messages if m.outcome == "delivered"]
    assert delivered == sorted(delivered)  # FIFO: never out of order
    if policy in ("block", "unbounded"):
        assert run.dropped == 0
    else:
        assert run.dropped > 0


def test_policies_differ_the_way_the_notebook_says():
    runs = {p: publish(100, 0.01, 0.025, 8 if p in ("block", "drop_newest", "drop_oldest") else None, p)
            for p in POLICIES}
    assert runs["unbounded"].peak_queue > 50 > runs["block"].peak_queue  # memory grows without a bound
    assert runs["unbounded"].peak_bytes == runs["unbounded"].peak_queue * runs["unbounded"].payload_bytes
    assert max(runs["block"].latencies) < max(runs["unbounded"].latencies)
    assert runs["block"].wall > runs["drop_newest"].wall  # backpressure slows the publisher down
    assert max(runs["keep_latest"].latencies) <= max(runs["drop_oldest"].latencies)  # freshest data
    dropped_newest = {m.seq for m in runs["drop_newest"].messages if m.outcome == "dropped"}
    dropped_oldest = {m.seq for m in runs["drop_oldest"].messages if m.outcome == "dropped"}
    assert dropped_newest != dropped_oldest


@pytest.mark.parametrize("mode", ["threads", "asyncio"])
def test_publisher_real_time_modes(mode):
    run = publish(10, 0.01, 0.0, mode=mode, policy="block")
    assert (run.delivered, run.dropped) == (10, 0)


@pytest.mark.parametrize("kwargs, msg", [({"policy": "drop_all"}, "policy"), ({"capacity": -1}, "capacity"),
                                         ({"policy": "drop_oldest", "capacity": 0}, "capacity >= 1"),
                                         ({"policy": "unbounded", "capacity": 5}, "unbounded"),
                                         ({"policy": "keep_latest", "capacity": 3}, "one-slot"),
                                         ({"interval": -1}, "interval"), ({"messages": -1}, "messages"),
                                         ({"mode": "threads", "messages": 10_000}, "mode='virtual'")])
def test_publisher_bad_input(kwargs, msg):
    with pytest.raises(TypeError if kwargs.get("messages") == 1.5 else ValueError, match=msg):
        publish(**kwargs)


@pytest.mark.parametrize("kwargs, msg", [({"messages": 1.5}, "messages must be an int"),
                                         ({"policy": 3}, "policy must be one of"),
                                         ({"capacity": "4"}, "capacity must be an int"),
                                         ({"interval": "fast"}, "interval must be a number")])
def test_publisher_wrong_types(kwargs, msg):  # chanlab.args: a wrong type is a TypeError
    with pytest.raises(TypeError, match=msg):
        publish(**kwargs)


# --- plots and widgets -----------------------------------------------------------------------------------
def test_timeline_pairs_every_send_with_its_receive():
    run = worker_pool(2, 4, 1.0, trace=True)
    paths = plots.message_paths(run.trace.events)
    jobs = [p for p in paths if p[0] == "jobs"]
    assert [p[1] for p in jobs] == [(j, 1.0) for j in range(4)]
    assert all(p[2] == "feeder" and p[4].startswith("worker") for p in jobs)
    ax = plots.draw_timeline(run.trace)
    assert ax.get_title() and ax.get_xlabel() == "time (s)" and ax.get_legend() is not None
    plt.close("all")


def test_publisher_trace_marks_each_drop():
    run = publish(10, 0.01, 0.025, trace=True)
    drops = [e.value for e in run.trace.events if e.kind == "drop"]
    assert drops == [m.seq for m in run.messages if m.outcome == "dropped"]


# --- CPU-bound pools: the shape of the data (the figures themselves are measurements, not tests) ----
def test_speedups_measure_every_kind_and_worker_count():
    from chanlab.experiments import cpu_pool, speedups

    seen = []
    out = speedups(max_workers=2, jobs=4, n=10_000, go_scale=10, progress=lambda d, t: seen.append(d))
    assert set(out) == {"threads", "processes", "go"}
    assert all([w for w, _ in pts] == [1, 2] and pts[0][1] == 1.0 and pts[1][1] > 0 for pts in out.values())
    assert seen == list(range(1, 7))
    assert cpu_pool("threads", 1, 2, 10).wall >= 0
    with pytest.raises(ValueError, match="kind"):
        cpu_pool("fibers")
    with pytest.raises(ValueError, match="workers"):
        cpu_pool("threads", 0)


def test_job_chart_draws_every_job():
    run = worker_pool(3, 7, 1.0, "uniform", seed=2)
    ax = plots.draw_jobs(run)
    assert len(ax.collections) == 7  # one bar per job
    assert ax.get_xlabel() == "time (virtual s)" and ax.get_legend() is not None
    plt.close("all")
