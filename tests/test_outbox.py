"""chanlab.outbox and chanlab.experiments.outbox: the dual-write problem on SQLite, the outbox and
its relay, the inbox; counted over many seeded runs, with crash points injected."""
import multiprocessing
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chanlab.experiments.outbox import METHODS, reliability, sweep
from chanlab.outbox import Broker, Crash, OrderService, Published, Receiver, Relay


def test_commit_then_publish_loses_the_message_of_a_crash(tmp_path):
    broker = Broker()
    shop = OrderService(tmp_path / "shop.db")
    with pytest.raises(Crash):
        shop.place_commit_then_publish(broker, "order-1", "book", 1, crash_at="after_commit")
    shop.die()
    shop = OrderService(tmp_path / "shop.db")
    assert shop.count("SELECT COUNT(*) FROM orders") == 1 and broker.messages == []
    shop.close()


def test_publish_then_commit_publishes_a_phantom(tmp_path):
    broker = Broker()
    shop = OrderService(tmp_path / "shop.db")
    with pytest.raises(Crash):
        shop.place_publish_then_commit(broker, "order-1", "book", 1, crash_at="after_publish")
    shop.die()  # the open transaction is rolled back: the order was never saved
    shop = OrderService(tmp_path / "shop.db")
    assert shop.count("SELECT COUNT(*) FROM orders") == 0 and [m.msg_id for m in broker.messages] == ["order-1"]
    shop.close()


def test_the_outbox_survives_a_crash_and_the_relay_publishes_again(tmp_path):
    broker = Broker()
    shop = OrderService(tmp_path / "shop.db")
    for i in range(3):
        shop.place_with_outbox(f"order-{i}", "book", 1)
    shop.close()
    relay = Relay(tmp_path / "shop.db")
    with pytest.raises(Crash):
        relay.relay_once(broker, crash_at="after_publish", crash_on="order-1")
    relay.die()
    relay = Relay(tmp_path / "shop.db")
    assert relay.unsent() == 2  # order-1 was published but not marked
    assert relay.relay_once(broker) == 2 and relay.unsent() == 0
    relay.close()
    assert [m.msg_id for m in broker.messages] == ["order-0", "order-1", "order-1", "order-2"]


def test_the_inbox_makes_a_duplicate_harmless_and_a_crash_retryable(tmp_path):
    rx = Receiver(tmp_path / "ship.db", inbox=True)
    m = Published("order-1", {"order": "order-1", "item": "book", "qty": 2})
    with pytest.raises(Crash):
        rx.handle(m, crash_at="after_effect")
    rx.die()
    rx = Receiver(tmp_path / "ship.db", inbox=True)
    assert rx.shipments() == {}  # the effect was rolled back with the inbox row
    assert rx.handle(m) is True and rx.handle(m) is False
    assert rx.shipments() == {"order-1": 1}
    rx.close()
    naive = Receiver(tmp_path / "naive.db", inbox=False)
    naive.handle(m)
    naive.handle(m)
    assert naive.shipments() == {"order-1": 2}
    naive.close()


def test_broker_dedup_drops_a_republished_id_like_jetstream():
    b = Broker(dedup=True)
    assert b.publish("a", {}) and not b.publish("a", {}) and b.dropped_duplicates == 1
    assert [m.msg_id for m in b.messages] == ["a"]


def test_crash_points_are_checked(tmp_path):
    shop = OrderService(tmp_path / "shop.db")
    with pytest.raises(ValueError, match="crash_at must be None or one of"):
        shop.place_with_outbox("o", "book", 1, crash_at="after_publish")
    shop.close()


def _die_after_commit(path):  # a real process, killed between the commit and the publish
    shop = OrderService(path)
    shop.db.execute("BEGIN")
    shop._insert("order-1", "book", 1)
    shop.db.execute("COMMIT")
    shop.db.execute("BEGIN")
    shop._insert("order-2", "book", 1)  # an open transaction when the process dies
    os._exit(0)


def test_a_real_process_death_keeps_the_commit_and_loses_the_open_transaction(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    p = ctx.Process(target=_die_after_commit, args=(str(tmp_path / "shop.db"),))
    p.start()
    p.join(timeout=60)
    assert p.exitcode == 0
    shop = OrderService(tmp_path / "shop.db")
    assert [r[0] for r in shop.db.execute("SELECT id FROM orders")] == ["order-1"]
    shop.close()


def test_counted_over_many_seeded_runs():
    runs = sweep(seeds=range(8), orders=30, crash_rate=0.2)
    total = {m: {k: sum(getattr(r, k) for r in rs) for k in ("lost", "phantom", "duplicates", "shipped_twice",
                                                            "never_shipped", "crashes")} for m, rs in runs.items()}
    assert total["commit_then_publish"]["lost"] > 0 and total["commit_then_publish"]["phantom"] == 0
    assert total["publish_then_commit"]["phantom"] > 0 and total["publish_then_commit"]["lost"] == 0
    assert total["outbox"]["lost"] == total["outbox"]["phantom"] == 0
    assert total["outbox"]["duplicates"] > 0 and total["outbox"]["shipped_twice"] == 0  # the inbox
    assert all(t["crashes"] > 0 for t in total.values())
    assert total["outbox"]["never_shipped"] == 0


def test_without_the_inbox_the_relay_duplicates_ship_twice():
    with_inbox = [reliability("outbox", orders=40, crash_rate=0.2, seed=s) for s in range(5)]
    without = [reliability("outbox", orders=40, crash_rate=0.2, seed=s, inbox=False) for s in range(5)]
    assert sum(r.shipped_twice for r in without) > 0 == sum(r.shipped_twice for r in with_inbox)
    deduped = [reliability("outbox", orders=40, crash_rate=0.2, seed=s, inbox=False, dedup=True) for s in range(5)]
    assert sum(r.duplicates for r in deduped) == 0


def test_the_same_seed_gives_the_same_run():
    assert reliability("outbox", orders=30, seed=4) == reliability("outbox", orders=30, seed=4)


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 10_000), rate=st.floats(0, 0.6), inbox=st.booleans())
def test_outbox_property_nothing_saved_is_lost_and_nothing_applied_twice_with_an_inbox(seed, rate, inbox):
    r = reliability("outbox", orders=10, crash_rate=rate, seed=seed, inbox=inbox)
    assert r.lost == r.phantom == r.never_shipped == 0
    if inbox:
        assert r.shipped_twice == 0


@pytest.mark.parametrize("kw, error, match", [
    ({"method": "two_phase"}, ValueError, "method must be one of"),
    ({"orders": 0}, ValueError, "orders must be an int between 1 and 100000"),
    ({"orders": True}, TypeError, "orders must be"),
    ({"crash_rate": 1.5}, ValueError, "crash_rate must be a number between 0 and 1"),
    ({"crash_rate": 1}, ValueError, "below 1"),
    ({"crash_rate": "0.1"}, TypeError, "crash_rate"),
])
def test_bad_arguments(kw, error, match):
    with pytest.raises(error, match=match):
        reliability(**kw)
