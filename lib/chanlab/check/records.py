"""Checkers for the exercises of notebook 10 (events as the record).

Each function checks one exercise and returns a :class:`~chanlab.check.feedback.Feedback`::

    check.records.fold_account(apply)
"""
from __future__ import annotations

import copy as _copy
import random
import sqlite3
import tempfile
from pathlib import Path

from ..eventstore import EventStore, Upcasters, fold
from .feedback import checker, Feedback, Raised, attempt, failed, not_attempted, passed
from ..i18n import _

__all__ = ["fold_account", "upcast_deposit", "ship_once", "INBOX_SCHEMA"]

#: the receiver's tables for exercise 10.3
INBOX_SCHEMA = """
    CREATE TABLE IF NOT EXISTS inbox (msg_id TEXT PRIMARY KEY);
    CREATE TABLE IF NOT EXISTS shipments (order_id TEXT NOT NULL, qty INTEGER NOT NULL);
"""


def _account_store(seed, n=40):
    rng = random.Random(seed)
    store, balance, withdrawals = EventStore(), 0, 0
    for _unused in range(n):
        amount = rng.randint(1, 50)
        if balance >= amount and rng.random() < 0.4:
            store.append("acct", [("Withdrawn", {"amount": amount})])
            balance, withdrawals = balance - amount, withdrawals + 1
        else:
            store.append("acct", [("Deposited", {"amount": amount})])
            balance += amount
    return store, {"balance": balance, "withdrawals": withdrawals}


@checker
def fold_account(apply) -> Feedback:
    """10.1: ``apply(state, event) -> state`` folds an account's events into
    ``{"balance": ..., "withdrawals": ...}`` from ``{"balance": 0, "withdrawals": 0}``."""
    ex = "10.1"
    for seed in range(3):
        store, expected = _account_store(seed)
        state = {"balance": 0, "withdrawals": 0}
        for e in store.read("acct"):
            state = attempt(ex, apply, state, e)
            if isinstance(state, Raised):
                return state.feedback
            if not isinstance(state, dict):
                return failed(ex, _("apply should return the new state (a dict)."), got=repr(state),
                              hint=_("Return {\"balance\": ..., \"withdrawals\": ...} for every event."))
        if state != expected:
            hint = (_("A Withdrawn event takes its amount away and counts one withdrawal.")
                    if state.get("balance") != expected["balance"] else _("Count the Withdrawn events."))
            return failed(ex, _("The folded state differs from the account's history."), expected=expected,
                          got=state, hint=hint)
    return passed(ex, _("Three accounts' histories folded to the right balance and number of "
                        "withdrawals."))


@checker
def upcast_deposit(v1_to_v2) -> Feedback:
    """10.2: lift a schema-1 ``Deposited`` (``{"amount": euros}``) to schema 2 (``{"cents": ...,
    "currency": "EUR"}``) without changing the stored event."""
    ex = "10.2"
    store = EventStore()
    store.append("acct", [("Deposited", {"amount": 12})])  # schema 1, written last year
    store.append("acct", [("Deposited", {"amount": 3})])
    store.append("acct", [("Deposited", {"cents": 250, "currency": "EUR"}, 2)])  # written today
    before = _copy.deepcopy([r.data for r in store.read("acct")])
    probe = attempt(ex, v1_to_v2, {"amount": 1})
    if isinstance(probe, Raised):
        return probe.feedback
    up = Upcasters().register("Deposited", 1, v1_to_v2)
    try:
        read = store.read("acct", upcast=up)
    except Exception as err:  # the learner's function on one of the events
        return failed(ex, _("v1_to_v2 raised {__name__} on a stored event.").format(__name__=type(err).__name__), got=str(err),
                      hint=_("It gets the old event's data dict and returns the new one."))
    if [r.data for r in store.read("acct")] != before:
        return failed(ex, _("The stored events changed: the log must never be rewritten."),
                      expected=before, got=[r.data for r in store.read("acct")],
                      hint=_("Build and return a new dict; do not modify the one you are given."))
    got = [r.data for r in read]
    expected = [{"cents": 1200, "currency": "EUR"}, {"cents": 300, "currency": "EUR"},
                {"cents": 250, "currency": "EUR"}]
    if got != expected:
        return failed(ex, _("The events read through the upcaster are not all in the schema-2 shape."),
                      expected=expected, got=got, hint=_("1 euro is 100 cents; schema 2 has exactly two keys."))
    total = fold(lambda s, e: s + e.data["cents"], read, 0)
    return passed(ex, _("Old and new deposits read alike ({total} cents in all), and the log is "
                        "untouched.").format(total=total))


