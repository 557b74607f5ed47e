"""Events as the record: an append-only event store, in memory or in SQLite.

In event sourcing the log of events *is* the system's record; state is what you get by folding the
events over an empty start (Fowler's third meaning of "event-driven"). Each aggregate (an order, an
account) has its own *stream* of events, numbered 1, 2, 3 ... (its *version*); the store also numbers
every event across all streams (its *position*), so a reader can follow the whole log in order and
remember where it stopped (a *checkpoint*).

Go has no event store in its standard library; by hand it is a slice of events guarded by a mutex,
with an optimistic check on the stream's version::

    type Event struct { Position, Version int; Stream, Type string; Data []byte }
    func (s *Store) Append(stream string, expected int, evs ...Event) error {
        s.mu.Lock(); defer s.mu.Unlock()
        if s.version[stream] != expected { return ErrConcurrency }   // someone wrote first
        for _, e := range evs { s.version[stream]++; e.Version = s.version[stream]; s.log = append(s.log, e) }
        return nil
    }

chanlab::

    store = EventStore()                       # or SQLiteEventStore("shop.db"): a file on disk
    store.append("order-1", [("OrderPlaced", {"items": 2})], expected_version=0)
    state = fold(apply, store.read("order-1"), initial={})

What the store guarantees (the invariants the tests check):

* events are never changed or removed; a stream's versions are 1, 2, ... without gaps, and the
  global positions 1, 2, ... without gaps, in the order the appends happened;
* an append of several events is atomic: all of them or none (in SQLite, one transaction);
* ``expected_version=n`` makes an append fail with :class:`ConcurrencyError`, writing nothing,
  unless the stream is at version ``n`` (two writers that read the same state cannot both write);
* readers see an append completely or not at all.

What real event stores add (EventStoreDB/KurrentDB, the Python ``eventsourcing`` package, Kafka or
a NATS JetStream stream used as the log): durable subscriptions pushed to readers, retention and
compaction, replication across machines, per-stream access control, and tooling to migrate schemas.
This module keeps to what a reader can see whole: append, read, version checks, snapshots, upcasters.
"""
import contextlib
import json
import sqlite3
import threading
from dataclasses import dataclass, field
from typing import Any

from . import args

__all__ = [
    "Recorded", "EventStore", "SQLiteEventStore", "ConcurrencyError", "ANY",
    "fold", "Upcasters", "Projection",
]

#: ``expected_version=ANY``: append whatever version the stream is at (no optimistic check)
ANY = None


class ConcurrencyError(RuntimeError):
    """An append expected the stream at one version and found it at another: somebody appended
    first. Read the stream again, decide again, and retry (or give up)."""


@dataclass(frozen=True)
class Recorded:
    """One event as the store keeps it."""

    position: int  #: across all streams, from 1, in append order
    stream: str  #: the aggregate it belongs to, e.g. "order-17"
    version: int  #: within its stream, from 1
    type: str  #: what happened, in the past tense: "OrderPlaced"
    data: Any = field(default=None)  #: the event's facts (JSON-compatible)
    schema: int = 1  #: the version of the event type's shape (see :class:`Upcasters`)


def _check_events(events):
    """``events`` as a list of ``(type, data)`` or ``(type, data, schema)``."""
    if isinstance(events, (str, bytes)) or not hasattr(events, "__iter__"):
        raise TypeError(f"events must be a list of (type, data) pairs, not {type(events).__name__} {events!r}")
    out = []
    for i, e in enumerate(events):
        if not isinstance(e, tuple) or len(e) not in (2, 3) or not isinstance(e[0], str) or not e[0]:
            raise TypeError(f"events[{i}] must be a (type, data) or (type, data, schema) tuple with a "
                            f"non-empty str type, not {e!r}")
        schema = args.count(e[2], f"events[{i}] schema", minimum=1) if len(e) == 3 else 1
        json.dumps(e[1])  # the data must survive a round trip through the store (TypeError if not)
        out.append((e[0], e[1], schema))
    if not out:
        raise ValueError("events must hold at least one (type, data) pair; got an empty list")
    return out


def _check_stream(stream):
    if not isinstance(stream, str) or not stream:
        raise TypeError(f"stream must be a non-empty str such as 'order-17', not {stream!r}")
    return stream


