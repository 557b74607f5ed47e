"""The library behind 01-two-styles: deliveries measured, diagrams as data, the claims ledger."""
from collections import Counter

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from chanlab import claims, delivery, diagrams, plots  # noqa: E402


def test_point_to_point_delivers_each_message_once_and_shares_the_work():
    run = delivery.point_to_point(items=7, receivers=3, work=1.0)
    assert sorted(d.item for d in run) == list(range(1, 8))  # each exactly once
    assert Counter(d.receiver for d in run) == {"worker 1": 3, "worker 2": 2, "worker 3": 2}
    assert max(d.t for d in run) == 2.0  # three at a time


def test_publish_subscribe_delivers_every_event_to_every_subscriber():
    run = delivery.publish_subscribe(items=4, receivers=3, work=0.5)
    assert Counter(d.item for d in run) == {1: 3, 2: 3, 3: 3, 4: 3}
    assert {d.receiver for d in run} == {"subscriber 1", "subscriber 2", "subscriber 3"}
    # unbuffered fan-out: the publisher keeps pace with its subscribers, one event per 0.5 s
    assert sorted({d.t for d in run}) == [0.0, 0.5, 1.0, 1.5]


def test_buffers_let_the_publisher_run_ahead():
    run = delivery.publish_subscribe(items=4, receivers=2, work=1.0, capacity=4)
    assert max(d.t for d in run) == 3.0  # subscribers still take 1 s each, but nobody waited to publish


@pytest.mark.parametrize("bad, error", [(0, ValueError), (-1, ValueError), (1.5, TypeError),
                                        (True, TypeError), ("3", TypeError)])
def test_bad_counts(bad, error):
    with pytest.raises(error, match="items must be an int >= 1"):
        delivery.point_to_point(items=bad)
    with pytest.raises(error, match="receivers must be an int >= 1"):
        delivery.publish_subscribe(receivers=bad)


def test_diagrams_say_who_talks_to_whom():
    m = diagrams.message_driven(producers=2, consumers=3)
    assert m.who_sends_to("queue") == ["producer 1", "producer 2"]
    assert all(e.style == "dashed" for e in m.edges if e.src == "queue")  # some messages each
    e = diagrams.event_driven(publishers=2, subscribers=4)
    assert e.who_sends_to("subscriber 4") == ["topic"]
    assert len([n for n in e.nodes if n.kind == "receiver"]) == 4
    o = diagrams.observer(3)
    assert not [n for n in o.nodes if n.kind == "channel"]  # no broker in the observer pattern


def test_figures_have_titles_and_legends():
    fig, axes = plt.subplots(1, 2)
    ax = plots.draw_diagram(diagrams.message_driven(), axes[0])
    assert ax.get_title() and ax.get_legend() is not None
    ax = plots.draw_delivery_matrix(delivery.point_to_point(), axes[1])
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel() and ax.get_legend() is not None
    plt.close(fig)


def test_claims_ledger_is_complete_and_consistent():
    ids = [c.id for c in claims.CLAIMS]
    assert len(ids) == len(set(ids))
    assert {c.status for c in claims.CLAIMS} <= {"wrong", "contradicts", "vague", "to test"}
    assert all(c.zh and c.en and c.note and c.tested_in for c in claims.CLAIMS)
    assert claims.by_id("waitgroup-is-messaging").tested_in == "03-workers-and-waitgroup"
    with pytest.raises(KeyError, match="no claim"):
        claims.by_id("nope")
