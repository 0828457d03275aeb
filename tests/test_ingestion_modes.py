"""Write modes, re-runs and date selection: merge / append / overwrite, skip_existing_dates,
batch_import_enabled, date ranges, and each import pattern and source format."""

from __future__ import annotations

import datetime as dt
import json
import os

import pytest
from test_ingestion_support import (
    D1,
    D2,
    D3,
    add_configs,
    config,
    day_file,
    ledger_rows,
    log_rows,
    rows,
    write_file,
)

from ingen_fab.runtime.ingestion import run_ingestion, verify_ingestion

pytestmark = pytest.mark.spark


def _run(spark, config_id, **kw):
    result = run_ingestion(spark, config_id=config_id, **kw)
    assert not result.failed, result.to_json()
    return result.configs[0]


def test_merge_composite_null_safe_keys_latest_date_wins(spark, tmp_path):
    day_file(tmp_path, D2, "m.csv", "k1,k2,v\na,1,new\n,1,n2\n")
    day_file(tmp_path, D1, "m.csv", "k1,k2,v\na,1,old\na,2,x\n,1,n1\n")
    add_configs(
        spark,
        config(
            "mode_merge",
            tmp_path,
            "mode_merge",
            write_mode="merge",
            merge_keys="k1, k2",
            skip_existing_dates=True,
        ),
    )
    first = _run(spark, "mode_merge")
    got = rows(spark, "itest", "mode_merge")
    assert sorted(((r["k1"], r["k2"], r["v"]) for r in got), key=str) == sorted(
        [("a", 1, "new"), ("a", 2, "x"), (None, 1, "n2")], key=str
    )
    assert (first.rows_read, first.rows_inserted, first.collapsed_duplicates) == (5, 3, 2)
    details = json.loads(log_rows(spark, "mode_merge")[-1].error_details)
    assert details["collapsed_duplicates"] == 2
    day_file(tmp_path, D3, "m.csv", "k1,k2,v\na,2,y\n,1,n3\nb,1,z\n")
    second = _run(spark, "mode_merge")
    assert (second.rows_inserted, second.rows_updated, second.dates_loaded) == (
        1,
        2,
        ["2024-01-03"],
    )
    got = {(r["k1"], r["k2"]): r["v"] for r in rows(spark, "itest", "mode_merge")}
    assert got == {("a", 1): "new", ("a", 2): "y", (None, 1): "n3", ("b", 1): "z"}


def test_merge_never_regresses_to_an_older_date(spark, tmp_path):
    day_file(tmp_path, D2, "m.csv", "id,v\n1,newer\n")
    add_configs(
        spark,
        config(
            "mode_regress",
            tmp_path,
            "mode_regress",
            write_mode="merge",
            merge_keys="id",
            skip_existing_dates=True,
        ),
    )
    _run(spark, "mode_regress")
    day_file(tmp_path, D1, "m.csv", "id,v\n1,older\n2,only\n")
    late = _run(spark, "mode_regress")
    assert (late.rows_inserted, late.rows_updated) == (1, 0)
    got = {r["id"]: r["v"] for r in rows(spark, "itest", "mode_regress")}
    assert got == {1: "newer", 2: "only"}


def test_skip_existing_dates_true_never_rereads_a_loaded_date(spark, tmp_path):
    path = day_file(tmp_path, D1, "s.csv", "id,v\n1,a\n")
    add_configs(
        spark, config("mode_skip_true", tmp_path, "mode_skip_true", skip_existing_dates=True)
    )
    _run(spark, "mode_skip_true")
    write_file(path, "id,v\n1,changed\n9,extra\n")
    day_file(tmp_path, D2, "s.csv", "id,v\n2,b\n")
    second = _run(spark, "mode_skip_true")
    assert second.dates_loaded == ["2024-01-02"]
    assert sorted((r["id"], r["v"]) for r in rows(spark, "itest", "mode_skip_true")) == [
        (1, "a"),
        (2, "b"),
    ]
    assert _run(spark, "mode_skip_true").status == "no_new_data"


