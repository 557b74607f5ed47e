"""Checkers for the exercises of notebook 07 (NATS). None of them needs a server.

    from chanlab import check
    check.nats.subject_matches(subject_matches)
    check.nats.late_counts(predicted)
    check.nats.idempotent(apply_once)
    check.nats.publish_until_acked(publish_until_acked)
"""
from __future__ import annotations

from .feedback import checker, attempt, digest, failed, first_failure, not_attempted, passed, Raised
from ..i18n import _

__all__ = ["subject_matches", "late_counts", "idempotent", "publish_until_acked"]

_CASES = [("order.*", "order.placed", True), ("order.*", "order.placed.eu", False),
          ("order.*", "order", False), ("order.>", "order.placed.eu", True),
          ("order.>", "order", False), ("order.placed", "order.placed", True),
          ("order.placed", "order.paid", False), ("*.placed", "order.placed", True),
          ("order.*.eu", "order.placed.eu", True), ("order.*.eu", "order.placed", False),
          (">", "order.placed", True), ("*", "order.placed", False)]


@checker
def subject_matches(fn):
    """07.1: ``fn(pattern, subject)`` answers like the NATS server for ``*`` and ``>``."""
    todo = _("Write subject_matches(pattern, subject) in the cell above, then run this cell again.")
    for n, (pattern, subject, want) in enumerate(_CASES):
        got = attempt("07.1", fn, pattern, subject, what=todo)
        if isinstance(got, Raised):
            return got.feedback
        if got is None and n == 0:  # the stub's body is `...`
            return not_attempted("07.1", todo)
        if bool(got) != want or not isinstance(got, bool):
            hint = (_("'>' matches one or more tokens, so 'order.>' does not match 'order' itself")
                    if ">" in pattern else
                    _("'*' matches exactly one token: compare token counts as well as tokens"))
            return failed("07.1", _("subject_matches({pattern!r}, {subject!r}) is wrong.").format(pattern=pattern, subject=subject),
                          expected=repr(want), got=repr(got), hint=hint)
    return passed("07.1", _("All {n__CASES} pattern/subject pairs agree with NATS.").format(n__CASES=len(_CASES)))


#: the run the exercise asks about
LATE = dict(patterns={"audit": "order.*", "eu": "order.*.eu", "late": "order.>"}, events=40,
            joins_after={"late": 24}, topics=("order.placed", "order.paid", "order.shipped", "order.placed.eu"))
#: the count each subscriber receives in that run, as :func:`~chanlab.check.feedback.digest` fingerprints
#: (the answer is not written here: tests/test_check_nats.py works it out with its own subject matcher
#: and checks these)
_LATE_DIGESTS = {"audit": "812cbb8ebb22ab1199b0e3ff1024600d",
                 "eu": "5ec48705caae08bf30a43c41e86398f6",
                 "late": "4b7394e3edbc2380a63133f760f3ff82"}


@checker
def late_counts(predicted):
    """07.2: the counts each subscriber receives in the run described in the notebook (:data:`LATE`)."""
    todo = _("Fill in predicted = {{'audit': ..., 'eu': ..., 'late': ...}} above (three counts).").format()
    if predicted is ... or predicted is None or (
            isinstance(predicted, dict) and any(v is ... for v in predicted.values())):
        return not_attempted("07.2", todo)
    want = _LATE_DIGESTS
    if not isinstance(predicted, dict) or set(predicted) != set(want):
        return failed("07.2", _("predicted should be a dict with one count per subscriber."),
                      expected=f"keys {sorted(want)}", got=repr(predicted),
                      hint="predicted = {'audit': <a count>, 'eu': <a count>, 'late': <a count>}")
    wrong = {k: v for k, v in predicted.items() if digest("07.2", k, _count(v)) != want[k]}
    if not wrong:
        return passed("07.2", _("{want}: the late subscriber gets only what is published after it joins (core "
                                "NATS keeps nothing for it).").format(want=predicted))
    name = sorted(wrong)[0]
    hints = {"audit": _("'order.*' matches two-token subjects only: order.placed.eu is not one"),
             "eu": _("only one of the four topics has three tokens ending in 'eu'"),
             "late": _("the late subscriber missed events 0..23; count the topics of events 24..39")}
    return failed("07.2", _("The count for {name!r} differs.").format(name=name),
                  expected=_("the number of events that {pattern!r} receives in this run").format(
                      pattern=LATE["patterns"][name]),
                  got=repr(predicted[name]), hint=hints[name])


def _count(value):
    """A count as the fingerprints hold it (30.0 and 30 are the same count)."""
    try:
        return int(value) if float(value) == int(value) else value
    except (TypeError, ValueError, OverflowError):
        return value


