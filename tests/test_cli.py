"""CLI contract: global options and the mapping of errors to exit codes."""

from __future__ import annotations

import os

from click.testing import CliRunner

from ingen_fab import api
from ingen_fab.cli.main import main


def test_lakehouse_root_option_sets_where_everything_local_goes(tmp_path, monkeypatch):
    monkeypatch.delenv("INGEN_FAB_LAKEHOUSE_ROOT", raising=False)
    root = tmp_path / "lh"
    result = CliRunner().invoke(
        main,
        ["--lakehouse-root", str(root), "package", "synthetic-data", "generate-series",
         "retail_oltp_incremental", "--start-date", "2024-01-01", "--end-date", "2024-01-02",
         "--dry-run"],
    )
    try:
        assert result.exit_code == 0, result.output
        assert str(root / "Files" / "synthetic_data" / "retail_oltp_incremental") in result.output
        assert api.local_dirs()["lakehouse"] == root
        assert api.local_dirs()["warehouse"] == root / ".ingen_fab" / "warehouse"
    finally:
        os.environ.pop("INGEN_FAB_LAKEHOUSE_ROOT", None)


def _boom(*args, **kwargs):
    raise KeyError("a bug, not a user error")


def test_unexpected_errors_exit_2_with_one_line_and_a_traceback_only_with_debug(monkeypatch):
    monkeypatch.setattr(api, "compile_ddl", _boom)
    plain = CliRunner().invoke(main, ["ddl", "compile"])
    assert plain.exit_code == 2
    assert "internal error: KeyError" in plain.output and "--debug" in plain.output
    assert "Traceback" not in plain.output
    debug = CliRunner().invoke(main, ["--debug", "ddl", "compile"])
    assert debug.exit_code == 2
    assert "Traceback" in debug.output


def test_bad_dates_are_rejected_before_anything_runs():
    result = CliRunner().invoke(
        main, ["run", "package", "flat-file-ingestion", "run", "--start-date", "2024-02-30"]
    )
    assert result.exit_code == 2 and "2024-02-30" in result.output
    swapped = CliRunner().invoke(
        main,
        ["run", "package", "flat-file-ingestion", "run", "--start-date", "2024-02-03",
         "--end-date", "2024-02-01"],
    )
    assert swapped.exit_code == 2 and "after --end-date" in swapped.output


def test_unknown_execution_group_is_a_one_line_error(monkeypatch, tmp_path):
    monkeypatch.setenv("INGEN_FAB_LAKEHOUSE_ROOT", str(tmp_path / "spark"))
    result = CliRunner().invoke(
        main, ["run", "package", "flat-file-ingestion", "run", "--execution-group=9"]
    )
    assert result.exit_code == 1
    assert "execution group(s) [9] have no notebook" in result.output


def test_sql_queries_may_start_with_a_comment_line(tmp_path, monkeypatch):
    import duckdb

    monkeypatch.setenv("INGEN_FAB_WAREHOUSE_ROOT", str(tmp_path))
    with duckdb.connect(str(tmp_path / "WH.duckdb")) as con:
        con.execute("CREATE TABLE t AS SELECT 41 + 1 AS answer")
    result = CliRunner().invoke(
        main, ["warehouse", "sql", "WH", "-- Verify the answer\nSELECT answer FROM t;"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[2].strip() == "42"
    piped = CliRunner().invoke(main, ["warehouse", "sql", "WH", "-f", "-"], input="SELECT 7 AS n")
    assert piped.exit_code == 0 and "7" in piped.output.splitlines()[2]


def test_reprocess_without_a_config_and_a_range_is_a_usage_error(monkeypatch, tmp_path):
    monkeypatch.setenv("INGEN_FAB_LAKEHOUSE_ROOT", str(tmp_path / "spark"))
    for args in (["--reprocess"], ["--reprocess", "--config-id", "x"],
                 ["--reprocess", "--execution-group=1", "--start-date", "2024-01-01",
                  "--end-date", "2024-01-01"]):
        result = CliRunner().invoke(main, ["run", "package", "flat-file-ingestion", "run", *args])
        assert result.exit_code == 2, result.output
        assert "give --config-id, --start-date and --end-date" in result.output
    assert not (tmp_path / "spark").exists()  # nothing ran
