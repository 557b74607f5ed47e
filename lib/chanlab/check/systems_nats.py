"""Checkers for the exercises of notebook 11 (the systems of 09-10 on NATS JetStream).

    from chanlab import check
    check.systems_nats.resume(prediction)      # with a server it also runs the experiment
    check.systems_nats.subjects(subjects)
    check.systems_nats.relay_msg_id(msg_id)

Only :func:`resume` uses a NATS server, and only to confirm its verdict with a measurement: without
one it says so and checks against the count the server would report (the events of the saga).
"""
from __future__ import annotations

import random

from ..saga import SHOP, SHOP_WITH_FRAUD_CHECK, choreography_wiring
from .feedback import Feedback, Raised, attempt, failed, not_attempted, passed
from ..i18n import _

__all__ = ["RESUME", "resume", "subjects", "relay_rows", "relay_msg_id"]

#: the run exercise 1 asks about: ``event_log(url, **RESUME)``
RESUME = dict(orders=40, seed=0, stop_after=60, unacked=10)


def _stored(orders, seed):
    # the stream holds one message per event of notebook 09's choreography (no server needed)
    from ..experiments.sagas import run_saga

    return len(run_saga("choreography", orders=orders, seed=seed).log)


def _measured():
    """``(after_restart, redelivered)`` from a real run, or None without a server or client."""
    try:
        from .. import nats
        from ..nats.systems import event_log
    except ImportError:
        return None
    if not nats.have_server():
        return None
    with nats.target() as url:
        run = event_log(url, **RESUME)
    return run.after_restart, run.redelivered


def resume(prediction, measure=True) -> Feedback:
    """11.1: what the durable consumer gets after its restart in ``event_log(url, **RESUME)``:
    ``{"after_restart": ..., "redelivered": ...}``. With a NATS server (and ``measure``), the
    experiment is run as well and its counts shown."""
    ex = "11.1"
    keys = ("after_restart", "redelivered")
    if prediction is ... or (isinstance(prediction, dict) and any(v is ... for v in prediction.values())):
        return not_attempted(ex, _("Replace each ... in prediction by a number, then run this cell again."))
    if not isinstance(prediction, dict) or set(prediction) != set(keys):
        return failed(ex, _("prediction should be a dict with exactly these keys."), expected=list(keys),
                      got=repr(prediction), hint=_("Copy the dict from the stub; change only the values."))
    stored = _stored(RESUME["orders"], RESUME["seed"])
    want = {"after_restart": stored - RESUME["stop_after"], "redelivered": RESUME["unacked"]}
    if prediction != want:
        p = prediction
        if p.get("after_restart") == want["after_restart"] - RESUME["unacked"]:
            hint = _("The 10 it fetched but never acked are not lost: the durable consumer hands them out "
                     "again after the ack wait, so they are part of what it gets after the restart.")
        elif p.get("after_restart") == stored:
            hint = _("A durable consumer remembers what was acked: the new process does not start from the "
                     "first event (that is what a *new* consumer does).")
        elif p.get("redelivered") == 0:
            hint = _("Fetched but not acked means delivered once already: those come again as redeliveries.")
        else:
            hint = _("The stream holds {stored} events; the consumer acked {acked} and held "
                     "{unacked} without acking when its process went away.").format(
                         stored=stored, acked=RESUME['stop_after'], unacked=RESUME['unacked'])
        return failed(ex, _("Not what the durable consumer gets after the restart."), expected=_("the counts the server reports (compute them from the stream's size)"), got=repr(prediction), hint=hint)
    detail = _("No NATS server here: checked against the stream's size (the saga's events); with the server "
               "this checker runs event_log too.")
    if measure:
        got = _measured()
        if got is not None:
            detail = (_("Measured on a NATS server: {after_restart} after the restart, {redelivered} of them "
                        "redeliveries (the same).") if got == (want["after_restart"], want["redelivered"]) else
                      _("Measured on a NATS server: {after_restart} after the restart, {redelivered} of them "
                        "redeliveries (not what the stream's size says: {want}; the server differs from the "
                        "model).")).format(after_restart=got[0], redelivered=got[1], want=want)
    return passed(ex, _("{want}: acked messages never come back, the {unacked} held without an ack come "
                        "again, and the rest is new.").format(want=want, unacked=RESUME['unacked']), detail)


def _reference_subjects(process, service):
    return {f"saga.{event}" for svc, event, _unused in choreography_wiring(process) if svc == service}


