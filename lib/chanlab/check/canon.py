"""Checkers for the exercises of notebooks 02c and 02d (the canon of Go's concurrency patterns).

Each function checks one exercise and returns a :class:`~chanlab.check.feedback.Feedback`::

    check.canon.merge_all(merge)
"""
from __future__ import annotations

import asyncio
import threading
import time

from .. import aio, context
from ..chan import Chan
from ..errors import ClosedChannelError, DeadlockError, PanicError
from ..goroutine import go
from .feedback import (checker, Feedback, Raised, attempt, failed, first_failure, from_panic,
                       goroutines_left, goroutines_running, not_attempted, passed)
from ..i18n import _

__all__ = ["merge_all", "hedged_request", "conversation_timeout", "once_value", "fetch_all", "semaphore_map"]


def _not_attempted_panic(ex: str, out: Raised, what: str) -> Feedback:
    """The feedback for a learner's function that raised (a stub's goroutine panics too)."""
    if isinstance(out.error, PanicError):
        return from_panic(ex, out.error, todo=what, summary=_("A goroutine it started panicked."),
                          hint=_("Read the error above, fix the line it names, and run both cells again."))
    return out.feedback


# --- 02c.1 -------------------------------------------------------------------------------------


@checker
def merge_all(fn) -> Feedback:
    """02c.1: ``fn(*chans)`` returns one Chan with every value of the inputs, closed once all the
    inputs are closed; no goroutine is left running afterwards."""
    ex = "02c.1"
    todo = _("Write merge(*chans) in the cell above.")
    if not callable(fn):
        return not_attempted(ex, todo)
    results = []
    for sizes, close_order in (([3, 2, 4], [2, 0, 1]), ([0, 5], [0, 1]), ([1], [0]), ([4, 0, 0, 3], [3, 1, 2, 0])):
        base = goroutines_running()
        inputs = [Chan(name=f"in{i}") for i in range(len(sizes))]
        out = attempt(ex, fn, *inputs, hints={DeadlockError: _("Who closes the output? One goroutine "
                                                                 "waits for all the others, then closes it.")})
        if isinstance(out, Raised):
            for c in inputs:
                c.close()
            return _not_attempted_panic(ex, out, todo)
        if not isinstance(out, Chan):
            for c in inputs:
                c.close()
            return failed(ex, _("merge should return a Chan."), got=repr(out),
                          hint=_("out = Chan(); start the goroutines; return out."))
        sent = [f"in{i}:{k}" for i, n in enumerate(sizes) for k in range(n)]

        def feed():
            # input by input, in close_order: its values, then its close, while the others are still
            # open and have values to come (an output closed too early is found every time)
            try:
                for i in close_order:
                    for k in range(sizes[i]):
                        inputs[i].send(f"in{i}:{k}", timeout=1)
                    time.sleep(0.01)
                    inputs[i].close()
            except (TimeoutError, ClosedChannelError):
                stuck.append(True)  # nobody received from that input

        stuck = []
        feeder = go(feed, name="checker-feed")
        got, closed, panic = [], False, None
        deadline = time.monotonic() + 3
        try:
            while time.monotonic() < deadline:
                try:
                    v, ok = out.recv_ok(timeout=max(0.0, deadline - time.monotonic()))
                except TimeoutError:
                    break
                if not ok:
                    closed = True
                    break
                got.append(v)
            feeder.join(5)
        except PanicError as err:
            panic = err
        except TimeoutError:
            pass
        for c in inputs:
            if not c.closed:
                c.close()
        if panic is not None:
            goroutines_left(base)
            cause = panic.__cause__ or panic
            return failed(ex, _("A goroutine panicked."), got=f"{type(cause).__name__}: {cause}",
                          hint=_("Did a goroutine close the output while others still send on it? Close it once, "
                                 "after every input has been drained (a WaitGroup)."))
        if stuck:
            goroutines_left(base)
            return failed(ex, _("merge stopped receiving from an input."), expected=_("all of {sent}").format(sent=sent),
                          got=f"{got}", hint=_("Every input needs a goroutine that ranges over it until it is closed."))
        if sorted(got) != sorted(sent):
            results.append(failed(ex, _("merge of {n_sizes} inputs received other values.").format(n_sizes=len(sizes)),
                                  expected=repr(sorted(sent)), got=repr(sorted(got)),
                                  hint=_("Forward every value of every input; close the output only after the last input "
                                         "closed.")))
            continue
        if not closed:
            results.append(failed(ex, _("The output was never closed."), expected=_("the output closed once every input is closed"),
                                  got=_("no close within 3 s"), hint="go(lambda: (wg.wait(), out.close()))"))
            continue
        left = goroutines_left(base)
        if left:
            results.append(failed(ex, _("{left} goroutine(s) still running after the output closed.").format(left=left),
                                  expected="0", got=str(left), hint=_("Each forwarding goroutine returns when its input is closed.")))
    return first_failure(ex, results, _("Every value arrived, the output closed after the last input did, and nothing "
                                        "was left running."))