class _FlakyDisk:
    """A connection on which the second write of one delivery fails, as a full disk would: the
    delivery has written something, and not yet everything."""

    def __init__(self, db, fail):
        self._db, self._fail, self._writes = db, fail, 0

    def execute(self, sql, params=()):
        if self._fail and sql.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE", "REPLACE"):
            self._writes += 1
            if self._writes == 2:
                self._fail = False
                raise sqlite3.OperationalError("disk I/O error")
        return self._db.execute(sql, params)

    def __getattr__(self, name):  # commit, rollback, in_transaction, executemany ...
        return getattr(self._db, name)

    def __enter__(self):
        self._db.__enter__()
        return self

    def __exit__(self, *exc):
        return self._db.__exit__(*exc)


@checker
def ship_once(handle) -> Feedback:
    """10.3: ``handle(db, message)`` ships each order once, however often its message comes, and a
    delivery that fails halfway leaves nothing behind (so the redelivery ships it)."""
    ex = "10.3"
    messages = [{"id": f"m{i}", "order": f"order-{i}", "qty": 1 + i % 3} for i in range(6)]
    deliveries = messages + [messages[1], messages[4], messages[1]]  # at least once
    with tempfile.TemporaryDirectory(prefix="chanlab-check-") as tmp:
        path = Path(tmp) / "shipping.db"
        db = sqlite3.connect(path)
        db.executescript(INBOX_SCHEMA)
        results, failures, first = [], 0, True
        try:
            for m in deliveries + [messages[2]]:  # message 2's first delivery fails halfway, then it comes again
                flaky = _FlakyDisk(db, first and m is messages[2])
                first = first and m is not messages[2]
                try:
                    r = handle(flaky, dict(m))
                except NotImplementedError:
                    return not_attempted(ex, _("Write handle, then run this cell again."))
                except sqlite3.OperationalError as err:
                    if "disk I/O" not in str(err):
                        return failed(ex, _("handle raised {err!r}.").format(err=err), hint=_("Check the SQL against INBOX_SCHEMA."))
                    failures += 1
                    db.close()  # the process dies with the failure; what was committed stays
                    db = sqlite3.connect(path)
                    continue
                except Exception as err:
                    return failed(ex, _("handle raised {__name__}: {err}.").format(__name__=type(err).__name__, err=err),
                                  hint=_("Let a sqlite3.OperationalError propagate; handle the IntegrityError of a "
                                         "repeated message id."))
                if r is ...:
                    return not_attempted(ex, _("Write handle, then run this cell again."))
                results.append((m["id"], r))
            db.close()
            db = sqlite3.connect(path)  # what is on disk after a restart
            shipped = dict(db.execute("SELECT order_id, COUNT(*) FROM shipments GROUP BY order_id"))
            kept_ids = db.execute("SELECT COUNT(*) FROM inbox").fetchone()[0]
        finally:
            db.close()
    expected = {m["order"]: 1 for m in messages}
    if shipped == {}:
        return failed(ex, _("Nothing was shipped after a restart: nothing was committed."),
                      expected=expected, got=shipped, hint=_("End with db.commit(), or use `with db:`."))
    twice = sorted(o for o, n in shipped.items() if n > 1)
    if twice:
        hint = (_("The inbox row and the shipment must be committed together: a failure between two commits "
                  "left a shipment whose id the inbox never got. Use one transaction (`with db:`).") if kept_ids else
                _("Record the message id in the inbox table, and skip a message whose id is there."))
        return failed(ex, _("{twice} shipped more than once.").format(twice=', '.join(twice)), expected=expected, got=shipped, hint=hint)
    lost = sorted(set(expected) - set(shipped))
    if lost:
        return failed(ex, _("{lost} never shipped: the first delivery failed halfway, and the redelivery "
                            "was taken for a duplicate.").format(lost=', '.join(lost)), expected=expected, got=shipped,
                      hint=_("Commit the inbox row and the shipment in one transaction, so that a failure "
                             "undoes both: `with db:` around the two inserts."))
    if failures != 1:
        return failed(ex, _("Every order shipped once, but a delivery never wrote two rows."),
                      hint=_("Write the inbox row and the shipment, each with db.execute."))
    flags = [r for _unused, r in results]
    if flags.count(True) != len(messages) or flags.count(False) != 3:
        return failed(ex, _("Every order shipped once, but handle's return values are off."),
                      expected=_("True for a message's first successful delivery, False for a repeat"),
                      got=results, hint=_("Return True after shipping, False for a message already in the inbox."))
    return passed(ex, _("Each order shipped once: 3 duplicates skipped, and the delivery that failed "
                        "halfway left nothing, so its redelivery shipped it."))
