"""File discovery: the glob dialect, date extraction, range-pruned walks, path resolution."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from test_ingestion_support import config, write_file

from ingen_fab.runtime.ingestion.config import from_row
from ingen_fab.runtime.ingestion.discovery import discover, glob_regex, name_date
from ingen_fab.runtime.ingestion.filesystem import (
    LocalFileSystem,
    Location,
    SourcePathError,
    resolve_source,
)


class CountingFileSystem(LocalFileSystem):
    """The real local file system, remembering which folders were listed."""

    def __init__(self):
        self.listed = []

    def ls(self, path):
        self.listed.append(path)
        return super().ls(path)


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("**/orders/*.csv", "orders/orders_20240101.csv", True),
        ("**/orders/*.csv", "x/y/orders/a.csv", True),
        ("**/orders/*.csv", "order_items/a.csv", False),
        ("*.csv", "sub/a.csv", False),
        ("**/*.csv", "a.csv", True),
        ("data_??.json", "data_01.json", True),
        ("data_[!0]*.json", "data_01.json", False),
        ("data_[0-9]*.json", "data_01.json", True),
        (None, "any/thing.bin", True),
    ],
)
def test_glob_dialect(pattern, path, expected):
    assert bool(glob_regex(pattern).match(path)) is expected


def test_name_date_takes_the_last_valid_date():
    assert name_date("orders_20240105.csv") == dt.date(2024, 1, 5)
    assert name_date("x_2023-12-31_v2.csv") == dt.date(2023, 12, 31)
    assert name_date("orders_20241399.csv") is None
    assert name_date("orders.csv") is None


def _loc(path, fs):
    return Location(str(path), str(path), str(path), fs)


def test_ymd_walk_lists_only_folders_in_range(tmp_path):
    for day in (
        dt.date(2023, 12, 31),
        dt.date(2024, 1, 1),
        dt.date(2024, 1, 2),
        dt.date(2024, 2, 1),
        dt.date(2025, 1, 1),
    ):
        write_file(tmp_path / f"{day:%Y/%m/%d}" / "t" / f"t_{day:%Y%m%d}.csv", "a\n1\n")
    fs = CountingFileSystem()
    cfg = from_row(
        config(
            "d1",
            tmp_path,
            "d1",
            date_range_start=dt.date(2024, 1, 2),
            date_range_end=dt.date(2024, 1, 31),
        )
    )
    found = discover(cfg, _loc(tmp_path, fs), cfg.date_range_start, cfg.date_range_end)
    assert [f.date for f in found] == [dt.date(2024, 1, 2)]
    listed = {os.path.relpath(p, tmp_path) for p in fs.listed}
    assert listed == {".", "2024", "2024/01", "2024/01/02", "2024/01/02/t"}
    skipped = discover(cfg, _loc(tmp_path, fs), None, None, frozenset({dt.date(2024, 1, 2)}))
    assert dt.date(2024, 1, 2) not in {f.date for f in skipped} and len(skipped) == 4


@pytest.mark.parametrize(
    ("fmt", "folder"),
    [("YYYY-MM-DD", "2024-01-02"), ("YYYYMMDD", "20240102"), ("YYYY-MM-DD", "date=2024-01-02")],
)
def test_flat_date_folder_formats(tmp_path, fmt, folder):
    write_file(tmp_path / folder / "a.csv", "a\n1\n")
    write_file(tmp_path / "2024-01-05" / "a.csv", "a\n1\n")
    write_file(tmp_path / "20240105" / "a.csv", "a\n1\n")
    cfg = from_row(config("d2", tmp_path, "d2", date_partition_format=fmt))
    found = discover(cfg, _loc(tmp_path, LocalFileSystem()), None, dt.date(2024, 1, 3))
    assert [(f.date, f.rel_path) for f in found] == [(dt.date(2024, 1, 2), f"{folder}/a.csv")]


def test_filename_dates_and_wildcard_and_single_file(tmp_path):
    write_file(tmp_path / "in" / "sales_20240101.csv", "a\n1\n")
    write_file(tmp_path / "in" / "deep" / "sales_20240103.csv", "a\n1\n")
    write_file(tmp_path / "in" / "sales_undated.csv", "a\n1\n")
    write_file(tmp_path / "in" / "_hidden_20240101.csv", "a\n1\n")
    loc = _loc(tmp_path / "in", LocalFileSystem())
    by_name = from_row(config("d3", tmp_path, "d3", date_partition_format="filename"))
    assert [f.date.day for f in discover(by_name, loc, dt.date(2024, 1, 2), None)] == [3]
    wild = from_row(
        config(
            "d4",
            tmp_path,
            "d4",
            import_pattern="wildcard_pattern",
            file_discovery_pattern="sales_*.csv",
        )
    )
    assert sorted(f.rel_path for f in discover(wild, loc)) == [
        "sales_20240101.csv",
        "sales_undated.csv",
    ]
    single = from_row(config("d5", tmp_path, "d5", import_pattern="single_file"))
    one = discover(single, _loc(tmp_path / "in" / "sales_20240101.csv", LocalFileSystem()))
    assert [(f.rel_path, f.date) for f in one] == [("sales_20240101.csv", dt.date(2024, 1, 1))]


@pytest.mark.spark
def test_source_paths_resolve_from_the_files_component(spark, lakehouse_root):
    a = resolve_source(spark, "tmp/spark/Files/synthetic_data/retail_oltp_incremental")
    b = resolve_source(spark, "Files/synthetic_data/retail_oltp_incremental")
    assert a == b
    assert a.display_path == "Files/synthetic_data/retail_oltp_incremental"
    assert a.list_path == os.path.join(
        str(lakehouse_root), "Files", "synthetic_data", "retail_oltp_incremental"
    )
    c = resolve_source(spark, "landing/x")
    assert c.list_path == os.path.join(str(lakehouse_root), "Files", "landing", "x")
    assert c.display_path == "Files/landing/x"
    with pytest.raises(SourcePathError, match="outside the lakehouse Files folder"):
        resolve_source(spark, "/abs/elsewhere")
    d = resolve_source(spark, "file:///abs/elsewhere/")
    assert (d.list_path, d.spark_path, d.display_path) == ("/abs/elsewhere",) * 3
