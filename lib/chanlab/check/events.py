"""Checkers for the exercises of notebook 05 (event-driven): ``check.events.missed(...)`` and so on.

Each runs the learner's answer on a small scenario with :class:`chanlab.events.Bus` or a
:class:`chanlab.Chan` and says what was expected, what happened, and gives a hint.
"""
from ..bus import SubscriptionBase
from ..chan import Chan
from ..errors import DeadlockError
from ..events import Bus, BusClosedError
from ..policies import DROP_NEWEST, DROP_OLDEST
from ..experiments.events import late_subscriber
from .feedback import checker, Raised, attempt, expect, failed, not_attempted, passed
from ..i18n import _

__all__ = ["missed", "drop_oldest", "subscribe_once", "breadth_first"]


# --- 05.1 --------------------------------------------------------------------------------------------
@checker
def missed(answer):
    """05.1: how many of 20 events (one every 10 ms from t = 0) does a subscriber that joins at 47 ms
    miss? ``answer`` is the learner's number."""
    run = late_subscriber(events=20, interval=0.010, join_at=0.047)
    right = len(run.missed)
    if answer is ...:
        return not_attempted("05.1", _("Write your prediction (a whole number) in the cell above, then run this cell "
                                       "again."))
    if isinstance(answer, bool) or not isinstance(answer, int):
        return failed("05.1", _("The answer is a count of events: a whole number."), expected=_("an int, e.g. 3"),
                      got=repr(answer), hint=_("Count the publish times before 47 ms: 0, 10, 20, ... ms."))
    hint = ("The events are published at 0, 10, 20, 30, 40, 50 ms, ... The subscriber only receives "
            "events published after it subscribed; count the publish times below 47 ms "
            "(0 ms counts too).")
    if answer == right - 1:
        hint = "Close: did you forget the event published at t = 0? " + hint
    return expect("05.1", answer, right, what=_("the number of missed events"), hint=hint,
                  right=_("It misses {right} events: {missed}, published at {missed2} ms, before it "
                          "subscribed at 47 ms. It receives {late}... from then on.").format(right=right, missed=list(run.missed), missed2=', '.join(f'{run.published_at[s] * 1000:g}' for s in run.missed), late=list(run.late[:3])))


# --- 05.2 --------------------------------------------------------------------------------------------
def _policy_on_inbox(policy, offers=6, capacity=3):
    """The library's policy on a ``Chan(capacity)`` that nobody reads: what the inbox holds after
    offers 0 .. offers-1, its length after each, and the events each offer threw away."""
    inbox, returned, sizes = Chan(capacity, name="inbox"), [], []
    for event in range(offers):
        thrown = []
        policy.offer(inbox, event, thrown.append)
        returned.append(thrown)
        sizes.append(len(inbox))
    return _drain(inbox), sizes, returned


def _drain(inbox):
    held = []
    while (got := inbox.try_recv()) is not None and got[1]:
        held.append(got[0])
    return held


class _Watched(Chan):
    """A ``Chan`` that notes each waiting receive (``recv``, ``recv_ok``): on a full inbox such a
    receive returns at once, so only this tells it from the select with default the text asks for."""

    def __init__(self, capacity=0, name=None):
        super().__init__(capacity, name=name)
        self.waiting_calls = []

    def recv(self, timeout=None):
        self.waiting_calls.append("recv")
        return super().recv(timeout)

    def recv_ok(self, timeout=None):
        self.waiting_calls.append("recv_ok")
        return super().recv_ok(timeout)


