"""chanlab.workloads: the named jobs that experiments send to threads and processes."""
import multiprocessing
import os
import pickle
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest

from chanlab import workloads
from chanlab.workloads import nap, spin, square, try_unpickle, whoami


def test_spin_returns_the_sum():
    assert spin(0) == 0
    assert spin(1) == 0
    assert spin(10) == 45
    assert spin(1_000) == 1_000 * 999 // 2


@pytest.mark.parametrize("bad, err, words", [
    (-1, ValueError, "int >= 0"),
    (2.5, TypeError, "not float"),
    ("10", TypeError, "not str"),
    (True, TypeError, "not the bool"),
])
def test_spin_says_what_to_pass(bad, err, words):
    with pytest.raises(err, match=words) as info:
        spin(bad)
    assert "spin(1_000_000)" in str(info.value) or err is TypeError


def test_nap_sleeps_and_returns_its_argument():
    t0 = time.monotonic()
    assert nap(0.02) == 0.02
    assert time.monotonic() - t0 >= 0.019
    assert nap(0) == 0


@pytest.mark.parametrize("bad, err", [(-0.1, ValueError), (float("nan"), ValueError),
                                      ("1s", TypeError), (None, TypeError), (False, TypeError)])
def test_nap_rejects_bad_durations(bad, err):
    with pytest.raises(err, match="seconds must be a number >= 0 s"):
        nap(bad)


def test_square_and_whoami():
    assert square(3) == 9
    assert square(1.5) == 2.25
    with pytest.raises(TypeError, match="x must be a number"):
        square("3")
    assert whoami() == os.getpid() == whoami(7)


def test_exports_are_explicit():
    assert sorted(workloads.__all__) == ["nap", "spin", "square", "try_unpickle", "whoami"]
    assert all(callable(getattr(workloads, name)) for name in workloads.__all__)


def test_jobs_pickle_by_name():
    for fn in (spin, nap, square, whoami, try_unpickle):
        assert pickle.loads(pickle.dumps(fn)) is fn


def test_try_unpickle_reports_instead_of_raising():
    assert try_unpickle(pickle.dumps(square)) == "ok: chanlab.workloads.square"
    # a function pickled under a name that the loading process cannot import
    blob = pickle.dumps(square).replace(b"square", b"nosuch")
    assert try_unpickle(blob).startswith("AttributeError: Can't get attribute 'nosuch' on module 'chanlab.workloads'")
    with pytest.raises(TypeError, match="pickle.dumps"):
        try_unpickle("not bytes")


def test_jobs_run_in_spawned_processes():
    """The reason the module exists: a fresh interpreter (spawn) can import the jobs by name."""
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=ctx) as pool:
        assert list(pool.map(spin, [10, 100])) == [45, 4950]
        assert pool.submit(square, 4).result(timeout=60) == 16
        assert pool.submit(whoami).result(timeout=60) != os.getpid()
        assert pool.submit(try_unpickle, pickle.dumps(spin)).result(timeout=60) == "ok: chanlab.workloads.spin"


def test_nap_overlaps_in_threads():
    """IO-bound jobs release the GIL: 4 naps of 50 ms in 4 threads take far less than 200 ms."""
    t0 = time.monotonic()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(nap, [0.05] * 4))
    assert time.monotonic() - t0 < 0.18


@pytest.mark.parametrize("text", [
    "Can't get attribute 'square' on <module '__main__' (built-in)>",  # Python 3.11
    "Can't get attribute 'square' on <module '__main__' (<class '_frozen_importlib.BuiltinImporter'>)>",  # 3.12
])
def test_unpickling_message_is_the_same_on_every_python(text, monkeypatch):
    import pickle

    def fail(blob):
        raise AttributeError(text)

    monkeypatch.setattr(pickle, "loads", fail)
    assert try_unpickle(b"x") == "AttributeError: Can't get attribute 'square' on module '__main__'"