def test_skip_existing_false_rerun_and_rewritten_file(spark, tmp_path):
    p1 = day_file(tmp_path, D1, "o.csv", "id,v\n1,a\n2,b\n")
    day_file(tmp_path, D2, "o.csv", "id,v\n3,c\n")
    add_configs(spark, config("mode_skip_false", tmp_path, "mode_skip_false"))
    _run(spark, "mode_skip_false")
    assert _run(spark, "mode_skip_false").status == "no_new_data"
    os.utime(p1, (1_700_000_000, 1_700_000_000))  # touched, same content: not reloaded
    assert _run(spark, "mode_skip_false").status == "no_new_data"
    write_file(p1, "id,v\n1,a2\n4,d\n5,e\n")
    again = _run(spark, "mode_skip_false")
    assert (again.dates_loaded, again.rows_inserted, again.rows_deleted) == (["2024-01-01"], 3, 2)
    got = rows(spark, "itest", "mode_skip_false", lineage=True)
    assert sorted((r["id"], r["v"]) for r in got) == [(1, "a2"), (3, "c"), (4, "d"), (5, "e")]
    assert {str(r["_source_date_partition"]) for r in got if r["id"] == 3} == {"2024-01-02"}
    statuses = [r.status for r in ledger_rows(spark, "mode_skip_false")]
    assert statuses == ["loaded"] * 3


def test_batch_import_disabled_loads_the_oldest_pending_date(spark, tmp_path):
    for day in (D3, D1, D2):
        day_file(tmp_path, day, "b.csv", f"id,d\n{day.day},{day}\n")
    add_configs(
        spark,
        config(
            "mode_batch_off",
            tmp_path,
            "mode_batch_off",
            batch_import_enabled=False,
            skip_existing_dates=True,
        ),
    )
    assert _run(spark, "mode_batch_off").dates_loaded == ["2024-01-01"]
    assert _run(spark, "mode_batch_off").dates_loaded == ["2024-01-02"]
    assert [r["id"] for r in rows(spark, "itest", "mode_batch_off", order="id")] == [1, 2]


def test_overwrite_replaces_the_target_and_range_overrides(spark, tmp_path):
    for day in (D1, D2, D3):
        day_file(tmp_path, day, "w.csv", f"id\n{day.day}\n{day.day + 10}\n")
    add_configs(
        spark,
        config(
            "mode_overwrite",
            tmp_path,
            "mode_overwrite",
            write_mode="overwrite",
            date_range_end=D2,
            skip_existing_dates=True,
        ),
    )
    first = _run(spark, "mode_overwrite", start_date="2024-01-02")
    assert first.dates_loaded == ["2024-01-02"]
    assert [r["id"] for r in rows(spark, "itest", "mode_overwrite", order="id")] == [2, 12]
    second = _run(spark, "mode_overwrite", end_date="2024-01-03")
    assert second.dates_loaded == ["2024-01-01", "2024-01-03"]
    got = [r["id"] for r in rows(spark, "itest", "mode_overwrite", order="id")]
    assert got == [1, 3, 11, 13]


def test_single_file_parquet_wildcard_json_and_filename_dates(spark, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"id": [1, 2], "name": ["x", "y"]}), str(tmp_path / "p.parquet"))
    write_file(tmp_path / "j" / "a_20240101.json", '{"id": "001", "n": 1}\n{"id": "002", "n": 2}\n')
    write_file(tmp_path / "j" / "sub" / "b_20240102.json", '{"id": "003", "n": 3}\n')
    write_file(tmp_path / "j" / "skip.txt", "not json")
    write_file(tmp_path / "f" / "x" / "orders_20240101.csv", "id\n1\n")
    write_file(tmp_path / "f" / "orders_20240109.csv", "id\n9\n")
    add_configs(
        spark,
        config(
            "mode_parquet",
            tmp_path / "p.parquet",
            "mode_parquet",
            import_pattern="single_file",
            source_file_format="parquet",
            date_partition_format=None,
        ),
        config(
            "mode_json",
            tmp_path / "j",
            "mode_json",
            import_pattern="wildcard_pattern",
            source_file_format="json",
            file_discovery_pattern="**/*.json",
            date_partition_format=None,
        ),
        config(
            "mode_fname",
            tmp_path / "f",
            "mode_fname",
            date_partition_format="filename",
            date_range_end=dt.date(2024, 1, 5),
        ),
    )
    _run(spark, "mode_parquet")
    assert sorted((r["id"], r["name"]) for r in rows(spark, "itest", "mode_parquet")) == [
        (1, "x"),
        (2, "y"),
    ]
    assert _run(spark, "mode_json").dates_loaded == ["2024-01-01", "2024-01-02"]
    assert sorted(r["id"] for r in rows(spark, "itest", "mode_json")) == ["001", "002", "003"]
    assert _run(spark, "mode_fname").dates_loaded == ["2024-01-01"]
    assert [r["id"] for r in rows(spark, "itest", "mode_fname")] == [1]


