"""The per-date rules of ``retail_oltp_incremental``: one check per table.

Each check reads only one date's files, through :class:`DayKeys` (the columns several tables
share, read once) and its own columns, and reports breaches through a :class:`DayCheck`. The
rules that span dates live in :mod:`ingen_fab.synthetic.invariants`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ingen_fab.synthetic import vocab
from ingen_fab.synthetic.column_arrays import (
    NULL_DAY,
    cents,
    day_number,
    days,
    equals,
    first_occurrence,
    in_set,
    ints,
    lookup,
    one_of,
    timestamp_seconds,
)

MAX_LINES = 15
ID_COLUMNS = {
    "customers": "customer_id",
    "products": "product_id",
    "stores": "store_id",
    "orders": "order_id",
    "order_items": "order_item_id",
}


class DayCheck:
    """One date's files and where their breaches go, each naming the date and table."""

    def __init__(self, day: dt.date, tables: dict, report) -> None:
        self.day = day
        self.today = day_number(day)  # the date columns' unit
        self.tables = tables
        self._report = report

    def rule(self, ok, what: str, table: str, key: str | None = None) -> None:
        """Report the rows of ``table`` where ``ok`` is False: how many, and the first's ``key``."""
        import numpy as np

        bad = np.flatnonzero(~np.asarray(ok, dtype=bool))
        if len(bad):
            example = f" (e.g. {key} {ints(self.tables[table], key)[bad[0]]})" if key else ""
            self.note(table, f"{len(bad)} rows {what}{example}")

    def note(self, table: str, message: str) -> None:
        self._report.add(f"{self.day} {table}: {message}")


@dataclass(frozen=True)
class DayKeys:
    """The columns that rules of other tables (and of later dates) refer to."""

    customer_ids: object
    customer_active: object  # mask over customer_ids
    customer_churn: object  # churn_date in days, NULL_DAY while active
    product_ids: object
    product_active: object  # mask over product_ids
    product_prices: object  # in cents
    store_ids: object
    store_online: object  # mask over store_ids
    order_ids: object
    item_ids: object


def read_keys(tables: dict) -> DayKeys:
    c, p, s = tables["customers"], tables["products"], tables["stores"]
    return DayKeys(
        customer_ids=ints(c, "customer_id"),
        customer_active=equals(c, "status", "active"),
        customer_churn=days(c, "churn_date"),
        product_ids=ints(p, "product_id"),
        product_active=equals(p, "status", "active"),
        product_prices=cents(p, "price"),
        store_ids=ints(s, "store_id"),
        store_online=equals(s, "store_type", "online"),
        order_ids=ints(tables["orders"], "order_id"),
        item_ids=ints(tables["order_items"], "order_item_id"),
    )


def stock_pairs(inventory):
    """One int64 key per inventory row for its (store_id, product_id)."""
    return _pair_key(ints(inventory, "store_id"), ints(inventory, "product_id"))


def check_unique_ids(check: DayCheck) -> None:
    for table, key in ID_COLUMNS.items():
        ids = ints(check.tables[table], key)
        check.rule(first_occurrence(ids), "repeat an id within the file", table, key)


def check_customers(check: DayCheck, keys: DayKeys) -> None:
    import numpy as np

    c, today = check.tables["customers"], check.today
    active, churn = keys.customer_active, keys.customer_churn
    registered = days(c, "registration_date")
    for ok, what in (
        (active | equals(c, "status", "churned"), "have a status other than active/churned"),
        (active == (churn == NULL_DAY), "have a churn_date that disagrees with status"),
        (
            (registered <= today)
            & (days(c, "updated_date") <= today)
            & ((churn == NULL_DAY) | ((churn <= today) & (churn >= registered))),
            "carry a date after the file's date (or churn before registration)",
        ),
        (one_of(c, "loyalty_tier", vocab.LOYALTY_TIERS), "have an unknown loyalty_tier"),
        (_address_consistent(c), "have a city/state/postcode that do not belong together"),
        (
            np.isin(ints(c, "home_store_id"), keys.store_ids),
            "reference a home store missing from stores",
        ),
    ):
        check.rule(ok, what, "customers", "customer_id")


def check_products(check: DayCheck, keys: DayKeys) -> None:
    p, today = check.tables["products"], check.today
    price, cost = keys.product_prices, cents(p, "cost")
    active, gone = keys.product_active, days(p, "discontinued_date")
    for ok, what in (
        ((cost > 0) & (cost < price), "do not have 0 < cost < price"),
        (active | equals(p, "status", "discontinued"), "have an unknown status"),
        (active == (gone == NULL_DAY), "have a discontinued_date that disagrees with status"),
        (
            (days(p, "launch_date") <= today)
            & ((gone == NULL_DAY) | (gone <= today))
            & (days(p, "updated_date") <= today),
            "carry a date after the file's date",
        ),
    ):
        check.rule(ok, what, "products", "product_id")


def check_stores(check: DayCheck, keys: DayKeys) -> None:
    online = keys.store_online.sum()
    if online != 1:
        check.note("stores", f"{online} online stores, expected exactly 1")
    opened = days(check.tables["stores"], "open_date")
    check.rule(opened <= check.today, "open after the file's date", "stores", "store_id")


