"""write_mode scd2: daily snapshots kept as history, the same whatever order the days arrive in."""

from __future__ import annotations

import datetime as dt

import pytest
from test_ingestion_support import D1, D2, D3, add_configs, config, day_file, rows

from ingen_fab.runtime.ingestion import run_ingestion, verify_ingestion
from ingen_fab.runtime.ingestion.config import from_row, validate
from ingen_fab.runtime.ingestion.errors import ConfigError

pytestmark = pytest.mark.spark

D4, D5 = dt.date(2024, 1, 4), dt.date(2024, 1, 5)
# Five full snapshots: 2 changes on D2; 3 is missing on D3 and back on D4; 4 first appears
# on D3 and is missing on D5; 1 changes on D4 (its file holds 1 twice: the last row wins);
# n changes on D5 for 1 only.
SNAPSHOTS = {
    D1: "id,v,n\n1,a,10\n2,b,20\n3,c,30\n",
    D2: "id,v,n\n1,a,10\n2,b2,20\n3,c,30\n",
    D3: "id,v,n\n1,a,10\n2,b2,20\n4,d,40\n",
    D4: "id,v,n\n1,a,99\n2,b2,20\n3,c,30\n4,d,40\n1,a,11\n",
    D5: "id,v,n\n1,a,12\n2,b2,20\n3,c,30\n",
}
# (id, v, n, _valid_from, _valid_to) with snapshot_deletes close, every column tracked
CLOSED = {
    (1, "a", 10, D1, D4), (1, "a", 11, D4, D5), (1, "a", 12, D5, None),
    (2, "b", 20, D1, D2), (2, "b2", 20, D2, None),
    (3, "c", 30, D1, D3), (3, "c", 30, D4, None),
    (4, "d", 40, D3, D5),
}
# snapshot_deletes ignore, only v tracked: a missing key stays, n alone opens nothing
TRACKED = {
    (1, "a", 10, D1, None),
    (2, "b", 20, D1, D2), (2, "b2", 20, D2, None),
    (3, "c", 30, D1, None),
    (4, "d", 40, D3, None),
}
ARRIVALS = {
    "daily": [[D1], [D2], [D3], [D4], [D5]],
    "batch": [[D1, D2, D3, D4, D5]],
    "late": [[D1, D2, D4, D5], [D3]],
    "reverse": [[D5], [D4], [D3], [D2], [D1]],
    "shuffled": [[D2, D5], [D1], [D4], [D3]],
}
SETTINGS = {"closed": ({"snapshot_deletes": "close"}, CLOSED),
            "tracked": ({"scd2_tracked_columns": "v"}, TRACKED)}


def _history(spark, table) -> set:
    found = rows(spark, "itest", table)
    for r in found:
        assert r["_is_current"] == (r["_valid_to"] is None), r
    return {(r["id"], r["v"], r["n"], r["_valid_from"], r["_valid_to"]) for r in found}


def _run(spark, config_id):
    result = run_ingestion(spark, config_id=config_id)
    assert not result.failed, result.to_json()
    return result.configs[0]


@pytest.mark.parametrize(("setting", "order"), [
    *[("closed", order) for order in ARRIVALS], ("tracked", "daily"), ("tracked", "shuffled")])
def test_scd2_history_is_the_same_in_any_load_order_and_on_a_rerun(spark, tmp_path, order,
                                                                  setting):
    overrides, expected = SETTINGS[setting]
    config_id = f"scd2_{setting}_{order}"
    add_configs(spark, config(config_id, tmp_path, config_id, write_mode="scd2", merge_keys="id",
                              **overrides))
    for days in ARRIVALS[order]:
        for day in days:
            day_file(tmp_path, day, "p.csv", SNAPSHOTS[day])
        _run(spark, config_id)
    assert _history(spark, config_id) == expected
    assert verify_ingestion(spark, [config_id]).ok
    before = spark.sql(f"DESCRIBE HISTORY itest.{config_id}").count()
    rerun = _run(spark, config_id)
    assert rerun.status == "no_new_data"
    assert spark.sql(f"DESCRIBE HISTORY itest.{config_id}").count() == before