def _version(spark, table: str) -> int:
    return spark.sql(f"DESCRIBE HISTORY {table} LIMIT 1").first().version


@pytest.mark.parametrize(("kind", "empty"), [("zero", ""), ("header", "id,v\n")])
def test_append_file_rewritten_empty_removes_its_rows_in_one_commit(spark, tmp_path, kind, empty):
    cid = f"mode_emptied_{kind}"
    p1 = day_file(tmp_path, D1, "o.csv", "id,v\n1,a\n2,b\n")
    day_file(tmp_path, D2, "o.csv", "id,v\n3,c\n")
    add_configs(spark, config(cid, tmp_path, cid))
    _run(spark, cid)
    before = _version(spark, f"itest.{cid}")
    write_file(p1, empty)
    res = _run(spark, cid)
    assert (res.status, res.dates_loaded, res.rows_read) == ("completed", ["2024-01-01"], 0)
    assert [(r["id"], r["v"]) for r in rows(spark, "itest", cid)] == [(3, "c")]
    assert _version(spark, f"itest.{cid}") == before + 1
    assert [r.rows_written for r in ledger_rows(spark, cid)][-1] == 0
    assert _run(spark, cid).status == "no_new_data"
    assert len(rows(spark, "itest", cid)) == 1


@pytest.mark.parametrize(("kind", "empty"), [("zero", ""), ("header", "id\n")])
def test_overwrite_with_an_empty_file_empties_the_target_in_one_commit(
    spark, tmp_path, kind, empty
):
    cid = f"mode_ow_emptied_{kind}"
    path = day_file(tmp_path, D1, "w.csv", "id\n1\n2\n")
    add_configs(spark, config(cid, tmp_path, cid, write_mode="overwrite"))
    _run(spark, cid)
    before = _version(spark, f"itest.{cid}")
    write_file(path, empty)
    res = _run(spark, cid)
    assert (res.status, res.dates_loaded) == ("completed", ["2024-01-01"])
    assert rows(spark, "itest", cid) == []
    assert _version(spark, f"itest.{cid}") == before + 1
    assert _run(spark, cid).status == "no_new_data"


