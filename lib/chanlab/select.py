"""Go's ``select`` statement for threads, built like ``runtime/select.go``.

Go::

    select {
    case v, ok := <-results:     // case 0
        use(v, ok)
    case jobs <- next:           // case 1
        next++
    case <-time.After(time.Second):
        fmt.Println("timeout")   // case 2
    default:                     // only with default: never wait
        fmt.Println("nothing ready")
    }

chanlab::

    sel = select(results.receiving(), jobs.sending(next), after(1.0).receiving(), default=True)
    if sel.index == 0:   use(sel.value, sel.ok)
    elif sel.index == 1: next += 1
    elif sel.index == 2: print("timeout")
    else:                print("nothing ready")      # sel.index is None: the default ran

How it works (three passes, as in Go): lock every channel of the select, in one global order so
that two selects never wait on each other's locks; look at the cases in a random order and
complete the first that is ready (so that among several ready cases each is equally likely, as
in Go); if none is ready, put one waiter in every channel's queue, all sharing this thread's
parking lock and one claim, unlock and sleep. The first peer to take the claim completes its
case and wakes us; the waiters left in the other queues are stale and are removed on the way out.
"""
import random
from typing import Any, NamedTuple, Optional

from .chan import Case, Chan, check_timeout
from .errors import ClosedChannelError
from .runtime import Sudog, block, current_g, will_park

__all__ = ["select", "Selected", "Case"]


class Selected(NamedTuple):
    """What ``select`` did: ``index`` of the case that ran (``None`` for ``default``); for a receive
    case its ``value`` and ``ok`` (as in ``v, ok := <-ch``); for a send case ``value=None, ok=True``."""

    index: Optional[int]
    value: Any = None
    ok: bool = True


def check_cases(cases, chan_type, flavour):
    """Raise a clear error for anything that is not a case of this flavour (``None`` is allowed:
    a nil channel). Shared by ``chanlab.select`` and ``chanlab.aio.select``."""
    for i, c in enumerate(cases):
        if c is not None and not isinstance(c, Case):
            raise TypeError(
                f"select case {i} is {c!r}; make cases with ch.receiving() or ch.sending(value), "
                f"or pass None for a case that must never run (Go's nil channel)"
            )
        if c is not None and not isinstance(c.chan, chan_type):
            raise TypeError(
                f"select case {i} is on {c.chan!r}, which is not a {flavour} channel: threads use "
                f"chanlab.Chan with chanlab.select, asyncio uses chanlab.aio.Chan with await chanlab.aio.select"
            )


def _order(n):
    """A random order of n cases (Go: ``cheaprandn`` shuffles pollorder)."""
    if n == 1:
        return (0,)
    order = list(range(n))
    random.shuffle(order)
    return order


def select(*cases, default=False, timeout=None):
    """Wait until one of ``cases`` can run, run it, and return :class:`Selected`.

    ``default=True`` is Go's ``default:`` clause: if no case is ready, return ``Selected(None)`` at
    once. ``timeout`` (seconds) raises the built-in ``TimeoutError`` when no case ran in time (the
    Go idiom is a ``case <-time.After(d)``, which works too). A ``None`` case is never ready. With
    no case ready and no default, ``select()`` waits forever: ``select {}``.
    A send case on a closed channel raises ``ClosedChannelError``, as Go panics.
    """
    check_cases(cases, Chan, "chanlab (threads)")
    if timeout is not None:
        timeout = check_timeout(timeout)
    chans = list({id(c.chan): c.chan for c in cases if c is not None}.values())
    if len(chans) > 1:
        chans.sort(key=id)  # one global lock order (Go sorts by address: lockorder)
    for ch in chans:
        ch._lock.acquire()

    # pass 1: is any case ready? Look in random order.
    order = _order(len(cases))
    for i in order:
        c = cases[i]
        if c is None:
            continue
        ch = c.chan
        if c.is_send:
            if ch._closed:
                _unlock(chans)
                raise ClosedChannelError("send on closed channel")
            if ch._send_now(c.value):
                _unlock(chans)
                return Selected(i, None, True)
        else:
            r = ch._recv_now()
            if r is not None:
                _unlock(chans)
                return Selected(i, r[0], r[1])
    if default:
        _unlock(chans)
        return Selected(None)
    if timeout == 0:
        _unlock(chans)
        raise TimeoutError("no select case was ready (timeout=0)")

    # pass 2: queue a waiter on every channel, then sleep. In the random order of pass 1: where
    # several cases wait on one channel, a partner that comes later picks among them at random
    # (Go queues them in lock order, sorted by channel only: TestPseudoRandomSend).
    g = current_g()
    waiting = []
    for i in order:
        c = cases[i]
        if c is None:
            continue
        s = Sudog(g, c.value, i, True)
        queue = c.chan._sendq if c.is_send else c.chan._recvq
        queue.append(s)
        waiting.append((c.chan, queue, s))
    will_park(g, timeout)
    _unlock(chans)

    def withdraw():
        # On a timeout, whoever takes g.claim first wins: us (nothing happened) or a peer (it did).
        if g.claim.acquire(False):
            return True
        for ch in chans:  # the peer that won woke us inside one of these locks: it is done now
            with ch._lock:
                pass
        return False

    try:
        done = block(g, timeout, withdraw, ",".join(ch.name for ch in chans) or None,
                     "select" if waiting else "select (no cases)")
    finally:
        # pass 3: take the stale waiters out of the other queues, then free the claim for next time.
        for ch, queue, s in waiting:
            if not s.done:
                with ch._lock:
                    try:
                        queue.remove(s)
                    except ValueError:
                        pass  # a peer already dropped it
        g.claim.release()
    if not done:
        raise TimeoutError(f"no select case was ready within {timeout} s")
    i = g.index
    if cases[i].is_send:
        if not g.ok:
            raise ClosedChannelError("send on closed channel")
        return Selected(i, None, True)
    value = g.value
    g.value = None
    return Selected(i, value, g.ok)


def _unlock(chans):
    for ch in reversed(chans):
        ch._lock.release()
