"""go(), WaitGroup, panics, interrupts and the deadlock detector (statements 11-13, 18)."""
import _thread
import threading
import time

import pytest

from chanlab import (Chan, DeadlockError, PanicError, WaitGroup, after, go, num_goroutine,
                     select)
from gauge import Gauge  # tests/gauge.py


def finish(a, b, *goroutines):
    """Close the channels a stuck pair waits on and join them; sending on a closed one panics."""
    a.close()
    b.close()
    for g in goroutines:
        try:
            g.join(timeout=2)
        except PanicError:
            pass


# --- go and join ------------------------------------------------------------------------------
def test_go_returns_a_handle_with_the_result():
    g = go(lambda a, b=0: a + b, 2, b=3)
    assert g.join(timeout=2) == 5
    assert not g.is_alive()


def test_join_timeout():
    ch = Chan()
    g = go(ch.recv)
    with pytest.raises(TimeoutError, match="still running"):
        g.join(timeout=0.05)
    ch.close()
    g.join(timeout=2)


def test_go_needs_a_function():
    with pytest.raises(TypeError, match="needs a function"):
        go(42)


def test_num_goroutine():
    ch = Chan()
    before = num_goroutine()
    gs = [go(ch.recv) for _ in range(3)]
    assert num_goroutine() == before + 3
    ch.close()
    for g in gs:
        g.join(timeout=2)
    assert num_goroutine() == before


# --- panics do not vanish -----------------------------------------------------------------------
def test_panic_surfaces_in_join(capsys):
    def boom():
        raise ZeroDivisionError("division by zero")

    g = go(boom)
    with pytest.raises(PanicError, match="ZeroDivisionError: division by zero") as info:
        g.join(timeout=2)
    assert isinstance(info.value.__cause__, ZeroDivisionError)
    assert "panic in goroutine" in capsys.readouterr().err


def test_panic_surfaces_in_a_waiting_main_thread(capsys):
    wg = WaitGroup()
    wg.add(1)

    def forgets_done():
        raise ValueError("bad job")  # never calls wg.done(): Go would crash, we must not hang

    g = go(forgets_done)
    t0 = time.monotonic()
    with pytest.raises(PanicError, match="bad job"):
        wg.wait()
    assert time.monotonic() - t0 < 1.0
    with pytest.raises(PanicError):
        g.join(timeout=2)  # join still reports it
    capsys.readouterr()


# --- WaitGroup ------------------------------------------------------------------------------------
def test_waitgroup_waits_for_all():
    wg = WaitGroup()
    done = Chan(10)
    for i in range(10):
        wg.add(1)

        def worker(i=i):
            try:
                time.sleep(0.01)
                done.send(i)
            finally:
                wg.done()

        go(worker)
    wg.wait(timeout=5)
    assert sorted(done.recv() for _ in range(10)) == list(range(10))
    assert wg.count == 0


def test_waitgroup_negative_counter():
    wg = WaitGroup()
    with pytest.raises(ValueError, match="^sync: negative WaitGroup counter$"):
        wg.done()
    wg.add(2)
    with pytest.raises(ValueError, match="negative WaitGroup counter"):
        wg.add(-3)
    assert wg.count == 2  # unchanged by the failed add


def test_waitgroup_wait_on_zero_returns_at_once():
    WaitGroup().wait(timeout=0)


def test_waitgroup_timeout_and_bad_delta():
    wg = WaitGroup()
    wg.add()
    with pytest.raises(TimeoutError, match="counter at 1"):
        wg.wait(timeout=0.05)
    with pytest.raises(TypeError):
        wg.add(1.0)
    wg.done()
    wg.wait(timeout=0)


def test_many_waiters_all_wake():
    wg = WaitGroup()
    wg.add(1)
    waiters = [go(wg.wait) for _ in range(5)]
    time.sleep(0.02)
    wg.done()
    for g in waiters:
        g.join(timeout=2)


# --- 18. a channel of capacity C is a counting semaphore ----------------------------------------
def test_buffered_channel_as_semaphore_bounds_concurrency():
    sem = Chan(3)
    gauge = Gauge()
    wg = WaitGroup()

    def job():
        try:
            sem.send(None)  # acquire
            with gauge:
                time.sleep(0.005)
            sem.recv()  # release
        finally:
            wg.done()

    for _ in range(20):
        wg.add(1)
        go(job)
    wg.wait(timeout=10)
    assert gauge.peak == 3