@pytest.mark.parametrize("one_pass", [True, False])
def test_merge_of_wide_snapshots_reads_again_only_the_files_that_win_a_key(
    spark, tmp_path, monkeypatch, one_pass
):
    """A large merge batch: the key pass (one_pass: done within the read's check pass)
    finds the files that win a key; only those are read again, and dedupe runs only when
    some key has several rows. The same outcome either way; the routes say which ran."""
    from ingen_fab.runtime.ingestion import keys

    monkeypatch.setattr(keys, "SMALL_BATCH_BYTES", 0)  # as if the files were large
    suffix = "_1p" if one_pass else ""
    # a column with no value in the sample gets no sampled type: no one-pass check then
    head, blank = ("id,a,b,c,d\n", "") if one_pass else ("id,a,b,c,d,e\n", ",")

    def day(path, when, body):
        day_file(path, when, "s.csv", head + "".join(line + blank + "\n" for line in body))

    def winners(res):
        return sorted(p.rsplit("/", 3)[1] for p in res.routes["key_winners"] or [])

    snap = tmp_path / "snap"
    day(snap, D1, ["1,x1,1,1,1", "2,x2,1,1,1"])
    day(snap, D2, ["1,y1,2,2,2", "2,y2,2,2,2"])
    day(snap, D3, ["1,z1,3,3,3", "3,z3,3,3,3", "3,w3,3,3,3"])
    cid = "mode_snap" + suffix
    add_configs(spark, config(cid, snap, cid, write_mode="merge", merge_keys="id"))
    res = _run(spark, cid)
    got = {r["id"]: (r["a"], str(r["_source_date_partition"])) for r in rows(spark, "itest", cid, lineage=True)}
    dates = {k: v[1] for k, v in got.items()}
    assert dates == {1: "2024-01-03", 2: "2024-01-02", 3: "2024-01-03"}
    assert (got[1][0], got[2][0], got[3][0] in ("z3", "w3")) == ("z1", "y2", True)
    assert (res.rows_read, res.rows_inserted, res.collapsed_duplicates) == (7, 3, 4)
    routes = res.routes
    assert routes["checks"] == (["one_pass"] if one_pass else ["full"])
    assert routes["key_pass"] == ("read" if one_pass else "narrow")
    assert (winners(res), routes["most_rows_per_key"]) == (["02", "03"], 3)
    assert [p.rsplit("/", 3)[1] for p in routes["reread"]] == ["02", "03"]
    assert routes["deduplicated"] is True

    once = tmp_path / "once"
    day(once, D1, ["1,x1,1,1,1", "2,x2,1,1,1"])
    day(once, D2, ["3,y3,2,2,2"])
    cid = "mode_once" + suffix
    add_configs(spark, config(cid, once, cid, write_mode="merge", merge_keys="id"))
    res = _run(spark, cid)
    assert sorted(r["id"] for r in rows(spark, "itest", cid)) == [1, 2, 3]
    assert (res.rows_inserted, res.collapsed_duplicates) == (3, 0)
    routes = res.routes
    assert (routes["deduplicated"], routes["reread"], routes["most_rows_per_key"]) == (False, [], 1)
    assert (routes["key_pass"], len(routes["key_winners"])) == ("read" if one_pass else "narrow", 2)

    # rejected rows (skip): the key pass runs over the accepted rows, same winners; a
    # rejected row of the latest date wins no key
    bad = tmp_path / "bad"
    day(bad, D1, ["1,x1,1,1,1", "2,x2,1,1,1", "9,too,many,fields,1,1,1"])
    day(bad, D2, ["1,y1,2,2,2", "2,y2,2,2,2"])
    day(bad, D3, ["1,z1,3,3,3", "2,too,many,fields,1,1,1"])
    cid = "mode_bad" + suffix
    add_configs(
        spark,
        config(cid, bad, cid, write_mode="merge", merge_keys="id", error_handling_strategy="skip"),
    )
    res = _run(spark, cid)
    got = {r["id"]: r["a"] for r in rows(spark, "itest", cid)}
    assert got == {1: "z1", 2: "y2"}
    assert (res.rows_rejected, res.collapsed_duplicates) == (2, 3)
    routes = res.routes
    assert [p.rsplit("/", 3)[1] for p in routes["reread"]] == ["02", "03"]
    # rejected rows: the one pass still counts and key-scans the batch, in one job
    assert routes["checks"] == (["one_pass"] if one_pass else ["full"])
    assert routes["key_pass"] == ("read" if one_pass else "full")
    quarantined = spark.sql(
        "SELECT source_file_path, line_number, raw_record FROM quarantine_flat_file_ingestion "
        f"WHERE config_id = '{cid}' ORDER BY source_file_path").collect()
    tail = ("too,many,fields,1,1,1" + blank)
    assert [(r[0].rsplit("/", 3)[1], r[1], r[2]) for r in quarantined] == [
        ("01", 4, "9," + tail), ("03", 3, "2," + tail)]


def test_a_merge_batch_whose_sampled_type_breaks_gets_the_full_checks(spark, tmp_path, monkeypatch):
    """The one-pass check of a merge batch finds a value past the sample that does not
    fit its sampled type: nothing is taken from that pass, and the types, counts and winners
    are those of the full checks."""
    from ingen_fab.runtime.ingestion.inference import SAMPLE_ROWS

    n = SAMPLE_ROWS + 10
    day_file(tmp_path, D1, "m.csv", "id,code,n\n" + "".join(f"{i},{i},{i}\n" for i in range(n)))
    day_file(tmp_path, D2, "m.csv", "id,code,n\n1,007,9000000000\n")
    add_configs(
        spark, config("mode_1p_wide", tmp_path, "mode_1p_wide", write_mode="merge", merge_keys="id")
    )
    res = _run(spark, "mode_1p_wide")
    assert res.routes["checks"] == ["one_pass", "full", "retry"]
    types = dict(spark.table("itest.mode_1p_wide").dtypes)
    assert (types["id"], types["code"], types["n"]) == ("int", "string", "bigint")
    assert (res.rows_read, res.rows_inserted, res.collapsed_duplicates) == (n + 1, n, 1)
    got = {r["id"]: (r["code"], r["n"]) for r in rows(spark, "itest", "mode_1p_wide")}
    assert (len(got), got[1], got[2]) == (n, ("007", 9000000000), ("2", 2))


# Full daily snapshots: 2 goes missing on D2, 3 on D3; 4 and 5 arrive.
SNAPSHOTS = {D1: "id,v\n1,a\n2,b\n3,c\n", D2: "id,v\n1,a2\n3,c\n4,d\n", D3: "id,v\n1,a3\n4,d\n5,e\n"}
CURRENT = {1: "a3", 4: "d", 5: "e"}
# soft: every key stays; id -> (v, _is_deleted, _deleted_at)
SOFT = {1: ("a3", False, None), 2: ("b", True, D2), 3: ("c", True, D3), 4: ("d", False, None),
        5: ("e", False, None)}


