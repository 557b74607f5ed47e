"""Checkers for the exercises of notebook 04 (the publisher and its drops).

Each function checks one exercise and returns a :class:`~chanlab.check.feedback.Feedback`::

    check.publisher.drop_oldest(offer_drop_oldest)
"""
from __future__ import annotations

import queue
import time

from .. import aio, context
from ..chan import Chan
from ..errors import DeadlockError, PanicError
from ..experiments import publish
from ..policies import DROP_OLDEST, BlockTimeout
from .feedback import (checker, Feedback, Raised, attempt, failed, first_failure, from_panic, not_attempted,
                       passed)
from ..i18n import _

__all__ = ["predict_drops", "drop_oldest", "stop_cleanly", "never_drops", "block_timeout"]


@checker
def predict_drops(prediction: dict) -> Feedback:
    """04.1: 30 messages every 10 ms on an unbuffered channel with select/default, a consumer that
    takes 35 ms each. ``prediction`` is ``{"delivered": int, "messages": [seq, ...]}``, compared
    with ``publish(30, 0.010, 0.035)``."""
    ex = "04.1"
    if prediction is ... or (isinstance(prediction, dict) and any(v is ... for v in prediction.values())):
        return not_attempted(ex, _("Replace each ... in prediction, then run this cell again."))
    if not isinstance(prediction, dict) or set(prediction) != {"delivered", "messages"}:
        return failed(ex, _("prediction should be a dict with the keys 'delivered' and 'messages'."),
                      got=repr(prediction), hint=_("Copy the dict from the stub; change only the values."))
    r = publish(30, 0.010, 0.035)
    seqs = [m.seq for m in r.messages if m.outcome == "delivered"]
    measured = {"delivered": r.delivered, "messages": seqs}
    try:
        got = {"delivered": int(prediction["delivered"]), "messages": list(prediction["messages"])}
    except (TypeError, ValueError):
        got = prediction
    if got == measured:
        return passed(ex, _("{delivered} delivered: {seqs}. The consumer is free again only every 4th offer "
                            "(35 ms rounded up to whole 10 ms intervals).").format(delivered=r.delivered, seqs=seqs))
    return failed(ex, _("Your prediction differs from the run."), expected=repr(measured),
                  got=repr(prediction),
                  hint=_("An unbuffered send with default gets in only if the consumer is waiting at "
                         "that moment: after message 0 it is busy until t = 35 ms, so the next offer it "
                         "sees is at t = 40 ms."))


class _Watched(aio.Chan):
    """An ``aio.Chan`` that notes each call of a waiting operation (``send``, ``recv``,
    ``recv_ok``): an exercise that allows only select with default can tell them apart, although
    on a full buffer a receive returns at once and so gives the same messages."""

    def __init__(self, capacity=0, name=None):
        super().__init__(capacity, name=name)
        self.waiting_calls = []

    async def send(self, value, timeout=None):
        self.waiting_calls.append("send")
        return await super().send(value, timeout)

    async def recv(self, timeout=None):
        self.waiting_calls.append("recv")
        return await super().recv(timeout)

    async def recv_ok(self, timeout=None):
        self.waiting_calls.append("recv_ok")
        return await super().recv_ok(timeout)


async def _run_offer(offer, n, interval, consumer_time, capacity, calls=None):
    """The exercise's harness: a publisher that offers with ``offer``; a slow consumer (it ranges
    over the channel, so ``calls`` collects only the waiting operations that ``offer`` called)."""
    ch = _Watched(capacity)
    if calls is not None:
        ch.waiting_calls = calls
    dropped, received = [], []

    async def publisher():
        try:
            for i in range(n):
                await offer(ch, i, dropped)
                await aio.sleep(interval)
        finally:
            ch.close()

    aio.go(publisher)
    async for v in ch:
        received.append(v)
        await aio.sleep(consumer_time)
    return received, dropped


