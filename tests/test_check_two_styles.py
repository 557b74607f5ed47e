"""Checkers of notebook 01's exercises: right answers pass, typical wrong ones get specific feedback."""
from collections import defaultdict

from chanlab import diagrams
from chanlab.check import two_styles as ck

RIGHT_KINDS = {"ChargeCard": "command", "PaymentFailed": "event", "TemperatureReading": "document",
               "SendWelcomeEmail": "command", "UserSignedUp": "event"}


def test_predict_queue():
    assert ck.predict_queue({"messages per worker": 2, "last received (s)": 1.0}).ok
    fb = ck.predict_queue({"messages per worker": 2, "last received (s)": 7.0})  # one at a time
    assert not fb.ok and fb.attempted and "last received (s)" in fb.summary
    fb = ck.predict_queue({"messages per worker": 8, "last received (s)": 7.0})  # every worker gets all
    assert not fb.ok and "ONE worker" in fb.hint
    assert not ck.predict_queue({"workers": 4}).ok
    stub = ck.predict_queue({"messages per worker": ..., "last received (s)": ...})
    assert not stub.ok and not stub.attempted


def test_classify():
    assert ck.classify(RIGHT_KINDS).ok
    assert ck.classify({k: v.upper() for k, v in RIGHT_KINDS.items()}).ok  # case does not matter
    swapped = RIGHT_KINDS | {"PaymentFailed": "command"}
    fb = ck.classify(swapped)
    assert not fb.ok and "PaymentFailed: event" in fb.expected and "fact" in fb.hint
    fb = ck.classify({"ChargeCard": "command"})
    assert not fb.ok and "UserSignedUp" in fb.hint
    assert not ck.classify(dict.fromkeys(RIGHT_KINDS, ...)).attempted


def _toy():
    subscribers = defaultdict(list)
    subscribers["order.placed"] = [print]
    return subscribers


def test_unsubscribe_right_and_cleans_up():
    subs = _toy()

    def unsubscribe(topic, handler):
        subs[topic].remove(handler)

    assert ck.unsubscribe(unsubscribe, subs).ok
    assert dict(subs) == {"order.placed": [print]}  # the checker's own topic is gone


def test_unsubscribe_wrong_answers():
    subs = _toy()

    def clears_all(topic, handler):
        subs[topic] = []

    def deletes_topic(topic, handler):
        del subs[topic]

    def does_nothing(topic, handler):
        return None

    for fn in (clears_all, deletes_topic, does_nothing):
        fb = ck.unsubscribe(fn, subs)
        assert not fb.ok and fb.attempted and "remove(handler)" in fb.hint, fn.__name__


def test_unsubscribe_stub():
    def unsubscribe(topic, handler):
        raise NotImplementedError

    fb = ck.unsubscribe(unsubscribe, _toy())
    assert not fb.ok and not fb.attempted


def test_bigger_picture():
    assert ck.bigger_picture(diagrams.event_driven(publishers=2, subscribers=4)).ok
    fb = ck.bigger_picture(diagrams.message_driven(producers=2, consumers=4))
    assert not fb.ok and "event_driven" in fb.hint
    fb = ck.bigger_picture(diagrams.event_driven(publishers=1, subscribers=4))
    assert not fb.ok and "1 publisher" in fb.got
    assert not ck.bigger_picture("a picture").ok
    assert not ck.bigger_picture(...).attempted
