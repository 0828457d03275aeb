"""The `ingen_fab package synthetic-data` commands and every bad-input case."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from ingen_fab.cli.main import main

DATASET = "retail_oltp_incremental"


def run(*args, env=None):
    return CliRunner().invoke(main, ["package", "synthetic-data", *args], env=env)


def _files(root) -> list[str]:
    return sorted(
        os.path.relpath(os.path.join(d, n), root) for d, _, names in os.walk(root) for n in names
    )


def test_list_shows_tables_columns_types_and_scales():
    result = run("list")
    assert result.exit_code == 0, result.output
    for text in (
        DATASET,
        "table orders",
        "order_date",
        "date",
        "decimal(12,2)",
        "scale small",
        "scale medium",
        "scale large",
        "table inventory",
    ):
        assert text in result.output


def test_generate_defaults_to_the_local_lakehouse(tmp_path):
    result = run(
        "generate-series",
        DATASET,
        "--start-date",
        "2024-01-01",
        "--end-date",
        "2024-01-02",
        env={"INGEN_FAB_LAKEHOUSE_ROOT": str(tmp_path)},
    )
    assert result.exit_code == 0, result.output
    root = tmp_path / "Files" / "synthetic_data" / DATASET
    assert (root / "2024" / "01" / "02" / "order_items" / "order_items_20240102.csv").is_file()
    assert len(_files(root)) == 2 * 6 + 1
    assert "wrote 12 files" in result.output
    assert "\r" not in result.output  # no progress bar when not on a terminal


def test_validate_exits_zero_then_one_after_a_breach(tmp_path):
    out = str(tmp_path / "out")
    assert (
        run(
            "generate-series",
            DATASET,
            "--start-date",
            "2024-02-01",
            "--end-date",
            "2024-02-02",
            "--epoch",
            "2024-02-01",
            "--output-dir",
            out,
        ).exit_code
        == 0
    )
    good = run("validate", out)
    assert good.exit_code == 0, good.output
    assert good.output.startswith("ok: 2 dates, 12 files")
    orders = tmp_path / "out" / "2024" / "02" / "02" / "orders" / "orders_20240202.csv"
    lines = orders.read_text().splitlines(keepends=True)
    orders.write_text("".join(lines[:2] + lines[1:]))  # the first order now appears twice
    bad = run("validate", out)
    assert bad.exit_code == 1
    assert "breach:" in bad.output and "error:" in bad.output


def test_dry_run_prints_the_plan_and_writes_nothing(tmp_path):
    out = tmp_path / "plan"
    result = run(
        "generate-series",
        DATASET,
        "--start-date",
        "2024-01-01",
        "--end-date",
        "2024-01-30",
        "--output-dir",
        str(out),
        "--dry-run",
    )
    assert result.exit_code == 0, result.output
    for text in (
        "2024-01-01..2024-01-30 (30 days)",
        "180",
        "orders",
        "order_items",
        "inventory",
        "nothing written",
    ):
        assert text in result.output
    assert not out.exists()


@pytest.fixture
def existing(tmp_path):
    root = tmp_path / "existing"
    result = run(
        "generate-series",
        DATASET,
        "--start-date",
        "2024-01-01",
        "--end-date",
        "2024-01-01",
        "--output-dir",
        str(root),
    )
    assert result.exit_code == 0, result.output
    return root


BAD_INPUTS = {
    "start after end": (["--start-date", "2024-01-10", "--end-date", "2024-01-01"], "after"),
    "malformed date": (["--start-date", "2024-13-01", "--end-date", "2024-12-31"], "YYYY-MM-DD"),
    "not iso": (["--start-date", "01/02/2024", "--end-date", "2024-12-31"], "YYYY-MM-DD"),
    "unknown scale": (
        ["--start-date", "2024-01-01", "--end-date", "2024-01-02", "--scale", "huge"],
        "scale",
    ),
    "unknown format": (
        ["--start-date", "2024-01-01", "--end-date", "2024-01-02", "--format", "xlsx"],
        "format",
    ),
    "before epoch": (["--start-date", "2023-12-31", "--end-date", "2024-01-02"], "epoch"),
    "bad holiday": (
        ["--start-date", "2024-01-01", "--end-date", "2024-01-02", "--holiday", "2024-01-02"],
        "holiday",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_one_line_exit_one_nothing_written(tmp_path, case):
    args, needle = BAD_INPUTS[case]
    out = tmp_path / "out"
    result = run("generate-series", DATASET, *args, "--output-dir", str(out))
    assert result.exit_code == 1, result.output
    assert result.output.startswith("error: ") and result.output.count("\n") == 1
    assert needle in result.output
    assert not out.exists()


def test_unknown_dataset_fails(tmp_path):
    result = run(
        "generate-series",
        "no_such_dataset",
        "--start-date",
        "2024-01-01",
        "--end-date",
        "2024-01-01",
        "--output-dir",
        str(tmp_path / "out"),
    )
    assert result.exit_code == 1
    assert result.output.startswith("error: unknown dataset 'no_such_dataset'")
    assert not (tmp_path / "out").exists()


def test_unwritable_output_folder_fails(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    result = run(
        "generate-series",
        DATASET,
        "--start-date",
        "2024-01-01",
        "--end-date",
        "2024-01-01",
        "--output-dir",
        str(blocker / "out"),
    )
    assert result.exit_code == 1
    assert result.output.startswith("error: output folder") and "cannot be written" in (
        result.output
    )
    assert blocker.read_text() == "not a folder"


@pytest.mark.parametrize(
    "option",
    [["--seed", "7"], ["--scale", "medium"], ["--epoch", "2023-06-01"], ["--format", "parquet"]],
)
def test_manifest_mismatch_fails_and_writes_nothing(existing, option):
    before = _files(existing)
    result = run(
        "generate-series",
        DATASET,
        "--start-date",
        "2024-01-02",
        "--end-date",
        "2024-01-02",
        "--output-dir",
        str(existing),
        *option,
    )
    assert result.exit_code == 1
    assert result.output.startswith("error: output folder") and "another world" in result.output
    assert _files(existing) == before


def test_foreign_non_empty_folder_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    result = run(
        "generate-series",
        DATASET,
        "--start-date",
        "2024-01-01",
        "--end-date",
        "2024-01-01",
        "--output-dir",
        str(tmp_path),
    )
    assert result.exit_code == 1 and "no _manifest.json" in result.output
    assert _files(tmp_path) == ["notes.txt"]


def test_validate_of_a_missing_folder_fails(tmp_path):
    result = run("validate", str(tmp_path / "nowhere"))
    assert result.exit_code == 1
    assert result.output.startswith("error: ")


def _csv_rows(root, day: str, table: str) -> list[str]:
    path = os.path.join(root, *day.split("-"), table, f"{table}_{day.replace('-', '')}.csv")
    with open(path, encoding="utf-8") as handle:
        return handle.read().splitlines()[1:]


def test_holiday_option_raises_that_dates_order_volume(tmp_path):
    """Same seed and dates, with and without `--holiday 2024-01-10=3.0` (an ordinary Wednesday):
    that date has about three times the orders; the day before is untouched."""
    roots = {}
    for name, extra in (("plain", ()), ("holiday", ("--holiday", "2024-01-10=3.0"))):
        roots[name] = str(tmp_path / name)
        result = run(
            "generate-series",
            DATASET,
            "--start-date",
            "2024-01-09",
            "--end-date",
            "2024-01-10",
            "--seed",
            "7",
            "--output-dir",
            roots[name],
            *extra,
        )
        assert result.exit_code == 0, result.output
    plain = len(_csv_rows(roots["plain"], "2024-01-10", "orders"))
    holiday = len(_csv_rows(roots["holiday"], "2024-01-10", "orders"))
    assert plain > 100 and holiday > 2.2 * plain, (plain, holiday)
    items = {
        name: len(_csv_rows(root, "2024-01-10", "order_items")) for name, root in roots.items()
    }
    assert items["holiday"] > 2.2 * items["plain"], items
    for table in ("orders", "order_items"):
        assert _csv_rows(roots["plain"], "2024-01-09", table) == _csv_rows(
            roots["holiday"], "2024-01-09", table
        )


def test_changes_feed_from_the_command_line(tmp_path):
    out = tmp_path / "feed"
    args = ["generate-series", "retail_oltp_incremental", "--start-date", "2024-01-01",
            "--end-date", "2024-01-02", "--changes", "feed", "--output-dir", str(out)]
    plan = run(*args, "--dry-run")
    assert plan.exit_code == 0 and "changes=feed" in plan.output, plan.output
    assert not out.exists()
    done = run(*args)
    assert done.exit_code == 0, done.output
    for table in ("customers_changes", "products_changes"):
        assert (out / f"2024/01/02/{table}/{table}_20240102.csv").is_file()
    bad = run(*args[:-4], "--changes", "cdc", "--output-dir", str(out))
    assert bad.exit_code == 2 and "'cdc' is not one of 'none', 'feed'" in bad.output
