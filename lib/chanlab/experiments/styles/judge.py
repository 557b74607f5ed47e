"""The verdicts: each of the article's claims judged by one small function, keyed by the claim's id.

A verdict function takes the measurements (a dict, keys as in :func:`verdicts`) and returns
``(verdict, evidence, caveat)``; ``@verdict("claim-id")`` registers it in :data:`VERDICTS`. A claim
judged by reasoning alone is registered with :func:`reasoned`. Adding a claim to
:data:`chanlab.claims.CLAIMS` means adding one function here::

    @verdict("only-async")
    def _only_async(d):
        wait = d["rendezvous"]
        return ("false" if wait > 0 else "true", f"... waited {wait:g} s ...", "...")
"""
from dataclasses import dataclass

from ... import args
from ... import claims as _claims
from ...i18n import N_, _, get_language
from ..publisher import publish as _publish
from .measure import (crash_recovery, fan_out_reactions, handoff_cost, late_reader, latency, memory_growth,
                      missed_events, observer_vs_pubsub, one_channel, process_change, rendezvous, scaling,
                      sync_async)
from .programs import complexity
from .run import STYLES, percentile

__all__ = ["Verdict", "VERDICTS", "MEASUREMENTS", "verdict", "reasoned", "verdicts", "verdict_table",
           "balance_verdict"]


@dataclass(frozen=True)
class Verdict:
    """One claim judged: ``verdict`` is ``true``, ``partly true``, ``false``, ``wrong`` (a fact about
    the article's text) or ``not distinctive`` (true of both styles); ``evidence`` names the figure
    or section; ``measured`` says whether the verdict was computed from a measurement."""

    id: str
    claim: str
    status: str
    verdict: str
    evidence: str
    caveat: str
    measured: bool


# What verdicts() measures when the caller did not pass it (virtual time, except "handoff").
MEASUREMENTS = {
    "latency": latency, "scaling": scaling, "crash": crash_recovery, "missed": missed_events,
    "memory": memory_growth, "sync_async": sync_async, "complexity": complexity,
    "handoff": lambda: handoff_cost(500), "rendezvous": rendezvous, "one_channel": one_channel,
    "observer": observer_vs_pubsub, "fan_out": fan_out_reactions, "process": process_change,
    "late_reader": late_reader,
    "channel_full": lambda: _publish(11, 0.01, 0.0, capacity=0, policy="drop_newest"),
}

VERDICTS = {}  # claim id -> (function of the measurements, measured?)


def verdict(claim_id, *, measured=True):
    """Register the decorated ``fn(data) -> (verdict, evidence, caveat)`` as the judge of
    ``claim_id``; ``measured=False`` for a claim judged by reasoning, a measurement cited as evidence."""
    args.choice(claim_id, "claim_id", [c.id for c in _claims.CLAIMS])
    if claim_id in VERDICTS:
        raise ValueError(f"claim {claim_id!r} already has a verdict")

    def register(fn):
        VERDICTS[claim_id] = (fn, measured)
        return fn
    return register


def reasoned(claim_id, verdict_, evidence, caveat):
    """Register a verdict that no measurement decides (a fact about the article's text)."""
    verdict(claim_id, measured=False)(lambda d: (verdict_, _(evidence), _(caveat)))


def _ratio(a, b):
    return a / b if b else float("inf")


def balance_verdict(sc):
    """'Message-driven suits load balancing', from a :func:`scaling` result: ``(verdict, busiest/mean
    for pull, busiest/mean for static shards)`` at the most workers measured. ``"true"`` when pulling
    from one queue balances better than fixed shards; ``"partly true"`` when both balance as well."""
    kmax = max(dict(sc["busy"]["message: competing consumers"]))
    bal = dict(sc["busy"]["message: competing consumers"])[kmax]
    bal_sh = dict(sc["busy"]["event: one shard per subscriber"])[kmax]
    return ("true" if bal < bal_sh - 1e-9 else "partly true"), bal, bal_sh


