"""Two equivalent programs, one per style, kept as real source so that :func:`complexity` can count
their lines and moving parts with :mod:`ast` instead of quoting numbers."""
import ast
import inspect
import textwrap
from pathlib import Path

from ... import aio
from ...aio.events import Bus
from ...aio.messaging import WorkQueue

__all__ = ["event_driven_shop", "message_driven_shop", "PARTS", "complexity"]

async def event_driven_shop(orders, handle):
    """Event-driven: announce each order; one subscriber handles it. Returns the results."""
    results = []

    async def on_order(topic, order):
        results.append(await handle(order))
    bus = Bus("shop")
    bus.subscribe("order.placed", on_order, mode="async", capacity=16)
    for order in orders:
        await bus.publish("order.placed", order)
    await bus.close(timeout=60)
    return results


async def message_driven_shop(orders, handle, workers=2):
    """Message-driven: queue each order; workers get, handle and ack it (nack on failure)."""
    results = []
    q = WorkQueue("orders", ack_timeout=5, max_deliveries=3)

    async def worker():
        async for msg in q:
            try:
                results.append(await handle(msg.body))
            except Exception:
                await msg.nack(delay=0.1)
            else:
                await msg.ack()
    wg = aio.WaitGroup()
    for _ in range(workers):
        wg.add(1)
        aio.go(_then_done, worker, wg)
    for order in orders:
        await q.put(order)
    q.close()
    await wg.wait(timeout=60)
    return results


async def _then_done(fn, wg):
    """``go func() { defer wg.Done(); fn() }()``"""
    try:
        await fn()
    finally:
        wg.done()


# What counts as a moving part, by the name of the call (or keyword argument) that makes it.
PARTS = {
    "goroutines": {"go", "consume"},
    "queues": {"Bus", "WorkQueue", "Chan", "subscribe"},
    "acks": {"ack", "nack", "term", "in_progress", "reply"},
    "timers": {"sleep", "after", "tick", "ack_timeout", "backoff", "delay"},
    "joins": {"close", "wait", "join", "done", "add"},
}


def _code_lines(source):
    """Lines that are code: no blank lines, comments or docstrings."""
    tree = ast.parse(source)
    doc = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None),
                                                                      ast.Constant) \
                    and isinstance(body[0].value.value, str):
                doc.update(range(body[0].lineno, body[0].end_lineno + 1))
    return sum(1 for i, line in enumerate(source.splitlines(), 1)
               if line.strip() and not line.strip().startswith("#") and i not in doc)


def _parts(source):
    counts = {k: 0 for k in PARTS}
    for node in ast.walk(ast.parse(source)):
        names = []
        if isinstance(node, ast.Call):
            f = node.func
            names.append(f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", ""))
            names += [kw.arg for kw in node.keywords if kw.arg]
            if names[0] == "subscribe" and not any(kw.arg == "mode" and getattr(kw.value, "value", None)
                                                   == "async" for kw in node.keywords):
                names[0] = ""  # a sync subscriber has no inbox
            elif names[0] == "subscribe":
                counts["goroutines"] += 1  # an async subscriber with a handler: its goroutine
        for name in names:
            for kind, words in PARTS.items():
                if name in words:
                    counts[kind] += 1
    return counts


def complexity(programs=None, libraries=True):
    """Count lines of code and moving parts of each program (``{label: function}``, default the two
    shops), with :mod:`ast`. With ``libraries``, also the lines of the library modules that each
    style's machinery needs (what you would write, or depend on, to have it).
    Returns ``{label: {"lines": n, "goroutines": n, "queues": n, "acks": n, "timers": n,
    "joins": n, "moving parts": total}}``."""
    programs = programs or {"event-driven": event_driven_shop, "message-driven": message_driven_shop}
    out = {}
    for label, fn in programs.items():
        src = textwrap.dedent(inspect.getsource(fn))
        row = {"lines": _code_lines(src), **_parts(src)}
        row["moving parts"] = sum(row[k] for k in PARTS)
        out[label] = row
    if libraries:
        root = Path(__file__).resolve().parents[2]  # lib/chanlab
        libs = {"event-driven": ("events.py", "aio/events.py", "bus.py", "policies.py"),  # the bus's logic
                "message-driven": ("messaging.py", "aio/messaging.py")}
        for label, files in libs.items():
            if label in out:
                out[label]["library lines"] = sum(_code_lines((root / f).read_text(encoding="utf-8"))
                                                  for f in files)
    return out


