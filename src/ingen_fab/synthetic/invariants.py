"""The integrity and arithmetic rules of ``retail_oltp_incremental``, checked date by date.

:func:`check_day` runs one date's per-table rules (:mod:`ingen_fab.synthetic.day_rules`) and
then the rules that span dates, against the :class:`History` the earlier dates left. Every rule
is written against the files' columns only (never the generator's state), with numpy and
pyarrow so 30 days at medium scale check in seconds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ingen_fab.synthetic import day_rules
from ingen_fab.synthetic.column_arrays import NULL_DAY, days, ints, lookup
from ingen_fab.synthetic.day_rules import DayCheck, DayKeys
from ingen_fab.synthetic.products import PURGE_AFTER_DAYS


@dataclass
class History:
    order_ids: list = field(default_factory=list)
    item_ids: list = field(default_factory=list)
    customers: object = None  # (ids, churn days) of the previous date
    products: object = None  # (ids, discontinued days) of the previous date
    closing: object = None  # {(store_id, product_id): closing_stock} as sorted keys + values
    previous_day: dt.date | None = None


def check_day(day: dt.date, t: dict, history: History, report) -> None:
    """Add to ``report`` every rule date ``day``'s tables ``t`` break; then remember them."""
    if history.previous_day is None or (day - history.previous_day).days != 1:
        history.closing = None  # stock only carries over between consecutive dates
    check = DayCheck(day, t, report)
    keys = day_rules.read_keys(t)
    day_rules.check_unique_ids(check)
    day_rules.check_customers(check, keys)
    day_rules.check_products(check, keys)
    day_rules.check_stores(check, keys)
    day_rules.check_orders(check, keys)
    day_rules.check_items(check, keys)
    day_rules.check_inventory(check, keys)
    _check_stock_carried_over(check, history)
    _check_lifecycles(check, keys, history)
    _check_ids_not_reused(check, keys, history)
    history.customers = (keys.customer_ids, keys.customer_churn)
    history.products = (keys.product_ids, days(t["products"], "discontinued_date"))
    history.previous_day = day


def _check_stock_carried_over(check: DayCheck, history: History) -> None:
    """Each pair opens at the previous date's closing stock (a new pair at zero)."""
    import numpy as np

    v = check.tables["inventory"]
    key = day_rules.stock_pairs(v)
    opening, closing = ints(v, "opening_stock"), ints(v, "closing_stock")
    if history.closing is not None:
        prev_keys, prev_closing = history.closing
        pos = np.minimum(np.searchsorted(prev_keys, key), max(len(prev_keys) - 1, 0))
        seen = (len(prev_keys) > 0) & (prev_keys[pos] == key) if len(prev_keys) else key < 0
        check.rule(
            ~seen | (opening == np.where(seen, prev_closing[pos], 0)),
            "open with a stock other than the previous date's closing",
            "inventory",
            "product_id",
        )
        check.rule(
            seen | (opening == 0),
            "are new pairs that do not open at zero",
            "inventory",
            "product_id",
        )
    order = np.argsort(key)
    history.closing = (key[order], closing[order])


def _check_lifecycles(check: DayCheck, keys: DayKeys, history: History) -> None:
    """Customers never vanish and a churned customer stays churned on its date; a product
    vanishes only once discontinued for PURGE_AFTER_DAYS, and never comes back."""
    import numpy as np

    if history.customers is not None:
        prev_ids, prev_churn = history.customers
        missing = ~np.isin(prev_ids, keys.customer_ids)
        if missing.any():
            check.note("customers", f"{missing.sum()} customers of the previous date vanished")
        was_churned = prev_churn != NULL_DAY
        now_churn = lookup(keys.customer_ids, keys.customer_churn, prev_ids)
        changed = was_churned & (now_churn != prev_churn)
        if changed.any():
            check.note(
                "customers",
                f"{changed.sum()} churned customers changed churn state "
                f"(e.g. customer_id {prev_ids[changed][0]})",
            )
    if history.products is not None:
        prev_ids, prev_gone = history.products
        vanished = ~np.isin(prev_ids, keys.product_ids)
        early = vanished & ((prev_gone == NULL_DAY) | (prev_gone + PURGE_AFTER_DAYS > check.today))
        if early.any():
            check.note(
                "products",
                f"{early.sum()} products of the previous date vanished before "
                f"{PURGE_AFTER_DAYS} days of discontinuation (e.g. product_id {prev_ids[early][0]})",
            )
        new = keys.product_ids[~np.isin(keys.product_ids, prev_ids)]
        if len(prev_ids) and (new <= prev_ids.max()).any():
            check.note("products", f"product_id {new[new <= prev_ids.max()][0]} came back")


def _check_ids_not_reused(check: DayCheck, keys: DayKeys, history: History) -> None:
    """Order and order-line ids are new every date."""
    import numpy as np

    for name, ids, seen in (
        ("orders", keys.order_ids, history.order_ids),
        ("order_items", keys.item_ids, history.item_ids),
    ):
        if seen and np.isin(ids, np.concatenate(seen)).any():
            check.note(name, "ids already used on an earlier date")
        seen.append(ids)