def _delivered(run):
    return [m.seq for m in run.messages if m.outcome == "delivered"]


def _compare_offer(ex, todo, workloads, wrong, raised_hint, drop_hint, summary, only_select=False):
    """Run a learner's offer in the harness on each workload ``(offer, n, interval,
    consumer_time, capacity, policy)`` (virtual time) and compare what arrives with
    ``publish(..., policy)``. ``wrong(received, dropped, n, capacity)`` returns the summary and
    the hint for a run that delivered other messages."""
    results = []
    for offer, n, interval, consumer_time, capacity, policy in workloads:
        calls = []
        try:
            received, dropped = aio.run(_run_offer(offer, n, interval, consumer_time, capacity,
                                                   calls), virtual_time=True, timeout=60)
        except NotImplementedError:
            return not_attempted(ex, todo)
        except (DeadlockError, PanicError, TypeError) as err:
            cause = err.__cause__ if isinstance(err, PanicError) and err.__cause__ else err
            if isinstance(cause, NotImplementedError):
                return not_attempted(ex, todo)
            return failed(ex, _("The run raised {__name__}.").format(__name__=type(cause).__name__), got=str(cause),
                          hint=raised_hint)
        want = _delivered(publish(n, interval, consumer_time, capacity, policy))
        recvs = [c for c in calls if c != "send"]   # a waiting send fails below (nothing dropped)
        if only_select and recvs:
            op, calls = recvs[0], recvs
            return failed(ex, _("offer used a waiting ch.{op}(): the exercise allows only select with default.").format(op=op), expected=_("only aio.select(..., default=True)"),
                          got=_("await ch.{op}(...) ({n_calls} call(s))").format(op=op, n_calls=len(calls)),
                          hint=_("A full buffer is never emptied by waiting: drop the oldest with "
                                 "aio.select(ch.receiving(), default=True), then try the send again with "
                                 "aio.select(ch.sending(v), default=True)."))
        if received != want:
            what, hint = wrong(received, dropped, n, interval, consumer_time, capacity)
            results.append(failed(ex, what, expected=repr(want), got=repr(received), hint=hint))
        elif sorted(received + dropped) != list(range(n)):
            results.append(failed(ex, _("Every message should be either delivered or in dropped."),
                                  expected=_("{value} messages in all").format(value=n),
                                  got=_("{delivered} delivered + {dropped} dropped").format(
                                      delivered=len(received), dropped=len(dropped)), hint=drop_hint))
    return first_failure(ex, results, summary)


@checker
def drop_oldest(offer) -> Feedback:
    """04.2: ``async def offer(ch, v, dropped)`` puts ``v`` on the buffered ``ch``; when full it
    receives (and appends to ``dropped``) the oldest message and tries again, with select/default
    only. Must deliver what ``publish(..., policy="drop_oldest")`` delivers."""
    ex = "04.2"
    todo = _("Write async def offer_drop_oldest(ch, v, dropped) above.")
    if offer is ... or not callable(offer):
        return not_attempted(ex, todo)

    def wrong(received, dropped, n, interval, consumer_time, capacity):
        hint = (_("Nothing was dropped: the send waited for room. Use "
                  "aio.select(ch.sending(v), default=True) so that a full buffer is noticed.")
                if not dropped else
                _("When the buffer is full, drop the OLDEST (receive one from ch), then try "
                  "sending v again, in a loop; do not skip v itself."))
        return (_("With {n} messages and a buffer of {capacity}, other messages were delivered than "
                  "with policy='drop_oldest'.").format(n=n, capacity=capacity), hint)

    return _compare_offer(
        ex, todo, [(offer, 20, 0.010, 0.025, 4, DROP_OLDEST), (offer, 15, 0.010, 0.030, 2, DROP_OLDEST)],
        wrong, raised_hint=_("offer must be async def and use await aio.select(..., default=True) for "
                             "both the send and the drop."),
        drop_hint=_("Append each dropped message (the one received from ch) to dropped."),
        summary=_("Drop-oldest by hand, with select/default only, delivers exactly what the library's "
                  "drop_oldest policy does."), only_select=True)