# A value that comes back: 1 is a, then b, then a again; only v is tracked
RETURNS = {D1: "id,v,n\n1,a,1\n", D2: "id,v,n\n1,b,2\n", D3: "id,v,n\n1,a,3\n"}
RETURNED = {(1, "a", 1, D1, D2), (1, "b", 2, D2, D3), (1, "a", 3, D3, None)}


@pytest.mark.parametrize(("deletes", "order"), [
    ("ignore", "late"), ("ignore", "reverse"), ("close", "late")])
def test_scd2_a_value_that_comes_back_keeps_every_version_whatever_the_load_order(
    spark, tmp_path, deletes, order
):
    """A late file reads the loaded files of its date and later again: a version that
    wrote nothing (its tracked values equal the one before) is still seen, with its own
    untracked values."""
    config_id = f"scd2_back_{deletes}_{order}"
    add_configs(spark, config(config_id, tmp_path, config_id, write_mode="scd2", merge_keys="id",
                              scd2_tracked_columns="v", snapshot_deletes=deletes))
    loaded = []
    for days in {"late": [[D1, D3], [D2]], "reverse": [[D3], [D2], [D1]]}[order]:
        for day in days:
            day_file(tmp_path, day, "p.csv", RETURNS[day])
        plan = run_ingestion(spark, config_id=config_id, dry_run=True).plan[0]
        res = _run(spark, config_id)
        again = [d for d in loaded if d > min(days)]
        assert plan.dates == res.dates_loaded == [d.isoformat() for d in days]
        assert plan.reads_again == len(again)
        if again:
            assert (f"a late file: {len(again)} loaded file(s) of its date and later read "
                    "again") in res.notes
        loaded += days
    assert _history(spark, config_id) == RETURNED
    assert verify_ingestion(spark, [config_id]).ok


def test_scd2_close_still_closes_on_the_whole_dates_of_a_load_where_one_date_failed(
    spark, tmp_path
):
    add_configs(spark, config("scd2_partly", tmp_path, "scd2_partly", write_mode="scd2",
                              merge_keys="id", snapshot_deletes="close",
                              error_handling_strategy="log"))
    day_file(tmp_path, D1, "p.csv", "id,v,n\n1,a,1\n2,b,2\n")
    day_file(tmp_path, D2, "p.csv", "id,v,n\n1,a,1\n")
    day_file(tmp_path, D3, "p.csv", "id,v,n\n1,a,1\n2,b,2,extra\n")  # a bad row: D3 fails
    first = run_ingestion(spark, config_id="scd2_partly").configs[0]
    assert first.dates_loaded == [D1.isoformat(), D2.isoformat()], (first.status, first.error_message, first.notes)
    assert _history(spark, "scd2_partly") == {(1, "a", 1, D1, None), (2, "b", 2, D1, D2)}
    day_file(tmp_path, D3, "p.csv", "id,v,n\n1,a,1\n2,b,2\n")  # fixed: 2 is back on D3
    assert _run(spark, "scd2_partly").dates_loaded == [D3.isoformat()]
    assert _history(spark, "scd2_partly") == {
        (1, "a", 1, D1, None), (2, "b", 2, D1, D2), (2, "b", 2, D3, None)}


def test_scd2_a_date_loaded_again_writes_nothing(spark, tmp_path):
    """A file loaded again (its content changed back and forth, so the ledger sees it new)
    opens no version and changes none."""
    add_configs(spark, config("scd2_again", tmp_path, "scd2_again", write_mode="scd2",
                              merge_keys="id", snapshot_deletes="close"))
    for day in (D1, D2, D3):
        day_file(tmp_path, day, "p.csv", SNAPSHOTS[day])
    _run(spark, "scd2_again")
    path = day_file(tmp_path, D2, "p.csv", SNAPSHOTS[D2] + "\n")  # same rows, new bytes
    again = _run(spark, "scd2_again")
    assert again.dates_loaded == [D2.isoformat()], path
    assert (again.rows_inserted, again.rows_updated, again.rows_deleted) == (0, 0, 0)
    assert _history(spark, "scd2_again") == {
        (1, "a", 10, D1, None), (2, "b", 20, D1, D2), (2, "b2", 20, D2, None),
        (3, "c", 30, D1, D3), (4, "d", 40, D3, None)}


