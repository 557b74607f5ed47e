"""The checkers of notebook 10 against right answers, typical wrong answers and the stubs, run
several times each: the same verdict every time."""
import sqlite3

import pytest

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


def right_handle(db, message):
    with db:
        try:
            db.execute("INSERT INTO inbox VALUES (?)", (message["id"],))
        except sqlite3.IntegrityError:
            return False
        db.execute("INSERT INTO shipments VALUES (?, ?)", (message["order"], message["qty"]))
    return True


def commit_without_with(db, message):  # also right: the failure leaves the transaction open; the crash rolls it back
    try:
        db.execute("INSERT INTO inbox VALUES (?)", (message["id"],))
    except sqlite3.IntegrityError:
        return False
    db.execute("INSERT INTO shipments VALUES (?, ?)", (message["order"], message["qty"]))
    db.commit()
    return True


def no_inbox(db, message):
    with db:
        db.execute("INSERT INTO shipments VALUES (?, ?)", (message["order"], message["qty"]))
    return True


def inbox_in_its_own_transaction(db, message):
    try:
        with db:
            db.execute("INSERT INTO inbox VALUES (?)", (message["id"],))
    except sqlite3.IntegrityError:
        return False
    with db:
        db.execute("INSERT INTO shipments VALUES (?, ?)", (message["order"], message["qty"]))
    return True


def never_commits(db, message):
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
    (check.ship_once, _stub, None), (check.ship_once, right_handle, True), (check.ship_once, commit_without_with, True),
    (check.ship_once, no_inbox, False), (check.ship_once, inbox_in_its_own_transaction, False),
    (check.ship_once, never_commits, False),
]


@pytest.mark.parametrize("checker, answer, verdict", CASES)
def test_the_same_verdict_every_run(checker, answer, verdict):
    for _ in range(2):
        fb = checker(answer)
        if verdict is None:
            assert not fb.attempted and "not attempted" in str(fb)
        else:
            assert fb.ok is verdict and fb.attempted, str(fb)


def test_hints_name_the_mistake():
    assert "withdrawal" in str(check.fold_account(counts_no_withdrawals)).lower()
    assert "never be rewritten" in str(check.upcast_deposit(mutating_upcaster))
    assert "more than once" in str(check.ship_once(no_inbox))
    assert "one transaction" in str(check.ship_once(inbox_in_its_own_transaction))
    assert "nothing was committed" in str(check.ship_once(never_commits))
