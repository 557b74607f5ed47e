"""The shared checker core: feedback text, attempts, not-attempted stubs."""
import pytest

from chanlab import check
from chanlab.check import (Raised, attempt, expect, failed, first_failure, from_panic, not_attempted,
                           passed)


def test_passed_reads_as_right():
    fb = passed("03.1", "All five workers finished.")
    assert fb and fb.ok
    assert str(fb) == "✔ Exercise 03.1: right. All five workers finished."


def test_failed_shows_expected_got_and_hint_on_their_own_lines():
    fb = failed("03.2", "The counter went below zero.", expected="0", got="-1\nthen a panic",
                hint="Call Add before go.")
    assert not fb
    assert str(fb).splitlines() == [
        "✘ Exercise 03.2: not yet. The counter went below zero.",
        "  Expected: 0",
        "  Got:      -1",
        "            then a panic",
        "  Hint:     Call Add before go.",
    ]


def test_not_attempted_is_not_ok_and_says_so():
    fb = not_attempted("05.1", "Write drop_oldest above.")
    assert not fb.ok and not fb.attempted
    assert str(fb) == "… Exercise 05.1: not attempted yet. Write drop_oldest above."


def test_expect_compares_and_explains():
    assert expect("01.1", 4, 4, what="the count", hint="h").ok
    fb = expect("01.1", 3, 4, what="the count", hint="Count again.")
    assert not fb.ok and "Expected: 4" in str(fb) and "Got:      3" in str(fb)
    assert not expect("01.1", ..., 4, what="the count", hint="h").attempted


def test_attempt_returns_the_value_or_feedback():
    assert attempt("x.1", lambda a, b: a + b, 1, 2) == 3

    def stub():
        ...
        return ...

    def todo():
        raise NotImplementedError

    for fn in (stub, todo):
        r = attempt("x.1", fn)
        assert isinstance(r, Raised) and not r.feedback.attempted
        assert "Write " + fn.__name__ in str(r.feedback)


def test_attempt_turns_a_bug_into_kind_feedback_with_a_matching_hint():
    def buggy():
        raise KeyError("missing")

    r = attempt("x.2", buggy, hints={LookupError: "Look the key up with .get()."})
    assert isinstance(r, Raised) and isinstance(r.error, KeyError)
    assert str(r.feedback).splitlines() == [
        "✘ Exercise x.2: not yet. buggy raised KeyError.",
        "  Got:      KeyError: 'missing'",
        "  Hint:     Look the key up with .get().",
    ]
    r = attempt("x.2", 42)
    assert isinstance(r, Raised) and "Expected a function" in str(r.feedback)


def test_attempt_never_swallows_an_interrupt():
    def interrupted():
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        attempt("x.3", interrupted)


def test_first_failure():
    ok, bad = passed("e", "a"), failed("e", "b")
    assert first_failure("e", [ok, bad, failed("e", "c")], "all") is bad
    assert first_failure("e", [ok, ok], "all good") == passed("e", "all good")


def test_topic_modules_load_lazily_and_unknown_names_are_clear():
    with pytest.raises(AttributeError, match="no checkers called 'nonesuch'"):
        check.nonesuch


def test_from_panic_tells_a_stub_from_a_bug():
    from chanlab import PanicError

    def panic(cause):
        try:
            raise PanicError("worker", cause) from cause
        except PanicError as err:
            return err

    stub = from_panic("x.4", panic(NotImplementedError()), todo="Write f above.", summary="f raised.",
                      hint="h")
    assert not stub.attempted and str(stub) == "… Exercise x.4: not attempted yet. Write f above."
    bug = from_panic("x.4", panic(ZeroDivisionError("division by zero")), todo="t",
                     summary="A stage raised an exception.", hint="Check the divisor.")
    assert str(bug).splitlines() == [
        "✘ Exercise x.4: not yet. A stage raised an exception.",
        "  Got:      ZeroDivisionError: division by zero",
        "  Hint:     Check the divisor.",
    ]


def _panic_left_by_an_earlier_cell(gate=None):
    """A goroutine "an earlier cell" started, which panics (at once, or once ``gate`` is closed)."""
    from chanlab import go

    def broken():
        if gate is not None:
            gate.recv(timeout=5)
        raise ValueError("boom in an earlier cell")

    return go(broken, name="earlier-cell")


def _right_try_send(ch, value):
    from chanlab import select
    return select(ch.sending(value), default=True).index == 0


def test_an_earlier_panic_never_blames_a_right_answer(capsys):
    """A panic pending from an earlier cell: the check judges the answer on its own (✔), and says
    in a separate note that something earlier panicked; the panic does not surface later either."""
    from chanlab import Chan
    from chanlab.check import channels, patterns
    from chanlab.runtime import sched

    g = _panic_left_by_an_earlier_cell()
    g.thread.join(2)
    assert list(sched.panics) == [g]            # pending: the next wait would raise it
    fb = channels.try_send(_right_try_send)
    assert fb.ok, str(fb)
    text = str(fb)
    assert text.startswith("✔ Exercise 02a.1: right.")
    assert "something earlier panicked" in text and "earlier-cell" in text and "boom" in text
    assert not sched.panics                      # reported once, not raised at the next wait
    Chan(1).send(1, timeout=0.1)

    gate = Chan()
    g = _panic_left_by_an_earlier_cell(gate)    # still running when the check starts ...

    def close_results(values, workers):         # 02b.1's solution, waits on channels
        from chanlab import WaitGroup, go
        if not gate.closed:
            gate.close()                         # ... and made to panic while the check runs
            g.thread.join(2)
        jobs, results, wg = Chan(len(values) or 1), Chan(len(values) or 1), WaitGroup()
        for v in values:
            jobs.send(v)
        jobs.close()

        def worker():
            for j in jobs:
                results.send(2 * j)
            wg.done()
        for _ in range(workers):
            wg.add(1)
            go(worker)

        def closer():
            wg.wait()
            results.close()
        go(closer)
        return sorted(results)

    fb = patterns.close_results(close_results)
    assert fb.ok, str(fb)
    assert "something earlier panicked" in str(fb) and "earlier-cell" in str(fb)
    assert not sched.panics
    capsys.readouterr()


def test_a_panic_of_the_answer_itself_is_still_its_own():
    from chanlab.check import channels

    def raises(ch, value):
        raise ValueError("mine")

    fb = channels.try_send(raises)
    assert not fb.ok and "ValueError" in fb.got and "earlier" not in str(fb)
