"""One business process, two ways: a saga as orchestration (message-driven) or choreography
(event-driven).

A *saga* (Garcia-Molina & Salem, 1987) is a process made of local steps, each in its own service
with its own database, where a failed step is undone by *compensating* the steps before it (no
distributed transaction). The shop's order saga: reserve the stock, charge the payment, ship; if the
payment fails, release the stock.

* **Orchestration** (message-driven): a coordinator (EIP's *Process Manager*; Temporal and AWS Step
  Functions are products of it) sends each service a *command* ("reserve stock for order 17") and
  waits for its *reply*. The process is written down in one place, and the coordinator knows where
  every order is.
* **Choreography** (event-driven): nobody is in charge. Each service reacts to the events it
  subscribes to and publishes its own: inventory hears ``OrderPlaced`` and publishes
  ``StockReserved``, payment hears that and publishes ``PaymentCharged`` or ``PaymentFailed``, and so
  on. The process exists only as the sum of the subscriptions.

Both run from one description of the process, a tuple of :class:`Step`; :func:`orchestration_wiring`
and :func:`choreography_wiring` say which code each style has to contain for it, so that the cost of
changing the process (adding a fraud check) can be counted rather than argued
(:func:`changed_services`). The runtime that plays both on a virtual clock is
:mod:`chanlab.experiments.sagas`.

Go, the coordinator's loop for one order (a goroutine per order, a reply channel each)::

    for _, step := range process {
        services[step.Service] <- Command{Order: id, Action: step.Action, Reply: replies}
        select {
        case r := <-replies:          if !r.OK { compensate(done); return Cancelled }
        case <-time.After(timeout):   // no reply: send the command again (at least once)
        }
        done = append(done, step)
    }
"""
from dataclasses import dataclass

__all__ = ["Step", "SHOP", "SHOP_WITH_FRAUD_CHECK", "SHOP_WITH_EMAIL", "orchestration_wiring", "choreography_wiring",
           "changed_services", "START_EVENT"]

#: the event that starts the process in the choreography (the shop's front end publishes it)
START_EVENT = "OrderPlaced"


@dataclass(frozen=True)
class Step:
    """One local step of a saga: ``service`` does ``action``; on success the choreography's event is
    ``done``, on failure ``failed`` (None: this step cannot fail); ``compensation`` undoes it (None:
    nothing to undo), announced as ``undone``."""

    service: str
    action: str
    done: str
    failed: str | None = None
    compensation: str | None = None
    undone: str | None = None


#: the shop's order process
SHOP = (
    Step("inventory", "reserve", done="StockReserved", compensation="release", undone="StockReleased"),
    Step("payment", "charge", done="PaymentCharged", failed="PaymentFailed"),
    Step("shipping", "ship", done="OrderShipped"),
)

#: the same process with a fraud check between the reservation and the payment
SHOP_WITH_FRAUD_CHECK = (
    SHOP[0],
    Step("fraud", "screen", done="FraudCleared", failed="FraudRejected"),
    SHOP[1],
    SHOP[2],
)


#: the same process with an e-mail to the customer once the order has shipped (a reaction to the
#: process's outcome rather than a step the process needs)
SHOP_WITH_EMAIL = SHOP + (Step("email", "send", done="EmailSent"),)


def orchestration_wiring(process):
    """What the orchestrated services contain: ``{(service, what it handles, what it does)}``.

    The coordinator holds the process (every command, in order, and every compensation); each
    service only handles its own commands and replies to whoever sent them.
    """
    wiring = set()
    for i, step in enumerate(process):
        wiring.add(("coordinator", f"step {i + 1}", f"{step.service}.{step.action}"))
        wiring.add((step.service, f"command {step.action}", "reply"))
        if step.compensation:
            wiring.add(("coordinator", f"undo {i + 1}", f"{step.service}.{step.compensation}"))
            wiring.add((step.service, f"command {step.compensation}", "reply"))
    return wiring


def choreography_wiring(process):
    """What the choreographed services contain: ``{(service, event it subscribes to, action)}``.

    Each step's service reacts to the previous step's ``done`` event; when a step fails, every earlier
    step that can be undone reacts to its ``failed`` event with its compensation.
    """
    wiring = set()
    trigger = START_EVENT
    for i, step in enumerate(process):
        wiring.add((step.service, trigger, step.action))
        trigger = step.done
        if step.failed:
            for earlier in process[:i]:
                if earlier.compensation:
                    wiring.add((earlier.service, step.failed, earlier.compensation))
    return wiring


def changed_services(wiring, before, after):
    """The services that already existed and whose code changes from process ``before`` to ``after``
    (a new service is written either way and is not counted)."""
    old, new = wiring(before), wiring(after)
    existing = {s for s, _, _ in old}
    return sorted({s for s, _, _ in old ^ new} & existing)
