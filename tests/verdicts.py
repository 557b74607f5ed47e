"""Shared by the checker tests: a checker must give the same verdict every run."""


def assert_same_verdict(checker, answer, verdict, runs=2):
    """``verdict``: True (right), False (not yet) or None (not attempted), ``runs`` times in a row."""
    for _ in range(runs):
        fb = checker(answer)
        if verdict is None:
            assert not fb.attempted and "not attempted" in str(fb), str(fb)
        else:
            assert fb.ok is verdict and fb.attempted, str(fb)
