"""--reprocess: a date range re-loaded as its files are now, in one commit, under every write
mode, ending as a fresh load of the edited files would."""

from __future__ import annotations

import shutil

import pytest
from test_ingestion_support import D1, D2, D3, add_configs, config, day_file

from ingen_fab.runtime.ingestion import IngestionAborted, run_ingestion, verify_ingestion
from ingen_fab.runtime.ingestion.errors import IngestionError

pytestmark = pytest.mark.spark

# per mode: the files of three days, and D2's file as edited afterwards
CASES = {
    "append": (
        {},
        {D1: "id,v\n1,a\n2,b\n", D2: "id,v\n3,c\n4,d\n", D3: "id,v\n5,e\n"},
        "id,v\n3,c2\n",
    ),
    # 2 leaves D2 (its D1 row comes back), 1 changes on D2 but D3 is newer, 4 changes
    "merge": (
        {"merge_keys": "id"},
        {D1: "id,v\n1,a\n2,b\n3,c\n", D2: "id,v\n1,a2\n2,b2\n4,d\n", D3: "id,v\n1,a3\n"},
        "id,v\n1,a2x\n4,d2\n",
    ),
    # 2's delete becomes an update; 3 is created and deleted within D2
    "cdc": (
        {"merge_keys": "id"},
        {D1: "id,v,_op,_seq\n1,a,I,1\n2,b,I,2\n",
         D2: "id,v,_op,_seq\n1,a2,U,10\n2,b,D,11\n3,c,I,12\n",
         D3: "id,v,_op,_seq\n1,a3,U,20\n"},
        "id,v,_op,_seq\n2,b2,U,11\n3,c,I,12\n3,c,D,13\n",
    ),
    # 2 no longer changes on D2; 3 is missing on D2, then back on D3
    "scd2": (
        {"merge_keys": "id", "snapshot_deletes": "close"},
        {D1: "id,v\n1,a\n2,b\n3,c\n", D2: "id,v\n1,a\n2,b2\n3,c\n", D3: "id,v\n1,a\n2,b2\n3,c\n"},
        "id,v\n1,a\n2,b\n",
    ),
    # snapshot_deletes ignore: 1 goes a, b, b; D2 edited back to a, so 1 changes on D3 only
    "scd2_ignore": (
        {"merge_keys": "id", "scd2_tracked_columns": "v"},
        {D1: "id,v,n\n1,a,1\n", D2: "id,v,n\n1,b,2\n", D3: "id,v,n\n1,b,3\n"},
        "id,v,n\n1,a,2\n",
    ),
}
IGNORED = ("_ingestion_timestamp", "_ingestion_execution_id", "_source_file_path")


def _table(spark, table) -> list:
    """Every row's values but the lineage of its load."""
    frame = spark.table(f"itest.{table}")
    columns = sorted(c for c in frame.columns if c not in IGNORED)
    return sorted(tuple(str(r[c]) for c in columns) for r in frame.collect())


def _load(spark, config_id, **options):
    result = run_ingestion(spark, config_id=config_id, **options)
    assert not result.failed, result.to_json()
    return result


def _world(spark, tmp_path, mode, name, edited=None):
    """(reprocessed config, fresh config): both loaded D1..D3; then D2 is edited in both
    folders (to edited, else the case's edit) and the fresh one loads the edited files into
    a new table."""
    overrides, days, edit = CASES[mode]
    edited = edit if edited is None else edited
    ours, fresh = f"re_{name}", f"re_{name}_fresh"
    for config_id in (ours, fresh):
        add_configs(spark, config(config_id, tmp_path / config_id, config_id,
                                  write_mode=mode.split("_")[0], **overrides))
    for day, text in days.items():
        day_file(tmp_path / ours, day, "f.csv", text)
    _load(spark, ours)
    shutil.copytree(tmp_path / ours, tmp_path / fresh, dirs_exist_ok=True)
    for config_id in (ours, fresh):
        day_file(tmp_path / config_id, D2, "f.csv", edited)
    _load(spark, fresh)
    return ours, fresh


