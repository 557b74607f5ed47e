"""The checkers of notebook 09 against right answers, typical wrong answers and the stubs, run
several times each: the same verdict every time."""
import pytest
from verdicts import assert_same_verdict

from chanlab.check import sagas as check


def _stub(*a):
    raise NotImplementedError


def right_key(event):
    return event.account


def right_apply(copy, event):
    data = event["data"]
    held = copy.get(data["id"])
    if held is None or held["version"] < data["version"]:
        copy[data["id"]] = data
    return copy


def last_write_wins(copy, event):
    copy[event["data"]["id"]] = event["data"]
    return copy


CASES = [
    (check.predict_messages, {"orchestration": ..., "choreography": ...}, None),
    (check.predict_messages, {"orchestration": 8, "choreography": 4}, True),
    (check.predict_messages, {"orchestration": 6, "choreography": 4}, False),
    (check.predict_messages, {"orchestration": 8, "choreography": 5}, False),
    (check.predict_messages, [8, 4], False),
    (check.partition_key, _stub, None),
    (check.partition_key, right_key, True),
    (check.partition_key, lambda e: e.seq, False),
    (check.partition_key, lambda e: e.branch, False),
    (check.partition_key, lambda e: 0, False),
    (check.partition_key, lambda e: 1.5, False),
    (check.keep_a_copy, _stub, None),
    (check.keep_a_copy, right_apply, True),
    (check.keep_a_copy, last_write_wins, False),
    (check.keep_a_copy, lambda c, e: None, False),
]


@pytest.mark.parametrize("checker, answer, verdict", CASES)
def test_the_same_verdict_every_run(checker, answer, verdict):
    assert_same_verdict(checker, answer, verdict)


def test_wrong_keys_get_the_hint_for_their_mistake():
    assert "same partition" in str(check.partition_key(lambda e: e.seq))
    assert "coarser key" in str(check.partition_key(lambda e: e.branch))
    assert "version" in str(check.keep_a_copy(last_write_wins))


def test_the_fair_spread_is_what_the_finest_order_keeping_key_measures():
    """09.2's checker holds the spread the answer's key gives, not the key (the student bundle ships the
    checker): measured again here."""
    from chanlab.check import sagas
    from chanlab.experiments.ordering import run_ordering

    runs = [run_ordering("partitioned", workers=8, events=300, keys=24, skew=0.5, seed=s,
                         key=lambda e: e.account) for s in range(3)]
    assert max(r.imbalance for r in runs) == sagas._FAIR_IMBALANCE
