"""The checkers of notebook 07: right answers pass, typical wrong answers get specific feedback,
stubs are "not attempted yet". None of them needs a NATS server."""
import re

from chanlab import check


def _right_match(pattern, subject):  # a right answer written another way than the checker's own
    tokens = ["[^.]+" if t == "*" else ".+" if t == ">" else re.escape(t) for t in pattern.split(".")]
    return re.fullmatch(r"\.".join(tokens), subject) is not None


def test_subject_matches():
    assert check.nats.subject_matches(_right_match).ok

    def gt_zero_or_more(pattern, subject):  # '>' like AMQP's '#'
        return True if pattern.endswith(">") and subject.startswith(pattern[:-2]) else _right_match(pattern, subject)
    fb = check.nats.subject_matches(gt_zero_or_more)
    assert not fb.ok and fb.attempted and "'>' matches one or more" in fb.hint

    def star_prefix(pattern, subject):  # forgets to compare lengths
        return all(a in ("*", b) for a, b in zip(pattern.split("."), subject.split(".")))
    fb = check.nats.subject_matches(star_prefix)
    assert not fb.ok and "'*' matches exactly one token" in fb.hint

    def raises(pattern, subject):
        raise KeyError(pattern)
    fb = check.nats.subject_matches(raises)
    assert not fb.ok and "KeyError" in fb.got

    def stub(pattern, subject):
        ...
    fb = check.nats.subject_matches(stub)
    assert not fb.ok and not fb.attempted


def test_late_counts():
    assert check.nats.late_counts({"audit": 30, "eu": 10, "late": 16}).ok
    fb = check.nats.late_counts({"audit": 40, "eu": 10, "late": 16})  # order.* taken as order.>
    assert not fb.ok and "two-token" in fb.hint
    fb = check.nats.late_counts({"audit": 30, "eu": 10, "late": 40})  # late gets a replay
    assert not fb.ok and "missed events 0..23" in fb.hint and "16" not in fb.expected  # the answer stays hidden
    fb = check.nats.late_counts([30, 10, 16])
    assert not fb.ok and fb.attempted and "dict" in fb.summary
    assert not check.nats.late_counts(...).attempted


def test_idempotent():
    def right(balances, seen, delivery):
        job, account, amount = delivery
        if job not in seen:
            seen.add(job)
            balances[account] = balances.get(account, 0) + amount
    assert check.nats.idempotent(right).ok

    def applies_every_delivery(balances, seen, delivery):
        _, account, amount = delivery
        balances[account] = balances.get(account, 0) + amount
    fb = check.nats.idempotent(applies_every_delivery)
    assert not fb.ok and "applied again" in fb.summary

    def forgets_to_remember(balances, seen, delivery):
        job, account, amount = delivery
        if job in seen:
            return
        balances[account] = amount  # and overwrites instead of adding
    fb = check.nats.idempotent(forgets_to_remember)
    assert not fb.ok and fb.attempted

    def stub(balances, seen, delivery):
        ...
    assert not check.nats.idempotent(stub).attempted

    def not_implemented(balances, seen, delivery):
        raise NotImplementedError
    assert not check.nats.idempotent(not_implemented).attempted


def test_publish_until_acked():
    def right(publish, data, msg_id, attempts):
        for attempt in range(1, attempts + 1):
            try:
                return publish(data, msg_id)
            except TimeoutError:
                if attempt == attempts:
                    raise
    assert check.nats.publish_until_acked(right).ok

    def new_id_each_time(publish, data, msg_id, attempts):
        for attempt in range(attempts):
            try:
                return publish(data, f"{msg_id}-{attempt}")
            except TimeoutError:
                if attempt == attempts - 1:
                    raise
    fb = check.nats.publish_until_acked(new_id_each_time)
    assert not fb.ok and "same msg_id" in fb.hint

    def catches_everything(publish, data, msg_id, attempts):
        for _ in range(attempts):
            try:
                return publish(data, msg_id)
            except Exception:
                pass
        return None
    fb = check.nats.publish_until_acked(catches_everything)
    assert not fb.ok and ("TimeoutError after 3 calls" in fb.expected or "catch TimeoutError" in fb.hint)

    def one_extra(publish, data, msg_id, attempts):
        for attempt in range(attempts + 1):
            try:
                return publish(data, msg_id)
            except TimeoutError:
                if attempt == attempts:
                    raise
    fb = check.nats.publish_until_acked(one_extra)
    assert not fb.ok and "attempts" in fb.hint

    def stub(publish, data, msg_id, attempts):
        ...
    assert not check.nats.publish_until_acked(stub).attempted


def test_late_counts_holds_fingerprints_that_an_independent_count_matches():
    """The checker holds no subject matcher and no count (the student bundle ships it): its fingerprints
    must agree with the counts worked out here, with this file's own matcher."""
    import inspect

    late = check.nats.LATE
    topics = late["topics"]
    counts = {name: sum(_right_match(pattern, topics[i % len(topics)])
                        for i in range(late["joins_after"].get(name, 0), late["events"]))
              for name, pattern in late["patterns"].items()}
    assert counts == {"audit": 30, "eu": 10, "late": 16}
    assert check.nats.late_counts(counts).ok
    assert check.nats.late_counts({k: float(v) for k, v in counts.items()}).ok
    source = inspect.getsource(check.nats)
    assert "split(\".\")" not in source and "def _reference" not in source