# --- measured -------------------------------------------------------------------------------------
@verdict("real-time")
def _real_time(d):
    lat = {s: percentile(r.latencies, 99) for s, r in d["latency"].items()}
    close = abs(lat["event"] - lat["message"]) <= 0.1 * max(lat.values())
    return ("false" if close or lat["event"] > lat["message"] else "true",
            _("fig. 1: p99 {event:.0f} ms (event) vs {message:.0f} ms (message)").format(
                event=lat["event"] * 1e3, message=lat["message"] * 1e3),
            _("same queue, same latency: load and workers set it; a sync (observer) event "
              "handler is instant only by making the publisher wait"))


@verdict("sync-and-async")
def _sync_and_async(d):
    sa = d["sync_async"]
    both = all(sa[(s, "sync")][1] for s in STYLES) and all(sa[(s, "async")][0] == 0 for s in STYLES)
    msg_both = sa[("message", "sync")][1] and sa[("message", "async")][0] == 0
    return ("not distinctive" if both else ("true" if msg_both else "false"),
            _("section 3: request/reply waited {event:.0f} ms (event), {message:.0f} ms (message)").format(
                event=sa[("event", "sync")][0] * 1e3, message=sa[("message", "sync")][0] * 1e3),
            _("request/reply over events needs a reply topic; a work queue has it built in"))


@verdict("low-decoupling")
def _low_decoupling(d):
    pts = {label: dict(p) for label, p in d["scaling"].items() if label != "busy"}
    kmax = max(pts["message: competing consumers"])
    speed = {label: _ratio(p[kmax], p[1]) for label, p in pts.items()}
    s_msg = speed["message: competing consumers"]
    s_copy = speed["event: every subscriber gets a copy"]
    late, kept, n = d["process"]["reordered"]
    return ("false" if s_msg > 2 * s_copy else "partly true",
            _("fig. 2: {kmax} workers: x{s_msg:.1f} (competing consumers) vs x{s_copy:.1f} "
              "(subscribers that copy); 09: partitions keep each key's order ({kept} of {n} events out of "
              "order, against {late}) at {share:.0%} of the throughput").format(
                kmax=kmax, s_msg=s_msg, s_copy=s_copy, kept=kept, n=n, late=late,
                share=d["process"]["order_kept"]),
            _("contradicts the article's own 'loosely coupled': decoupled consumers are what "
              "scale; sharded events scale too, with worse balance"))


@verdict("loose-coupling")
def _loose_coupling(d):
    cr = d["crash"]
    n = len(cr["message"].latencies)
    return ("true" if cr["message"].handled == n > cr["event"].handled else "partly true",
            _("fig. 3: one crash in 5: {message}/{n} handled (message) vs {event}/{n} (event)").format(
                message=cr["message"].handled, event=cr["event"].handled, n=n),
            _("recovery costs an ack timeout per crash and needs idempotent handlers (at least once)"))


@verdict("small-data-load-balancing")
def _small_data_load_balancing(d):
    verdict_, bal, bal_sh = balance_verdict(d["scaling"])
    return (verdict_, _("fig. 2: busiest/mean worker {bal:.2f} (pull) vs {bal_sh:.2f} (static shards)").format(
                bal=bal, bal_sh=bal_sh),
            _("'small data' is not about the style: in-process, a message is a "
              "reference; across a broker, size costs bandwidth (07)"))


def _counted(d):
    """(message-driven has more moving parts and no fewer lines, the evidence text), from fig. 6
    and, across services, from notebook 09's process built both ways."""
    e, m = d["complexity"]["event-driven"], d["complexity"]["message-driven"]
    more = m["moving parts"] > e["moving parts"] and m["lines"] >= e["lines"]
    p = d["process"]
    return more, _("fig. 6: {e_lines} vs {m_lines} lines, {e_parts} vs {m_parts} moving parts (event vs "
                   "message); 09: a new step changes {choreography} existing services choreographed vs "
                   "{orchestration} orchestrated, which sends {ratio:.3g}x the messages").format(
        e_lines=e["lines"], m_lines=m["lines"], e_parts=e["moving parts"], m_parts=m["moving parts"],
        choreography=p["changed"]["choreography"], orchestration=p["changed"]["orchestration"],
        ratio=_ratio(p["messages"]["orchestration"], p["messages"]["choreography"]))