def test_scd2_verify_finds_an_overlap_and_a_second_current_version(spark, tmp_path):
    add_configs(spark, config("scd2_verify", tmp_path, "scd2_verify", write_mode="scd2",
                              merge_keys="id"))
    for day in (D1, D2):
        day_file(tmp_path, day, "p.csv", SNAPSHOTS[day])
    _run(spark, "scd2_verify")
    assert verify_ingestion(spark, ["scd2_verify"]).ok
    spark.sql("UPDATE itest.scd2_verify SET _valid_to = DATE'2024-01-03' "
              "WHERE id = 2 AND _valid_from = DATE'2024-01-01'")
    report = verify_ingestion(spark, ["scd2_verify"])
    assert any("1 version(s) overlap the next version of their key on id" in p
               for p in report.problems), report.problems
    spark.sql("UPDATE itest.scd2_verify SET _valid_to = NULL, _is_current = TRUE "
              "WHERE id = 2 AND _valid_from = DATE'2024-01-01'")
    report = verify_ingestion(spark, ["scd2_verify"])
    assert any("overlap" in p for p in report.problems), report.problems
    spark.sql("UPDATE itest.scd2_verify SET _valid_to = DATE'2024-01-02', _is_current = TRUE "
              "WHERE id = 2 AND _valid_from = DATE'2024-01-01'")
    report = verify_ingestion(spark, ["scd2_verify"])
    assert any("_is_current does not match _valid_to" in p for p in report.problems)


def test_scd2_refuses_configs_and_data_it_cannot_keep_history_of(spark, tmp_path):
    with pytest.raises(ConfigError, match="merge_keys.*write_mode scd2 needs merge_keys"):
        validate(from_row(config("scd2_nokey", tmp_path, "t", write_mode="scd2")))
    with pytest.raises(ConfigError, match="snapshot_deletes.*hard does not apply to write_mode "
                                          "scd2; use ignore, close"):
        validate(from_row(config("scd2_hard", tmp_path, "t", write_mode="scd2", merge_keys="id",
                                 snapshot_deletes="hard")))
    with pytest.raises(ConfigError, match="snapshot_deletes.*close does not apply to write_mode "
                                          "merge; use ignore, soft, hard"):
        validate(from_row(config("merge_close", tmp_path, "t", write_mode="merge",
                                 merge_keys="id", snapshot_deletes="close")))
    add_configs(spark, config("scd2_cols", tmp_path, "scd2_cols", write_mode="scd2",
                              merge_keys="id", scd2_tracked_columns="v,colour"))
    day_file(tmp_path, D1, "p.csv", SNAPSHOTS[D1])
    result = run_ingestion(spark, config_id="scd2_cols")
    assert result.failed
    assert "scd2_tracked_columns: colour not in the data" in result.configs[0].error_message


def test_a_config_table_of_an_older_release_gains_the_new_config_columns(spark):
    """A config table made before scd2_tracked_columns (and others) existed gains them, its
    rows kept, so the sample scripts and runs of this release work on it."""
    from ingen_fab.runtime.schema import CONFIG_TABLE
    from ingen_fab.runtime.tables import add_missing_columns

    old = [c for c in CONFIG_TABLE.columns if c.name not in ("scd2_tracked_columns",
                                                                 "snapshot_deletes")]
    spark.sql("CREATE SCHEMA IF NOT EXISTS scd2_old")
    spark.sql("CREATE TABLE scd2_old.config_flat_file_ingestion ("
              + ", ".join(f"`{c.name}` {'BOOLEAN' if c.type == 'bool' else c.type.upper()}"
                          for c in old) + ") USING DELTA")
    spark.sql("INSERT INTO scd2_old.config_flat_file_ingestion (config_id, write_mode) "
              "VALUES ('kept', 'merge')")
    assert add_missing_columns(spark, CONFIG_TABLE, "scd2_old") == [
        "snapshot_deletes", "scd2_tracked_columns"]
    assert add_missing_columns(spark, CONFIG_TABLE, "scd2_old") == []
    table = spark.table("scd2_old.config_flat_file_ingestion")
    assert table.columns == [c.name for c in old] + ["snapshot_deletes", "scd2_tracked_columns"]
    assert [(r.config_id, r.scd2_tracked_columns) for r in table.collect()] == [("kept", None)]
