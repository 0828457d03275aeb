"""Every integrity, arithmetic and lifecycle rule of 30 small days, re-checked independently.

The files are read back with the csv module and checked with plain Python and Decimal; nothing
here imports the generator's or the validator's code.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import re
from collections import Counter, defaultdict
from decimal import Decimal

import pytest

from ingen_fab.synthetic import api

DATASET = "retail_oltp_incremental"
DAYS = [f"2024-01-{d:02d}" for d in range(1, 31)]
TABLES = ("customers", "products", "stores", "orders", "order_items", "inventory")
MONEY = re.compile(r"^\d+\.\d{2}$")


@pytest.fixture(scope="session")
def series_root(tmp_path_factory):
    """The same 30-day run as test_synthetic_series.py (generated once, shared via a marker)."""
    root = tmp_path_factory.getbasetemp() / "synthetic_small_30d"
    done = tmp_path_factory.getbasetemp() / "synthetic_small_30d.done"
    if not done.exists():
        api.generate_series(DATASET, DAYS[0], DAYS[-1], seed=42, output_dir=str(root))
        done.write_text("ok")
    return root


@pytest.fixture(scope="module")
def files(series_root):
    """{day: {table: [row dict, ...]}} read with the csv module."""
    data = {}
    for day in DAYS:
        data[day] = {}
        for table in TABLES:
            path = (
                series_root
                / day[:4]
                / day[5:7]
                / day[8:]
                / table
                / (f"{table}_{day.replace('-', '')}.csv")
            )
            with open(path, encoding="utf-8", newline="") as handle:
                data[day][table] = list(csv.DictReader(handle))
    return data


def test_orders_reference_that_dates_active_customers_and_stores(files):
    for day, t in files.items():
        customers = {row["customer_id"]: row for row in t["customers"]}
        stores = {row["store_id"]: row for row in t["stores"]}
        online = [row["store_id"] for row in t["stores"] if row["store_type"] == "online"]
        assert len(online) == 1
        for order in t["orders"]:
            customer = customers[order["customer_id"]]
            assert customer["status"] == "active" and customer["churn_date"] == ""
            assert customer["registration_date"] <= day
            assert order["store_id"] in stores
            if order["channel"] != "in_store":
                assert order["store_id"] == online[0]


def test_items_reference_that_days_orders_and_active_products_at_their_price(files):
    for t in files.values():
        orders = {row["order_id"] for row in t["orders"]}
        products = {row["product_id"]: row for row in t["products"]}
        for item in t["order_items"]:
            assert item["order_id"] in orders
            product = products[item["product_id"]]
            assert product["status"] == "active"
            assert Decimal(item["unit_price"]) == Decimal(product["price"])


def test_money_adds_up_to_the_cent(files):
    lines = []
    for t in files.values():
        by_order = defaultdict(list)
        for item in t["order_items"]:
            for column in ("unit_price", "line_total"):
                assert MONEY.match(item[column]), item
            assert int(item["quantity"]) >= 1
            assert Decimal(item["line_total"]) == int(item["quantity"]) * Decimal(
                item["unit_price"]
            )
            by_order[item["order_id"]].append(item)
        for order in t["orders"]:
            items = by_order[order["order_id"]]
            assert MONEY.match(order["order_total"])
            assert Decimal(order["order_total"]) == sum(Decimal(i["line_total"]) for i in items)
            assert 1 <= len(items) <= 15 and int(order["line_count"]) == len(items)
            assert sorted(int(i["line_number"]) for i in items) == list(range(1, len(items) + 1))
            lines.append(len(items))
    assert 2.3 <= sum(lines) / len(lines) <= 2.9


def test_products_cost_below_price_and_addresses_consistent(files):
    place_of_postcode, state_of_city = {}, {}
    for t in files.values():
        for product in t["products"]:
            assert Decimal(0) < Decimal(product["cost"]) < Decimal(product["price"])
            assert (product["discontinued_date"] == "") == (product["status"] == "active")
        for row in t["customers"] + t["stores"]:
            place = (row["city"], row["state"])
            assert place_of_postcode.setdefault(row["postcode"], place) == place
            assert state_of_city.setdefault(row["city"], row["state"]) == row["state"]
        for customer in t["customers"]:
            assert "@" in customer["email"]
            assert (customer["churn_date"] == "") == (customer["status"] == "active")
    assert len(place_of_postcode) > 10


def test_nothing_is_dated_after_its_file(files):
    for day, t in files.items():
        for table, rows in t.items():
            for row in rows:
                for column, value in row.items():
                    if column.endswith("date") and value:
                        assert value <= day, (table, column, row)
        assert all(o["order_date"] == day for o in t["orders"])
        assert all(o["order_timestamp"].startswith(day + " ") for o in t["orders"])
        assert all(v["date"] == day for v in t["inventory"])


def test_inventory_ledger_matches_sales_and_carries_over(files):
    previous = None
    for t in files.values():
        store_of_order = {o["order_id"]: o["store_id"] for o in t["orders"]}
        sold = Counter()
        for item in t["order_items"]:
            sold[(store_of_order[item["order_id"]], item["product_id"])] += int(item["quantity"])
        stores = {s["store_id"] for s in t["stores"]}
        products = {p["product_id"] for p in t["products"] if p["status"] == "active"}
        closing = {}
        for row in t["inventory"]:
            key = (row["store_id"], row["product_id"])
            assert key not in closing
            opening, received = int(row["opening_stock"]), int(row["received"])
            units, close = int(row["units_sold"]), int(row["closing_stock"])
            assert opening + received - units == close >= 0
            assert units == sold.pop(key, 0)
            assert row["store_id"] in stores and row["product_id"] in products
            if previous is not None:
                assert opening == previous.get(key, 0)
            closing[key] = close
        assert not sold, "sales of pairs without an inventory row"
        previous = closing
    assert any(int(r["received"]) > 0 for r in files[DAYS[-1]]["inventory"])


def test_ids_never_repeat_and_the_last_snapshot_covers_every_reference(files):
    order_ids, item_ids, customers_seen = set(), set(), set()
    for t in files.values():
        ids = [int(o["order_id"]) for o in t["orders"]]
        assert not order_ids & set(ids) and len(ids) == len(set(ids))
        order_ids.update(ids)
        ids = [int(i["order_item_id"]) for i in t["order_items"]]
        assert not item_ids & set(ids) and len(ids) == len(set(ids))
        item_ids.update(ids)
        customers_seen.update(o["customer_id"] for o in t["orders"])
    last = files[DAYS[-1]]
    assert customers_seen <= {c["customer_id"] for c in last["customers"]}
    for earlier, later in itertools.pairwise(DAYS):
        assert {c["customer_id"] for c in files[earlier]["customers"]} <= {
            c["customer_id"] for c in files[later]["customers"]
        }


def test_churned_customers_and_discontinued_products_stop_appearing(files):
    last = files[DAYS[-1]]
    churned = {c["customer_id"]: c["churn_date"] for c in last["customers"] if c["churn_date"]}
    gone = {
        p["product_id"]: p["discontinued_date"] for p in last["products"] if p["discontinued_date"]
    }
    assert sum(1 for d in churned.values() if d >= DAYS[0]) > 10
    assert sum(1 for d in gone.values() if d >= DAYS[0]) > 3
    for day, t in files.items():
        for order in t["orders"]:
            assert order["customer_id"] not in churned or day <= churned[order["customer_id"]]
        for item in t["order_items"]:
            assert item["product_id"] not in gone or day <= gone[item["product_id"]]


def test_population_grows_and_saturdays_beat_mondays(files):
    first, last = files[DAYS[0]], files[DAYS[-1]]
    assert len(last["customers"]) > len(first["customers"])
    assert len(last["products"]) > len(first["products"])
    volume = defaultdict(list)
    for day, t in files.items():
        volume[dt.date.fromisoformat(day).weekday()].append(len(t["orders"]))
    saturday, monday = volume[5], volume[0]
    assert sum(saturday) / len(saturday) > sum(monday) / len(monday)
