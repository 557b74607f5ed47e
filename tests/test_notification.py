"""chanlab.experiments.notification: thin events that call back vs events that carry the data."""
import pytest

from chanlab.experiments.notification import run_notification


def test_thin_events_cost_one_call_per_receiver_and_fat_ones_none():
    thin = run_notification("notification", receivers=4, events=50)
    fat = run_notification("state_transfer", receivers=4, events=50)
    assert thin.calls == 200 and thin.timeouts == 0 and fat.calls == 0
    assert fat.event_bytes > thin.event_bytes
    assert thin.copies_agree and fat.copies_agree
    assert fat.percentile(0.95) < thin.percentile(0.5)


def test_while_the_source_is_down_thin_events_wait_and_fat_ones_do_not():
    down = ((1.0, 3.0),)
    thin = run_notification("notification", events=100, source_down=down)
    fat = run_notification("state_transfer", events=100, source_down=down)
    assert thin.timeouts > 0 and thin.percentile(0.95) > 1.0
    assert fat.timeouts == 0 and fat.percentile(0.95) == run_notification("state_transfer", events=100).percentile(0.95)
    assert thin.copies_agree


def test_many_receivers_overload_the_source():
    few = run_notification("notification", receivers=2, interval=0.01, events=100)
    many = run_notification("notification", receivers=10, interval=0.01, events=100)
    assert many.percentile(0.5) > 10 * few.percentile(0.5)


def test_the_same_seed_gives_the_same_run():
    assert run_notification(seed=3, events=40) == run_notification(seed=3, events=40)


@pytest.mark.parametrize("kw, error, match", [
    ({"style": "fat"}, ValueError, "style must be one of"),
    ({"receivers": 0}, ValueError, "receivers must be an int between 1 and 100"),
    ({"call_timeout": 0}, ValueError, "call_timeout must be a number > 0"),
    ({"source_down": (1, 2)}, TypeError, "source_down is a tuple of"),
])
def test_bad_arguments(kw, error, match):
    with pytest.raises(error, match=match):
        run_notification(**kw)
