"""`generate-series --changes feed`: change files consistent with the snapshots they describe."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest

from ingen_fab.errors import SyntheticDataError
from ingen_fab.synthetic import api

DATASET = "retail_oltp_incremental"
START, END = dt.date(2024, 1, 1), dt.date(2024, 1, 21)
KEY = {"customers": "customer_id", "products": "product_id"}


@pytest.fixture(scope="module")
def feed(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("feed") / "data"
    api.generate_series(DATASET, START.isoformat(), END.isoformat(), output_dir=str(root),
                        changes_mode="feed")
    return root


def _rows(root: Path, day: dt.date, table: str) -> list[dict]:
    path = root / day.strftime("%Y/%m/%d") / table / f"{table}_{day:%Y%m%d}.csv"
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _days():
    return [START + dt.timedelta(days=n) for n in range((END - START).days + 1)]


def _live(table: str, rows: list[dict]) -> dict:
    """key -> row of a snapshot, without the customers a feed deletes (churned)."""
    return {r[KEY[table]]: r for r in rows if table != "customers" or r["status"] != "churned"}


@pytest.mark.parametrize("table", ["customers", "products"])
def test_applying_the_changes_to_day_ones_snapshot_gives_every_later_days_snapshot(feed, table):
    state = _live(table, _rows(feed, START, table))
    ops = set()
    for day in _days()[1:]:
        changes = sorted(_rows(feed, day, f"{table}_changes"), key=lambda r: int(r["_seq"]))
        for change in changes:
            ops.add(change["_op"])
            row = {k: v for k, v in change.items() if not k.startswith("_")}
            key = row[KEY[table]]
            if change["_op"] == "D":
                assert key in state, (day, key)
                del state[key]
            else:
                assert (key in state) == (change["_op"] == "U"), (day, key, change["_op"])
                state[key] = row
        assert state == _live(table, _rows(feed, day, table)), day
    assert ops == {"I", "U", "D"}


def test_seq_grows_with_every_change_of_a_key_and_changed_at_is_on_the_files_day(feed):
    for table in ("customers", "products"):
        last: dict[str, int] = {}
        for day in _days():
            for change in _rows(feed, day, f"{table}_changes"):
                key, seq = change[KEY[table]], int(change["_seq"])
                assert seq > last.get(key, -1), (table, key)
                last[key] = seq
                assert change["_changed_at"].startswith(day.isoformat())
                if change["_op"] == "D" and table == "products":
                    # a hard delete carries the product's last state: discontinued, a week ago
                    assert change["status"] == "discontinued", change
                    gone = dt.date.fromisoformat(change["discontinued_date"])
                    assert (day - gone).days == 7 and int(change["product_id"]) % 2 == 0, change
                else:
                    assert change["updated_date"] == day.isoformat()


def test_churn_deletes_customers_at_the_generators_churn_rate(feed):
    deletes = sum(
        r["_op"] == "D" for day in _days() for r in _rows(feed, day, "customers_changes")
    )
    population = len(_rows(feed, START, "customers"))
    per_day = deletes / len(_days())
    assert 0.0001 * population < per_day < 0.002 * population, (deletes, population)


def test_two_halves_write_the_same_feed_as_one_run_and_validate_checks_it(feed, tmp_path):
    halves = tmp_path / "halves"
    middle = START + dt.timedelta(days=9)
    api.generate_series(DATASET, START.isoformat(), middle.isoformat(), output_dir=str(halves),
                        changes_mode="feed")
    api.generate_series(DATASET, (middle + dt.timedelta(days=1)).isoformat(), END.isoformat(),
                        output_dir=str(halves), changes_mode="feed")
    one = sorted(p.relative_to(feed) for p in feed.rglob("*_changes_*.csv"))
    assert one == sorted(p.relative_to(halves) for p in halves.rglob("*_changes_*.csv"))
    assert all((feed / p).read_bytes() == (halves / p).read_bytes() for p in one)
    assert api.validate(str(halves)).ok
    tampered = halves / "2024/01/05/customers_changes/customers_changes_20240105.csv"
    lines = tampered.read_text(encoding="utf-8").splitlines(keepends=True)
    tampered.write_text("".join(lines[:-1]), encoding="utf-8")  # one change dropped
    report = api.validate(str(halves))
    assert not report.ok and "customers_changes" in report.problems[0]
    # a folder that starts mid-series: its first day's deletes are of keys its snapshot lacks
    second = tmp_path / "second"
    api.generate_series(DATASET, "2024-01-15", END.isoformat(), output_dir=str(second),
                        changes_mode="feed")
    assert api.validate(str(second)).ok
    first = second / "2024/01/15/products_changes/products_changes_20240115.csv"
    assert first.read_bytes() == (feed / first.relative_to(second)).read_bytes()
    assert any(r["_op"] == "D" for r in _rows(second, dt.date(2024, 1, 15), "products_changes"))


def test_a_plain_run_writes_no_feed_and_its_folder_refuses_one(tmp_path):
    root = tmp_path / "plain"
    api.generate_series(DATASET, "2024-01-01", "2024-01-02", output_dir=str(root))
    assert not list(root.rglob("*_changes*"))
    assert "changes" not in json.loads((root / "_manifest.json").read_text())
    with pytest.raises(SyntheticDataError, match=r"changes='none' \(asked 'feed'\)"):
        api.generate_series(DATASET, "2024-01-03", "2024-01-03", output_dir=str(root),
                            changes_mode="feed")
    with pytest.raises(SyntheticDataError, match="unknown --changes 'cdc'"):
        api.plan_series(DATASET, "2024-01-03", "2024-01-03", output_dir=str(root),
                        changes_mode="cdc")
