"""Publishing reliably: the dual-write problem, the transactional outbox, and the inbox.

A service that saves an order in its database and then tells the world ("OrderPlaced") writes to
two systems, and it can die between the two writes:

* commit, then publish: a crash in between *loses* the message (the order exists, nobody hears of it);
* publish, then commit: a crash in between publishes a *phantom* (a message about an order that
  was never saved).

No ordering of the two writes is safe. The *transactional outbox* makes it one write: the message
goes into an ``outbox`` table in the same database transaction as the order, and a *relay* publishes
the outbox's rows afterwards and marks them sent. A relay that dies after publishing but before
marking publishes the row again when it restarts: at least once, never lost. The receiver's *inbox*
(Hohpe & Woolf's Idempotent Receiver) records each message id in the same transaction as the
message's effect, so a duplicate is recognised and changes nothing.

Go, the relay's loop as a Go service would write it with ``database/sql``::

    for {
        rows, _ := db.Query(`SELECT seq, msg_id, body FROM outbox WHERE sent = 0 ORDER BY seq`)
        for rows.Next() {
            rows.Scan(&seq, &id, &body)
            if err := js.Publish(ctx, "orders", body, jetstream.WithMsgID(id)); err != nil { break }
            db.Exec(`UPDATE outbox SET sent = 1 WHERE seq = ?`, seq)   // a crash before this: sent again
        }
        time.Sleep(pollInterval)
    }

Crashes are injected at named points (:data:`CRASH_POINTS`) by raising :class:`Crash`; the code that
"dies" abandons its SQLite connection without committing, which is what the database sees when a
process is killed: an open transaction is rolled back, a committed one is on disk.
(``tests/test_outbox.py`` checks that with real processes ended by ``os._exit``.)

What real systems add: Debezium and other change-data-capture tools read the database's log instead
of polling a table; NATS JetStream drops a republished message whose ``Nats-Msg-Id`` it saw within
its duplicate window (:class:`Broker` can do the same with ``dedup=True``); Kafka has idempotent
producers and transactions; the ``eventsourcing`` package records events and notifications in one
transaction, which is the outbox by construction.
"""
import json
import sqlite3
from dataclasses import dataclass

from . import args

__all__ = ["CRASH_POINTS", "Crash", "Broker", "Published", "OrderService", "Relay", "Receiver"]

#: where a crash can be injected, by the method that can crash there
CRASH_POINTS = {
    "commit_then_publish": ("after_commit",),  # order saved, message not yet published
    "publish_then_commit": ("after_publish",),  # message out, order not yet saved
    "outbox": ("after_commit",),  # order + outbox row saved, relay not yet run
    "relay": ("after_publish",),  # relay published a row but did not mark it sent
    "receiver": ("after_effect",),  # the effect is written, the transaction not yet committed
}


class Crash(Exception):
    """Raised at an injected crash point: the process dies here (its open transaction is lost)."""

    def __init__(self, point):
        super().__init__(f"crashed at {point}")
        self.point = point


@dataclass(frozen=True)
class Published:
    msg_id: str  #: the message id (the outbox row's, or the order's): ``Nats-Msg-Id``
    body: dict


class Broker:
    """An in-memory stand-in for a broker's stream: it keeps every message published to it.

    With ``dedup=True`` it drops a message whose id it already holds, as a NATS JetStream stream
    does within its duplicate window (``Duplicates``, 2 minutes by default); this stand-in has no
    window: it remembers every id for ever.
    """

    def __init__(self, dedup=False):
        self.dedup = bool(dedup)
        self.messages = []  #: what a consumer of the stream will be delivered, in order
        self.dropped_duplicates = 0
        self._ids = set()

    def publish(self, msg_id, body):
        if self.dedup and msg_id in self._ids:
            self.dropped_duplicates += 1
            return False
        self._ids.add(msg_id)
        self.messages.append(Published(msg_id, body))
        return True


def _maybe_crash(point, crash_at):
    if crash_at == point:
        raise Crash(point)


def _check_crash(crash_at, method):
    if crash_at is not None and crash_at not in CRASH_POINTS[method]:
        raise ValueError(f"crash_at must be None or one of {CRASH_POINTS[method]} for {method}, got {crash_at!r}")