@checker
def idempotent(fn):
    """07.3: ``fn(balances, seen, delivery)`` applies each job once, however often it is delivered."""
    deliveries = [("j1", "alice", 10), ("j2", "bob", 5), ("j1", "alice", 10),  # j1 redelivered
                  ("j3", "alice", -3), ("j2", "bob", 5), ("j2", "bob", 5)]
    balances, seen = {}, set()
    for d in deliveries:
        got = attempt("07.3", fn, balances, seen, d,
                      what=_("Write apply_once(balances, seen, delivery) above, then run this cell again."))
        if isinstance(got, Raised):
            return got.feedback
    want = {"alice": 7, "bob": 5}
    if balances == {} and not seen:  # the stub's body is `...`
        return not_attempted("07.3", _("Write apply_once(balances, seen, delivery) above, then run this cell again."))
    if balances == want:
        return passed("07.3", _("Six deliveries of three jobs, balances {want}: each job counted once.").format(want=want))
    if balances == {"alice": 17, "bob": 15}:
        return failed("07.3", _("Redelivered jobs were applied again."), expected=repr(want),
                      got=repr(balances), hint=_("remember each job id in seen, and skip ids already there"))
    return failed("07.3", _("The balances differ."), expected=repr(want), got=repr(balances),
                  hint=_("delivery is (job_id, account, amount): add amount to balances[account] "
                         "(starting at 0) the first time a job_id arrives"))


class _Flaky:
    """A publish function that times out ``failures`` times, then acknowledges; it records ids."""

    def __init__(self, failures, error=TimeoutError):
        self.failures, self.error, self.ids = failures, error, []

    def __call__(self, data, msg_id):
        self.ids.append(msg_id)
        if len(self.ids) <= self.failures:
            raise self.error("no PubAck in time")
        return f"ack {msg_id}"


@checker
def publish_until_acked(fn):
    """07.4: ``fn(publish, data, msg_id, attempts)`` retries ``publish(data, msg_id)`` on
    ``TimeoutError`` with the same id, up to ``attempts`` calls, then lets the TimeoutError out."""
    todo = _("Write publish_until_acked(publish, data, msg_id, attempts) above, then run this cell again.")
    results = []
    flaky = _Flaky(2)
    got = attempt("07.4", fn, flaky, b"x", "m-7", 5, what=todo)
    if isinstance(got, Raised):
        return got.feedback
    if got is None and not flaky.ids:  # the stub's body is `...`
        return not_attempted("07.4", todo)
    if got != "ack m-7" or flaky.ids != ["m-7"] * 3:
        results.append(failed("07.4", _("Two timeouts, then an ack: the third call should succeed."),
                              expected=_("3 calls, all with msg_id 'm-7', returning the ack"),
                              got=_("calls with ids {ids}, returned {got!r}").format(ids=flaky.ids, got=got),
                              hint=_("loop: try publish(data, msg_id); return its result; except TimeoutError: try "
                                     "again, with the same msg_id")))
    never = _Flaky(99)
    try:
        fn(never, b"x", "m-8", 3)
        results.append(failed("07.4", _("A publish that always times out must not be retried forever."),
                              expected=_("TimeoutError after 3 calls"), got=_("it returned after {n_ids} calls").format(n_ids=len(never.ids)),
                              hint=_("after the last attempt, raise (or re-raise) the TimeoutError")))
    except TimeoutError:
        if len(never.ids) != 3:
            results.append(failed("07.4", _("The number of attempts is off."), expected="3 calls",
                                  got=f"{len(never.ids)} calls", hint=_("attempts counts calls, not retries")))
    except NotImplementedError:
        return not_attempted("07.4", todo)
    other = _Flaky(1, error=PermissionError)
    try:
        fn(other, b"x", "m-9", 5)
        results.append(failed("07.4", _("Only a timeout is worth a retry."),
                              expected=_("PermissionError on the first call"), got=_("it was swallowed"),
                              hint=_("catch TimeoutError only")))
    except PermissionError:
        if len(other.ids) != 1:
            results.append(failed("07.4", _("Only a timeout is worth a retry."), expected="1 call",
                                  got=f"{len(other.ids)} calls", hint=_("catch TimeoutError only")))
    except Exception as exc:
        results.append(failed("07.4", _("A non-timeout error should come out unchanged."),
                              expected="PermissionError", got=type(exc).__name__,
                              hint=_("catch TimeoutError only")))
    return first_failure("07.4", results, _("Retries on timeouts with the same Nats-Msg-Id (so the stream stores the "
                                            "message once), gives up after 3 calls, and lets other errors out."))
