"""chanlab.saga and chanlab.experiments.sagas: one order process, orchestrated and choreographed."""
import pytest

from chanlab.experiments.sagas import Faults, compare, run_saga
from chanlab.saga import (SHOP, SHOP_WITH_FRAUD_CHECK, changed_services, choreography_wiring,
                          orchestration_wiring)


def test_the_wiring_each_style_needs_comes_from_the_process():
    assert choreography_wiring(SHOP) == {
        ("inventory", "OrderPlaced", "reserve"), ("payment", "StockReserved", "charge"),
        ("shipping", "PaymentCharged", "ship"), ("inventory", "PaymentFailed", "release")}
    assert ("coordinator", "step 2", "payment.charge") in orchestration_wiring(SHOP)


def test_adding_a_fraud_check_changes_one_service_orchestrated_and_two_choreographed():
    assert changed_services(orchestration_wiring, SHOP, SHOP_WITH_FRAUD_CHECK) == ["coordinator"]
    assert changed_services(choreography_wiring, SHOP, SHOP_WITH_FRAUD_CHECK) == ["inventory", "payment"]


def test_both_styles_end_every_order_the_same_way_on_a_quiet_day():
    runs = compare(orders=60, seed=3)
    o, c = runs["orchestration"], runs["choreography"]
    assert [r.outcome for r in o.records] == [r.outcome for r in c.records]
    assert o.count("stuck") == 0 and o.count("cancelled") > 0
    # every cancelled order had its stock released, and nothing was applied twice
    assert all(r.compensations == 1 for r in o.records + c.records if r.outcome == "cancelled")
    assert o.summary()["messages per order"] == 6.0 and c.summary()["messages per order"] == 3.0
    assert o.lookups_to_locate == 1.0 and c.lookups_to_locate > 3


def test_a_service_down_for_a_while_makes_the_orchestrator_resend_and_the_events_wait():
    down = {"payment": Faults(down=((1.0, 6.0),))}
    runs = compare(orders=40, seed=1, faults=down)
    o, c = runs["orchestration"].summary(), runs["choreography"].summary()
    assert o["stuck"] == c["stuck"] == 0
    assert o["messages per order"] > 6.0 and c["messages per order"] == 3.0
    assert o["duplicates applied"] == c["duplicates applied"] == 0  # idempotent services


def test_duplicates_are_applied_twice_only_without_idempotency():
    dup = {s: Faults(duplicate_rate=0.3, idempotent=False) for s in ("inventory", "payment", "shipping")}
    safe = {s: Faults(duplicate_rate=0.3) for s in ("inventory", "payment", "shipping")}
    for style in ("orchestration", "choreography"):
        assert run_saga(style, orders=40, faults=dup).summary()["duplicates applied"] > 0
        assert run_saga(style, orders=40, faults=safe).summary()["duplicates applied"] == 0


def test_the_same_seed_gives_the_same_run():
    assert run_saga(orders=30, seed=7).summary() == run_saga(orders=30, seed=7).summary()


def test_an_overloaded_service_leaves_orders_stuck_at_the_horizon():
    r = run_saga("choreography", orders=40, faults={"payment": Faults(slow=40)}, horizon=10)
    assert r.count("stuck") > 0 and all(r_.ended != r_.ended for r_ in r.records if r_.outcome == "stuck")


@pytest.mark.parametrize("kw, error, match", [
    ({"style": "broker"}, ValueError, "style must be one of"),
    ({"orders": -1}, ValueError, "orders must be an int between 1 and 20000"),
    ({"fail_rate": 2}, ValueError, "fail_rate must be a number between 0 and 1"),
    ({"timeout": 0}, ValueError, "timeout must be a number > 0 s"),
    ({"faults": {"billing": Faults()}}, ValueError, "does not have: 'billing'"),
    ({"faults": {"payment": 3}}, TypeError, "must be a Faults"),
])
def test_bad_arguments(kw, error, match):
    with pytest.raises(error, match=match):
        run_saga(**kw)


def test_bad_faults():
    with pytest.raises(ValueError, match="ends before it starts"):
        Faults(down=((5, 1),))
    with pytest.raises(ValueError, match="duplicate_rate"):
        Faults(duplicate_rate=-0.1)


def test_a_lost_message_is_resent_by_the_coordinator_and_strands_a_choreographed_order():
    lossy = {s: Faults(loss_rate=0.05) for s in ("inventory", "payment", "shipping")}
    runs = compare(orders=100, seed=1, faults=lossy)
    assert runs["orchestration"].count("stuck") == 0 and runs["choreography"].count("stuck") > 0


def test_an_idempotent_service_does_no_work_for_a_duplicate():
    slow = {"payment": Faults(slow=5)}
    runs = compare(orders=100, seed=1, faults=slow)
    o, c = runs["orchestration"].summary(), runs["choreography"].summary()
    assert o["stuck"] == c["stuck"] == 0 and o["p95 latency, shipped (s)"] == c["p95 latency, shipped (s)"]
    assert o["messages per order"] > 2 * c["messages per order"]


def test_an_email_after_shipping_changes_no_existing_choreographed_service():
    from chanlab.saga import SHOP_WITH_EMAIL
    assert changed_services(choreography_wiring, SHOP, SHOP_WITH_EMAIL) == []
    assert changed_services(orchestration_wiring, SHOP, SHOP_WITH_EMAIL) == ["coordinator"]


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=20, deadline=None)
@given(style=st.sampled_from(["orchestration", "choreography"]), seed=st.integers(0, 10_000),
       fail_rate=st.floats(0, 1), duplicate_rate=st.floats(0, 0.5), down=st.floats(0, 5),
       slow=st.floats(1, 5))
def test_property_idempotent_services_lose_nothing_and_apply_nothing_twice(style, seed, fail_rate, duplicate_rate,
                                                                           down, slow):
    """Retries, redeliveries and outages (no message lost): every order ends, shipped or cancelled;
    nothing is applied twice; each cancelled order had its stock released exactly once."""
    faults = {s: Faults(duplicate_rate=duplicate_rate) for s in ("inventory", "shipping")}
    faults["payment"] = Faults(slow=slow, down=((1.0, 1.0 + down),), duplicate_rate=duplicate_rate)
    r = run_saga(style, orders=15, seed=seed, fail_rate=fail_rate, faults=faults, horizon=600)
    assert r.count("stuck") == 0
    assert all(rec.duplicates_applied == 0 for rec in r.records)
    assert all(rec.compensations == (rec.outcome == "cancelled") for rec in r.records)
