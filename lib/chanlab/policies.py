"""Overflow policies: what a publisher does when the channel (or a subscriber's inbox) is full.

Go has no word for a policy: it is the few lines around one send. Each object here is those lines,
written once, and used by every part of chanlab that sends to a channel that may be full: the event
bus (:mod:`chanlab.events`, :mod:`chanlab.aio.events`), the publisher experiment of notebook 04
(:mod:`chanlab.experiments.publisher`), the experiments of notebook 05, the explorers and the
checkers.

====================  =================================================  =========================
name                  Go                                                 the publisher...
====================  =================================================  =========================
``block``             ``ch <- v``                                        waits for room
``drop_newest``       ``select { case ch <- v: default: }``              never waits; v is lost
``drop_oldest``       ``for { select { case ch <- v: return;``           never waits; the oldest
                      ``default: <-ch } }``                              queued message is lost
``keep_latest``       the same, on a buffer of one                       never waits; holds newest
``unbounded``         ``append(queue, v)`` (a slice that grows)           never waits, never drops
``block_timeout``     ``select { case ch <- v:``                         waits up to ``timeout``
                      ``case <-time.After(d): /* drop */ }``             seconds, then drops v
====================  =================================================  =========================

A policy is a small object: :attr:`~Policy.name`, how it reads a capacity
(:meth:`~Policy.buffer`), whether the publisher may wait (:attr:`~Policy.waits`), the step that
never waits (:meth:`~Policy.offer`), and its parameters (``BlockTimeout(0.02).timeout``). Wherever
a policy is taken, its name works too (notebooks pass strings); :func:`get` turns either into the
object::

    from chanlab import policies
    policies.get("drop_oldest")              # DROP_OLDEST
    policies.get(policies.BlockTimeout(0.05))  # the object itself
    bus.subscribe("t", f, mode="async", capacity=4, policy=policies.BlockTimeout(0.05))

**Capacity, one rule for every caller.** A capacity is the number of messages the buffer holds.
``None`` and ``0`` mean the same thing: *no buffer was asked for*. For ``block``, ``drop_newest``
and ``block_timeout`` that is an unbuffered channel (Go's ``make(chan T)``); ``keep_latest`` has its
one slot and ``unbounded`` no limit whatever you ask (giving them another number is an error, since
it would be ignored); ``drop_oldest`` drops from a buffer, so it needs a capacity of at least 1.

**Applying a policy.** Whoever sends calls ``policy.offer(ch, v, dropped)``, which never waits: it
returns True (queued), False (dropped: ``dropped(v)`` was called), or :data:`WAIT` (only for a
policy that :attr:`~Policy.waits`: there is no room, and the publisher should wait). Waiting is the
one part that differs between threads and asyncio, so the caller does it, for
:meth:`~Policy.patience` seconds; if that runs out and :meth:`~Policy.patience` said the limit was
the policy's own, the message is dropped (``block_timeout``), otherwise the caller's own timeout has
passed. ``dropped(old)`` is also called for every message a policy evicts (``drop_oldest``,
``keep_latest``).
"""

import sys
from dataclasses import dataclass

from . import args

__all__ = ["Policy", "Block", "DropNewest", "DropOldest", "KeepLatest", "Unbounded", "BlockTimeout",
           "BLOCK", "DROP_NEWEST", "DROP_OLDEST", "KEEP_LATEST", "UNBOUNDED_POLICY", "POLICIES",
           "NAMES", "UNBOUNDED", "WAIT", "get", "buffer_for", "label"]

#: The capacity of a buffer that never fills (the ``unbounded`` policy's).
UNBOUNDED = sys.maxsize


class _Wait:
    """The answer of an offer that found no room, for a policy whose publisher waits."""

    __slots__ = ()

    def __repr__(self):
        return "WAIT"

    def __bool__(self):
        raise TypeError("WAIT is neither True nor False: compare it with 'is WAIT'")


#: ``policy.offer`` found no room and the publisher should wait (``block``, ``block_timeout``).
WAIT = _Wait()


@dataclass(frozen=True)
class Policy:
    """What a full buffer does to a publisher. Subclasses set :attr:`name`, :attr:`waits`,
    :attr:`go` and, for a fixed buffer, :attr:`fixed`, and may override :meth:`offer`."""

    name = "policy"
    #: True if the publisher may wait for room (backpressure)
    waits = False
    #: True if a message may be lost (dropped) when the buffer is full
    drops = True
    #: the Go lines the policy translates
    go = ""
    #: the buffer the policy always has (keep_latest: 1, unbounded: UNBOUNDED), or None
    fixed = None

    @property
    def label(self):
        """The name, with the parameters if any: ``block_timeout(0.02 s)``."""
        return self.name

    def __str__(self):
        return self.label

    def buffer(self, capacity=None):
        """The size of the buffer to make for this policy from the ``capacity`` a caller gave (see
        the rule in the module docs): an int, :data:`UNBOUNDED` for ``unbounded``."""
        capacity = args.count(capacity, "capacity", allow_none=True,
                              none_means="no buffer asked for, the same as 0")
        if self.fixed is not None:
            if capacity not in (None, 0, self.fixed):
                raise ValueError(self._fixed_error(capacity))
            return self.fixed
        return 0 if capacity is None else capacity

    def _fixed_error(self, capacity):
        return f"policy {self.name!r} has a fixed buffer: leave capacity at None (or 0), got {capacity}"

    def offer(self, ch, value, dropped):
        """The step that never waits: ``True`` if ``value`` is queued, ``False`` if dropped (after
        calling ``dropped(value)``), :data:`WAIT` if there is no room and the publisher should wait.
        ``ch`` is a channel of either flavour; ``ClosedChannelError`` if it is closed."""
        if ch.try_send(value):
            return True
        if self.waits:
            return WAIT
        dropped(value)
        return False

    def patience(self, remaining=None):
        """How long the publisher waits when :meth:`offer` said :data:`WAIT`, given the
        ``remaining`` seconds of the caller's own timeout (None: none). Returns ``(seconds or None,
        own)``: ``own`` is True when the limit is the policy's, so that running out of time means
        "drop it", not "the caller's timeout passed"."""
        return remaining, False