@checker
def drop_oldest(offer):
    """05.2: ``offer(inbox, event)`` puts ``event`` in the chanlab ``Chan`` ``inbox``; when it is full
    it receives (throws away) the oldest event until the new one fits, and returns the list of the
    events it threw away. Checked on a ``Chan(3)`` that nobody reads, with offers 0 to 5, against
    :data:`chanlab.policies.DROP_OLDEST` on the same inbox."""
    want_held, want_sizes, want_returned = _policy_on_inbox(DROP_OLDEST)
    newest_held = _policy_on_inbox(DROP_NEWEST)[0]
    inbox = _Watched(3, name="inbox")
    returned, sizes = [], []
    for event in range(6):
        value = attempt("05.2", offer, inbox, event, hints={
            DeadlockError: "A plain inbox.send(event) waits for room, and nobody receives here: it "
                           "would wait forever. Use select(inbox.sending(event), default=True) and, "
                           "when it takes the default (index None), take one out with "
                           "select(inbox.receiving(), default=True)."})
        if isinstance(value, Raised):
            return value.feedback
        returned.append(value)
        sizes.append(len(inbox))
    if inbox.waiting_calls:
        op = inbox.waiting_calls[0]
        return failed("05.2", _("offer used a waiting inbox.{op}(): the exercise allows only select with "
                                "default.").format(op=op), expected=_("only select(..., default=True)"),
                      got=f"inbox.{op}() ({len(inbox.waiting_calls)} call(s))",
                      hint=_("Take the oldest out with select(inbox.receiving(), default=True), then try the "
                             "send again with select(inbox.sending(event), default=True)."))
    held = _drain(inbox)
    dropped = [e for r in returned if isinstance(r, list) for e in r]
    if held == [] and all(r is None for r in returned):  # a body of just '...' or 'pass'
        return not_attempted("05.2", _("Write offer(inbox, event) in the cell above, then run this cell again."))
    if held == newest_held:
        return failed("05.2", _("The inbox kept the first three events: that is drop_newest."),
                      expected=_("the inbox holds {want_held} after offers 0..5 (the newest three)").format(want_held=want_held),
                      got=_("it holds {held}").format(held=held),
                      hint=_("When the send takes the default case, receive the oldest event from the inbox "
                             "(it goes to the dropped list), then try the send again, in a loop."))
    if held != want_held:
        return failed("05.2", _("The inbox does not hold the newest three events."),
                      expected=_("{want_held} in the inbox after offers 0..5 on a Chan(3)").format(want_held=want_held), got=f"{held}",
                      hint=_("Each offer must leave exactly the last three offers in the inbox: drop only "
                             "the oldest, and only while the new event does not fit."))
    if sizes != want_sizes:
        return failed("05.2", _("The inbox ends right, but on the way it dropped more than it needed."),
                      expected=_("{want_sizes} events in the inbox after offers 0..5").format(want_sizes=', '.join(map(str, want_sizes))),
                      got=", ".join(map(str, sizes)),
                      hint=_("Drop one event at a time, and only while the new one does not fit: a loop of "
                             "'try to send; if that fails, drop the oldest'."))
    if not all(isinstance(r, list) for r in returned):
        return failed("05.2", _("The inbox is right, but offer must return the list of events it dropped."),
                      expected=_("[] for offers 0, 1, 2, then [0], [1], [2]"),
                      got=", ".join(repr(r) for r in returned),
                      hint=_("Start with dropped = [], append each event you take out, return dropped."))
    if returned != want_returned or dropped != [e for r in want_returned for e in r]:
        return failed("05.2", _("The inbox is right, but the lists of dropped events are not."),
                      expected=", ".join(map(repr, want_returned)),
                      got=", ".join(repr(r) for r in returned),
                      hint=_("Return only the events this call took out of the inbox, oldest first."))
    evicting = [k for k, r in enumerate(want_returned) if r]
    return passed("05.2", _("Offers 0..5 on a Chan(3): the inbox keeps {want_held}, and offers {evicting} "
                            "each dropped the oldest ({evicting2}): a sliding window, as "
                            "policy='drop_oldest'.").format(want_held=want_held, evicting=', '.join(map(str, evicting)), evicting2=', '.join(repr(want_returned[k]) for k in evicting)))


