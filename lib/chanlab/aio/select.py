"""Go's ``select`` statement for asyncio.

Go::

    select {
    case v, ok := <-jobs:      // case 0
        ...
    case results <- r:         // case 1
        ...
    case <-time.After(time.Second):
        ...
    default:                   // only if no case is ready
        ...
    }

chanlab.aio::

    s = await select(jobs.receiving(), results.sending(r), after(1.0).receiving())
    if s.index == 0:
        v, ok = s.value, s.ok
    elif s.index == 1:
        ...
    s = await select(jobs.receiving(), default=True)     # s.index is None: default ran

Like Go's ``runtime/select.go``: if several cases are ready, one is chosen uniformly at random (with
the ``random`` module, so ``random.seed(n)`` makes a run repeatable); if none is ready and there is
no default, the goroutine parks on every channel at once, and the first peer to complete one case
wins; the other cases are withdrawn.
"""

import random

from chanlab.chan import Case, check_timeout
from chanlab.errors import ClosedChannelError
from chanlab.select import Selected, check_cases

from .park import CLOSED, park

__all__ = ["select", "Selected", "Case"]


async def select(*cases, default=False, timeout=None):
    """Go's ``select``: wait until one of ``cases`` can go on, do it, and say which.

    Returns ``Selected(index, value, ok)``: for a receive case the value and ``ok`` as in
    ``v, ok := <-ch``; for a send case ``value=None, ok=True``. With ``default=True`` and no case
    ready it returns ``Selected(None)`` at once (Go's ``default:``).

    A closed channel is ready for receiving (``ok=False``). A send case on a closed channel is
    ready too, and if it is chosen it raises ``ClosedChannelError("send on closed channel")``
    (as in Go, another ready case may be chosen instead). ``select()`` with no cases blocks forever
    (Go's ``select {}``). ``timeout`` seconds without a case raise ``TimeoutError``.
    """
    check_cases(cases, _chan_type(), "chanlab.aio")
    if timeout is not None:
        timeout = check_timeout(timeout)
    ready = [i for i, case in enumerate(cases) if case is not None and
             (case.chan._can_send() if case.is_send else case.chan._can_recv())]
    if ready:
        i = ready[0] if len(ready) == 1 else ready[random.randrange(len(ready))]
        return _commit(cases[i], i)
    if default:
        return Selected(None)
    ops = [
        (case.chan._sendq, case.value, i) if case.is_send else (case.chan._recvq, None, i)
        for i, case in enumerate(cases)
        if case is not None
    ]
    if len({id(op[0]) for op in ops}) < len(ops):
        # Several cases on one channel: queue them in a random order, as Go's selectgo does (it
        # queues in lock order, which is sorted by channel only), so that a partner that arrives
        # later picks among them at random (Go: TestPseudoRandomSend).
        random.shuffle(ops)
    what = "select" if ops else "select (no cases)"
    result = await park(ops, timeout, what, None, select=True)
    if result is CLOSED:
        raise ClosedChannelError("send on closed channel")
    return result


def _chan_type():
    from .chan import Chan  # chan.py imports this module: look it up when first needed

    return Chan


def _commit(case, i):
    """Do a case that is ready (nothing can change in between: we do not await)."""
    ch = case.chan
    if case.is_send:
        ch.try_send(case.value)  # raises ClosedChannelError on a closed channel
        return Selected(i)
    value, ok = ch.try_recv()  # ready: never None
    return Selected(i, value, ok)