@dataclass(frozen=True)
class Block(Policy):
    """Backpressure: wait for room, lose nothing. Go: ``ch <- v``."""

    name = "block"
    waits = True
    drops = False
    go = "ch <- v"


@dataclass(frozen=True)
class DropNewest(Policy):
    """Drop the message that does not fit (the article's publisher). Go::

        select {
        case ch <- v:
        default:             // nobody ready and no room: v is dropped
        }
    """

    name = "drop_newest"
    go = "select { case ch <- v: default: }"


@dataclass(frozen=True)
class DropOldest(Policy):
    """A sliding window: drop the oldest queued message to make room. Go::

        for {
            select {
            case ch <- v:
                return
            default:
                select { case <-ch: default: }   // evict the oldest, try again
            }
        }
    """

    name = "drop_oldest"
    go = "for { select { case ch <- v: return; default: <-ch } }"

    def buffer(self, capacity=None):
        capacity = super().buffer(capacity)
        if capacity == 0:
            raise ValueError(f"{self.name} drops from a buffer: give it a capacity >= 1")
        return capacity

    def offer(self, ch, value, dropped):
        while not ch.try_send(value):
            old = ch.try_recv()  # (a closed channel raised in try_send already)
            if old is not None and old[1]:
                dropped(old[0])
        return True


@dataclass(frozen=True)
class KeepLatest(DropOldest):
    """Conflation: a one-slot mailbox that always holds the newest message (drop_oldest with a
    buffer of one). Go: ``ch := make(chan T, 1)`` and the drop_oldest loop."""

    name = "keep_latest"
    go = "make(chan T, 1) and the drop_oldest loop"
    fixed = 1

    def _fixed_error(self, capacity):
        return f"keep_latest is a one-slot mailbox: leave capacity at None, 0 (or 1), got {capacity}"


@dataclass(frozen=True)
class Unbounded(Policy):
    """Never wait, never drop: the queue (and the memory it holds) grows instead. Go has no
    unbounded channel; people write ``queue = append(queue, v)`` and a goroutine that feeds ``ch``."""

    name = "unbounded"
    drops = False
    go = "queue = append(queue, v)"
    fixed = UNBOUNDED

    def _fixed_error(self, capacity):
        return f"the unbounded policy has no capacity: leave capacity at None (or 0), got {capacity}"


@dataclass(frozen=True)
class BlockTimeout(Policy):
    """Wait up to ``timeout`` seconds for room, then drop the message. Go::

        select {
        case ch <- v:
        case <-time.After(d):   // no room within d: v is dropped
        }
    """

    timeout: float = 0.01
    name = "block_timeout"
    waits = True
    go = "select { case ch <- v: case <-time.After(d): /* drop */ }"

    def __post_init__(self):
        object.__setattr__(self, "timeout", args.seconds(self.timeout, "timeout", positive=True))

    @property
    def label(self):
        return f"{self.name}({self.timeout:g} s)"

    def patience(self, remaining=None):
        if remaining is not None and remaining < self.timeout:
            return remaining, False
        return self.timeout, True


BLOCK = Block()
DROP_NEWEST = DropNewest()
DROP_OLDEST = DropOldest()
KEEP_LATEST = KeepLatest()
UNBOUNDED_POLICY = Unbounded()

#: The five policies that take no parameter (notebooks 04 and 05 compare them).
POLICIES = tuple(p.name for p in (BLOCK, DROP_NEWEST, DROP_OLDEST, KEEP_LATEST, UNBOUNDED_POLICY))
_BY_NAME = {p.name: p for p in (BLOCK, DROP_NEWEST, DROP_OLDEST, KEEP_LATEST, UNBOUNDED_POLICY,
                                BlockTimeout())}
#: Every name :func:`get` knows: the five, then the ones with a parameter (at its default).
NAMES = tuple(_BY_NAME)


def get(policy, name="policy"):
    """The :class:`Policy` for ``policy``: a Policy is returned as it is, a name (one of
    :data:`NAMES`) is looked up; a parameterised policy's name gives its default
    (``"block_timeout"`` waits 0.01 s)."""
    if isinstance(policy, Policy):
        return policy
    if not isinstance(policy, str):
        raise TypeError(f"{name} must be one of {', '.join(map(repr, NAMES))} or a "
                        f"chanlab.policies.Policy, not {type(policy).__name__} {policy!r}")
    if policy not in _BY_NAME:
        raise ValueError(f"unknown policy {policy!r}: {name} must be one of "
                         f"{', '.join(map(repr, NAMES))} (or a chanlab.policies.Policy)")
    return _BY_NAME[policy]


def buffer_for(policy, capacity=None):
    """``(policy object, buffer size)`` for a ``policy`` (name or object) and a ``capacity``, as
    every caller reads them (see the module docs)."""
    policy = get(policy)
    return policy, policy.buffer(capacity)


def label(policy):
    """A policy's name with its parameters, for titles and tables: ``label("block")`` is
    ``'block'``, ``label(BlockTimeout(0.02))`` is ``'block_timeout(0.02 s)'``."""
    return get(policy).label