class EventStore:
    """An append-only event store in memory (one process, gone when it ends). Thread-safe.

    :class:`SQLiteEventStore` has the same methods, kept in a file. Subclasses supply the three
    storage steps ``_version``, ``_write`` and ``_select``; the checks live here, once.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._log = []  # Recorded, position i+1 at index i
        self._versions = {}  # stream -> its last version
        self._snapshots = {}  # stream -> (version, state)

    # ---- the storage steps (called with the lock held) --------------------------------------------
    def _transaction(self):
        """Where an append's reads and writes happen as one: the lock is enough in memory."""
        return contextlib.nullcontext()

    def _version(self, stream):
        return self._versions.get(stream, 0)

    def _write(self, records):
        self._log.extend(records)
        self._versions[records[-1].stream] = records[-1].version

    def _select(self, stream, after, limit):
        rows = self._log[after:] if stream is None else [r for r in self._log if r.stream == stream
                                                          and r.version > after]
        return rows if limit is None else rows[:limit]

    def _head(self):
        return len(self._log)

    # ---- the store's operations ---------------------------------------------------------------------
    def append(self, stream, events, *, expected_version=ANY):
        """Append ``events`` (a list of ``(type, data)``) to ``stream`` atomically and return the
        stream's new version. With ``expected_version=n``, fail with :class:`ConcurrencyError` (and
        write nothing) unless the stream is at version ``n`` (0: it must not exist yet)."""
        stream = _check_stream(stream)
        events = _check_events(events)
        if expected_version is not ANY:
            expected_version = args.count(expected_version, "expected_version", minimum=0,
                                          allow_none=True, none_means="ANY: no version check")
        with self._lock, self._transaction():
            version = self._version(stream)
            if expected_version is not ANY and version != expected_version:
                raise ConcurrencyError(f"{stream!r} is at version {version}, not {expected_version}: "
                                       f"somebody appended first; read it again and retry")
            head = self._head()
            records = [Recorded(head + i + 1, stream, version + i + 1, t, d, s)
                       for i, (t, d, s) in enumerate(events)]
            self._write(records)
            return records[-1].version

    def read(self, stream, *, after=0, upcast=None):
        """The events of ``stream`` with a version above ``after``, oldest first (through
        ``upcast``, an :class:`Upcasters`, if given)."""
        stream = _check_stream(stream)
        after = args.count(after, "after", minimum=0)
        with self._lock:
            rows = self._select(stream, after, None)
        return rows if upcast is None else [upcast(r) for r in rows]

    def read_all(self, *, after=0, limit=None, upcast=None):
        """Every event with a position above ``after`` (a checkpoint), in append order, at most
        ``limit`` of them."""
        after = args.count(after, "after", minimum=0)
        limit = args.count(limit, "limit", minimum=1, allow_none=True)
        with self._lock:
            rows = self._select(None, after, limit)
        return rows if upcast is None else [upcast(r) for r in rows]

    def version(self, stream):
        """The stream's last version (0 if it has no events)."""
        stream = _check_stream(stream)
        with self._lock:
            return self._version(stream)

    @property
    def head(self):
        """The position of the last event in the store (0 if empty)."""
        with self._lock:
            return self._head()

    # ---- snapshots: the state at some version, so a rebuild need not start from event 1 -----------
    def save_snapshot(self, stream, version, state):
        """Keep ``state`` as the fold of ``stream`` up to ``version`` (JSON-compatible)."""
        stream = _check_stream(stream)
        version = args.count(version, "version", minimum=1)
        json.dumps(state)
        with self._lock:
            if version > self._version(stream):
                raise ValueError(f"{stream!r} has no version {version} yet (it is at {self._version(stream)})")
            self._put_snapshot(stream, version, state)

    def snapshot(self, stream):
        """``(version, state)`` of the newest snapshot of ``stream``, or ``None``."""
        stream = _check_stream(stream)
        with self._lock:
            return self._get_snapshot(stream)

    def _put_snapshot(self, stream, version, state):
        self._snapshots[stream] = (version, json.loads(json.dumps(state)))

    def _get_snapshot(self, stream):
        snap = self._snapshots.get(stream)
        return None if snap is None else (snap[0], json.loads(json.dumps(snap[1])))

    def __len__(self):
        return self.head

    def __repr__(self):
        return f"<{type(self).__name__}: {self.head} events>"


