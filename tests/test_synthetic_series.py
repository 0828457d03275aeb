"""Layout, manifest, determinism and `validate` of a 30-day small retail_oltp_incremental run."""

from __future__ import annotations

import os

import pytest
from helpers import tree_digests

from ingen_fab.errors import SyntheticDataError
from ingen_fab.synthetic import api

DATASET = "retail_oltp_incremental"
TABLES = ("customers", "products", "stores", "orders", "order_items", "inventory")
HEADERS = {
    "customers": "customer_id,first_name,last_name,email,phone,street_address,city,state,"
    "postcode,country,loyalty_tier,home_store_id,registration_date,status,"
    "churn_date,updated_date",
    "products": "product_id,sku,name,category,brand,price,cost,status,launch_date,"
    "discontinued_date,updated_date",
    "stores": "store_id,store_code,store_name,store_type,street_address,city,state,postcode,"
    "floor_area_sqm,open_date,status",
    "orders": "order_id,customer_id,store_id,order_date,order_timestamp,order_status,channel,"
    "payment_method,line_count,order_total,currency",
    "order_items": "order_item_id,order_id,line_number,product_id,quantity,unit_price,line_total",
    "inventory": "store_id,product_id,date,opening_stock,received,units_sold,closing_stock,"
    "reorder_point,on_order",
}
DAYS = [f"2024-01-{d:02d}" for d in range(1, 31)]


@pytest.fixture(scope="session")
def series_root(tmp_path_factory):
    """30 days at small scale, generated once per session (shared by file via a done marker)."""
    root = tmp_path_factory.getbasetemp() / "synthetic_small_30d"
    done = tmp_path_factory.getbasetemp() / "synthetic_small_30d.done"
    if not done.exists():
        api.generate_series(DATASET, DAYS[0], DAYS[-1], seed=42, output_dir=str(root))
        done.write_text("ok")
    return root


def test_layout_is_one_file_per_table_per_day_with_exact_headers(series_root):
    expected = {
        os.path.join(day[:4], day[5:7], day[8:], table, f"{table}_{day.replace('-', '')}.csv")
        for day in DAYS
        for table in TABLES
    }
    found = set(tree_digests(series_root)) - {"_manifest.json"}
    assert found == expected
    assert len(found) == 180
    for relative in expected:
        table = relative.split(os.sep)[3]
        with open(series_root / relative, encoding="utf-8") as handle:
            assert handle.readline() == HEADERS[table] + "\n"


def test_manifest_pins_the_world(series_root):
    import json

    manifest = json.loads((series_root / "_manifest.json").read_text())
    assert manifest["dataset"] == DATASET
    assert manifest["seed"] == 42
    assert manifest["scale"] == "small"
    assert manifest["epoch"] == "2024-01-01"
    assert manifest["generator_version"]


def test_split_and_partial_runs_are_byte_identical(series_root, tmp_path):
    whole = tree_digests(series_root)
    split = tmp_path / "split"
    api.generate_series(DATASET, "2024-01-01", "2024-01-15", output_dir=str(split))
    api.generate_series(DATASET, "2024-01-16", "2024-01-30", output_dir=str(split))
    assert tree_digests(split) == whole
    late = tmp_path / "late"
    api.generate_series(DATASET, "2024-01-16", "2024-01-30", output_dir=str(late))
    late_hashes = tree_digests(late)
    assert len(late_hashes) == 15 * 6 + 1
    assert all(whole[path] == digest for path, digest in late_hashes.items())


def test_other_seed_gives_other_data(series_root, tmp_path):
    api.generate_series(DATASET, "2024-01-01", "2024-01-01", seed=7, output_dir=str(tmp_path))
    ours = tree_digests(series_root)
    theirs = tree_digests(tmp_path)
    for table in ("customers", "orders", "order_items", "inventory"):
        path = os.path.join("2024", "01", "01", table, f"{table}_20240101.csv")
        assert theirs[path] != ours[path]