@verdict("messages-more-complex")
def _messages_more_complex(d):
    more, evidence = _counted(d)
    return ("true" if more else "false", evidence,
            _("the extra parts (acks, ack timers, workers) buy recovery; without them messages are as "
              "simple as events; across services the choreography's process is spread over every subscriber"))


@verdict("events-more-complex")
def _events_more_complex(d):
    more, evidence = _counted(d)
    return "false" if more else "true", evidence, _("the article says both; the count decides for one of them")


@verdict("coupling-grows", measured=False)
def _coupling_grows(d):
    return ("partly true", _("{counted}; both programs share 1 name (topic or queue) and the order's "
                             "format").format(counted=_counted(d)[1]),
            _("coupling moves into the message format, which every consumer depends on"))


@verdict("inefficient")
def _inefficient(d):
    h = d["handoff"]
    worst = max(v for k, v in h.items() if k != "function call")
    return ("partly true" if worst > 5 * h["function call"] else "false",
            _("fig. 7 (real time): every hand-off costs more than a function call"),
            _("microseconds per message: it matters only when the handler's work is "
              "smaller than that"))


@verdict("missed-events")
def _missed_events(d):
    me = d["missed"]
    return ("true" if me[("late", "event")] > 0 and me[("slow", "event")] > 0 else "false",
            _("fig. 4: late subscriber missed {late_event}, slow one {slow_event} (event); message: "
              "{late_message} and {slow_message}").format(
                late_event=me[("late", "event")], slow_event=me[("slow", "event")],
                late_message=me[("late", "message")], slow_message=me[("slow", "message")]),
            _("coordination is not needed: a durable queue (or a replaying stream) keeps "
              "what nobody has taken yet (10: a read model started late replayed "
              "{replayed} of {published} events from the log)").format(
                replayed=d["late_reader"]["replayed"], published=d["late_reader"]["published"]))


@verdict("memory-leak")
def _memory_leak(d):
    mg = d["memory"]
    unb = [h for _, h in mg["event, unbounded inbox"]]
    bounded = [h for label, p in mg.items() if label not in ("after",) and "unbounded" not in label
               for _, h in p]
    grows = unb[-1] >= 2 * unb[0] and max(bounded) < unb[-1]
    leak = any(mg["after"].values())
    return ("partly true" if grows and not leak else ("true" if leak else "false"),
            _("fig. 5: unbounded inbox held up to {unbounded} orders; bounded ones at most "
              "{bounded}; none left after the run").format(unbounded=unb[-1], bounded=max(bounded)),
            _("not a leak: a rate mismatch with an unbounded buffer; an unbounded work queue "
              "grows just the same"))


# --- definitional, from small demonstrations ------------------------------------------------------
@verdict("only-async")
def _only_async(d):
    wait = d["rendezvous"]
    return ("false" if wait > 0 else "true",
            _("section 8: a send on make(chan T) waited {wait:g} s for its receiver").format(wait=wait),
            _("message passing can be synchronous (a rendezvous); 'asynchronous' is a choice"))


def _receipts(d):
    """(receipts, distinct values sent) on one channel with several receivers."""
    oc = d["one_channel"]
    return sum(len(x) for x in oc.values()), len(set(x for xs in oc.values() for x in xs))


@verdict("channel-is-pubsub")
def _channel_is_pubsub(d):
    total, sent = _receipts(d)
    return ("partly true" if total == sent else "true",
            _("section 8: {sent} values to {receivers} receivers on one channel: "
              "{total} receipts (each value once)").format(sent=sent, receivers=len(d["one_channel"]),
                                                            total=total),
            _("publish/subscribe needs one channel per subscriber"))


@verdict("notify-all")
def _notify_all(d):
    total, sent = _receipts(d)
    return ("wrong" if total == sent else "true", _("section 8: one channel reaches one receiver per value"),
            _("the article's program has one subCh"))


