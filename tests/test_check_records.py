"""The checkers of notebook 10 against right answers, typical wrong answers and the stubs, run
several times each: the same verdict every time."""
import sqlite3

import pytest
from verdicts import assert_same_verdict

from chanlab.check import records as check


def _stub(*a):
    raise NotImplementedError


def right_apply(state, event):
    if event.type == "Deposited":
        return {**state, "balance": state["balance"] + event.data["amount"]}
    return {"balance": state["balance"] - event.data["amount"], "withdrawals": state["withdrawals"] + 1}


def adds_everything(state, event):
    return {**state, "balance": state["balance"] + event.data["amount"]}


def counts_no_withdrawals(state, event):
    sign = 1 if event.type == "Deposited" else -1
    return {**state, "balance": state["balance"] + sign * event.data["amount"]}


def mutating_upcaster(data):
    data["cents"] = 100 * data.pop("amount")
    data["currency"] = "EUR"
    return data


def make_handle(inbox=True, one_transaction=True, commit=True):
    """An answer to 10.3, right by default; each flag off is a typical mistake."""
    def handle(db, message):
        if inbox:
            try:
                db.execute("INSERT INTO inbox VALUES (?)", (message["id"],))
                if not one_transaction:
                    db.commit()  # the inbox row is kept even if the shipment fails
            except sqlite3.IntegrityError:
                return False
        db.execute("INSERT INTO shipments VALUES (?, ?)", (message["order"], message["qty"]))
        if commit:
            db.commit()  # also right: a failure above leaves the transaction open, and the crash rolls it back
        return True
    return handle


def shipment_first_then_inbox(db, message):  # not atomic: a failure between the commits ships twice
    if db.execute("SELECT 1 FROM inbox WHERE msg_id = ?", (message["id"],)).fetchone():
        return False
    db.execute("INSERT INTO shipments VALUES (?, ?)", (message["order"], message["qty"]))
    db.commit()
    db.execute("INSERT INTO inbox VALUES (?)", (message["id"],))
    db.commit()
    return True


def with_block(db, message):  # the model answer's shape: `with db:` commits or rolls back both rows
    with db:
        try:
            db.execute("INSERT INTO inbox VALUES (?)", (message["id"],))
        except sqlite3.IntegrityError:
            return False
        db.execute("INSERT INTO shipments VALUES (?, ?)", (message["order"], message["qty"]))
    return True


CASES = [
    (check.fold_account, _stub, None), (check.fold_account, right_apply, True),
    (check.fold_account, adds_everything, False), (check.fold_account, counts_no_withdrawals, False),
    (check.upcast_deposit, _stub, None),
    (check.upcast_deposit, lambda d: {"cents": 100 * d["amount"], "currency": "EUR"}, True),
    (check.upcast_deposit, mutating_upcaster, False),
    (check.upcast_deposit, lambda d: {"cents": d["amount"], "currency": "EUR"}, False),
    (check.ship_once, _stub, None), (check.ship_once, with_block, True), (check.ship_once, make_handle(), True),
    (check.ship_once, make_handle(inbox=False), False), (check.ship_once, make_handle(one_transaction=False), False),
    (check.ship_once, make_handle(commit=False), False), (check.ship_once, shipment_first_then_inbox, False),
]


@pytest.mark.parametrize("checker, answer, verdict", CASES)
def test_the_same_verdict_every_run(checker, answer, verdict):
    assert_same_verdict(checker, answer, verdict)


def test_hints_name_the_mistake():
    assert "withdrawal" in str(check.fold_account(counts_no_withdrawals)).lower()
    assert "never be rewritten" in str(check.upcast_deposit(mutating_upcaster))
    assert "more than once" in str(check.ship_once(make_handle(inbox=False)))
    assert "one transaction" in str(check.ship_once(make_handle(one_transaction=False)))
    assert "nothing was committed" in str(check.ship_once(make_handle(commit=False)))
    assert "committed together" in str(check.ship_once(shipment_first_then_inbox))
