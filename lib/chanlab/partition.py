"""Ordering: competing consumers reorder a stream; partitions by key keep each key's order.

One queue read by N competing consumers spreads the work, but two events about the same account
can be handled by two workers at once, and the second may finish first. Kafka, Pulsar and NATS
(subject-based partitioning, or one consumer per ``orders.<partition>`` subject) keep *per-key*
order by sending every event of a key to the same partition and reading each partition with one
consumer at a time. The price: a partition is as fast as its one consumer, and a hot key makes its
partition the bottleneck (imbalance).

Go, the partitioned dispatcher::

    parts := make([]chan Event, n)
    for i := range parts { parts[i] = make(chan Event, 64); go worker(parts[i]) }   // one worker each
    for e := range events { parts[crc32.ChecksumIEEE([]byte(e.Key))%uint32(n)] <- e }

chanlab::

    p = partition_for("account-17", 4)   # the same key always goes to the same partition
"""
import zlib

from . import args

__all__ = ["partition_for"]


def partition_for(key, partitions):
    """The partition (0 .. ``partitions``-1) for ``key``: CRC-32 of its UTF-8 bytes, modulo the
    number of partitions (stable across processes and runs, unlike Python's ``hash`` of a str)."""
    partitions = args.count(partitions, "partitions", minimum=1)
    if not isinstance(key, (str, bytes, int)) or isinstance(key, bool):
        raise TypeError(f"key must be a str, bytes or int (an account or order id), not {key!r}")
    data = key if isinstance(key, bytes) else str(key).encode()
    return zlib.crc32(data) % partitions
