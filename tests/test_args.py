"""chanlab.args: one contract for every argument check (TypeError for a type, ValueError for a
value; the message names the parameter, the value and what is allowed)."""
import math

import pytest

from chanlab import args


@pytest.mark.parametrize("bad, error", [
    (True, TypeError), ("3", TypeError), (2.5, TypeError), (None, TypeError), (-1, ValueError),
    (101, ValueError),
])
def test_count_rejects_with_the_parameter_the_value_and_what_is_allowed(bad, error):
    with pytest.raises(error) as e:
        args.count(bad, "workers", minimum=0, maximum=100)
    msg = str(e.value)
    assert "workers" in msg and (repr(bad) in msg or str(bad) in msg)
    assert "between 0 and 100" in msg


def test_count_returns_an_int_and_lets_none_through_when_asked():
    assert args.count(3, "n") == 3 and type(args.count(3, "n")) is int
    assert args.count(None, "capacity", allow_none=True, none_means="unbounded") is None
    with pytest.raises(TypeError, match="or None for unbounded"):
        args.count("x", "capacity", allow_none=True, none_means="unbounded")


@pytest.mark.parametrize("bad, error", [
    (True, TypeError), ("1", TypeError), (None, TypeError), (float("nan"), ValueError),
    (math.inf, ValueError), (-0.5, ValueError), ([1], TypeError),
])
def test_seconds_rejects(bad, error):
    with pytest.raises(error, match=r"interval must be a number >= 0 s"):
        args.seconds(bad, "interval")


def test_seconds_bounds_and_infinity():
    assert args.seconds(1, "d") == 1.0 and type(args.seconds(1, "d")) is float
    assert args.seconds(math.inf, "timeout", finite=False) == math.inf
    with pytest.raises(ValueError, match=r"> 0 s, got 0"):
        args.seconds(0, "period", positive=True)
    with pytest.raises(ValueError, match=r"between 0 and 2 s, got 3"):
        args.seconds(3, "speed", maximum=2)
    assert args.seconds(None, "timeout", allow_none=True) is None


def test_probability_and_choice():
    assert args.probability(0.25, "failure rate") == 0.25
    with pytest.raises(ValueError, match="failure rate must be a number between 0 and 1, got 1.5"):
        args.probability(1.5, "failure rate")
    assert args.choice("block", "policy", ("block", "drop")) == "block"
    with pytest.raises(ValueError, match=r"policy must be one of 'block', 'drop', got 'blok'"):
        args.choice("blok", "policy", ("block", "drop"))
    with pytest.raises(TypeError, match=r"policy must be one of .*not int 3"):
        args.choice(3, "policy", ("block", "drop"))


def test_a_positive_bounded_number_says_both_bounds():
    with pytest.raises(ValueError, match=r"work must be a number > 0 and <= 60 s, got 0"):
        args.seconds(0, "work", positive=True, maximum=60)