def check_orders(check: DayCheck, keys: DayKeys) -> None:
    import numpy as np

    o, today = check.tables["orders"], check.today
    seconds, store = timestamp_seconds(o, "order_timestamp"), ints(o, "store_id")
    remote = ~equals(o, "channel", "in_store")
    for ok, what in (
        (days(o, "order_date") == today, "have an order_date other than the file's date"),
        (
            (seconds >= today * 86400) & (seconds < (today + 1) * 86400),
            "have an order_timestamp outside the file's date",
        ),
        (
            np.isin(ints(o, "customer_id"), keys.customer_ids[keys.customer_active]),
            "reference customers absent or churned in that date's customers file",
        ),
        (np.isin(store, keys.store_ids), "reference stores absent from stores"),
        (
            ~remote | np.isin(store, keys.store_ids[keys.store_online]),
            "are online orders not placed with the online store",
        ),
        (
            one_of(o, "channel", vocab.CHANNELS)
            & one_of(o, "order_status", vocab.ORDER_STATUSES)
            & one_of(o, "payment_method", vocab.PAYMENT_METHODS),
            "have an unknown channel, status or payment method",
        ),
    ):
        check.rule(ok, what, "orders", "order_id")


def check_items(check: DayCheck, keys: DayKeys) -> None:
    """Each line against its order and product, then each order against its lines."""
    import numpy as np

    o, i = check.tables["orders"], check.tables["order_items"]
    item_order, product = ints(i, "order_id"), ints(i, "product_id")
    qty, unit, line = ints(i, "quantity"), cents(i, "unit_price"), cents(i, "line_total")
    active_products = keys.product_ids[keys.product_active]
    for ok, what in (
        (np.isin(item_order, keys.order_ids), "reference orders absent from that day's orders"),
        (
            np.isin(product, active_products),
            "reference products absent or discontinued in that date's products file",
        ),
        (
            unit == lookup(keys.product_ids, keys.product_prices, product),
            "have a unit_price other than the product's price that date",
        ),
        (qty >= 1, "have a quantity below 1"),
        (line == qty * unit, "have line_total != quantity x unit_price"),
    ):
        check.rule(ok, what, "order_items", "order_item_id")
    sums, counts = _per_order(keys.order_ids, item_order, line)
    check.rule(
        sums == cents(o, "order_total"),
        "have order_total != the sum of their lines",
        "orders",
        "order_id",
    )
    check.rule(
        (counts == ints(o, "line_count")) & (counts >= 1) & (counts <= MAX_LINES),
        "have a line_count that is not their 1-15 lines",
        "orders",
        "order_id",
    )


def check_inventory(check: DayCheck, keys: DayKeys) -> None:
    """The stock rows themselves, then units_sold against that day's order lines."""
    import numpy as np

    v = check.tables["inventory"]
    pairs = stock_pairs(v)
    opening, received, sold, closing = (
        ints(v, n) for n in ("opening_stock", "received", "units_sold", "closing_stock")
    )
    active_products = keys.product_ids[keys.product_active]
    for ok, what in (
        (first_occurrence(pairs), "repeat a (store_id, product_id)"),
        (days(v, "date") == check.today, "have a date other than the file's date"),
        (
            np.isin(ints(v, "store_id"), keys.store_ids)
            & np.isin(ints(v, "product_id"), active_products),
            "reference stores or active products missing from that date's files",
        ),
        (
            (opening >= 0)
            & (received >= 0)
            & (sold >= 0)
            & (closing >= 0)
            & (opening + received - sold == closing),
            "break opening + received - units_sold = closing >= 0",
        ),
    ):
        check.rule(ok, what, "inventory", "product_id")
    _check_units_sold(check, keys, pairs, sold)


def _check_units_sold(check: DayCheck, keys: DayKeys, pairs, sold) -> None:
    """Every (store, product) sold has an inventory row whose units_sold is the quantity sold."""
    import numpy as np

    o, i = check.tables["orders"], check.tables["order_items"]
    item_store = lookup(keys.order_ids, ints(o, "store_id"), ints(i, "order_id"))
    sold_pairs = _pair_key(item_store, ints(i, "product_id"))
    sold_keys, inverse = np.unique(sold_pairs, return_inverse=True)
    sold_units = np.bincount(inverse, weights=ints(i, "quantity")).astype(np.int64)
    where = np.searchsorted(np.sort(pairs), sold_keys)
    known = np.isin(sold_keys, pairs)
    check.rule(known, "are sales of (store, product) pairs with no inventory row", "order_items")
    expected = np.zeros(len(pairs), dtype=np.int64)
    expected[np.argsort(pairs)[where[known]]] = sold_units[known]
    check.rule(
        sold == expected,
        "have units_sold != that day's order_items quantities",
        "inventory",
        "product_id",
    )


def _per_order(order_ids, item_order, line):
    """The sum of ``line`` and the number of lines of every order, aligned with order_ids."""
    import numpy as np

    position = np.searchsorted(np.sort(order_ids), item_order)
    position = np.minimum(position, max(len(order_ids) - 1, 0))
    by_order = np.argsort(order_ids)
    sums = np.zeros(len(order_ids), dtype=np.int64)
    counts = np.zeros(len(order_ids), dtype=np.int64)
    if len(order_ids):
        np.add.at(sums, by_order[position], line)
        np.add.at(counts, by_order[position], 1)
    return sums, counts


def _pair_key(store, product):
    return store * 10**9 + product


def _address_consistent(c):
    import numpy as np
    import pyarrow.compute as pc

    known = {"|".join(place) for place in vocab.LOCALITIES}
    joined = pc.binary_join_element_wise(c["city"], c["state"], c["postcode"], "|")
    return in_set(joined, known) if len(joined) else np.zeros(0, dtype=bool)