class _Database:
    """One SQLite connection to a file, with the tables of the shop's service."""

    SCHEMA = """
        CREATE TABLE IF NOT EXISTS orders (id TEXT PRIMARY KEY, item TEXT NOT NULL, qty INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY, msg_id TEXT UNIQUE NOT NULL,
            body TEXT NOT NULL, sent INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE IF NOT EXISTS inbox (msg_id TEXT PRIMARY KEY);
        CREATE TABLE IF NOT EXISTS shipments (order_id TEXT NOT NULL, qty INTEGER NOT NULL);
    """

    def __init__(self, path):
        self.path = str(path)
        self.db = sqlite3.connect(self.path, isolation_level=None)  # explicit BEGIN/COMMIT
        # WAL with synchronous=OFF: SQLite's documentation says that with it "if the application
        # running SQLite crashes, the data will be safe" (a commit is in the operating system's
        # hands at once), and only an operating-system crash or a power cut can lose the last
        # commits or worse. The crash points model the death of a process, so they need no fsync;
        # a power cut is another story (notebook 10, and 11 on Jepsen's NATS findings).
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.executescript(self.SCHEMA)

    def die(self):
        """The process is gone: close without committing (SQLite rolls back what is open)."""
        self.db.close()

    def close(self):
        self.db.close()

    def count(self, sql, params=()):
        return self.db.execute(sql, params).fetchone()[0]


class OrderService(_Database):
    """The shop's order service: saves an order and tells the world, three ways."""

    def _insert(self, order_id, item, qty):
        self.db.execute("INSERT INTO orders VALUES (?, ?, ?)", (order_id, item, qty))

    def place_commit_then_publish(self, broker, order_id, item, qty, crash_at=None):
        """Dual write: commit the order, then publish. A crash between loses the message."""
        _check_crash(crash_at, "commit_then_publish")
        self.db.execute("BEGIN")
        self._insert(order_id, item, qty)
        self.db.execute("COMMIT")
        _maybe_crash("after_commit", crash_at)
        broker.publish(order_id, {"order": order_id, "item": item, "qty": qty})

    def place_publish_then_commit(self, broker, order_id, item, qty, crash_at=None):
        """Dual write the other way: publish, then commit. A crash between publishes a phantom."""
        _check_crash(crash_at, "publish_then_commit")
        self.db.execute("BEGIN")
        self._insert(order_id, item, qty)
        broker.publish(order_id, {"order": order_id, "item": item, "qty": qty})
        _maybe_crash("after_publish", crash_at)
        self.db.execute("COMMIT")

    def place_with_outbox(self, order_id, item, qty, crash_at=None):
        """The transactional outbox: the order and its message in one transaction."""
        _check_crash(crash_at, "outbox")
        self.db.execute("BEGIN")
        self._insert(order_id, item, qty)
        self.db.execute("INSERT INTO outbox (msg_id, body) VALUES (?, ?)",
                        (order_id, json.dumps({"order": order_id, "item": item, "qty": qty})))
        self.db.execute("COMMIT")
        _maybe_crash("after_commit", crash_at)


class Relay(_Database):
    """Publishes the outbox's unsent rows in order and marks each one sent (at least once)."""

    def relay_once(self, broker, crash_at=None, crash_on=None):
        """Publish every unsent row; return how many were published. With ``crash_at=
        "after_publish"``, die right after publishing the row whose message id is ``crash_on``
        (the first row if ``crash_on`` is None), before marking it."""
        _check_crash(crash_at, "relay")
        rows = self.db.execute("SELECT seq, msg_id, body FROM outbox WHERE sent = 0 ORDER BY seq").fetchall()
        n = 0
        for seq, msg_id, body in rows:
            broker.publish(msg_id, json.loads(body))
            n += 1
            if crash_on is None or crash_on == msg_id:
                _maybe_crash("after_publish", crash_at)
            self.db.execute("UPDATE outbox SET sent = 1 WHERE seq = ?", (seq,))
        return n

    def unsent(self):
        return self.count("SELECT COUNT(*) FROM outbox WHERE sent = 0")


class Receiver(_Database):
    """The shipping service: ships each order it hears of. With ``inbox=True`` it records the
    message id in the same transaction as the shipment, so a duplicate ships nothing."""

    def __init__(self, path, inbox=True):
        super().__init__(path)
        self.inbox = bool(inbox)

    def handle(self, message, crash_at=None):
        """Apply ``message`` (a :class:`Published`); True if it shipped, False for a duplicate."""
        _check_crash(crash_at, "receiver")
        self.db.execute("BEGIN")
        try:
            if self.inbox:
                try:
                    self.db.execute("INSERT INTO inbox VALUES (?)", (message.msg_id,))
                except sqlite3.IntegrityError:
                    self.db.execute("ROLLBACK")
                    return False
            self.db.execute("INSERT INTO shipments VALUES (?, ?)",
                            (message.body["order"], args.count(message.body["qty"], "qty", minimum=1)))
            _maybe_crash("after_effect", crash_at)
            self.db.execute("COMMIT")
            return True
        except Crash:
            raise
        except BaseException:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise

    def shipments(self):
        """``{order id: times shipped}``."""
        return dict(self.db.execute("SELECT order_id, COUNT(*) FROM shipments GROUP BY order_id"))