def subjects(fn) -> Feedback:
    """11.2: ``fn(process, service)``: the NATS subjects (``saga.<Event>``) a choreographed service
    subscribes to, for the shop's process and the one with a fraud check."""
    ex = "11.2"
    todo = _("Write subjects(process, service) in the cell above, then run this cell again.")
    cases = [(name, process, s.service) for name, process in (("SHOP", SHOP), ("SHOP_WITH_FRAUD_CHECK",
                                                                              SHOP_WITH_FRAUD_CHECK))
             for s in process]
    for name, process, service in cases:
        got = attempt(ex, fn, process, service, what=todo)
        if isinstance(got, Raised):
            return got.feedback
        if got is None:
            return not_attempted(ex, todo)
        want = _reference_subjects(process, service)
        try:
            got_set = set(got)
        except TypeError:
            return failed(ex, _("subjects({name}, {service!r}) should return a set of subjects.").format(name=name, service=service), got=repr(got),
                          hint="return {'saga.OrderPlaced', ...}")
        if got_set == want:
            continue
        if got_set and not any(str(g).startswith("saga.") for g in got_set):
            hint = _("Every event is published on the subject 'saga.' + its name, e.g. 'saga.StockReserved'.")
        elif want - got_set and all(w.endswith("Failed") or w.endswith("Rejected") for w in want - got_set):
            hint = _("A service that can be undone must also hear the failures after it: inventory releases "
                     "the stock when a later step fails (the compensation is a subscription too).")
        elif got_set & {f"saga.{s.done}" for s in process if s.service == service}:
            hint = _("A service subscribes to what triggers it, not to the event it publishes itself.")
        else:
            hint = _("Each step reacts to the previous step's done event (the first one to OrderPlaced); "
                     "chanlab.saga.choreography_wiring lists them.")
        return failed(ex, _("subjects({name}, {service!r}) is wrong.").format(name=name, service=service), expected=sorted(want), got=sorted(got_set),
                      hint=hint)
    return passed(ex, _("All {n_cases} services of both processes subscribe to the right subjects: "
                        "adding the fraud check changed the subscriptions of payment and inventory, as "
                        "09 counted.").format(n_cases=len(cases)))


def relay_rows(orders=20, crash_rate=0.3, seed=11):
    """What a crashing outbox relay publishes: one dict per publish, repeats included, in order
    (``{"seq", "order", "event", "attempt"}``), for ``orders`` orders with two events each; and
    the number of distinct rows. The relay dies after a publish with probability ``crash_rate``
    and publishes that row again when restarted."""
    rng = random.Random(seed)
    rows = [{"seq": 2 * i + k + 1, "order": f"order-{i + 1}", "event": event}
            for i in range(orders) for k, event in enumerate(("OrderPlaced", "OrderPaid"))]
    out = []
    for row in rows:
        n = 1
        while True:
            out.append({**row, "attempt": n})
            if rng.random() >= crash_rate:
                break
            n += 1  # died before marking it sent: the restarted relay publishes it again
    return out, len(rows)


def relay_msg_id(fn) -> Feedback:
    """11.3: ``fn(row)`` gives the ``Nats-Msg-Id`` of an outbox row; the stream (its duplicate
    window) must keep every row exactly once."""
    ex = "11.3"
    todo = _("Write msg_id(row) in the cell above, then run this cell again.")
    publishes, distinct = relay_rows()
    kept = {}  # id -> the row the stream stored under it
    for row in publishes:
        got = attempt(ex, fn, dict(row), what=todo)
        if isinstance(got, Raised):
            return got.feedback
        if got is None:
            return not_attempted(ex, todo)
        if not isinstance(got, str) or not got:
            return failed(ex, _("msg_id should return a non-empty string (a header value)."), got=repr(got),
                          hint="e.g. f\"{row['order']}/{row['event']}\"")
        kept.setdefault(got, row)  # a repeated id inside the window: the server drops it
    rows_kept = [(r["seq"]) for r in kept.values()]
    lost = distinct - len(set(rows_kept))
    twice = len(rows_kept) - len(set(rows_kept))
    if lost == 0 and twice == 0:
        return passed(ex, _("The relay published {n_publishes} times for {distinct} rows; the stream kept "
                            "{distinct}, each row once.").format(n_publishes=len(publishes), distinct=distinct))
    if twice:
        hint = _("The id changes from one attempt to the next, so the server cannot tell a repeat from a new "
                 "message: it must depend only on the row, never on the attempt, the time or chance.")
    else:
        hint = _("Two different rows got the same id, and the server dropped the second as a duplicate: it is "
                 "lost. An order has two events; the id must tell them apart (the row's own identity).")
    return failed(ex, _("The stream kept {n_rows_kept} messages: {twice} rows twice or more, {lost} "
                        "rows never.").format(n_rows_kept=len(rows_kept), twice=twice, lost=lost),
                  expected=_("{distinct} messages, each row once").format(distinct=distinct), got=f"{len(rows_kept)}", hint=hint)