# --- 12. the deadlock detector ----------------------------------------------------------------------
def test_lonely_receive_is_a_deadlock_not_a_hang():
    t0 = time.monotonic()
    with pytest.raises(DeadlockError) as info:
        Chan(name="lonely").recv()
    assert time.monotonic() - t0 < 0.5
    assert str(info.value) == "all goroutines are asleep - deadlock!"  # Go's words exactly
    assert info.value.__notes__ == ["goroutine 'MainThread' [chan receive on lonely]"]


class GarbageCollectorThread(threading.Thread):
    """Named like pyzmq's: a kernel client in a test, or a notebook kernel, starts one late."""


class SubshellThread(threading.Thread):
    """Like ipykernel 7's subshell threads (started when a frontend shows a widget)."""

    is_pydev_daemon_thread = True


@pytest.mark.parametrize("kind", [GarbageCollectorThread, SubshellThread])
def test_jupyter_machinery_started_late_does_not_hide_a_deadlock(kind):
    stop = threading.Event()
    t = kind(target=stop.wait, args=(5,), daemon=True)
    t.start()
    try:
        t0 = time.monotonic()
        with pytest.raises(DeadlockError):
            Chan(name="lonely").recv()
        assert time.monotonic() - t0 < 0.5
    finally:
        stop.set()
        t.join(5)


def test_an_unknown_daemon_thread_started_late_keeps_the_detector_careful():
    # it might send one day: no DeadlockError, the wait ends by its timeout instead
    stop = threading.Event()
    t = threading.Thread(target=stop.wait, args=(5,), daemon=True)
    t.start()
    try:
        with pytest.raises(TimeoutError):
            Chan().recv(timeout=0.3)
    finally:
        stop.set()
        t.join(5)


@pytest.mark.parametrize("op", ["send", "select", "select-nothing", "wait", "join"])
def test_every_blocking_operation_detects_deadlock(op):
    ch = Chan()
    blocked = go(ch.recv)  # a goroutine that waits forever on `ch`
    other = Chan()
    wg = WaitGroup()
    wg.add(1)
    actions = {
        "send": lambda: other.send(1),
        "select": lambda: select(other.receiving(), other.sending(1)),
        "select-nothing": lambda: select(),
        "wait": wg.wait,
        "join": blocked.join,
    }
    with pytest.raises(DeadlockError):
        actions[op]()
    ch.close()  # let the blocked goroutine finish
    blocked.join(timeout=2)


def test_no_deadlock_while_a_goroutine_sleeps():
    ch = Chan()

    def late():
        time.sleep(0.3)
        ch.send("late")

    g = go(late)
    assert ch.recv() == "late"
    g.join(timeout=2)


def test_no_deadlock_while_a_timer_is_pending():
    ch = Chan()
    assert select(ch.receiving(), after(0.3).receiving()).index == 1


def test_no_deadlock_while_a_plain_thread_may_still_send():
    ch = Chan()
    t = threading.Thread(target=lambda: (time.sleep(0.3), ch.send("from a plain thread")))
    t.start()
    assert ch.recv() == "from a plain thread"
    t.join()


def test_no_deadlock_while_a_daemon_thread_may_still_send():
    ch = Chan()
    t = threading.Thread(target=lambda: (time.sleep(0.3), ch.send("from a daemon")), daemon=True)
    t.start()
    assert ch.recv() == "from a daemon"
    t.join()


def test_a_partial_deadlock_is_not_reported():
    # Go does not report it either: two goroutines stuck on each other, main still has work.
    a, b = Chan(), Chan()
    g1 = go(lambda: (a.recv(), b.send(1)))
    g2 = go(lambda: (b.recv(), a.send(1)))
    worker = go(lambda: time.sleep(0.3) or "ok")
    assert worker.join() == "ok"
    finish(a, b, g1, g2)


def test_deadlock_with_goroutines_blocked_on_each_other():
    a, b = Chan(), Chan()
    g1 = go(lambda: (a.recv(), b.send(1)))
    g2 = go(lambda: (b.recv(), a.send(1)))
    with pytest.raises(DeadlockError) as info:
        g1.join()
    assert sorted(info.value.__notes__) == sorted([
            "goroutine 'MainThread' [sync.WaitGroup.Wait]",
            f"goroutine {g1.name!r} [chan receive on {a.name}]",
            f"goroutine {g2.name!r} [chan receive on {b.name}]"])
    finish(a, b, g1, g2)


def test_a_goroutine_never_gets_deadlock_error():
    ch = Chan()
    g = go(ch.recv)  # a goroutine blocked forever stays blocked, as the spec says
    time.sleep(0.3)
    assert g.is_alive()
    ch.close()
    g.join(timeout=2)


