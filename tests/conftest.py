"""Shared fixtures: every test must leave no thread behind. And the notebook executions that tests read,
started once collection is done (tests/notebook_runs.py)."""
import threading
import time

import pytest

import notebook_runs

# Threads that live for the whole process by design.
PERMANENT = {"chanlab-timers", "IPythonHistorySavingThread"}  # IPython: the test shell of test_gorun


def _extra_threads(before):
    return [t for t in threading.enumerate()
            if t not in before and t.name not in PERMANENT and t.is_alive()
            and type(t).__name__ != "GarbageCollectorThread"]  # pyzmq's, for large messages (nbclient)


@pytest.fixture(autouse=True)
def no_thread_left_behind():
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 2.0
    while _extra_threads(before) and time.monotonic() < deadline:
        time.sleep(0.01)
    left = _extra_threads(before)
    assert not left, f"the test left threads running: {[t.name for t in left]}"


@pytest.fixture
def no_new_thread_at_all():
    """Stricter: not even a thread that is about to end (for code that joins what it starts)."""
    before = set(threading.enumerate())
    yield
    assert [t.name for t in threading.enumerate() if t not in before] == []


def _wait_until(predicate, timeout=2.0, what="condition"):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.001)


@pytest.fixture
def wait_until():
    """Poll a predicate until it is true (to set up a race deterministically, not to time things)."""
    return _wait_until


# --- the notebook executions that tests read (tests/notebook_runs.py) -----------------------------------

def pytest_collection_finish(session):
    """Start the executions that the selected tests will read, in one background process, now."""
    jobs = []
    for item in session.items:
        make_job = getattr(getattr(item, "module", None), "NOTEBOOK_RUN", None)
        callspec = getattr(item, "callspec", None)
        if make_job is not None and callspec is not None and "path" in callspec.params:
            jobs.append(make_job(callspec.params["path"]))
    jobs = [job for job in jobs if job is not None]
    if jobs and not session.config.option.collectonly:
        notebook_runs.start(jobs)


def pytest_sessionfinish(session):
    spent = notebook_runs.finish()
    if spent is not None:
        session.config.add_stage_time("notebook runs (background)", *spent, unit="runs")
