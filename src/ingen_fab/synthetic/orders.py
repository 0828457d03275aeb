"""One day's orders and order lines, drawn as whole arrays and capped by the stock on hand.

Orders are drawn for active customers (weighted by a per-customer propensity), routed to the
customer's home store or the online store, given 1-15 lines (geometric, mean about 2.6) of
products the store carries, then lines the stock cannot serve are cut back or dropped, and
orders left without lines disappear. Ids continue from the previous day's counters.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingen_fab.synthetic import columns as col
from ingen_fab.synthetic import vocab
from ingen_fab.synthetic.stores import ONLINE_STORE_ID

MEAN_LINES = 2.6
MAX_LINES = 15
QUANTITY_SHARES = (0.74, 0.16, 0.06, 0.03, 0.01)  # quantity 1..5
MEAN_QUANTITY = sum((i + 1) * p for i, p in enumerate(QUANTITY_SHARES))
SECONDS_PER_DAY = 86_400


@dataclass
class DayOrders:
    order_id: object
    customer: object  # customer rows (customer_id - 1)
    store_id: object
    seconds: object  # seconds since 1970-01-01
    channel: object
    payment: object
    status: object
    line_count: object
    total: object  # cents
    item_id: object
    item_order_id: object
    line_number: object
    product: object  # product rows (product_id - 1)
    quantity: object
    unit_price: object  # cents
    line_total: object  # cents


def draw_day(rng, day: int, expected: float, customers, products, stock, next_ids):
    """The orders of ``day``; books the sales in ``stock``. ``next_ids``: (order, item)."""
    import numpy as np

    active = customers.active_index()
    weight = customers.data["propensity"][active]
    count = rng.poisson(expected)
    drawn = np.searchsorted(np.cumsum(weight), rng.random(count) * weight.sum(), side="right")
    customer = active[np.minimum(drawn, len(active) - 1)]
    channel = rng.choice(len(vocab.CHANNELS), size=count, p=vocab.CHANNEL_SHARES)
    seconds = np.sort(_times_of_day(rng, count))
    store = np.where(channel == 0, customers.data["home_store"][customer], ONLINE_STORE_ID)
    lines = np.minimum(rng.geometric(1.0 / MEAN_LINES, size=count), MAX_LINES)
    line_order = np.repeat(np.arange(count), lines)
    pair = stock.pick(rng, store[line_order], products.data["popularity"])
    wanted = rng.choice(len(QUANTITY_SHARES), size=len(pair), p=QUANTITY_SHARES) + 1
    quantity = stock.sell(pair, wanted)
    keep = quantity > 0
    line_order, pair, quantity = line_order[keep], pair[keep], quantity[keep]
    kept_lines = np.bincount(line_order, minlength=count)
    placed = kept_lines > 0
    renumber = np.cumsum(placed) - 1
    line_order = renumber[line_order]
    product = stock.data["product"][pair]
    unit_price = products.data["price"][product]
    line_total = unit_price * quantity
    starts = np.searchsorted(line_order, np.arange(placed.sum()))
    total = np.add.reduceat(line_total, starts) if len(line_total) else line_total
    first_order, first_item = next_ids
    order_id = first_order + np.arange(placed.sum(), dtype=np.int64)
    channel = channel[placed]
    return DayOrders(
        order_id=order_id,
        customer=customer[placed],
        store_id=store[placed],
        seconds=day * SECONDS_PER_DAY + seconds[placed],
        channel=channel,
        payment=_payments(rng, channel),
        status=_statuses(rng, channel),
        line_count=kept_lines[placed],
        total=total,
        item_id=first_item + np.arange(len(pair), dtype=np.int64),
        item_order_id=order_id[line_order],
        line_number=np.arange(len(pair)) - starts[line_order] + 1,
        product=product,
        quantity=quantity,
        unit_price=unit_price,
        line_total=line_total,
    )


def _times_of_day(rng, count: int):
    import numpy as np

    evening = rng.random(count) < 0.6
    hours = np.where(evening, rng.normal(19.0, 2.2, count), rng.normal(12.5, 2.5, count))
    return np.clip((hours * 3600).astype(np.int64), 0, SECONDS_PER_DAY - 1)


def _payments(rng, channel):
    import numpy as np

    methods = len(vocab.PAYMENT_METHODS)
    in_store = rng.choice(methods, size=len(channel), p=vocab.PAYMENT_SHARES["in_store"])
    remote = rng.choice(methods, size=len(channel), p=vocab.PAYMENT_SHARES["remote"])
    return np.where(channel == 0, in_store, remote)


def _statuses(rng, channel):
    import numpy as np

    shipped = rng.random(len(channel)) < 0.25
    return np.where(channel == 0, 0, np.where(shipped, 2, 1))


def orders_table(spec, day_orders: DayOrders, day: int):
    import numpy as np

    o = day_orders
    n = len(o.order_id)
    return col.table(
        spec,
        {
            "order_id": col.ints(o.order_id),
            "customer_id": col.ints(o.customer + 1),
            "store_id": col.ints(o.store_id),
            "order_date": col.dates(np.full(n, day, dtype=np.int64)),
            "order_timestamp": col.timestamps(o.seconds),
            "order_status": col.lookup(vocab.ORDER_STATUSES, o.status),
            "channel": col.lookup(vocab.CHANNELS, o.channel),
            "payment_method": col.lookup(vocab.PAYMENT_METHODS, o.payment),
            "line_count": col.ints(o.line_count),
            "order_total": col.money(o.total),
            "currency": col.lookup((vocab.CURRENCY,), np.zeros(n, dtype=np.int64)),
        },
    )


def items_table(spec, day_orders: DayOrders):
    o = day_orders
    return col.table(
        spec,
        {
            "order_item_id": col.ints(o.item_id),
            "order_id": col.ints(o.item_order_id),
            "line_number": col.ints(o.line_number),
            "product_id": col.ints(o.product + 1),
            "quantity": col.ints(o.quantity),
            "unit_price": col.money(o.unit_price),
            "line_total": col.money(o.line_total),
        },
    )