# --- a kernel interrupt stops a blocked main thread ------------------------------------------------
@pytest.mark.parametrize("op", ["recv", "send", "select", "wait"])
def test_interrupt_stops_a_blocked_main_thread(op):
    ch = Chan()
    keep_busy = Chan()
    busy = go(keep_busy.recv_ok, 30)  # a goroutine with a timeout: no deadlock, main must wait
    wg = WaitGroup()
    wg.add(1)
    actions = {"recv": ch.recv, "send": lambda: ch.send(1), "select": lambda: select(ch.receiving()),
               "wait": wg.wait}
    timer = threading.Timer(0.2, _thread.interrupt_main)
    timer.start()
    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        actions[op]()
    elapsed = time.monotonic() - t0
    timer.join()
    assert elapsed < 0.2 + 0.5
    assert len(ch._recvq) == len(ch._sendq) == 0  # the interrupted operation left nothing behind
    keep_busy.close()
    busy.join(timeout=2)


# --- 11. when main returns, the program exits without waiting for goroutines -------------------
def test_program_exits_without_waiting_for_goroutines():
    import subprocess
    import sys

    script = ("from chanlab import Chan, go\n"
              "go(Chan().recv)              # blocked forever\n"
              "go(__import__('time').sleep, 60)\n"
              "print('main returns')\n")
    t0 = time.monotonic()
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0 and out.stdout == "main returns\n"
    assert time.monotonic() - t0 < 20  # it did not wait for the 60 s sleeper


def test_go_takes_a_name_for_traces_and_errors():
    g = go(lambda: 1, name="answer")
    assert g.name == "answer" and g.thread.name == "answer"
    assert g.join(timeout=2) == 1


def test_chan_is_generic_in_type_hints():
    from chanlab import aio

    assert Chan[int].__origin__ is Chan and aio.Chan[str].__origin__ is aio.Chan


# --- regressions from the adversarial review ------------------------------------------------------
def test_an_interrupt_racing_a_hand_off_never_hangs():
    # The goroutine interrupts main and then sends: main's wait completes and is interrupted at
    # (almost) the same moment. It must end either way: with the value, or with KeyboardInterrupt
    # (which may also land a little later, anywhere in this loop: every step tolerates it).
    outcomes, goroutines = set(), []

    def sender(ch):
        deadline = time.monotonic() + 2
        while not ch._recvq and time.monotonic() < deadline:
            time.sleep(0.0005)  # let main wait in recv first
        _thread.interrupt_main()
        try:
            ch.send(42, timeout=1)
        except TimeoutError:
            pass  # main was interrupted before the hand-off and withdrew: nothing was sent

    for _ in range(30):
        try:
            ch = Chan()
            goroutines.append(go(sender, ch))
            got = ch.recv()
            time.sleep(0.01)  # an interrupt re-raised after the completed receive lands here
            outcomes.add(("value", got))
        except KeyboardInterrupt:
            outcomes.add("interrupted")
    while goroutines:
        try:
            time.sleep(0.01)
            goroutines[-1].join(timeout=5)
            goroutines.pop()
        except KeyboardInterrupt:
            pass
    assert outcomes <= {("value", 42), "interrupted"}


def test_a_woken_goroutine_is_never_left_marked_blocked():
    from chanlab.runtime import current_g

    ch = Chan()
    stale = Chan(1)

    def receiver():
        bad = 0
        for _ in range(3000):
            ch.recv()
            bad += current_g().blocked  # it runs: it must not count as blocked
        stale.send(bad)

    g = go(receiver)
    for i in range(3000):
        ch.send(i)
    g.join(timeout=10)
    assert stale.recv() == 0


def test_infinite_timeouts_mean_no_timeout():
    import math

    ch = Chan()
    g = go(ch.recv, timeout=math.inf)  # no OverflowError in a goroutine
    ch.send("x", timeout=math.inf)
    assert g.join(timeout=2) == "x"


def test_ended_threads_do_not_pile_up_in_the_scheduler():
    from chanlab.runtime import sched

    def touch():
        try:
            Chan().recv(timeout=0.001)
        except TimeoutError:
            pass

    for _ in range(50):
        t = threading.Thread(target=touch)
        t.start()
        t.join()
    touch_from = threading.Thread(target=touch)
    touch_from.start()
    touch_from.join()
    plain = [t for t, g in sched.gs.items() if not g.goroutine and not t.is_alive()]
    assert len(plain) <= 1