def _wait_until_blocked_sending(g, ch, within=1.0):
    """Wait (at most ``within`` s) until goroutine ``g`` waits to send on ``ch`` -- a plain send
    or a select with a case on ``ch`` -- so that the cancel() that follows finds it blocked in the
    send: a publisher that ignores cancellation there is caught every time, never by luck."""
    from ..runtime import sched

    deadline = time.monotonic() + within
    while time.monotonic() < deadline and getattr(g, "is_alive", lambda: False)():
        st = sched.gs.get(getattr(g, "thread", None))
        waiting = (st.waiting or "") if st is not None else ""
        if st is not None and st.blocked and (waiting.startswith("chan send on ")
                                              or waiting.startswith("select on ")) \
                and getattr(ch, "name", None) in waiting.split(" on ", 1)[-1].split(","):
            return
        time.sleep(0.002)


@checker
def stop_cleanly(cancellable_publisher) -> Feedback:
    """04.3: ``cancellable_publisher(ctx)`` returns ``(ch, goroutine)``: it sends 0, 1, 2, ... on
    ``ch`` until ``ctx`` is canceled, then returns and closes ``ch``."""
    ex = "04.3"
    for take in (5, 0):
        ctx, cancel = context.with_cancel(context.background())
        out = attempt(ex, cancellable_publisher, ctx)
        if isinstance(out, Raised):
            cancel()
            return out.feedback
        try:
            ch, g = out
        except (TypeError, ValueError):
            cancel()
            return failed(ex, _("It should return the channel and the goroutine."), got=repr(out),
                          hint="return ch, go(loop)")
        got = []
        try:
            for _unused in range(take):
                got.append(ch.recv(timeout=2.0))
        except TimeoutError:
            pass
        _wait_until_blocked_sending(g, ch)
        cancel()
        try:
            g.join(timeout=1.0)  # it was waiting in its send: a select on ctx.done() ends at once
        except TimeoutError:
            ch.close()          # wakes a publisher blocked in send, so that it ends
            try:
                g.join(timeout=2.0)
            except (TimeoutError, PanicError):
                pass
            return failed(ex, _("After cancel() the publisher was still running 1 s later."),
                          expected=_("the publisher returns soon after cancel()"),
                          got=_("still blocked (probably in a send that nobody receives)"),
                          hint=_("Make every send a select with a ctx.done().receiving() case: "
                                 "select(ctx.done().receiving(), ch.sending(i))."))
        except PanicError as err:
            return from_panic(ex, err, todo=_("Write cancellable_publisher(ctx) in the cell above."),
                              summary=_("The publisher raised an exception."),
                              hint=_("Read the error, fix the line it names, and run both cells again."))
        if got != list(range(take)):
            return failed(ex, _("main received other messages than 0..{take}.").format(take=take - 1),
                          expected=repr(list(range(take))), got=repr(got),
                          hint=_("Send i, then i + 1, ... with a short pause between."))
        if not ch.closed:
            return failed(ex, _("The publisher ended but left its channel open."),
                          expected=_("ch.closed is True"), got="False",
                          hint=_("Close the channel in a finally: so that a ranging receiver ends too."))
    return passed(ex, _("The publisher sent until cancel(), then returned and closed its channel: "
                        "nothing left running, nobody left waiting."))


class _CheckQueue(queue.Queue):
    """A queue.Queue that refuses to wait: a put that would block on a full queue raises at once."""

    def put(self, item, block=True, timeout=None):
        if block and self.maxsize > 0 and self.full():
            raise TimeoutError(_("q.put() would wait for ever on a full queue with nobody consuming"))
        super().put(item, block, timeout)