@pytest.mark.parametrize("mode", list(CASES))
def test_a_reprocessed_day_ends_as_a_fresh_load_of_the_edited_files(spark, tmp_path, mode):
    ours, fresh = _world(spark, tmp_path, mode, mode)
    before = spark.sql(f"DESCRIBE HISTORY itest.{ours}").count()
    plan = run_ingestion(spark, config_id=ours, start_date=str(D2), end_date=str(D2),
                         reprocess=True, dry_run=True).plan[0]
    assert [f.date for f in plan.files] == [str(D2)]
    assert plan.replaces.startswith(f"{D2}..{D2} (") and "row(s) of the table" in plan.replaces
    result = _load(spark, ours, start_date=str(D2), end_date=str(D2), reprocess=True)
    assert _table(spark, ours) == _table(spark, fresh)
    assert spark.sql(f"DESCRIBE HISTORY itest.{ours}").count() == before + 1  # one commit
    res = result.configs[0]
    assert res.dates_loaded == [str(D2)]
    assert res.notes[0].startswith(f"re-processed {D2}..{D2}: 1 file(s) of the range")
    assert verify_ingestion(spark, [ours]).ok
    _load(spark, ours)  # a plain run afterwards finds nothing pending
    assert _table(spark, ours) == _table(spark, fresh)


@pytest.mark.parametrize("mode", ["merge", "cdc", "scd2"])
def test_a_day_emptied_then_reprocessed_loses_its_rows_and_a_vanished_file_is_refused(
    spark, tmp_path, mode
):
    ours, fresh = _world(spark, tmp_path, mode, f"emptied_{mode}", edited="")
    _load(spark, ours, start_date=str(D2), end_date=str(D2), reprocess=True)
    assert _table(spark, ours) == _table(spark, fresh)
    (tmp_path / ours / D2.strftime("%Y/%m/%d") / "t" / "f.csv").unlink()
    result = run_ingestion(spark, config_id=ours, start_date=str(D2), end_date=str(D2),
                           reprocess=True)
    assert result.failed and result.configs[0].error_message.endswith(
        "was loaded but is gone; put it back, or leave it empty (0 bytes) to remove its rows")
    assert _table(spark, ours) == _table(spark, fresh)


def test_the_log_row_records_the_reprocess_and_its_range(spark, tmp_path):
    ours, _ = _world(spark, tmp_path, "append", "logged")
    result = _load(spark, ours, start_date=str(D2), end_date=str(D2), reprocess=True)
    row = spark.sql(
        f"SELECT date_partition, error_details FROM log_flat_file_ingestion "
        f"WHERE execution_id = '{result.execution_id}'").first()
    assert row.date_partition == str(D2)
    assert f"re-processed {D2}..{D2}" in row.error_details


@pytest.mark.parametrize("mode", ["merge", "cdc"])
def test_a_reprocess_killed_before_its_commit_and_run_again_ends_as_a_fresh_load(
    spark, tmp_path, monkeypatch, mode
):
    """Killed at the target's MERGE (for cdc after its deletes table committed): the table
    is untouched, and the same re-process run again ends where an uninterrupted one does."""
    from delta.tables import DeltaMergeBuilder

    ours, fresh = _world(spark, tmp_path, mode, f"killed_{mode}")
    untouched = _table(spark, ours)
    execute = DeltaMergeBuilder.execute
    merges = []

    def killed_on_the_target(builder, *args, **kwargs):
        merges.append(1)
        if len(merges) == (2 if mode == "cdc" else 1):
            raise IngestionAborted("killed before the target's commit")
        return execute(builder, *args, **kwargs)

    monkeypatch.setattr(DeltaMergeBuilder, "execute", killed_on_the_target)
    with pytest.raises(IngestionAborted):
        run_ingestion(spark, config_id=ours, start_date=str(D2), end_date=str(D2), reprocess=True)
    monkeypatch.setattr(DeltaMergeBuilder, "execute", execute)
    assert _table(spark, ours) == untouched
    _load(spark, ours, start_date=str(D2), end_date=str(D2), reprocess=True)
    assert _table(spark, ours) == _table(spark, fresh)


def test_reprocess_needs_one_config_a_range_and_dated_files(spark, tmp_path):
    with pytest.raises(IngestionError, match="reprocess needs config_id, start_date and end_date"):
        run_ingestion(spark, execution_group=1, start_date=str(D1), end_date=str(D1),
                      reprocess=True)
    add_configs(spark, config("re_snap", tmp_path / "s", "re_snap", write_mode="merge",
                              merge_keys="id", snapshot_deletes="hard"))
    day_file(tmp_path / "s", D1, "f.csv", "id,v\n1,a\n")
    result = run_ingestion(spark, config_id="re_snap", start_date=str(D1), end_date=str(D1),
                           reprocess=True)
    assert result.failed
    assert "snapshot_deletes: --reprocess cannot rebuild" in result.configs[0].error_message
