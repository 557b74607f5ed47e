"""Checkers for the exercises of notebook 05 (event-driven): ``check.events.missed(...)`` and so on.

Each runs the learner's answer on a small scenario with :class:`chanlab.events.Bus` and says what
was expected, what happened, and gives a hint.
"""
from ..bus import SubscriptionBase
from ..events import Bus, BusClosedError, matches
from ..experiments.events import late_subscriber
from .feedback import checker, Raised, attempt, expect, failed, not_attempted, passed
from ..i18n import _

__all__ = ["missed", "retained", "subscribe_once", "breadth_first"]


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
    hint = _("The events are published at 0, 10, 20, 30, 40, 50 ms, ... The subscriber only receives "
             "events published after it subscribed; count the publish times below 47 ms "
             "(0 ms counts too).")
    if answer == right - 1:
        hint = _("Close: did you forget the event published at t = 0? The events are published at 0, 10, "
                 "20, 30, 40, 50 ms, ... The subscriber only receives events published after it subscribed; "
                 "count the publish times below 47 ms (0 ms counts too).")
    return expect("05.1", answer, right, what=_("the number of missed events"), hint=hint,
                  right=_("It misses {right} events: {missed}, published at {missed2} ms, before it "
                          "subscribed at 47 ms. It receives {late}... from then on.").format(right=right, missed=list(run.missed), missed2=', '.join(f'{run.published_at[s] * 1000:g}' for s in run.missed), late=list(run.late[:3])))


