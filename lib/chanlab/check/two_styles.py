"""Checkers for the exercises of notebook 01 (two styles: message-driven and event-driven).

Each function checks one exercise and returns a :class:`~chanlab.check.feedback.Feedback`::

    check.two_styles.predict_queue({"messages per worker": 2, "last received (s)": 1.0})
"""
from __future__ import annotations

import re
from collections import Counter

from .. import delivery, diagrams
from .feedback import checker, Feedback, attempt, failed, not_attempted, passed, Raised
from ..i18n import N_, _

__all__ = ["predict_queue", "classify", "unsubscribe", "bigger_picture"]

#: the message names of exercise 01.2 (their kinds are computed by the rule, not stored)
MESSAGES = ("ChargeCard", "PaymentFailed", "TemperatureReading", "SendWelcomeEmail", "UserSignedUp")
_IMPERATIVE = {"charge", "send", "create", "cancel", "reserve", "ship", "pay", "book", "refund"}


def _kind(name: str) -> str:
    """The rule the notebook teaches, applied to a CamelCase message name: an event is named in the
    past tense (a word ending in -ed), a command starts with a verb in the imperative, anything
    else is a document."""
    words = [w.lower() for w in re.findall(r"[A-Z][a-z]*", name)]
    if any(w.endswith("ed") for w in words):
        return "event"
    if words and words[0] in _IMPERATIVE:
        return "command"
    return "document"
#: the hint for a message classified wrongly, by its right kind (translated with _() when shown)
_WHY = {"command": N_("A command is an order addressed to one receiver, named as a verb in the imperative."),
        "event": N_("An event is a fact that already happened, named in the past tense; anyone may react."),
        "document": N_("A document is data, neither an order nor a fact about a change.")}


def _unfilled(value) -> bool:
    return value is ... or (isinstance(value, dict) and any(v is ... for v in value.values()))


@checker
def predict_queue(prediction: dict) -> Feedback:
    """01.1: eight messages, four workers, 1 s each, one queue: how many each, when is the last received?

    ``prediction`` is ``{"messages per worker": int, "last received (s)": float}``; the checker
    measures with ``delivery.point_to_point(items=8, receivers=4, work=1.0)`` (virtual time).
    """
    ex = "01.1"
    if _unfilled(prediction):
        return not_attempted(ex, _("Fill in both numbers of your prediction, then run this cell again."))
    keys = {"messages per worker", "last received (s)"}
    if not isinstance(prediction, dict) or set(prediction) != keys:
        return failed(ex, _("The prediction should be a dict with exactly two keys."),
                      expected=sorted(keys), got=repr(prediction),
                      hint=_("Copy the dict from the stub and replace each ... by a number."))
    run = delivery.point_to_point(items=8, receivers=4, work=1.0)
    counts = Counter(d.receiver for d in run)
    per_worker = sorted(set(counts.values()))
    last = max(d.t for d in run)
    measured = {"messages per worker": per_worker[0] if len(per_worker) == 1 else per_worker,
                "last received (s)": last}
    wrong = [k for k in sorted(keys) if not _close(prediction[k], measured[k])]
    if not wrong:
        return passed(ex, _("Each of the 4 workers got {worker} messages and the last one was received at t "
                            "= {last:g} s: the queue shares the work.").format(worker=measured['messages per worker'], last=last))
    return failed(ex, _("Your {wrong} differ from the measurement.").format(wrong=' and '.join(wrong)),
                  expected=repr(measured), got=repr(prediction),
                  hint=_("On a queue each message goes to ONE worker. The four workers take messages 1-4 "
                         "at t = 0 and messages 5-8 once they are free again."))


def _close(a, b) -> bool:
    try:
        return abs(float(a) - float(b)) < 1e-6
    except (TypeError, ValueError):
        return a == b