def test_rerun_with_other_settings_fails_and_writes_nothing(series_root):
    before = tree_digests(series_root)
    with pytest.raises(SyntheticDataError, match="seed"):
        api.generate_series(
            DATASET, "2024-01-31", "2024-01-31", seed=9, output_dir=str(series_root)
        )
    with pytest.raises(SyntheticDataError, match="scale"):
        api.generate_series(
            DATASET, "2024-01-31", "2024-01-31", scale="medium", output_dir=str(series_root)
        )
    assert tree_digests(series_root) == before


def test_validate_accepts_the_generated_series(series_root):
    report = api.validate(str(series_root))
    assert report.problems == []
    assert (report.dates, report.files) == (30, 180)


@pytest.fixture
def three_days(tmp_path):
    root = tmp_path / "three"
    api.generate_series(DATASET, "2024-01-05", "2024-01-07", output_dir=str(root))
    return root


def _rewrite(path, edit):
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(edit(lines)))


def _edit_cell(lines, column, change, row=1):
    header = lines[0].rstrip("\n").split(",")
    cells = lines[row].rstrip("\n").split(",")
    cells[header.index(column)] = change(cells[header.index(column)], dict(zip(header, cells)))
    lines[row] = ",".join(cells) + "\n"
    return lines


def _plus_one(value, _row):
    return f"{float(value) + 1:.2f}" if "." in value else str(int(value) + 1)


@pytest.mark.parametrize(
    ("table", "column", "change", "expected"),
    [
        ("orders", "order_total", _plus_one, "order_total"),
        ("order_items", "quantity", _plus_one, "line_total"),
        ("inventory", "closing_stock", _plus_one, "closing"),
        ("orders", "customer_id", lambda _v, _r: "99999999", "customers"),
        ("products", "cost", lambda _v, row: row["price"], "cost < price"),
        ("orders", "order_date", lambda _v, _r: "2024-01-07", "order_date"),
    ],
)
def test_validate_reports_each_kind_of_breach(three_days, table, column, change, expected):
    path = three_days / "2024" / "01" / "06" / table / f"{table}_20240106.csv"
    _rewrite(path, lambda lines: _edit_cell(lines, column, change))
    report = api.validate(str(three_days))
    assert not report.ok
    assert any(expected in problem for problem in report.problems), report.problems


def test_validate_reports_missing_files_and_bad_headers(three_days):
    os.remove(three_days / "2024" / "01" / "05" / "stores" / "stores_20240105.csv")
    _rewrite(
        three_days / "2024" / "01" / "07" / "orders" / "orders_20240107.csv",
        lambda lines: [lines[0].replace("order_total", "total")] + lines[1:],
    )
    problems = " | ".join(api.validate(str(three_days)).problems)
    assert "stores_20240105.csv" in problems
    assert "header" in problems


def test_parquet_format_round_trips(tmp_path):
    import pyarrow.parquet as pq

    api.generate_series(
        DATASET, "2024-01-01", "2024-01-02", fmt="parquet", output_dir=str(tmp_path)
    )
    path = tmp_path / "2024" / "01" / "02" / "orders" / "orders_20240102.parquet"
    assert pq.read_table(path).column_names == HEADERS["orders"].split(",")
    assert api.validate(str(tmp_path)).ok


def test_dry_run_plan_writes_nothing(tmp_path):
    plan = api.plan_series(DATASET, "2024-01-01", "2024-01-30", output_dir=str(tmp_path / "x"))
    assert len(plan.files) == 180
    assert plan.estimated_rows["orders"] > 20_000
    assert not (tmp_path / "x").exists()


def test_validate_reports_an_active_product_that_vanishes(three_days):
    path = three_days / "2024" / "01" / "06" / "products" / "products_20240106.csv"
    lines = path.read_text().splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    row = next(i for i, line in enumerate(lines[1:], 1)
               if dict(zip(header, line.rstrip("\n").split(",")))["status"] == "active")
    _rewrite(path, lambda lines: lines[:row] + lines[row + 1:])
    problems = " | ".join(api.validate(str(three_days)).problems)
    assert "products of the previous date vanished before 7 days of discontinuation" in problems
