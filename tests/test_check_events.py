"""The checkers of notebook 05: each against the right answer, typical wrong ones, and the stub."""
import pytest

from chanlab import check
from chanlab.events import matches
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
def retained_factory(remember_all=False, replay=True, use_pattern=True, live=True, via_bus=True):
    """The right answer, or one of the typical wrong ones (one flag off)."""
    def make_retained(bus):
        last = {}

        def publish(topic, event):
            if remember_all:
                last.setdefault(topic, []).append(event)
            else:
                last[topic] = [event]
            if via_bus:
                bus.publish(topic, event)

        def subscribe(pattern, handler):
            if replay:
                for topic, events in list(last.items()):
                    if not use_pattern or matches(pattern, topic):
                        for event in events:
                            handler(topic, event)
            return bus.subscribe(pattern, handler) if live else None

        return publish, subscribe
    return make_retained


def test_retained_right():
    fb = ce.retained(retained_factory())
    assert fb.ok and "price.usd=109" in fb.summary and "price.eur=100" in fb.summary
    assert "not the 3 it missed" in fb.summary


def test_retained_right_replay_after_subscribing():
    def make_retained(bus):   # subscribes first, then replays: the same, in one thread
        last = {}

        def publish(topic, event):
            last[topic] = event
            bus.publish(topic, event)

        def subscribe(pattern, handler):
            sub = bus.subscribe(pattern, handler)
            for topic, event in dict(last).items():
                if matches(pattern, topic):
                    handler(topic, event)
            return sub
        return publish, subscribe

    assert ce.retained(make_retained).ok


@pytest.mark.parametrize("flags, words", [
    ({"replay": False}, "got nothing from before it joined"),
    ({"remember_all": True}, "whole history"),
    ({"use_pattern": False}, "ignored the pattern"),
    ({"live": False}, "did not get the new matching event"),
    ({"via_bus": False}, "must publish on the bus"),
])
def test_retained_wrong(flags, words):
    fb = ce.retained(retained_factory(**flags))
    assert not fb and fb.attempted and words in fb.summary and fb.hint


def test_retained_not_a_pair_and_stubs():
    fb = ce.retained(lambda bus: (lambda t, e: None))
    assert not fb and "two functions" in fb.summary

    def stub(bus):
        raise NotImplementedError

    for todo in (stub, lambda bus: ...):
        fb = ce.retained(todo)
        assert not fb and not fb.attempted and "price" not in str(fb)


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