@verdict("observer-is-pubsub")
def _observer_is_pubsub(d):
    ob = d["observer"]
    same = ob["observer (sync)"] == ob["publish/subscribe (async)"]
    return ("true" if same else "partly true",
            _("section 8: publisher spent {observer:.0f} ms per event (observer) vs {pubsub:.0f} ms "
              "(pub/sub)").format(observer=ob["observer (sync)"] * 1e3,
                                  pubsub=ob["publish/subscribe (async)"] * 1e3),
            _("two different designs: an observer is called by its subject; pub/sub "
              "puts a broker between them"))


@verdict("state-changes")
def _state_changes(d):
    fo = d["fan_out"]
    return ("true" if fo["event"][0] < fo["message"][0] else "not distinctive",
            _("section 8: {reactions} reactions from {publishes} publish (event) vs {puts} puts "
              "(message)").format(reactions=fo["event"][1], publishes=fo["event"][0], puts=fo["message"][0]),
            _("one fact, many independent reactions: fan-out is what events are for"))


@verdict("channel-is-full")
def _channel_is_full(d):
    cf = d["channel_full"]
    return ("wrong" if cf.dropped < len(cf.messages) else "true",
            _("section 8 (and 04): unbuffered, prompt receiver: {dropped} of {n} dropped").format(
                dropped=cf.dropped, n=len(cf.messages)),
            _("default runs when no receiver is waiting at that instant, not when full"))


# --- reasoned: facts about the article's text -----------------------------------------------------
# (the texts are marked with N_ and translated when a verdict is made, in the learner's language then)
reasoned("new", "wrong", N_("section 8 (reasoned)"),
         N_("message queues (IBM MQ, 1993) and event loops (GUI toolkits, 1980s) are decades old; "
            "they address coupling and delivery"))
reasoned("waitgroup-is-messaging", "wrong", "03-workers-and-waitgroup", N_("a WaitGroup is a counter"))
reasoned("program-1-compiles", "wrong", N_("03-workers-and-waitgroup (go build)"), N_("missing import \"sync\""))
reasoned("program-2-compiles", "wrong", N_("04-publisher-and-drops (go build)"), N_("missing import \"time\""))
reasoned("go-fast", "partly true", N_("02b (CPU-bound pools); benchmarks/channels.py, make bench (hand-offs)"),
         N_("fast CPU-bound code and cheap hand-offs; not a property of either style"))


def verdicts(data=None):
    """Judge all 22 claims of :data:`chanlab.claims.CLAIMS`. ``data`` may hold results already
    measured (keys: ``latency``, ``scaling``, ``crash``, ``missed``, ``memory``, ``sync_async``,
    ``complexity``, ``handoff``, ``rendezvous``, ``one_channel``, ``observer``, ``fan_out``,
    ``channel_full``, ``process``, ``late_reader``); what is missing is measured now (virtual time, except ``handoff``).
    Returns a list of :class:`Verdict`, in the ledger's order."""
    d = dict(data or {})
    for key, measure in MEASUREMENTS.items():
        if key not in d:
            d[key] = measure()
    out = []
    for c in _claims.CLAIMS:
        judge, measured = VERDICTS[c.id]
        verdict_, evidence, caveat = judge(d)
        out.append(Verdict(c.id, c.en, c.status, verdict_, evidence, caveat, measured))
    return out


def verdict_table(vs):
    """The verdicts as Markdown table text. The column names are in the learner's language
    (:mod:`chanlab.i18n`); a reader of Chinese sees each claim in the article's own words
    (:attr:`chanlab.claims.Claim.zh`), the way notebook 01's ledger quotes it, not translated back."""
    quotes = {c.id: f"“{c.zh}”" for c in _claims.CLAIMS} if get_language().startswith("zh") else {}
    rows = [_("| # | claim | before | verdict | evidence | caveats |"), "|---|---|---|---|---|---|"]
    for i, x in enumerate(vs, 1):
        tag = "" if x.measured else _(" (reasoned)")
        rows.append(f"| {i} | {x.id}: {quotes.get(x.id, x.claim)} | {x.status} | **{x.verdict}**{tag} | "
                    f"{x.evidence} | {x.caveat} |")
    return "\n".join(rows)
