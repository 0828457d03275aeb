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


def test_replenishment_arrives_a_lead_time_after_the_reorder_point(files):
    """From the inventory files alone: a pair closing at or below its reorder point with nothing
    on order orders stock (``on_order`` > 0) that day; exactly that quantity is received a fixed
    number of days later (the store's lead time), nothing arrives before, and ``on_order`` holds
    the quantity until then. The only other deliveries are a launched product's first stock.
    The run's epoch is its first date, so no order is in transit before it."""
    waiting = {}  # (store_id, product_id) -> (index of the day ordered, quantity)
    leads = defaultdict(set)
    launch_deliveries = 0
    for index, day in enumerate(DAYS):
        t = files[day]
        launched_today = {p["product_id"] for p in t["products"] if p["launch_date"] == day}
        for row in t["inventory"]:
            key = (row["store_id"], row["product_id"])
            received, closing = int(row["received"]), int(row["closing_stock"])
            reorder, on_order = int(row["reorder_point"]), int(row["on_order"])
            if received:
                if key in waiting:
                    ordered, quantity = waiting.pop(key)
                    assert received == quantity, (day, row)
                    leads[key[0]].add(index - ordered)
                else:  # a launch: the pair's first row, stocked from nothing on launch day
                    assert key[1] in launched_today and int(row["opening_stock"]) == 0, row
                    launch_deliveries += 1
            if key in waiting:
                assert on_order == waiting[key][1], (day, row)
            elif closing <= reorder:
                assert on_order > 0, ("no order placed at the reorder point", day, row)
                waiting[key] = (index, on_order)
            else:
                assert on_order == 0, (day, row)
    measured = sum(len(v) for v in leads.values())
    assert measured and all(len(v) == 1 for v in leads.values()), dict(leads)
    lead = {store: v.pop() for store, v in leads.items()}
    assert len(lead) >= 15 and all(1 <= days <= 7 for days in lead.values()), lead
    assert max(lead.values()) >= 2 and launch_deliveries > 0
    assert sum(1 for row in files[DAYS[-1]]["inventory"] if int(row["received"])) > 100
    present = {(r["store_id"], r["product_id"]) for r in files[DAYS[-1]]["inventory"]}
    for key, (ordered, _) in waiting.items():  # still in transit: ordered within a lead time
        if key in present and key[0] in lead:
            assert len(DAYS) - 1 - ordered < lead[key[0]], (key, DAYS[ordered])


def _changed_on(files, table, key, columns):
    """{day: ids whose ``columns`` differ from the previous day's snapshot}; checks each changed
    row is dated that day (``updated_date``)."""
    changed = {}
    for earlier, later in itertools.pairwise(DAYS):
        before = {row[key]: row for row in files[earlier][table]}
        ids = set()
        for row in files[later][table]:
            old = before.get(row[key])
            if old is not None and any(old[c] != row[c] for c in columns):
                assert row["updated_date"] == later, (table, old, row)
                ids.add(row[key])
        if ids:
            changed[later] = ids
    return changed


def test_some_customers_change_address_or_email(files):
    address = ("street_address", "city", "state", "postcode")
    moved = _changed_on(files, "customers", "customer_id", address)
    emailed = _changed_on(files, "customers", "customer_id", ("email",))
    assert sum(map(len, moved.values())) > 20 and len(moved) > 10
    assert sum(map(len, emailed.values())) > 10 and len(emailed) > 5
    first = {c["customer_id"]: c for c in files[DAYS[0]]["customers"]}
    last = {c["customer_id"]: c for c in files[DAYS[-1]]["customers"]}
    ids = set().union(*moved.values(), *emailed.values()) & first.keys()
    for cid in ids:  # the same person, changed
        for column in ("first_name", "last_name", "registration_date", "phone"):
            assert first[cid][column] == last[cid][column]
    assert any(first[c]["email"] != last[c]["email"] for c in ids)
    assert any(first[c]["street_address"] != last[c]["street_address"] for c in ids)


def test_products_change_weekly_and_discontinued_ones_stay_or_leave_a_week_later(files):
    repriced = _changed_on(files, "products", "product_id", ("price",))
    assert sum(map(len, repriced.values())) > 10
    launched, first_ids = defaultdict(set), {p["product_id"] for p in files[DAYS[0]]["products"]}
    for day in DAYS[1:]:
        for product in files[day]["products"]:
            if product["product_id"] not in first_ids and product["launch_date"] == day:
                assert product["status"] == "active"
                launched[day].add(product["product_id"])
    last_ids = {p["product_id"] for p in files[DAYS[-1]]["products"]}
    assert set().union(*launched.values()) == last_ids - first_ids and launched
    gone = defaultdict(set)
    for earlier, later in itertools.pairwise(DAYS):
        was_active = {
            p["product_id"] for p in files[earlier]["products"] if p["status"] == "active"
        }
        for product in files[later]["products"]:
            if product["product_id"] in was_active and product["status"] == "discontinued":
                assert product["discontinued_date"] == later
                gone[later].add(product["product_id"])
    assert sum(map(len, gone.values())) >= 3
    purged = 0
    for day, ids in gone.items():
        # kept with that status and date in every later snapshot, except the even product_ids:
        # hard-deleted 7 days later, never to come back
        for later in DAYS[DAYS.index(day) :]:
            rows = {p["product_id"]: p for p in files[later]["products"]}
            age = (dt.date.fromisoformat(later) - dt.date.fromisoformat(day)).days
            for pid in ids:
                if int(pid) % 2 == 0 and age >= 7:
                    assert pid not in rows, (pid, day, later)
                    purged += age == 7
                else:
                    assert rows[pid]["status"] == "discontinued"
                    assert rows[pid]["discontinued_date"] == day
    assert purged >= 1
    # weekly: every kind of change happens on one weekday, in at least three different weeks
    for kind in (repriced, launched, gone):
        weekdays = {dt.date.fromisoformat(day).weekday() for day in kind}
        weeks = {dt.date.fromisoformat(day).isocalendar().week for day in kind}
        assert len(weekdays) == 1 and len(weeks) >= 3, sorted(kind)
