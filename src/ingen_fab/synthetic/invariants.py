"""The integrity and arithmetic rules of ``retail_oltp_incremental``, checked per date.

Every rule is written against the files' columns only (never the generator's state), with
numpy and pyarrow so 30 days at medium scale check in seconds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ingen_fab.synthetic import vocab

_UNIX = dt.date(1970, 1, 1)
_NULL_DAY = 2**31 - 1
MAX_LINES = 15


@dataclass
class History:
    order_ids: list = field(default_factory=list)
    item_ids: list = field(default_factory=list)
    customers: object = None  # (ids, churn days) of the previous date
    products: object = None  # ids of the previous date
    closing: object = None  # {(store_id, product_id): closing_stock} as sorted keys + values
    previous_day: dt.date | None = None


def _ints(table, name):
    import pyarrow.compute as pc

    return pc.fill_null(table[name], -1).to_numpy().astype("int64")


def _days(table, name):
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.fill_null(table[name].cast(pa.int32()), _NULL_DAY).to_numpy().astype("int64")


def _cents(table, name):
    from decimal import Decimal

    import pyarrow as pa
    import pyarrow.compute as pc

    return _fill(pc.multiply(table[name], pa.scalar(Decimal(100))).cast(pa.int64()))


def _fill(column):
    import pyarrow.compute as pc

    return pc.fill_null(column, -1).to_numpy().astype("int64")


def _is(table, name, value):
    import pyarrow.compute as pc

    return pc.fill_null(pc.equal(table[name], value), False).to_numpy(zero_copy_only=False)


def _in(table, name, allowed):
    import pyarrow as pa
    import pyarrow.compute as pc

    found = pc.is_in(table[name], value_set=pa.array(list(allowed)))
    return pc.fill_null(found, False).to_numpy(zero_copy_only=False)


def check_day(day: dt.date, t: dict, history: History, report) -> None:
    import numpy as np

    today = (day - _UNIX).days
    if history.previous_day is None or (day - history.previous_day).days != 1:
        history.closing = None  # stock only carries over between consecutive dates

    def rule(ok, what: str, table: str, key: str | None = None) -> None:
        bad = np.flatnonzero(~np.asarray(ok, dtype=bool))
        if len(bad):
            example = f" (e.g. {key} {_ints(t[table], key)[bad[0]]})" if key else ""
            report.add(f"{day} {table}: {len(bad)} rows {what}{example}")

    c, p, s, o = (t[n] for n in ("customers", "products", "stores", "orders"))
    cid, pid, sid = _ints(c, "customer_id"), _ints(p, "product_id"), _ints(s, "store_id")
    oid, iid = _ints(o, "order_id"), _ints(t["order_items"], "order_item_id")
    for table, key, ids in (
        ("customers", "customer_id", cid),
        ("products", "product_id", pid),
        ("stores", "store_id", sid),
        ("orders", "order_id", oid),
        ("order_items", "order_item_id", iid),
    ):
        rule(_first_occurrence(ids), "repeat an id within the file", table, key)

    # customers
    active = _is(c, "status", "active")
    churn, registered = _days(c, "churn_date"), _days(c, "registration_date")
    rule(
        active | _is(c, "status", "churned"),
        "have a status other than active/churned",
        "customers",
        "customer_id",
    )
    rule(
        active == (churn == _NULL_DAY),
        "have a churn_date that disagrees with status",
        "customers",
        "customer_id",
    )
    rule(
        (registered <= today)
        & (_days(c, "updated_date") <= today)
        & ((churn == _NULL_DAY) | ((churn <= today) & (churn >= registered))),
        "carry a date after the file's date (or churn before registration)",
        "customers",
        "customer_id",
    )
    rule(
        _in(c, "loyalty_tier", vocab.LOYALTY_TIERS),
        "have an unknown loyalty_tier",
        "customers",
        "customer_id",
    )
    rule(
        _address_consistent(c),
        "have a city/state/postcode that do not belong together",
        "customers",
        "customer_id",
    )
    rule(
        np.isin(_ints(c, "home_store_id"), sid),
        "reference a home store missing from stores",
        "customers",
        "customer_id",
    )

    # products
    price, cost = _cents(p, "price"), _cents(p, "cost")
    p_active = _is(p, "status", "active")
    gone = _days(p, "discontinued_date")
    rule((cost > 0) & (cost < price), "do not have 0 < cost < price", "products", "product_id")
    rule(
        p_active | _is(p, "status", "discontinued"),
        "have an unknown status",
        "products",
        "product_id",
    )
    rule(
        p_active == (gone == _NULL_DAY),
        "have a discontinued_date that disagrees with status",
        "products",
        "product_id",
    )
    rule(
        (_days(p, "launch_date") <= today)
        & ((gone == _NULL_DAY) | (gone <= today))
        & (_days(p, "updated_date") <= today),
        "carry a date after the file's date",
        "products",
        "product_id",
    )

    # stores
    online = _is(s, "store_type", "online")
    if online.sum() != 1:
        report.add(f"{day} stores: {online.sum()} online stores, expected exactly 1")
    rule(_days(s, "open_date") <= today, "open after the file's date", "stores", "store_id")

    _check_orders(day, today, t, cid[active], sid, sid[online], rule)
    _check_items(t, oid, pid[p_active], pid, price, rule)
    _check_inventory(today, t, sid, pid, p_active, history, rule)
    _check_history(day, cid, churn, pid, oid, iid, history, report)


def _check_orders(day, today, t, active_customers, store_ids, online_ids, rule) -> None:
    import numpy as np

    o = t["orders"]
    seconds = _timestamps(o)
    rule(
        _days(o, "order_date") == today,
        "have an order_date other than the file's date",
        "orders",
        "order_id",
    )
    rule(
        (seconds >= today * 86400) & (seconds < (today + 1) * 86400),
        "have an order_timestamp outside the file's date",
        "orders",
        "order_id",
    )
    rule(
        np.isin(_ints(o, "customer_id"), active_customers),
        "reference customers absent or churned in that date's customers file",
        "orders",
        "order_id",
    )
    rule(
        np.isin(_ints(o, "store_id"), store_ids),
        "reference stores absent from stores",
        "orders",
        "order_id",
    )
    remote = ~_is(o, "channel", "in_store")
    rule(
        ~remote | np.isin(_ints(o, "store_id"), online_ids),
        "are online orders not placed with the online store",
        "orders",
        "order_id",
    )
    rule(
        _in(o, "channel", vocab.CHANNELS)
        & _in(o, "order_status", vocab.ORDER_STATUSES)
        & _in(o, "payment_method", vocab.PAYMENT_METHODS),
        "have an unknown channel, status or payment method",
        "orders",
        "order_id",
    )


def _timestamps(table):
    import pyarrow as pa
    import pyarrow.compute as pc

    seconds = table["order_timestamp"].cast(pa.timestamp("s")).cast(pa.int64())
    return pc.fill_null(seconds, -1).to_numpy()


def _check_items(t, order_ids, active_products, product_ids, price, rule) -> None:
    import numpy as np

    o, i = t["orders"], t["order_items"]
    item_order, product = _ints(i, "order_id"), _ints(i, "product_id")
    qty, unit, line = _ints(i, "quantity"), _cents(i, "unit_price"), _cents(i, "line_total")
    rule(
        np.isin(item_order, order_ids),
        "reference orders absent from that day's orders",
        "order_items",
        "order_item_id",
    )
    rule(
        np.isin(product, active_products),
        "reference products absent or discontinued in that date's products file",
        "order_items",
        "order_item_id",
    )
    expected_unit = _lookup(product_ids, price, product)
    rule(
        unit == expected_unit,
        "have a unit_price other than the product's price that date",
        "order_items",
        "order_item_id",
    )
    rule(qty >= 1, "have a quantity below 1", "order_items", "order_item_id")
    rule(
        line == qty * unit,
        "have line_total != quantity x unit_price",
        "order_items",
        "order_item_id",
    )
    position = np.searchsorted(np.sort(order_ids), item_order)
    position = np.minimum(position, max(len(order_ids) - 1, 0))
    by_order = np.argsort(order_ids)
    sums = np.zeros(len(order_ids), dtype=np.int64)
    counts = np.zeros(len(order_ids), dtype=np.int64)
    if len(order_ids):
        np.add.at(sums, by_order[position], line)
        np.add.at(counts, by_order[position], 1)
    rule(
        sums == _cents(o, "order_total"),
        "have order_total != the sum of their lines",
        "orders",
        "order_id",
    )
    rule(
        (counts == _ints(o, "line_count")) & (counts >= 1) & (counts <= MAX_LINES),
        "have a line_count that is not their 1-15 lines",
        "orders",
        "order_id",
    )


def _check_inventory(today, t, store_ids, product_ids, product_active, history, rule) -> None:
    import numpy as np

    v, o, i = t["inventory"], t["orders"], t["order_items"]
    store, product = _ints(v, "store_id"), _ints(v, "product_id")
    opening, received, sold, closing = (
        _ints(v, n) for n in ("opening_stock", "received", "units_sold", "closing_stock")
    )
    key = store * 10**9 + product
    rule(_first_occurrence(key), "repeat a (store_id, product_id)", "inventory", "product_id")
    rule(
        _days(v, "date") == today,
        "have a date other than the file's date",
        "inventory",
        "product_id",
    )
    rule(
        np.isin(store, store_ids) & np.isin(product, product_ids[product_active]),
        "reference stores or active products missing from that date's files",
        "inventory",
        "product_id",
    )
    rule(
        (opening >= 0)
        & (received >= 0)
        & (sold >= 0)
        & (closing >= 0)
        & (opening + received - sold == closing),
        "break opening + received - units_sold = closing >= 0",
        "inventory",
        "product_id",
    )
    item_store = _lookup(_ints(o, "order_id"), _ints(o, "store_id"), _ints(i, "order_id"))
    item_key = item_store * 10**9 + _ints(i, "product_id")
    sold_keys, inverse = np.unique(item_key, return_inverse=True)
    sold_units = np.bincount(inverse, weights=_ints(i, "quantity")).astype(np.int64)
    where = np.searchsorted(np.sort(key), sold_keys)
    known = np.isin(sold_keys, key)
    rule(known, "are sales of (store, product) pairs with no inventory row", "order_items")
    expected = np.zeros(len(key), dtype=np.int64)
    order = np.argsort(key)
    expected[order[where[known]]] = sold_units[known]
    rule(
        sold == expected,
        "have units_sold != that day's order_items quantities",
        "inventory",
        "product_id",
    )
    if history.closing is not None:
        prev_keys, prev_closing = history.closing
        pos = np.minimum(np.searchsorted(prev_keys, key), max(len(prev_keys) - 1, 0))
        seen = (len(prev_keys) > 0) & (prev_keys[pos] == key) if len(prev_keys) else key < 0
        rule(
            ~seen | (opening == np.where(seen, prev_closing[pos], 0)),
            "open with a stock other than the previous date's closing",
            "inventory",
            "product_id",
        )
        rule(
            seen | (opening == 0),
            "are new pairs that do not open at zero",
            "inventory",
            "product_id",
        )
    history.closing = (key[order], closing[order])


def _check_history(day, cid, churn, pid, oid, iid, history, report) -> None:
    import numpy as np

    if history.customers is not None:
        prev_ids, prev_churn = history.customers
        missing = ~np.isin(prev_ids, cid)
        if missing.any():
            report.add(f"{day} customers: {missing.sum()} customers of the previous date vanished")
        was_churned = prev_churn != _NULL_DAY
        changed = was_churned & (_lookup(cid, churn, prev_ids) != prev_churn)
        if changed.any():
            report.add(
                f"{day} customers: {changed.sum()} churned customers changed churn state "
                f"(e.g. customer_id {prev_ids[changed][0]})"
            )
    if history.products is not None and (~np.isin(history.products, pid)).any():
        report.add(f"{day} products: products of the previous date vanished")
    for name, ids, seen in (
        ("orders", oid, history.order_ids),
        ("order_items", iid, history.item_ids),
    ):
        if seen and np.isin(ids, np.concatenate(seen)).any():
            report.add(f"{day} {name}: ids already used on an earlier date")
        seen.append(ids)
    history.customers, history.products, history.previous_day = (cid, churn), pid, day


def _lookup(keys, values, query, missing: int = -1):
    """values[keys == q] for every q in query (``missing`` where q is not a key)."""
    import numpy as np

    if not len(keys):
        return np.full(len(query), missing, dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    pos = np.minimum(np.searchsorted(keys[order], query), len(keys) - 1)
    hit = keys[order][pos] == query
    return np.where(hit, values[order][pos], missing)


def _first_occurrence(ids):
    import numpy as np

    _, first = np.unique(ids, return_index=True)
    ok = np.zeros(len(ids), dtype=bool)
    ok[first] = True
    return ok


def _address_consistent(c):
    import numpy as np
    import pyarrow.compute as pc

    known = {"|".join(place) for place in vocab.LOCALITIES}
    joined = pc.binary_join_element_wise(c["city"], c["state"], c["postcode"], "|")
    return _in_set(joined, known) if len(joined) else np.zeros(0, dtype=bool)


def _in_set(column, allowed):
    import pyarrow as pa
    import pyarrow.compute as pc

    found = pc.is_in(column, value_set=pa.array(sorted(allowed)))
    return pc.fill_null(found, False).to_numpy(zero_copy_only=False)
