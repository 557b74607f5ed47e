"""The checkers of notebook 05: each against the right answer, typical wrong ones, and the stub."""
from chanlab import check, select
from chanlab.check import events as ce


def text(fb):
    return str(fb)


# --- 05.1 ----------------------------------------------------------------------------------------------
def test_missed():
    fb = ce.missed(5)
    assert fb.ok and "[0, 1, 2, 3, 4]" in fb.summary
    off_by_one = ce.missed(4)
    assert not off_by_one and off_by_one.attempted and "t = 0" in off_by_one.hint
    assert not ce.missed(47) and "Expected: 5" in text(ce.missed(47))
    assert not ce.missed(4.7) and "whole number" in ce.missed(4.7).summary
    todo = ce.missed(...)
    assert not todo and not todo.attempted


def test_reached_through_check():
    assert check.events.missed is ce.missed


# --- 05.2 ----------------------------------------------------------------------------------------------
def offer_right(inbox, event):
    dropped = []
    while select(inbox.sending(event), default=True).index is None:
        old = select(inbox.receiving(), default=True)
        if old.index is not None:
            dropped.append(old.value)
    return dropped


def offer_drop_newest(inbox, event):
    if select(inbox.sending(event), default=True).index is None:
        return [event]
    return []


def offer_blocking(inbox, event):
    inbox.send(event)
    return []


def offer_returns_nothing(inbox, event):
    offer_right(inbox, event)


def offer_drops_two(inbox, event):  # makes room by emptying the whole buffer
    dropped = []
    if select(inbox.sending(event), default=True).index is None:
        while len(inbox):
            dropped.append(select(inbox.receiving(), default=True).value)
        inbox.send(event, timeout=1)
    return dropped


def offer_stub(inbox, event):
    ...


def offer_not_implemented(inbox, event):
    raise NotImplementedError


def test_drop_oldest():
    assert ce.drop_oldest(offer_right).ok
    newest = ce.drop_oldest(offer_drop_newest)
    assert not newest and "drop_newest" in newest.summary
    blocking = ce.drop_oldest(offer_blocking)
    assert not blocking and "DeadlockError" in blocking.got and "select" in blocking.hint
    nothing = ce.drop_oldest(offer_returns_nothing)
    assert not nothing and "return the list" in nothing.summary
    emptied = ce.drop_oldest(offer_drops_two)
    assert not emptied and "more than it needed" in emptied.summary and emptied.got == "1, 2, 3, 1, 2, 3"

    def waits_to_receive(inbox, event):   # right messages, but a waiting receive
        dropped = []
        while select(inbox.sending(event), default=True).index is None:
            dropped.append(inbox.recv(timeout=1))
        return dropped

    fb = ce.drop_oldest(waits_to_receive)
    assert not fb and "only select with default" in fb.summary and "receiving()" in fb.hint
    for stub in (offer_stub, offer_not_implemented):
        fb = ce.drop_oldest(stub)
        assert not fb and not fb.attempted


# --- 05.3 ----------------------------------------------------------------------------------------------
def once_right(bus, pattern, handler):
    def once(topic, event):
        sub.close()
        handler(topic, event)

    sub = bus.subscribe(pattern, once)
    return sub


def once_never_unsubscribes(bus, pattern, handler):
    return bus.subscribe(pattern, handler)


def once_ignores_later_events(bus, pattern, handler):
    seen = []

    def once(topic, event):
        if not seen:
            seen.append(event)
            handler(topic, event)

    return bus.subscribe(pattern, once)


def once_closes_the_bus(bus, pattern, handler):
    def once(topic, event):
        handler(topic, event)
        bus.close()

    return bus.subscribe(pattern, once)


def once_returns_none(bus, pattern, handler):
    once_right(bus, pattern, handler)


def once_stub(bus, pattern, handler):
    ...


def once_not_implemented(bus, pattern, handler):
    raise NotImplementedError("your code here")


def test_subscribe_once():
    assert ce.subscribe_once(once_right).ok
    every = ce.subscribe_once(once_never_unsubscribes)
    assert not every and "every matching event" in every.summary
    ignores = ce.subscribe_once(once_ignores_later_events)
    assert not ignores and "still active" in ignores.summary
    closes = ce.subscribe_once(once_closes_the_bus)
    assert not closes and "BusClosedError" in closes.got and "not the whole bus" in closes.hint
    none = ce.subscribe_once(once_returns_none)
    assert not none and "return the subscription" in none.summary
    for stub in (once_stub, once_not_implemented):
        todo = ce.subscribe_once(stub)
        assert not todo and not todo.attempted


# --- 05.4 ----------------------------------------------------------------------------------------------
def make_queued_publish(pop=0):
    """05.4's answer: nested publishes wait in a queue until the outer one is done. ``pop=0`` takes
    them first in, first out (right); ``pop=-1`` last in, first out (a typical mistake)."""
    def make(bus):
        pending, busy = [], []

        def publish(topic, event):
            pending.append((topic, event))
            if busy:
                return
            busy.append(True)
            try:
                while pending:
                    bus.publish(*pending.pop(pop))
            finally:
                busy.clear()

        return publish
    return make


make_publish_right = make_queued_publish()
make_publish_lifo = make_queued_publish(pop=-1)


def make_publish_depth_first(bus):
    return bus.publish


def make_publish_drops_nested(bus):
    busy = []

    def publish(topic, event):
        if busy:
            return
        busy.append(True)
        try:
            bus.publish(topic, event)
        finally:
            busy.clear()

    return publish


def make_publish_returns_value(bus):
    return 42


def make_publish_stub(bus):
    raise NotImplementedError


def make_publish_empty(bus):
    ...


def test_breadth_first():
    fb = ce.breadth_first(make_publish_right)
    assert fb.ok and "breadth-first" in fb.summary
    depth = ce.breadth_first(make_publish_depth_first)
    assert not depth and "depth-first" in depth.summary
    dropped = ce.breadth_first(make_publish_drops_nested)
    assert not dropped and "never published" in dropped.summary
    lifo = ce.breadth_first(make_publish_lifo)
    assert not lifo and "FIFO" in lifo.hint
    value = ce.breadth_first(make_publish_returns_value)
    assert not value and "must return a function" in value.summary
    for stub in (make_publish_stub, make_publish_empty):
        todo = ce.breadth_first(stub)
        assert not todo and not todo.attempted