# --- 05.2 --------------------------------------------------------------------------------------------
@checker
def retained(make_retained):
    """05.2: ``make_retained(bus)`` returns ``(publish, subscribe)``: ``publish(topic, event)`` publishes
    on ``bus`` and remembers the event as that topic's latest; ``subscribe(pattern, handler)`` first
    calls ``handler`` with the remembered latest event of every matching topic, then subscribes it to
    ``bus`` and returns the subscription (MQTT's retained messages; JetStream's ``DeliverLastPerSubject``)."""
    def scenario():
        bus = Bus("prices")
        made = make_retained(bus)
        if made is ... or made is None:
            return ...
        if not (isinstance(made, tuple) and len(made) == 2 and all(map(callable, made))):
            return ("not a pair", made)
        publish, subscribe = made
        audit, early, late = [], [], []
        bus.subscribe("#", lambda t, e: audit.append((t, e)), name="audit")
        subscribe("price.*", lambda t, e: early.append((t, e)))
        for topic, event in (("price.usd", 108), ("stock.acme", 7), ("price.eur", 100), ("price.usd", 109)):
            publish(topic, event)
        sub = subscribe("price.*", lambda t, e: late.append((t, e)))
        replayed = list(late)
        for topic, event in (("price.eur", 101), ("stock.acme", 8)):
            publish(topic, event)
        bus.close(timeout=5)
        return sub, audit, early, replayed, late[len(replayed):]

    result = attempt("05.2", scenario, what=_("Write make_retained(bus) in the cell above, then run this cell again."))
    if isinstance(result, Raised):
        return result.feedback
    if result[0] == "not a pair":
        return failed("05.2", _("make_retained(bus) must return two functions: (publish, subscribe)."),
                      expected=_("a tuple (publish, subscribe)"), got=repr(result[1]),
                      hint=_("Define publish and subscribe inside make_retained and return publish, "
                             "subscribe."))
    sub, audit, early, replayed, live = result
    published = [("price.usd", 108), ("stock.acme", 7), ("price.eur", 100), ("price.usd", 109),
                 ("price.eur", 101), ("stock.acme", 8)]
    want_replay = {("price.usd", 109), ("price.eur", 100)}
    if audit != published:
        return failed("05.2", _("Another subscriber of the bus did not get every event: publish must publish on "
                                "the bus."), expected=repr(published), got=repr(audit),
                      hint=_("In publish, remember the event, then call bus.publish(topic, event)."))
    if not replayed:
        return failed("05.2", _("The late subscriber got nothing from before it joined: no replay."),
                      expected=_("first the latest event of each matching topic, {want_replay}").format(want_replay=sorted(want_replay)),
                      got=_("nothing until the next publish"),
                      hint=_("Keep a dict topic -> latest event in publish; in subscribe, call the handler "
                             "with each remembered (topic, event) whose topic matches the pattern, then "
                             "subscribe."))
    if any(not matches("price.*", t) for t, _ in replayed):
        return failed("05.2", _("The replay ignored the pattern: the late subscriber of 'price.*' got another "
                                "topic's event."), expected=_("only {want_replay}").format(want_replay=sorted(want_replay)),
                      got=repr(replayed), hint=_("Replay only topics that match the pattern: chanlab.events.matches(pattern, "
                                                 "topic)."))
    if len(replayed) > len(set(t for t, _ in replayed)):
        return failed("05.2", _("The replay sent the whole history, not the latest event of each topic."),
                      expected=_("{want_replay} (one per topic)").format(want_replay=sorted(want_replay)), got=repr(replayed),
                      hint=_("Remember one event per topic (a dict: a new event replaces the old one), not a "
                             "list of every event."))
    if set(replayed) != want_replay:
        return failed("05.2", _("The replay did not send the latest event of each matching topic."),
                      expected=repr(sorted(want_replay)), got=repr(replayed),
                      hint=_("The latest is the last one published on that topic: store it on every publish, "
                             "overwriting the one before."))
    if live != [("price.eur", 101)]:
        return failed("05.2", _("After the replay, the late subscriber did not get the new matching event "
                                "(once)."), expected="[('price.eur', 101)]", got=repr(live),
                      hint=_("After replaying, subscribe the handler to the bus: return "
                             "bus.subscribe(pattern, handler)."))
    if not isinstance(sub, SubscriptionBase):
        return failed("05.2", _("subscribe must return the bus's subscription."),
                      expected=_("the Subscription that bus.subscribe returned"), got=repr(sub),
                      hint="return bus.subscribe(pattern, handler)")
    want_early = [e for e in published if matches("price.*", e[0])]
    missed = [e for e in published[:4] if matches("price.*", e[0])]
    if early != want_early:
        return failed("05.2", _("A subscriber that joined before any publish did not get every matching event "
                                "exactly once."), expected=repr(want_early), got=repr(early),
                      hint=_("With nothing remembered yet, subscribe replays nothing and only subscribes."))
    return passed("05.2", _("The late subscriber of 'price.*' started from the latest event of each topic "
                            "({replayed}), not the {n_missed} it missed, then got ('price.eur', 101) live; "
                            "the early one got all {n_want_early}. That is MQTT's retained message and "
                            "JetStream's DeliverLastPerSubject.").format(replayed=', '.join(f'{t}={e}' for t, e in replayed), n_missed=len(missed), n_want_early=len(want_early)))


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
                     hints={BusClosedError: _("Unsubscribe only this subscription (sub.close() or "
                                              "bus.unsubscribe(sub)), not the whole bus: other "
                                              "subscribers still need it.")})
    if isinstance(result, Raised):
        return result.feedback
    sub, got, everything, active = result
    if not isinstance(sub, SubscriptionBase):
        return failed("05.3", _("subscribe_once must return the subscription."),
                      expected=_("the Subscription that bus.subscribe returned"), got=repr(sub),
                      hint=_("sub = bus.subscribe(pattern, once); ...; return sub"))
    if got == [("order.placed", 1), ("order.paid", 2), ("order.placed", 3)]:
        return failed("05.3", _("The handler ran for every matching event."),
                      expected=_("one call: ('order.placed', 1)"), got=_("{n_calls} calls: {got}").format(n_calls=len(got), got=got),
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
                     hints={RecursionError: _("Publishing from a handler straight into bus.publish nests "
                                              "the calls; queue the event instead while a publish is "
                                              "running.")})
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
