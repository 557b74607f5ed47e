"""Architecture diagrams as data: the two figures the source article mentions but never shows.

A :class:`Diagram` is a list of boxes (:class:`Node`) and arrows (:class:`Edge`) on a small grid;
``chanlab.plots.draw_diagram`` draws one with matplotlib. Keeping them as data means a test can
check what they say (who talks to whom), and a reader can change one and redraw it.
"""
from dataclasses import dataclass, field

from . import args
from .i18n import N_

__all__ = ["KINDS", "WORDS", "Node", "Edge", "Diagram", "message_driven", "event_driven", "observer"]

#: what each kind of box is, for the legend
KINDS = {
    "sender": N_("sends (producer / publisher)"),
    "channel": N_("queue or topic (the broker)"),
    "receiver": N_("receives (consumer / subscriber)"),
}
#: the words a box's name is made of ("producer 2" is the word "producer" and a number): marked here,
#: so that a figure shows them in the reader's language (``chanlab.plots.draw_diagram``); the names
#: themselves stay English, as the ids that tests and checkers ask for (``who_sends_to("topic")``)
WORDS = (N_("producer"), N_("consumer"), N_("queue"), N_("publisher"), N_("topic"), N_("subscriber"),
         N_("subject"), N_("observer"), N_("worker"))


@dataclass(frozen=True)
class Node:
    name: str
    kind: str  # one of KINDS
    x: float
    y: float


@dataclass(frozen=True)
class Edge:
    src: str
    dst: str
    label: str = ""
    style: str = "solid"  # "solid": every item goes this way; "dashed": some items go this way


@dataclass
class Diagram:
    title: str
    nodes: list
    edges: list
    notes: list = field(default_factory=list)  # one-line captions under the figure
    kinds: dict = field(default_factory=dict)  # legend text per kind of box, where KINDS does not fit
    # (title, notes, kinds and edge labels are English, marked with N_: the figure translates them)

    def node(self, name):
        return next(n for n in self.nodes if n.name == name)

    def who_sends_to(self, name):
        return sorted(e.src for e in self.edges if e.dst == name)


def message_driven(producers=2, consumers=3):
    """Producers put messages on a queue; competing consumers each take *some* of them
    (point-to-point: every message is handled by exactly one consumer)."""
    producers = args.count(producers, "producers", minimum=1)
    consumers = args.count(consumers, "consumers", minimum=1)
    nodes = [Node(f"producer {i + 1}", "sender", 0, _spread(i, producers)) for i in range(producers)]
    nodes.append(Node("queue", "channel", 1, 0))
    nodes += [Node(f"consumer {i + 1}", "receiver", 2, _spread(i, consumers)) for i in range(consumers)]
    edges = [Edge(f"producer {i + 1}", "queue", N_("send")) for i in range(producers)]
    edges += [Edge("queue", f"consumer {i + 1}", N_("some messages"), "dashed") for i in range(consumers)]
    return Diagram(N_("Message-driven: a queue with competing consumers"), nodes, edges,
                   [N_("each message goes to ONE consumer"), N_("add consumers to share the load")])


def event_driven(publishers=1, subscribers=3):
    """A publisher emits events to a topic; every subscriber receives *every* event
    (publish/subscribe: fan-out)."""
    publishers = args.count(publishers, "publishers", minimum=1)
    subscribers = args.count(subscribers, "subscribers", minimum=1)
    nodes = [Node(f"publisher {i + 1}" if publishers > 1 else "publisher", "sender", 0, _spread(i, publishers))
             for i in range(publishers)]
    nodes.append(Node("topic", "channel", 1, 0))
    nodes += [Node(f"subscriber {i + 1}", "receiver", 2, _spread(i, subscribers)) for i in range(subscribers)]
    event = N_("an event: published once, delivered to every subscriber")
    edges = [Edge(n.name, "topic", event) for n in nodes if n.kind == "sender"]
    edges += [Edge("topic", f"subscriber {i + 1}", event) for i in range(subscribers)]
    return Diagram(N_("Event-driven: a topic fans out to every subscriber"), nodes, edges,
                   [N_("each event goes to EVERY subscriber"), N_("add subscribers to add reactions")])


def observer(observers=3):
    """The observer pattern, in one process: the subject calls each observer's handler itself
    (no broker in between: the subject knows its observers)."""
    observers = args.count(observers, "observers", minimum=1)
    nodes = [Node("subject", "sender", 0, 0)]
    nodes += [Node(f"observer {i + 1}", "receiver", 2, _spread(i, observers)) for i in range(observers)]
    edges = [Edge("subject", f"observer {i + 1}", N_("calls handler")) for i in range(observers)]
    return Diagram(N_("Observer pattern: the subject calls every observer directly"), nodes, edges,
                   [N_("no broker: the subject holds the list of observers"), N_("dispatch is synchronous")],
                   {"sender": N_("subject (keeps the list, calls the handlers)"), "receiver": N_("observer (a handler)")})


def _spread(i, n):
    """y positions for n boxes in a column, centred on 0."""
    return (n - 1) / 2 - i
