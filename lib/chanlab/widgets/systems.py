"""The explorers of notebook 09: one order process in both styles under faults, and ordering with
competing consumers or partitions.

They redraw :func:`chanlab.plots.draw_saga_scenarios` and :func:`chanlab.plots.draw_ordering` from
:mod:`chanlab.experiments.sagas` and :mod:`chanlab.experiments.ordering` runs on a virtual clock.
"""
import matplotlib.pyplot as plt

from ..experiments.ordering import LAYOUTS, run_ordering
from ..experiments.sagas import Faults, compare
from ..plots import draw_ordering, draw_saga_scenarios
from ..plots.base import fit_size
from .base import dropdown, explorer, float_slider, int_slider, shown

__all__ = ["saga_explorer", "ordering_explorer"]


PAYMENT = ("idempotent", "applies duplicates")


def saga_explorer(orders=60, fail_rate=0.1, payment_slowdown=1.0, payment_down=0.0, duplicate_rate=0.0,
                  payment="idempotent", seed=0):
    """Both styles of the order saga on one seeded workload: messages per order, stuck orders and
    duplicates applied. ``w.result`` is ``{style: SagaRun}``."""

    def run(orders, fail_rate, payment_slowdown, payment_down, duplicate_rate, payment, seed):
        faults = {"payment": Faults(slow=payment_slowdown, down=((1.0, 1.0 + payment_down),) if payment_down else (),
                                    duplicate_rate=duplicate_rate, idempotent=payment == "idempotent")}
        runs = compare(orders=orders, fail_rate=fail_rate, faults=faults, seed=seed)
        fig, axes = plt.subplots(1, 3, figsize=fit_size((10, 3.6)))
        for ax, metric in zip(axes, ("messages per order", "stuck", "duplicates applied")):
            draw_saga_scenarios([("this run", runs)], metric, ax, title=metric)
        fig.suptitle(f"{orders} orders, {fail_rate:.0%} payments declined, payment x{payment_slowdown:g} slower, "
                     f"down {payment_down:g} s, {duplicate_rate:.0%} duplicated")
        return shown(fig, runs)

    return explorer(run, orders=int_slider(orders, 1, 300, "orders", name="orders"),
                    fail_rate=float_slider(fail_rate, 0.0, 1.0, 0.05, "payments declined", name="fail_rate"),
                    payment_slowdown=float_slider(payment_slowdown, 1.0, 40.0, 1.0, "payment slower by",
                                                  name="payment_slowdown"),
                    payment_down=float_slider(payment_down, 0.0, 20.0, 0.5, "payment down for (s)",
                                              name="payment_down"),
                    duplicate_rate=float_slider(duplicate_rate, 0.0, 0.5, 0.05, "messages duplicated",
                                                name="duplicate_rate"),
                    payment=dropdown(PAYMENT, payment, "payment service", name="payment"),
                    seed=int_slider(seed, 0, 99, "seed", name="seed"))


def ordering_explorer(max_workers=8, events=400, keys=20, skew=1.0, seed=0):
    """Out-of-order events and throughput vs workers, for competing consumers and partitions.
    ``w.result`` is the list of :class:`OrderingRun`."""

    def run(max_workers, events, keys, skew, seed):
        counts = sorted({1, 2, 4, 8, 16, 32, max_workers} & set(range(1, max_workers + 1)))
        runs = [run_ordering(layout, w, events, keys, skew=skew, seed=seed) for layout in LAYOUTS for w in counts]
        title = f"{events} events over {keys} keys, skew {skew:g}"
        axes = draw_ordering(runs, title=title)
        axes[0].figure.suptitle(title)  # inside the figure (draw_ordering puts it above, for a cropped image)
        return shown(axes[0].figure, runs)

    return explorer(run, max_workers=int_slider(max_workers, 1, 32, "up to workers", name="max_workers"),
                    events=int_slider(events, 10, 2000, "events", name="events"),
                    keys=int_slider(keys, 1, 200, "keys", name="keys"),
                    skew=float_slider(skew, 0.0, 3.0, 0.1, "key skew", name="skew"),
                    seed=int_slider(seed, 0, 99, "seed", name="seed"))