@checker
def classify(kinds: dict) -> Feedback:
    """01.2: command, event or document? ``kinds`` maps each message name to one of the three."""
    ex = "01.2"
    if _unfilled(kinds):
        return not_attempted(ex, _("Replace every ... in kinds by \"command\", \"event\" or \"document\"."))
    if not isinstance(kinds, dict):
        return failed(ex, _("kinds should be a dict from message name to kind."), got=repr(kinds),
                      hint=_("For example {\"ChargeCard\": \"command\", ...}."))
    want = {n: _kind(n) for n in MESSAGES}
    missing = [n for n in MESSAGES if n not in kinds]
    if missing:
        return failed(ex, _("Some messages are not classified."), expected=", ".join(MESSAGES),
                      got=", ".join(kinds) or _("nothing"), hint=_("Add {missing}.").format(missing=', '.join(missing)))
    given = {n: str(kinds[n]).strip().lower() for n in MESSAGES}
    wrong = [n for n in MESSAGES if given[n] != want[n]]
    if not wrong:
        return passed(ex, _("Commands ask (ChargeCard, SendWelcomeEmail), events tell what happened "
                            "(PaymentFailed, UserSignedUp), documents carry data (TemperatureReading)."))
    n = wrong[0]
    return failed(ex, _("{n_wrong} of {n_MESSAGES} are classified differently, e.g. {value}.").format(n_wrong=len(wrong), n_MESSAGES=len(MESSAGES), value=n),
                  expected=f"{n}: {want[n]}", got=f"{n}: {kinds[n]}",
                  hint=_(_WHY[want[n]]))


@checker
def unsubscribe(fn, subscribers) -> Feedback:
    """01.3: ``fn(topic, handler)`` removes one handler from the toy's ``subscribers`` dict.

    The check subscribes two handlers to a topic of its own, unsubscribes one, and looks at what
    is left; it removes its topic afterwards.
    """
    ex = "01.3"
    topic = "check.unsubscribe"

    def first(e):
        pass

    def second(e):
        pass

    subscribers[topic] = [first, second]
    try:
        out = attempt(ex, fn, topic, first, what=_("Write unsubscribe(topic, handler) in the cell above."))
        if isinstance(out, Raised):
            return out.feedback
        left = list(subscribers.get(topic, []))
    finally:
        subscribers.pop(topic, None)
    if left == [second]:
        return passed(ex, _("unsubscribe removed that one handler and kept the other: publishing now "
                            "reaches only the handlers still subscribed."))
    names = [getattr(h, "__name__", repr(h)) for h in left]
    return failed(ex, _("After unsubscribing `first`, the topic's handlers are not just `second`."),
                  expected="['second']", got=repr(names),
                  hint=_("Remove only that handler from the topic's list: "
                         "subscribers[topic].remove(handler). Do not empty or delete the whole list."))


@checker
def bigger_picture(diagram) -> Feedback:
    """01.4: ``diagram`` is the event-driven diagram with two publishers and four subscribers."""
    ex = "01.4"
    if diagram is ...:
        return not_attempted(ex, _("Set diagram = diagrams.event_driven(...) and draw it above."))
    if not isinstance(diagram, diagrams.Diagram):
        return failed(ex, _("diagram should be what a function of chanlab.diagrams returns."),
                      got=f"{type(diagram).__name__}",
                      hint="diagram = diagrams.event_driven(publishers=..., subscribers=...)")
    senders = [n.name for n in diagram.nodes if n.kind == "sender"]
    receivers = [n.name for n in diagram.nodes if n.kind == "receiver"]
    fan_out = all(diagram.who_sends_to(r) and all(e.style == "solid" for e in diagram.edges
                                                  if e.dst == r) for r in receivers)
    if not fan_out or "topic" not in [n.name for n in diagram.nodes]:
        return failed(ex, _("This is not the event-driven picture: its receivers get only some messages."),
                      expected=_("a topic with solid edges to every subscriber"),
                      got=diagram.title, hint=_("Use diagrams.event_driven, not message_driven."))
    if (len(senders), len(receivers)) != (2, 4):
        return failed(ex, _("The numbers of boxes differ."), expected=_("2 publishers, 4 subscribers"),
                      got=_("{publishers} publisher(s), {subscribers} subscriber(s)").format(publishers=len(senders),
                                                                             subscribers=len(receivers)),
                      hint="event_driven(publishers=2, subscribers=4)")
    return passed(ex, _("Two publishers, one topic, four subscribers: every event reaches all four."))
