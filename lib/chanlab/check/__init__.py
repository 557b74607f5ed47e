"""``chanlab.check``: checkers for the exercises at the end of each notebook.

Each notebook's checkers live in a module named after its topic (``check.channels`` for 02a,
``check.workers`` for 03, ...); every checker returns a :class:`Feedback`, shown as text::

    from chanlab import check
    check.channels.try_send(try_send)     # ✔ Exercise 02a.1: right. ...

See :mod:`chanlab.check.feedback` for the helpers a checker is built from; ``check.graded("03.2")`` is
the same package for an autograder (a wrong answer raises ``AssertionError``).
"""
from .feedback import (Feedback, Raised, attempt, expect, failed, first_failure, from_panic, graded,
                       not_attempted, passed)

__all__ = ["Feedback", "Raised", "attempt", "expect", "failed", "first_failure", "from_panic", "graded",
           "not_attempted", "passed"]


def __getattr__(name: str):
    """``check.workers`` imports :mod:`chanlab.check.workers` on first use (one module per notebook)."""
    import importlib

    if name.startswith("_"):
        raise AttributeError(name)
    try:
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as err:
        if err.name != f"{__name__}.{name}":
            raise
        raise AttributeError(f"chanlab.check has no checkers called {name!r}") from None