@checker
def never_drops(drops_queue, drops_chan) -> Feedback:
    """04.4: ``drops_queue(q, offers=20)`` and ``drops_chan(ch, offers=20)`` offer 0..offers-1
    without waiting and return how many did not get in."""
    ex = "04.4"
    hint_wait = {TimeoutError: _("Offer without waiting: q.put_nowait(i) and except queue.Full."),
                 DeadlockError: _("Offer without waiting: select(ch.sending(i), default=True).")}
    cases = [(drops_queue, _CheckQueue(), 20, 0, "queue.Queue()"),
             (drops_queue, _CheckQueue(1), 20, 19, "queue.Queue(1)"),
             (drops_queue, _CheckQueue(5), 10, 5, "queue.Queue(5)"),
             (drops_chan, Chan(1), 20, 19, "Chan(1)"),
             (drops_chan, Chan(), 20, 20, "Chan()"),
             (drops_chan, Chan(3), 10, 7, "Chan(3)")]
    results = []
    for fn, q, offers, want, label in cases:
        out = attempt(ex, fn, q, offers, hints=hint_wait)
        if isinstance(out, Raised):
            return out.feedback
        if out != want:
            results.append(failed(ex, _("{name}({label}, offers={offers}) counted other drops.").format(
                                      name=getattr(fn, '__name__', 'it'), label=label, offers=offers),
                                  expected=str(want), got=repr(out),
                                  hint=_("queue.Queue() (maxsize 0) has no limit, so nothing is ever full; Chan() has no "
                                         "buffer, so with no receiver nothing gets in.")))
    return first_failure(ex, results, _("Queue() never drops because maxsize=0 means unbounded; Chan() drops everything "
                                        "no receiver is waiting for."))


@checker
def block_timeout(offer) -> Feedback:
    """04.5: ``async def offer(ch, v, timeout, dropped)`` sends ``v`` on ``ch``, waiting at most
    ``timeout`` seconds for room; if there is none by then it appends ``v`` to ``dropped``. Must
    deliver what ``publish(..., policy=BlockTimeout(timeout))`` delivers (virtual time)."""
    ex = "04.5"
    todo = _("Write async def offer_block_timeout(ch, v, timeout, dropped) above.")
    if offer is ... or not callable(offer):
        return not_attempted(ex, todo)

    def with_timeout(timeout):
        async def offer_with(ch, v, dropped):
            await offer(ch, v, timeout, dropped)
        return offer_with

    def wrong(received, dropped, n, interval, consumer_time, capacity):
        if not dropped:
            hint = _("Nothing was dropped: the send waited for room as long as it took (block). "
                     "Add a second case to the select: aio.after(timeout).receiving().")
        elif received == _delivered(publish(n, interval, consumer_time, capacity, "drop_newest")):
            hint = _("This is drop_newest: a full channel is given up on at once. Wait for the "
                     "timer instead of using default=True.")
        else:
            hint = _("Wait once, for at most timeout seconds: select between sending v and "
                     "aio.after(timeout); drop v only when the timer's case wins.")
        return (_("With {n} messages and a buffer of {capacity}, other messages were delivered than "
                  "with the block_timeout policy.").format(n=n, capacity=capacity), hint)

    workloads = [(with_timeout(t), n, interval, consumer_time, capacity, BlockTimeout(t))
                 for n, interval, consumer_time, capacity, t in ((30, 0.010, 0.025, 0, 0.012),
                                                                  (20, 0.010, 0.030, 2, 0.005))]
    return _compare_offer(
        ex, todo, workloads, wrong,
        raised_hint=_("offer must be async def and await one aio.select with two cases: "
                      "ch.sending(v) and aio.after(timeout).receiving()."),
        drop_hint=_("Append v to dropped when the timer's case wins."),
        summary=_("Waiting at most a timeout, then dropping, delivers exactly what the library's "
                  "block_timeout policy does: fewer drops than drop_newest, and a publisher that never "
                  "waits longer than the timeout."))