def _values(spark, table) -> dict:
    return {r["id"]: r["v"] for r in rows(spark, "itest", table)}


@pytest.mark.parametrize(("deletes", "order"), [
    ("hard", "daily"), ("hard", "batch"), ("hard", "late"),
    ("soft", "daily"), ("soft", "batch"), ("soft", "late"), ("soft", "reverse"), ("soft", "then_two")])
def test_snapshot_deletes_follow_the_newest_snapshot_in_any_load_order(spark, tmp_path, deletes,
                                                                       order):
    config_id = f"mode_snap_{deletes}_{order}"
    add_configs(spark, config(config_id, tmp_path, config_id, write_mode="merge",
                              merge_keys="id", snapshot_deletes=deletes))
    arrivals = {"daily": [[D1], [D2], [D3]], "batch": [[D1, D2, D3]], "late": [[D1, D3], [D2]],
                "reverse": [[D3], [D2], [D1]], "then_two": [[D1], [D2, D3]]}
    for days in [*arrivals[order], []]:  # and a re-run, which changes nothing
        for day in days:
            day_file(tmp_path, day, "s.csv", SNAPSHOTS[day])
        res = _run(spark, config_id)
        assert not any("columns missing" in n for n in res.notes), res.notes
    if deletes == "hard":
        assert _values(spark, config_id) == CURRENT
    else:
        assert {r["id"]: (r["v"], r["_is_deleted"], r["_deleted_at"])
                for r in rows(spark, "itest", config_id)} == SOFT
    assert verify_ingestion(spark, [config_id]).ok


def test_a_snapshot_split_over_files_that_arrive_apart_deletes_nothing_early(spark, tmp_path):
    add_configs(spark, config("mode_snap_split", tmp_path, "mode_snap_split", write_mode="merge",
                              merge_keys="id", snapshot_deletes="hard"))
    day_file(tmp_path, D1, "a.csv", "id,v\n1,a\n2,b\n")
    _run(spark, "mode_snap_split")
    day_file(tmp_path, D1, "b.csv", "id,v\n3,c\n")  # the rest of D1's snapshot, a run later
    second = _run(spark, "mode_snap_split")
    assert _values(spark, "mode_snap_split") == {1: "a", 2: "b", 3: "c"}
    assert any("files of 2024-01-01 were loaded by an earlier run" in n for n in second.notes)
    day_file(tmp_path, D2, "a.csv", "id,v\n1,a2\n")
    day_file(tmp_path, D2, "b.csv", "id,v\n3,c\n")
    _run(spark, "mode_snap_split")
    assert _values(spark, "mode_snap_split") == {1: "a2", 3: "c"}


def test_snapshot_deletes_need_merge_and_a_clean_snapshot(spark, tmp_path):
    from ingen_fab.runtime.ingestion.config import from_row, validate
    from ingen_fab.runtime.ingestion.errors import ConfigError

    with pytest.raises(ConfigError, match="snapshot_deletes.*hard does not apply to write_mode "
                                          "append; use ignore"):
        validate(from_row(config("mode_snap_append", tmp_path, "t", snapshot_deletes="hard")))
    with pytest.raises(ConfigError, match="snapshot_deletes.*unknown value 'purge'"):
        validate(from_row(config("mode_snap_bad", tmp_path, "t", write_mode="merge",
                                 merge_keys="id", snapshot_deletes="purge")))
    # a snapshot with a rejected row is incomplete: nothing is deleted, and the log says why
    add_configs(spark, config("mode_snap_dirty", tmp_path, "mode_snap_dirty", write_mode="merge",
                              merge_keys="id", snapshot_deletes="hard",
                              error_handling_strategy="skip",
                              custom_schema_json=json.dumps({"type": "struct", "fields": [
                                  {"name": "id", "type": "integer", "nullable": True,
                                   "metadata": {}},
                                  {"name": "v", "type": "string", "nullable": True,
                                   "metadata": {}}]})))
    day_file(tmp_path, D1, "s.csv", "id,v\n1,a\n2,b\n")
    _run(spark, "mode_snap_dirty")
    day_file(tmp_path, D2, "s.csv", "id,v\n1,a2\nnot-a-number,x\n")
    second = _run(spark, "mode_snap_dirty")
    assert _values(spark, "mode_snap_dirty") == {1: "a2", 2: "b"}
    assert any("snapshot_deletes hard: none: rows of the batch were rejected" in n
               for n in second.notes)