# --- 02c.2 -------------------------------------------------------------------------------------


def _replicas(latencies, calls):
    def make(i, latency):
        async def search(query):
            calls.append(i)
            await aio.sleep(latency)
            return f"replica {i}: {query}"
        return search
    return [make(i, lat) for i, lat in enumerate(latencies)]


def _hedged_expected(latencies, hedge_after):
    """(result index, virtual time, replicas asked) for a hedged request, worked out by hand."""
    best, asked = None, 0
    for i, lat in enumerate(latencies):
        start = i * hedge_after
        if best is not None and best[1] <= start and i < len(latencies):
            break
        asked = i + 1
        done = start + lat
        if best is None or done < best[1]:
            best = (i, done)
    return best[0], best[1], asked


@checker
def hedged_request(fn) -> Feedback:
    """02c.2: ``async def fn(query, replicas, hedge_after)`` asks replica 0, then every
    ``hedge_after`` seconds without an answer the next one; returns the first answer; asks no replica
    after an answer came; leaves no goroutine blocked. Checked on a virtual clock."""
    ex = "02c.2"
    todo = _("Write async def hedged(query, replicas, hedge_after) in the cell above.")
    if not callable(fn):
        return not_attempted(ex, todo)
    cases = [([0.03, 0.5], 0.05), ([0.5, 0.02], 0.05), ([0.5, 0.5, 0.01], 0.1), ([0.2, 0.04, 0.01], 0.1),
             ([0.07], 0.05)]
    for latencies, hedge_after in cases:
        calls = []

        async def main():
            loop = asyncio.get_running_loop()
            result = await fn("q", _replicas(latencies, calls), hedge_after)
            took = loop.time()
            await aio.sleep(2)  # every replica has answered by now: nothing may still be blocked
            blocked = [t.get_name() for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            return result, took, blocked

        try:
            result, took, blocked = aio.run(main(), virtual_time=True, timeout=30)
        except NotImplementedError:
            return not_attempted(ex, todo)
        except DeadlockError:
            return failed(ex, _("hedged(..., {latencies}, {hedge_after}) deadlocked.").format(
                latencies=latencies, hedge_after=hedge_after), got="DeadlockError",
                          hint=_("Wait for an answer with a select on the results channel and "
                                 "aio.after(hedge_after)."))
        except (TypeError, AttributeError) as err:
            if "NoneType" in str(err) or "coroutine" in str(err) or "await" in str(err):
                return failed(ex, _("hedged is not a coroutine function (async def)."), got=f"{type(err).__name__}: {err}",
                              hint=_("Write it with async def and await the channel operations."))
            return failed(ex, _("hedged raised an error."), got=f"{type(err).__name__}: {err}",
                          hint=_("Read the error, fix the line it names, and run both cells again."))
        if result is ...:
            return not_attempted(ex, todo)
        win, when, asked = _hedged_expected(latencies, hedge_after)
        label = _("latencies {latencies}, hedge_after {hedge_after}").format(latencies=latencies, hedge_after=hedge_after)
        if result != f"replica {win}: q":
            return failed(ex, _("With {label} it returned another answer.").format(label=label), expected=repr(f"replica {win}: q"),
                          got=repr(result), hint=_("Return the first answer that arrives, from whichever replica."))
        if round(took, 6) != round(when, 6):
            return failed(ex, _("With {label} the answer came at another time.").format(label=label), expected=f"t = {when:g} s",
                          got=f"t = {took:g} s", hint=_("Ask the next replica after hedge_after seconds without an answer, not after "
                                                        "the previous one has answered."))
        if len(calls) != asked:
            return failed(ex, _("With {label} it asked {n_calls} replica(s).").format(label=label, n_calls=len(calls)), expected=f"{asked}",
                          got=f"{len(calls)}: {sorted(calls)}",
                          hint=_("Ask one replica, then wait up to hedge_after for an answer before asking the "
                                 "next."))
        if blocked:
            return failed(ex, _("With {label}, {n_blocked} goroutine(s) were still blocked after every replica "
                                "had answered.").format(label=label, n_blocked=len(blocked)), expected=_("none"), got=", ".join(blocked),
                          hint=_("A late answer must not block its goroutine: make the results channel buffered, "
                                 "aio.Chan(len(replicas))."))
    return passed(ex, _("The first answer won, later replicas were asked only when the earlier ones "
                        "were slow, and no late answer stranded its goroutine."))


# --- 02d.1 -------------------------------------------------------------------------------------


@checker
def once_value(fn) -> Feedback:
    """02d.1: ``fn(load)`` returns a function ``get()``: the first call (from any thread) calls
    ``load()`` once and every call returns its value; callers that arrive while ``load`` runs wait
    for it. The race is forced: eight threads call ``get`` at the same instant while ``load`` sleeps."""
    ex = "02d.1"
    todo = _("Write once_value(load) in the cell above.")
    if not callable(fn):
        return not_attempted(ex, todo)
    for callers in (8, 3):
        calls = []

        def load():
            calls.append(threading.get_ident())
            time.sleep(0.05)  # everyone else arrives while the first call is loading: the race, forced
            return {"config": len(calls)}

        get = attempt(ex, fn, load)
        if isinstance(get, Raised):
            return get.feedback
        if not callable(get):
            return failed(ex, _("once_value should return a function."), got=repr(get),
                          hint="def get(): ...; return get")
        barrier = threading.Barrier(callers)
        got = [None] * callers
        errors = []

        def caller(i):
            barrier.wait(5)
            try:
                got[i] = get()
            except NotImplementedError as err:
                errors.append(err)
            except Exception as err:  # the learner's bug, reported below
                errors.append(err)

        gs = [go(caller, i, name=f"checker-caller-{i}") for i in range(callers)]
        for g in gs:
            g.join(10)
        if errors:
            err = errors[0]
            if isinstance(err, NotImplementedError):
                return not_attempted(ex, todo)
            return failed(ex, _("get() raised an error."), got=f"{type(err).__name__}: {err}",
                          hint=_("Read the error, fix the line it names, and run both cells again."))
        if len(calls) != 1:
            return failed(ex, _("{callers} threads called get() at once and load() ran {n_calls} times.").format(callers=callers, n_calls=len(calls)),
                          expected=_("load() runs once"), got=_("{n_calls} times").format(n_calls=len(calls)),
                          hint=_("Checking a flag and then setting it is two steps: another thread gets in "
                                 "between. Use chanlab.Once (once.do(...)), or a lock around the check and the "
                                 "load."))
        if any(v != {"config": 1} for v in got):
            return failed(ex, _("Some callers did not get load()'s value."), expected=repr([{"config": 1}] * callers),
                          got=repr(got), hint=_("Callers that arrive while load() runs must wait for it and then return the "
                                                "same value (once.do waits; a flag set before loading does not)."))
    return passed(ex, _("Eight threads raced, load() ran once, and every caller waited for it and got "
                        "its value: Go's sync.OnceValue."))


# --- 02d.2 -------------------------------------------------------------------------------------


@checker
def fetch_all(fn) -> Feedback:
    """02d.2: ``fn(urls, fetch, limit)`` fetches every url with an errgroup of at most ``limit``
    goroutines at a time, ``fetch(ctx, url)`` raising on failure; returns ``(results, err)``:
    ``results`` maps each url fetched to its result, ``err`` the first error (or None); a failure
    cancels the context so that the fetches still running stop early."""
    ex = "02d.2"
    todo = _("Write fetch_all(urls, fetch, limit) in the cell above.")
    if not callable(fn):
        return not_attempted(ex, todo)
    cases = [(["a", "b", "c", "d", "e"], None, 2), (["a", "b", "c", "d", "e", "f"], "c", 2),
             (["x", "y", "z"], None, 1), (["p", "q", "r", "s"], "p", 3)]
    for urls, bad, limit in cases:
        base = goroutines_running()
        lock = threading.Lock()
        state = {"running": 0, "peak": 0, "cancelled": 0, "ctx": []}

        def fetch(ctx, url, bad=bad):
            with lock:
                state["running"] += 1
                state["peak"] = max(state["peak"], state["running"])
                state["ctx"].append(ctx)
            try:
                if url == bad:
                    time.sleep(0.02)
                    raise ValueError(f"fetch {url}: 404")
                if not isinstance(ctx, context.Context):
                    time.sleep(0.06)
                    return url.upper()
                done = ctx.done()
                if done is not None:
                    try:
                        done.recv(timeout=0.06)  # a fetch that takes 60 ms unless cancelled
                        with lock:
                            state["cancelled"] += 1
                        raise context.Canceled
                    except TimeoutError:
                        pass
                else:
                    time.sleep(0.06)
                return url.upper()
            finally:
                with lock:
                    state["running"] -= 1

        out = attempt(ex, fn, urls, fetch, limit)
        if isinstance(out, Raised):
            return _not_attempted_panic(ex, out, todo)
        if not (isinstance(out, tuple) and len(out) == 2 and isinstance(out[0], dict)):
            return failed(ex, _("fetch_all should return (results, err)."), got=repr(out),
                          hint="return results, g.wait()")
        results, err = out
        label = (_("fetch_all({urls}, limit={limit}) with {bad!r} failing") if bad else "fetch_all({urls}, limit={limit})"
                 ).format(urls=urls, limit=limit, bad=bad)
        if state["peak"] > limit:
            return failed(ex, _("{label} ran {peak} fetches at once.").format(label=label, peak=state['peak']), expected=_("at most {limit}").format(limit=limit),
                          got=str(state["peak"]), hint=_("g.set_limit(limit) before the first g.go(...)."))
        if bad is None:
            expected = {u: u.upper() for u in urls}
            if err is not None or results != expected:
                return failed(ex, _("{label} returned other results.").format(label=label), expected=repr((expected, None)),
                              got=repr((results, err)), hint=_("Store each fetch's result under its url; return g.wait() as err."))
        else:
            if not (isinstance(err, ValueError) and bad in str(err)):
                return failed(ex, _("{label}: err should be the failing fetch's error.").format(label=label),
                              expected=f"ValueError('fetch {bad}: 404')", got=repr(err),
                              hint=_("g.wait() returns the first exception a function of the group raised."))
            if not state["ctx"] or not all(isinstance(c, context.Context) and c is not context.background()
                                           for c in state["ctx"]):
                return failed(ex, _("{label}: the fetches did not get the group's context.").format(label=label),
                              expected=_("fetch(ctx, url) with ctx from errgroup.with_context"),
                              got=repr(state["ctx"][:1]), hint=_("g, ctx = errgroup.with_context(context.background())"))
            if state["cancelled"] == 0:
                return failed(ex, _("{label}: no fetch was cancelled after {bad!r} failed.").format(label=label, bad=bad),
                              expected=_("the fetches running when it failed stop early"), got=_("none stopped"),
                              hint=_("Pass the ctx of errgroup.with_context to every fetch: the first error cancels "
                                     "it."))
        left = goroutines_left(base)
        if left:
            return failed(ex, _("{label} left {left} goroutine(s) running.").format(label=label, left=left), expected="0", got=str(left),
                          hint=_("g.wait() waits for every goroutine of the group."))
    return passed(ex, _("At most `limit` fetches at a time, the first error returned, and the others "
                        "cancelled through the group's context: errgroup with SetLimit and WithContext."))


# --- 02c.3 -------------------------------------------------------------------------------------


@checker
def conversation_timeout(fn) -> Feedback:
    """02c.3: ``async def fn(c, within)`` returns the messages received on ``c`` before ``within``
    seconds have passed *in all* (one timer for the whole conversation), and leaves at once when
    ``c`` is closed. Checked on a virtual clock against a talker that is never silent for long."""
    ex = "02c.3"
    todo = _("Write async def listen(c, within) in the cell above.")
    if not callable(fn):
        return not_attempted(ex, todo)
    for every, n, within in ((0.3, 10, 1.0), (0.1, 5, 2.0), (0.25, 8, 0.6)):
        async def main():
            loop = asyncio.get_running_loop()
            c = aio.Chan()

            async def talker():
                for i in range(n):
                    await aio.sleep(every)
                    await c.send(i)
                c.close()

            aio.go(talker)
            got = await fn(c, within)
            return got, loop.time()

        try:
            got, took = aio.run(main(), virtual_time=True, timeout=30)
        except NotImplementedError:
            return not_attempted(ex, todo)
        except DeadlockError:
            return failed(ex, _("listen deadlocked."), got="DeadlockError",
                          hint=_("When c is closed (ok is False), stop and return what you have."))
        except TimeoutError:
            return failed(ex, _("listen never returned."), got=_("still running after 30 s"),
                          hint=_("A closed channel is always ready to receive from: when ok is False, return."))
        except Exception as err:  # the learner's bug, reported as feedback
            return failed(ex, _("listen raised an error."), got=f"{type(err).__name__}: {err}",
                          hint=_("Write it with async def; select on c.receiving() and one timeout channel."))
        if got is ...:
            return not_attempted(ex, todo)
        arrivals = [every * (i + 1) for i in range(n)]
        expected = [i for i, t in enumerate(arrivals) if t < within]
        label = _("a message every {every} s, {n} messages, within={within}").format(every=every, n=n, within=within)
        if list(got or []) != expected:
            per_message = list(range(n))
            hint = (_("A new aio.after(within) in every loop turn bounds each message, not the conversation: "
                      "make the timer once, before the loop.") if list(got or []) == per_message else
                    _("Collect every value received before the one timer fires."))
            return failed(ex, _("With {label} it returned other messages.").format(label=label), expected=repr(expected),
                          got=repr(got), hint=hint)
        end = min(within, every * n)
        if round(took, 6) > round(end, 6):
            return failed(ex, _("With {label} it returned late.").format(label=label), expected=_("by t = {end:g} s").format(end=end),
                          got=f"t = {took:g} s", hint=_("Return as soon as the timer fires or c is closed."))
    return passed(ex, _("One timer for the whole conversation: the talker was cut off on time, however "
                        "short its pauses."))


# --- 02d.3 -------------------------------------------------------------------------------------


@checker
def semaphore_map(fn) -> Feedback:
    """02d.3: ``fn(work, items, n)`` calls ``work(item)`` for every item in its own goroutine, at
    most ``n`` at a time (a buffered channel as semaphore), and returns the results in the order of
    ``items``. ``work`` sleeps, so the checker sees how many ran at once: not more than ``n``, and
    ``n`` (not fewer) when there is enough work."""
    ex = "02d.3"
    todo = _("Write bounded_map(work, items, n) in the cell above.")
    if not callable(fn):
        return not_attempted(ex, todo)
    for items, n in ((list(range(9)), 3), (list(range(4)), 1), (list(range(5)), 8), ([], 2)):
        base = goroutines_running()
        lock = threading.Lock()
        state = {"running": 0, "peak": 0}

        def work(x):
            with lock:
                state["running"] += 1
                state["peak"] = max(state["peak"], state["running"])
            time.sleep(0.05)  # long enough for every goroutine that may run to be running
            with lock:
                state["running"] -= 1
            return x * x

        out = attempt(ex, fn, work, items, n)
        if isinstance(out, Raised):
            return _not_attempted_panic(ex, out, todo)
        label = _("bounded_map(work, {n_items} items, n={n})").format(n_items=len(items), n=n)
        if list(out or []) != [x * x for x in items]:
            return failed(ex, _("{label} returned other results.").format(label=label), expected=repr([x * x for x in items]),
                          got=repr(out), hint=_("Put each result at its item's index: results[i] = work(items[i])."))
        want = min(n, len(items))
        if state["peak"] > n:
            return failed(ex, _("{label} ran {peak} at once.").format(label=label, peak=state['peak']), expected=_("at most {value}").format(value=n),
                          got=str(state["peak"]), hint=_("Take a slot (sem.send(None)) before the work and give it back (sem.recv()) "
                                                         "after, with sem = Chan(n)."))
        if state["peak"] < want:
            return failed(ex, _("{label} ran only {peak} at once.").format(label=label, peak=state['peak']), expected=_("{want} at once").format(want=want),
                          got=str(state["peak"]), hint=_("A lock lets one through; a Chan(n) lets n through. Start one goroutine per "
                                                         "item and let the semaphore hold them back."))
        left = goroutines_left(base)
        if left:
            return failed(ex, _("{label} left {left} goroutine(s) running.").format(label=label, left=left), expected="0", got=str(left),
                          hint=_("Wait for all of them (a WaitGroup, or join each) before returning."))
    return passed(ex, _("Exactly n at a time, never more: a buffered channel of n slots is a semaphore."))