# --- 05.3 --------------------------------------------------------------------------------------------
@checker
def subscribe_once(fn):
    """05.3: ``fn(bus, pattern, handler)`` subscribes ``handler`` so that it runs for the first
    matching event only (the subscription then unsubscribes itself) and returns the subscription."""
    def scenario():
        bus = Bus("once")
        got, everything = [], []
        bus.subscribe("#", lambda t, e: everything.append(e), name="audit")
        sub = fn(bus, "order.*", lambda t, e: got.append((t, e)))
        if sub is ... or (sub is None and len(bus.subscriptions) == 1):  # a stub: nothing subscribed
            return ...
        for topic, event in (("user.login", 0), ("order.placed", 1), ("order.paid", 2),
                             ("order.placed", 3)):
            bus.publish(topic, event)
        active = sub.active if isinstance(sub, SubscriptionBase) else None
        bus.close(timeout=5)
        return sub, got, everything, active

    result = attempt("05.3", scenario, what=_("Write subscribe_once(bus, pattern, handler) in the cell above, then run this "
                                              "cell again."),
                     hints={BusClosedError: "Unsubscribe only this subscription (sub.close() or "
                                            "bus.unsubscribe(sub)), not the whole bus: other "
                                            "subscribers still need it."})
    if isinstance(result, Raised):
        return result.feedback
    sub, got, everything, active = result
    if not isinstance(sub, SubscriptionBase):
        return failed("05.3", _("subscribe_once must return the subscription."),
                      expected=_("the Subscription that bus.subscribe returned"), got=repr(sub),
                      hint=_("sub = bus.subscribe(pattern, once); ...; return sub"))
    if got == [("order.placed", 1), ("order.paid", 2), ("order.placed", 3)]:
        return failed("05.3", _("The handler ran for every matching event."),
                      expected=_("one call: ('order.placed', 1)"), got=f"{len(got)} calls: {got}",
                      hint=_("Wrap the handler: def once(topic, event): sub.close(); handler(topic, event). "
                             "A closure can use sub, assigned after subscribe returns."))
    if got != [("order.placed", 1)]:
        return failed("05.3", _("The handler did not run exactly once, for the first matching event."),
                      expected="[('order.placed', 1)]", got=repr(got),
                      hint=_("Subscribe with the pattern you were given; call the handler with (topic, "
                             "event) once, then unsubscribe."))
    if active:
        return failed("05.3", _("The handler ran once, but the subscription is still active."),
                      expected=_("sub.active is False after the first event"), got="True",
                      hint=_("Call sub.close() (or bus.unsubscribe(sub)) inside the wrapper, so that the bus "
                             "stops offering events to it, instead of ignoring them."))
    if everything != [0, 1, 2, 3]:
        return failed("05.3", _("The other subscriber missed events."), expected="[0, 1, 2, 3]",
                      got=repr(everything), hint=_("Unsubscribe only your own subscription."))
    return passed("05.3", _("The handler ran once, for ('order.placed', 1), then its subscription closed "
                            "itself (sub.active is False) while the audit subscriber got all four events. "
                            "Unsubscribing inside a handler, during a publish, is allowed."))


# --- 05.4 --------------------------------------------------------------------------------------------
@checker
def breadth_first(make_publish):
    """05.4: ``make_publish(bus)`` returns ``publish(topic, event)`` that dispatches an event published
    from inside a handler only after the current publish has reached every subscriber (a FIFO of
    pending events), so that every subscriber sees events in the order they were published."""
    def scenario():
        bus = Bus("orders")
        publish = make_publish(bus)
        if publish is ... or publish is None:
            return ...
        if not callable(publish):
            return ("not callable", publish)
        log = []

        def place(topic, event):  # an event that causes two more
            publish("stock.reserve", event)
            publish("mail.send", event)

        def reserve(topic, event):  # and one that causes a third
            publish("stock.reserved", event)

        bus.subscribe("order.placed", place, name="place")
        bus.subscribe("stock.reserve", reserve, name="reserve")
        bus.subscribe("#", lambda t, e: log.append(t), name="log")
        publish("order.placed", 1)
        bus.close(timeout=5)
        return log

    result = attempt("05.4", scenario, what=_("Write make_publish(bus) in the cell above, then run this cell again."),
                     hints={RecursionError: "Publishing from a handler straight into bus.publish nests "
                                            "the calls; queue the event instead while a publish is "
                                            "running."})
    if isinstance(result, Raised):
        return result.feedback
    if isinstance(result, tuple):
        return failed("05.4", _("make_publish(bus) must return a function publish(topic, event)."),
                      expected=_("a function"), got=repr(result[1]),
                      hint=_("Define publish inside make_publish and return it (no parentheses)."))
    right = ["order.placed", "stock.reserve", "mail.send", "stock.reserved"]
    if result == right:
        return passed("05.4", _("The log subscriber saw {right}: each event after the one that caused it, in "
                                "the order they were published (breadth-first).").format(right=right))
    if result == ["stock.reserved", "stock.reserve", "mail.send", "order.placed"]:
        return failed("05.4", _("This is the bus's own depth-first order: nested events overtake the event that "
                                "caused them."), expected=repr(right), got=repr(result),
                      hint=_("While a publish is running (a flag), append (topic, event) to a list instead "
                             "of publishing; the outermost call publishes from that list until it is empty."))
    if len(result) < len(right):
        return failed("05.4", _("Some events were never published."), expected=repr(right), got=repr(result),
                      hint=_("Events queued while a publish runs must still be published afterwards: loop "
                             "until the list of pending events is empty."))
    return failed("05.4", _("The log saw the events in another order."), expected=repr(right),
                  got=repr(result), hint=_("Take pending events from the front of the list (FIFO), not from the back."))