class SQLiteEventStore(EventStore):
    """The same store in an SQLite database (a file on disk, or ``":memory:"``): it survives the
    process, and every append is one transaction. Close it (or use ``with``) when done.

    The table::

        CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT, version INTEGER,
                             type TEXT, data TEXT, schema INTEGER, UNIQUE (stream, version))

    ``UNIQUE (stream, version)`` is the optimistic check's last line of defence: even two processes
    appending to one file cannot give two events the same version.
    """

    def __init__(self, path):
        super().__init__()
        self.path = str(path)
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        if self.path != ":memory:":  # WAL + synchronous=NORMAL: a commit survives the process's death
            self._db.execute("PRAGMA journal_mode=WAL")  # (fsync at checkpoints; a power cut can lose
            self._db.execute("PRAGMA synchronous=NORMAL")  # the last commits, never corrupt the file)
        self._db.executescript("""
            CREATE TABLE IF NOT EXISTS events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL,
                version INTEGER NOT NULL, type TEXT NOT NULL, data TEXT, schema INTEGER NOT NULL,
                UNIQUE (stream, version));
            CREATE TABLE IF NOT EXISTS snapshots (stream TEXT PRIMARY KEY, version INTEGER NOT NULL,
                state TEXT);
        """)

    def _version(self, stream):
        row = self._db.execute("SELECT MAX(version) FROM events WHERE stream = ?", (stream,)).fetchone()
        return row[0] or 0

    def _head(self):
        return self._db.execute("SELECT COALESCE(MAX(position), 0) FROM events").fetchone()[0]

    @contextlib.contextmanager
    def _transaction(self):
        """``BEGIN IMMEDIATE`` before the stream's version and the log's head are read, so that
        another connection (another process) cannot append in between: the file's write lock."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _write(self, records):
        try:
            self._db.executemany(
                "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?)",
                [(r.position, r.stream, r.version, r.type, json.dumps(r.data), r.schema) for r in records])
        except sqlite3.IntegrityError:
            raise ConcurrencyError(f"{records[0].stream!r}: another writer appended version "
                                   f"{records[0].version} first; read it again and retry") from None

    def _select(self, stream, after, limit):
        if stream is None:
            sql, params = "SELECT * FROM events WHERE position > ? ORDER BY position", (after,)
        else:
            sql, params = ("SELECT * FROM events WHERE stream = ? AND version > ? ORDER BY version",
                           (stream, after))
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [Recorded(p, s, v, t, json.loads(d), sc) for p, s, v, t, d, sc in self._db.execute(sql, params)]

    def _put_snapshot(self, stream, version, state):
        self._db.execute("INSERT OR REPLACE INTO snapshots VALUES (?, ?, ?)", (stream, version, json.dumps(state)))

    def _get_snapshot(self, stream):
        row = self._db.execute("SELECT version, state FROM snapshots WHERE stream = ?", (stream,)).fetchone()
        return None if row is None else (row[0], json.loads(row[1]))

    def close(self):
        self._db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def fold(apply, events, initial=None):
    """The state after ``events``: ``apply(state, event) -> state`` from ``initial`` on.

    Go::

        s := initial
        for _, e := range events { s = apply(s, e) }
    """
    state = initial
    for e in events:
        state = apply(state, e)
    return state


class Upcasters:
    """Read old events in today's shape: a chain of functions, one per ``(type, schema)``, each
    turning an event of that schema into the next schema. The stored events are never rewritten.

    ``up = Upcasters(); up.register("OrderPlaced", 1, lambda data: {**data, "currency": "EUR"})``
    reads a schema-1 ``OrderPlaced`` as schema 2.
    """

    def __init__(self):
        self._steps = {}

    def register(self, type, schema, step):
        """``step(data) -> data`` lifts ``type`` events from ``schema`` to ``schema + 1``."""
        args.count(schema, "schema", minimum=1)
        if not callable(step):
            raise TypeError(f"step must be a function data -> data, not {step!r}")
        if (type, schema) in self._steps:
            raise ValueError(f"{type} already has an upcaster from schema {schema}")
        self._steps[(type, schema)] = step
        return self

    def latest(self, type):
        """The newest schema known for ``type`` (1 if it never changed)."""
        schema = 1
        while (type, schema) in self._steps:
            schema += 1
        return schema

    def __call__(self, record):
        data, schema = record.data, record.schema
        while (record.type, schema) in self._steps:
            data = self._steps[(record.type, schema)](data)
            schema += 1
        if schema == record.schema:
            return record
        return Recorded(record.position, record.stream, record.version, record.type, data, schema)


class Projection:
    """A read model (the Q of CQRS) kept up to date from the log: ``apply(view, event) -> view``
    for each new event, remembering the position it reached (its checkpoint).

    The write side appends events; the read side folds them into whatever shape queries need, and
    may lag behind: :meth:`lag` says by how many events. A projection with a bug is fixed by fixing
    ``apply`` and rebuilding from position 0: the log still holds every fact.
    """

    def __init__(self, apply, initial=None, name="projection"):
        if not callable(apply):
            raise TypeError(f"apply must be a function (view, event) -> view, not {apply!r}")
        self.apply = apply
        self.initial = initial
        self.name = name
        self.view = json.loads(json.dumps(initial))
        self.position = 0  #: the position of the last event applied (the checkpoint)
        self.applied = 0  #: how many events it has folded in, rebuilds included

    def catch_up(self, store, limit=None, upcast=None):
        """Fold the events after the checkpoint (at most ``limit``); return how many."""
        rows = store.read_all(after=self.position, limit=limit, upcast=upcast)
        for r in rows:
            self.view = self.apply(self.view, r)
            self.position = r.position
        self.applied += len(rows)
        return len(rows)

    def lag(self, store):
        """Events in the store that this read model has not seen yet."""
        return store.head - self.position

    def rebuild(self, store, upcast=None):
        """Start again from nothing and replay the whole log (after fixing ``apply``)."""
        self.view = json.loads(json.dumps(self.initial))
        self.position = 0
        return self.catch_up(store, upcast=upcast)

    def __repr__(self):
        return f"<Projection {self.name!r} at position {self.position}>"
