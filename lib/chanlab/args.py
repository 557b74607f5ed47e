"""Argument checks with one contract, used by every public entry point of chanlab.

Go checks most of this at compile time (``make(chan int, "3")`` does not build) and the rest with a
panic (``make(chan int, -1)``: ``makechan: size out of range``). Python checks at run time, so every
public function, experiment and explorer starts by passing its arguments through these helpers.

The contract:

* a value of the wrong *type* raises ``TypeError`` (a str where seconds go, a bool where a count
  goes: ``True`` is an int in Python, but nobody means one worker by it);
* a value of the right type but outside what is allowed raises ``ValueError`` (a negative count,
  NaN seconds, a policy name that does not exist);
* the message names the parameter, shows the value it got, and says what is allowed, so that a
  learner who moved a slider too far knows what to do.

Each helper returns the value as the caller should use it (an ``int`` for a count, a ``float`` for
seconds), so a check is one line::

    workers = args.count(workers, "workers", minimum=1)
    interval = args.seconds(interval, "interval")
"""

import math
import operator

__all__ = ["count", "seconds", "number", "probability", "choice", "integer", "seed"]


def _is_bool(value):
    return isinstance(value, bool) or type(value).__name__ == "bool_"  # numpy's bool too


def _range(minimum, maximum):
    if maximum is None:
        return f">= {minimum}"
    return f"between {minimum} and {maximum}"


def integer(value, name, *, allowed="an int"):
    """``value`` as an ``int`` (numpy's integers too), or ``TypeError`` naming ``name``."""
    if _is_bool(value):
        raise TypeError(f"{name} must be {allowed}, not the bool {value!r}")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be {allowed}, not {type(value).__name__} {value!r}") from None


def count(value, name, *, minimum=0, maximum=None, allow_none=False, none_means="no limit"):
    """A whole number ``minimum <= value <= maximum`` (``maximum=None``: no upper bound).

    ``allow_none=True`` lets ``None`` through (it is returned as it is); ``none_means`` says in the
    message what ``None`` stands for.
    """
    if value is None and allow_none:
        return None
    allowed = "an int " + _range(minimum, maximum) + (f" (or None for {none_means})" if allow_none else "")
    value = integer(value, name, allowed=allowed)
    if value < minimum or (maximum is not None and value > maximum):
        raise ValueError(f"{name} must be {allowed}, got {value}")
    return value


def number(value, name, *, minimum=None, maximum=None, finite=True, unit="", allow_none=False,
           none_means="no limit", exclusive_minimum=False):
    """A real number (int or float, not bool, not NaN) in ``[minimum, maximum]``, as a ``float``.

    ``finite=False`` accepts ``math.inf``; ``exclusive_minimum=True`` makes the bound ``> minimum``.
    """
    if value is None and allow_none:
        return None
    if minimum is None and maximum is None:
        allowed = "a number"
    elif maximum is None:
        allowed = f"a number {'>' if exclusive_minimum else '>='} {minimum:g}{unit}"
    elif minimum is None:
        allowed = f"a number <= {maximum:g}{unit}"
    elif exclusive_minimum:
        allowed = f"a number > {minimum:g} and <= {maximum:g}{unit}"
    else:
        allowed = f"a number between {minimum:g} and {maximum:g}{unit}"
    if allow_none:
        allowed += f" (or None for {none_means})"
    if _is_bool(value) or not isinstance(value, (int, float)) and not hasattr(value, "__float__"):
        raise TypeError(f"{name} must be {allowed}, not {type(value).__name__} {value!r}")
    try:
        value = float(value)
    except (TypeError, ValueError, OverflowError):
        raise TypeError(f"{name} must be {allowed}, not {type(value).__name__} {value!r}") from None
    if math.isnan(value) or (finite and math.isinf(value)):
        raise ValueError(f"{name} must be {allowed}, got {value}")
    if minimum is not None and (value < minimum or (exclusive_minimum and value == minimum)):
        raise ValueError(f"{name} must be {allowed}, got {value:g}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be {allowed}, got {value:g}")
    return value


def seconds(value, name, *, minimum=0.0, maximum=None, positive=False, allow_none=False,
            none_means="no limit", finite=True):
    """A duration in seconds, as a ``float``: ``>= minimum`` (``> 0`` with ``positive=True``).

    Go's ``time.Duration`` is an integer of nanoseconds; chanlab takes seconds as Python's ``time``
    module does (``0.005`` is 5 ms). ``finite=False`` accepts ``math.inf`` (wait forever).
    """
    return number(value, name, minimum=minimum, maximum=maximum, finite=finite, unit=" s",
                  allow_none=allow_none, none_means=none_means, exclusive_minimum=positive)


def probability(value, name):
    """A fraction between 0 and 1 (a failure rate, a share of slow handlers), as a ``float``."""
    return number(value, name, minimum=0.0, maximum=1.0)


def choice(value, name, options):
    """One of ``options`` (names such as policies or distributions), returned as it is."""
    options = tuple(options)
    if not isinstance(value, str) and all(isinstance(o, str) for o in options):
        raise TypeError(f"{name} must be one of {', '.join(map(repr, options))}, "
                        f"not {type(value).__name__} {value!r}")
    if value not in options:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, options))}, got {value!r}")
    return value


def seed(value, name="seed"):
    """A seed for ``random.Random``: an int (``random.Random`` would take a str or a bool as well,
    and give a run nobody meant)."""
    return integer(value, name, allowed="an int (the same seed gives the same run)")
