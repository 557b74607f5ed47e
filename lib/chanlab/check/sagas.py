"""Checkers for the exercises of notebook 09 (one order, two ways).

Each function checks one exercise and returns a :class:`~chanlab.check.feedback.Feedback`::

    check.sagas.predict_messages({"orchestration": 8, "choreography": 4})
"""
from __future__ import annotations

import random

from ..errors import PanicError
from ..experiments.ordering import Event, run_ordering
from ..experiments.sagas import compare
from ..saga import SHOP_WITH_FRAUD_CHECK
from .feedback import checker, Feedback, Raised, attempt, failed, not_attempted, passed
from ..i18n import _

__all__ = ["predict_messages", "partition_key", "keep_a_copy"]


@checker
def predict_messages(prediction: dict) -> Feedback:
    """09.1: messages per order in each style once a fraud check is added, on a day when nothing
    fails; compared with a run of both styles on that process."""
    ex = "09.1"
    styles = ("orchestration", "choreography")
    if prediction is ... or (isinstance(prediction, dict) and any(v is ... for v in prediction.values())):
        return not_attempted(ex, _("Replace each ... in prediction by a number, then run this cell again."))
    if not isinstance(prediction, dict) or set(prediction) != set(styles):
        return failed(ex, _("prediction should be a dict with exactly these keys."), expected=list(styles),
                      got=repr(prediction), hint=_("Copy the dict from the stub; change only the values."))
    runs = compare(orders=30, fail_rate=0.0, process=SHOP_WITH_FRAUD_CHECK, seed=5)
    measured = {s: runs[s].summary()["messages per order"] for s in styles}
    wrong = []
    for s in styles:
        try:
            if abs(float(prediction[s]) - measured[s]) > 1e-9:
                wrong.append(s)
        except (TypeError, ValueError):
            wrong.append(s)
    if not wrong:
        return passed(ex, _("Measured {measured}: the coordinator sends a command and gets a reply for each "
                            "of the 4 steps; each event reaches the one service that reacts to it.").format(measured=measured))
    hints = {"orchestration": _("A step costs the coordinator a command out and a reply back. How many steps "
                                "are there now?"),
             "choreography": _("For each event one order produces, count the services that subscribe to it "
                               "(choreography_wiring shows them).")}
    return failed(ex, _("Your {wrong} figure differs from the measurement.").format(wrong=' and '.join(wrong)),
                  expected=_("the measured messages per order (run both styles to see them)"),
                  got=repr(prediction), hint=hints[wrong[0]])


#: the busiest partition's share (times the mean) over these 3 runs with the finest key that keeps each
#: account in order; measured once (the key is the exercise's answer, so it is not written here:
#: tests/test_check_sagas.py measures this number again)
_FAIR_IMBALANCE = 1.7333333333333334


@checker
def partition_key(key) -> Feedback:
    """09.2: a partition key that keeps every account's events in order and spreads the work."""
    ex = "09.2"
    if key is ...:
        return not_attempted(ex, _("Write the key function, then run this cell again."))
    if not callable(key):
        return failed(ex, _("key should be a function event -> partition key."), got=repr(key),
                      hint=_("def key(event): return ...  (an event has .account, .branch, .seq, .work)"))
    probe = attempt(ex, key, Event("account-1", "branch-1", 1, 0.01))
    if isinstance(probe, Raised):
        return probe.feedback
    if not isinstance(probe, (str, int)) or isinstance(probe, bool):
        return failed(ex, _("key should return a str or an int (what to partition by)."), got=repr(probe),
                      hint=_("An event has .account, .branch, .seq and .work."))
    try:
        runs = [run_ordering("partitioned", workers=8, events=300, keys=24, skew=0.5, seed=seed, key=key)
                for seed in range(3)]
    except PanicError as err:
        return failed(ex, _("key raised {__name__} on some event.").format(__name__=type(err.__cause__).__name__), got=str(err.__cause__),
                      hint=_("It must work for every event, and return a str or an int."))
    late = sum(r.out_of_order for r in runs)
    if late:
        return failed(ex, _("{late} events were applied after a later event of the same account.").format(late=late),
                      expected=_("0 events out of order"), got=_("{late} out of order over 3 runs").format(late=late),
                      hint=_("Every event of one account must go to the same partition: which field is the "
                             "same for all of them, and differs between accounts?"))
    worst, fair = max(r.imbalance for r in runs), _FAIR_IMBALANCE
    if worst > 1.25 * fair:
        used = max(sum(1 for n in r.per_worker if n) for r in runs)
        return failed(ex, _("Order is kept, but the work is badly spread."),
                      expected=_("the busiest partition at most ~{fair:.2f}x the mean").format(fair=fair),
                      got=_("{worst:.2f}x the mean: at most {used} of the 8 partitions got any work").format(worst=worst, used=used),
                      hint=_("A coarser key (fewer distinct values) keeps order too, but leaves partitions "
                             "idle: use the finest key whose order matters."))
    return passed(ex, _("0 events out of order in 3 runs, and the busiest partition did {worst:.2f}x "
                        "the mean.").format(worst=worst))


def _updates(seed):
    """Customer updates delivered at least once and not always in order: (event, final copy)."""
    rng = random.Random(seed)
    latest, events = {}, []
    for version in range(1, 13):
        cid = f"customer-{rng.randrange(3)}"
        latest[cid] = {"id": cid, "version": latest.get(cid, {}).get("version", 0) + 1,
                       "email": f"{cid}-{version}@example.com"}
        events.append({"type": "CustomerUpdated", "data": dict(latest[cid])})
    delivered = events + rng.sample(events, 4)  # redeliveries
    for i in range(0, len(delivered) - 1, 3):  # and some neighbours swapped
        delivered[i], delivered[i + 1] = delivered[i + 1], delivered[i]
    return delivered, latest


@checker
def keep_a_copy(apply) -> Feedback:
    """09.3: ``apply(copy, event) -> copy`` keeps the newest version of each customer whatever the
    order and number of deliveries."""
    ex = "09.3"
    if apply is ...:
        return not_attempted(ex, _("Write apply, then run this cell again."))
    if not callable(apply):
        return failed(ex, _("apply should be a function (copy, event) -> copy."), got=repr(apply))
    for seed in range(4):
        events, latest = _updates(seed)
        copy = {}
        for e in events:
            result = attempt(ex, apply, dict(copy), {"type": e["type"], "data": dict(e["data"])})
            if isinstance(result, Raised):
                return result.feedback
            if not isinstance(result, dict):
                return failed(ex, _("apply should return the updated copy (a dict)."), got=repr(result))
            copy = result
        if copy != latest:
            stale = sorted(c for c in latest if copy.get(c) != latest[c])
            return failed(ex, _("After a redelivered or overtaken update, the copy of {stale} is stale.").format(stale=', '.join(stale)),
                          expected={c: latest[c]["version"] for c in stale},
                          got={c: (copy.get(c) or {}).get("version") for c in stale},
                          hint=_("Compare the event's version with the one you hold, and keep the newer."))
    return passed(ex, _("Duplicates and overtaken updates left every copy at the newest version."))
