"""chanlab.partition and chanlab.experiments.ordering: per-key order with partitions."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chanlab.experiments.ordering import run_ordering
from chanlab.partition import partition_for


def test_partition_for_is_stable_and_in_range():
    assert partition_for("account-17", 4) == partition_for("account-17", 4) == 0x0 + (
        __import__("zlib").crc32(b"account-17") % 4)
    assert {partition_for(f"k{i}", 8) for i in range(200)} == set(range(8))
    with pytest.raises(ValueError, match="partitions must be an int >= 1"):
        partition_for("k", 0)
    with pytest.raises(TypeError, match="key must be a str"):
        partition_for(1.5, 4)


def test_one_worker_never_reorders():
    assert run_ordering("competing", workers=1).out_of_order == 0


@settings(max_examples=15, deadline=None)
@given(workers=st.integers(1, 8), skew=st.floats(0, 2), seed=st.integers(0, 1000))
def test_partitions_keep_every_keys_order(workers, skew, seed):
    r = run_ordering("partitioned", workers=workers, events=150, skew=skew, seed=seed)
    assert r.out_of_order == 0 and sum(r.per_worker) == 150


def test_competing_consumers_reorder_and_partitions_pay_in_balance():
    c = run_ordering("competing", workers=8, skew=1.2)
    p = run_ordering("partitioned", workers=8, skew=1.2)
    assert c.out_of_order > 0 and p.out_of_order == 0
    assert p.makespan > c.makespan and p.imbalance > c.imbalance
    assert sum(c.per_worker) == sum(p.per_worker) == 400


@pytest.mark.parametrize("kw, error, match", [
    ({"layout": "sharded"}, ValueError, "layout must be one of"),
    ({"workers": 0}, ValueError, "workers must be an int between 1 and 256"),
    ({"work": 0}, ValueError, "work must be a number > 0 and <= 60 s"),
    ({"skew": "high"}, TypeError, "skew must be a number"),
])
def test_bad_arguments(kw, error, match):
    with pytest.raises(error, match=match):
        run_ordering(**kw)
