"""chanlab.experiments.messaging: a work queue under load, in virtual time (exact) and real time."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from chanlab import plots, widgets  # noqa: E402
from chanlab.experiments.messaging import run_queue, sweep  # noqa: E402


def test_competing_consumers_share_the_work_evenly():
    r = run_queue(workers=3, messages=9, work=1.0)
    assert r.wall == 3.0 and r.throughput == 3.0
    per_worker = {}
    for d in r.deliveries:
        per_worker[d.worker] = per_worker.get(d.worker, 0) + 1
    assert sorted(per_worker.values()) == [3, 3, 3]
    assert r.counts() == {"published": 9, "processed": 9, "redelivered": 0, "crashed": 0, "acked": 9,
                          "dead-lettered": 0}
    assert r.latencies == [1.0] * 3 + [2.0] * 3 + [3.0] * 3


def test_the_crash_demo_counts_add_up():
    r = run_queue(workers=3, messages=12, work=1.0, poison=[9], crash_on=[5], max_deliveries=3)
    assert r.counts() == {"published": 12, "processed": 15, "redelivered": 3, "crashed": 1, "acked": 11,
                          "dead-lettered": 1}
    assert r.nothing_lost and r.workers_started == 4  # the crashed worker was replaced
    [dead] = r.dead_letters
    assert (dead.id, dead.attempts) == (9, 3)
    crashed = [d for d in r.deliveries if d.outcome == "crashed"]
    assert [(d.seq, d.start, d.end) for d in crashed] == [(5, 1.0, 2.0)]
    # message 5 comes back exactly one ack timeout (10 s) after it was delivered
    again = [d for d in r.deliveries if d.seq == 5 and d.attempt == 2]
    assert again[0].start == 11.0 and r.messages[5].done == 12.0
    assert r.messages[9].fate == "dead" and r.messages[9].done == 9.0  # 3 tries: waits of 1 s and 2 s


def test_crash_without_restart_leaves_fewer_workers():
    r = run_queue(workers=2, messages=6, work=1.0, crash_on=[0], restart=False, ack_timeout=5)
    assert r.workers_started == 2 and r.nothing_lost
    assert {d.worker for d in r.deliveries if d.start > 1} == {"worker-2"}


def test_backpressure_holds_the_producer_to_the_consumers_pace():
    free = run_queue(workers=1, messages=10, work=1.0, interval=0.1)
    held = run_queue(workers=1, messages=10, work=1.0, interval=0.1, capacity=2)
    assert free.stats.high_water == 10 and held.stats.high_water == 2  # waiting + in flight
    assert max(m.producer_wait for m in free.messages) == 0
    assert max(m.producer_wait for m in held.messages) > 6
    assert max(w + f for _, w, f in held.samples) <= 2
    # the same work is done in the same time: backpressure moves the waiting to the producer
    assert free.wall == held.wall == 10.0
    assert [m.latency for m in free.messages] == [m.latency for m in held.messages]


def test_failures_are_retried_and_runs_are_deterministic():
    kw = dict(workers=4, messages=80, work=1.0, distribution="exponential", interval=0.3,
              failure_rate=0.2, crash_rate=0.05, capacity=10, seed=3)
    a, b = run_queue(**kw), run_queue(**kw)
    assert a.deliveries == b.deliveries and a.messages == b.messages
    assert a.redelivered > 0 and a.crashed > 0 and a.nothing_lost
    assert a.processed == a.published + a.redelivered
    assert run_queue(**{**kw, "seed": 4}).deliveries != a.deliveries


def test_late_acks_are_counted():
    r = run_queue(workers=2, messages=1, work=3.0, ack_timeout=2.0, max_deliveries=2)
    assert [d.outcome for d in r.deliveries] == ["late", "late"]
    assert r.dead_lettered == 1 and r.nothing_lost


def test_throughput_series_and_sweep():
    r = run_queue(workers=2, messages=8, work=1.0)
    assert r.throughput_series(1.0) == [(0.0, 2.0), (1.0, 2.0), (2.0, 2.0), (3.0, 2.0)]
    assert r.throughput_series(2.0) == [(0.0, 2.0), (2.0, 2.0)]  # per second, in bins of 2 s
    assert r.sustained_throughput == r.throughput == 2.0  # all offered at t = 0
    slow = run_queue(workers=1, messages=11, work=1.0, interval=0.5)  # offered 2/s, handled 1/s
    assert slow.sustained_throughput == 1.0 and slow.wall == 11.0     # acks at 1 .. 5 by t = 5
    runs = sweep("workers", [1, 2, 4], messages=8, work=1.0)
    assert {w: run.wall for w, run in runs.items()} == {1: 8.0, 2: 4.0, 4: 2.0}
    with pytest.raises(ValueError, match="swept parameter"):
        sweep("workers", [1], workers=2)


def test_real_time_mode_agrees_on_the_counts():
    r = run_queue(workers=3, messages=12, work=0.01, poison=[9], crash_on=[5], max_deliveries=3,
                  ack_timeout=0.5, backoff=0.01, mode="asyncio")
    assert r.counts() == {"published": 12, "processed": 15, "redelivered": 3, "crashed": 1, "acked": 11,
                          "dead-lettered": 1}
    assert r.mode == "asyncio" and r.wall > 0.5


@pytest.mark.parametrize("kwargs, match", [
    (dict(workers=0), "workers must be an int >= 1"),
    (dict(failure_rate=1.5), "failure_rate must be a number between 0 and 1"),
    (dict(poison=[99]), "poison lists message numbers"),
    (dict(distribution="normal"), "distribution must be one of"),
    (dict(mode="threads"), "mode must be one of"),
    (dict(mode="asyncio", messages=1000, work=1.0), "real time"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        run_queue(**kwargs)


def test_figures_have_titles_labels_and_legends():
    r = run_queue(workers=3, messages=12, work=1.0, poison=[9], crash_on=[5], max_deliveries=3)
    for draw in (lambda: plots.draw_deliveries(r), lambda: plots.draw_throughput({"a": r}),
                 lambda: plots.draw_latency({"a": r}), lambda: plots.draw_contents({"a": r}),
                 lambda: plots.draw_counts(r), lambda: plots.draw_publish_times({"a": r}),
                 lambda: plots.draw_sweep({"a": {1: r, 2: r}}, lambda x: x.throughput, xlabel="x", ylabel="y",
                                        title="t")):
        ax = draw()
        assert ax.get_title() and ax.get_xlabel() is not None and ax.get_ylabel()
        assert ax.get_legend() is not None
        plt.close(ax.figure)
    axes = plots.draw_dashboard(r)
    assert len(axes[0][0].figure.axes) == 4
    plt.close(axes[0][0].figure)


def test_explorer_builds_and_keeps_its_run():
    w = widgets.queue_explorer(messages=20)
    assert w.result.published == 20 and w.result.nothing_lost
    plt.close("all")
