"""write_mode cdc: a change feed applied in sequence order, whatever order its files arrive in."""

from __future__ import annotations

import datetime as dt

import pytest
from test_ingestion_support import D1, D2, D3, add_configs, config, day_file, rows

from ingen_fab.runtime.ingestion import run_ingestion, verify_ingestion
from ingen_fab.runtime.ingestion.config import from_row, validate
from ingen_fab.runtime.ingestion.errors import ConfigError

pytestmark = pytest.mark.spark

D4 = dt.date(2024, 1, 4)
# Changes of four days: 2 is deleted on D2 and created again on D3; 4 changes twice in one
# file; 5 is created and deleted in one file; 3 is deleted on D3 and changed by a late D4
# file whose change is older than that delete.
FEED = {
    D1: "id,v,_op,_seq\n1,a,I,1\n2,b,I,2\n3,c,I,3\n",
    D2: "id,v,_op,_seq\n4,d2,U,13\n1,a2,U,10\n2,b,D,11\n4,d,I,12\n",
    D3: "id,v,_op,_seq\n3,c,D,20\n2,b3,i,21\n5,e,I,22\n5,e,D,23\n",
    D4: "id,v,_op,_seq\n3,c-late,U,15\n1,a4,U,30\n",
}
CURRENT = {1: "a4", 2: "b3", 4: "d2"}
ARRIVALS = {
    "daily": [[D1], [D2], [D3], [D4]],
    "batch": [[D1, D2, D3, D4]],
    "late": [[D1, D3], [D4], [D2]],
    "reverse": [[D4], [D3], [D2], [D1]],
}


def _run(spark, config_id):
    result = run_ingestion(spark, config_id=config_id)
    assert not result.failed, result.to_json()
    return result.configs[0]


def _state(spark, table) -> dict:
    return {r["id"]: r["v"] for r in rows(spark, "itest", table)}


@pytest.mark.parametrize("order", list(ARRIVALS))
def test_cdc_applies_each_keys_newest_change_in_any_load_order(spark, tmp_path, order):
    config_id = f"cdc_{order}"
    add_configs(spark, config(config_id, tmp_path, config_id, write_mode="cdc", merge_keys="id"))
    for days in [*ARRIVALS[order], []]:  # and a re-run, which changes nothing
        for day in days:
            day_file(tmp_path, day, "c.csv", FEED[day])
        _run(spark, config_id)
    assert _state(spark, config_id) == CURRENT
    columns = rows(spark, "itest", config_id)[0].keys()
    assert "_seq" in columns and "_op" not in columns
    assert verify_ingestion(spark, [config_id]).ok


def test_cdc_verify_finds_a_deleted_key_brought_back_and_a_duplicate_key(spark, tmp_path):
    add_configs(spark, config("cdc_verify", tmp_path, "cdc_verify", write_mode="cdc",
                              merge_keys="id"))
    for day in (D1, D2, D3):
        day_file(tmp_path, day, "c.csv", FEED[day])
    _run(spark, "cdc_verify")
    assert verify_ingestion(spark, ["cdc_verify"]).ok
    spark.sql("INSERT INTO itest.cdc_verify (id, v, _seq) VALUES (3, 'c', 3)")
    report = verify_ingestion(spark, ["cdc_verify"])
    assert any("1 deleted key(s) present in itest.cdc_verify" in p for p in report.problems)
    spark.sql("INSERT INTO itest.cdc_verify (id, v, _seq) VALUES (1, 'again', 99)")
    report = verify_ingestion(spark, ["cdc_verify"])
    assert any("1 duplicate merge key(s) in itest.cdc_verify on id" in p
               for p in report.problems), report.problems


def test_cdc_names_its_columns_and_refuses_a_bad_change(spark, tmp_path):
    with pytest.raises(ConfigError, match="merge_keys.*write_mode cdc needs merge_keys"):
        validate(from_row(config("cdc_nokey", tmp_path, "t", write_mode="cdc")))
    with pytest.raises(ConfigError, match="cdc_sequence_column.*'1seq' is not an identifier"):
        validate(from_row(config("cdc_badcol", tmp_path, "t", write_mode="cdc", merge_keys="id",
                                 cdc_sequence_column="1seq")))
    add_configs(spark, config("cdc_named", tmp_path, "cdc_named", write_mode="cdc",
                              merge_keys="id", cdc_operation_column="op",
                              cdc_sequence_column="lsn"))
    day_file(tmp_path, D1, "c.csv", "id,v,op,lsn\n1,a,I,5\n1,b,U,4\n")
    _run(spark, "cdc_named")
    assert _state(spark, "cdc_named") == {1: "a"}
    day_file(tmp_path, D2, "c.csv", "id,v,op,lsn\n1,c,X,6\n")
    result = run_ingestion(spark, config_id="cdc_named")
    assert result.failed
    message = result.configs[0].error_message
    assert "cdc_operation_column" in message and "operation 'X'" in message, message
    assert _state(spark, "cdc_named") == {1: "a"}
    day_file(tmp_path, D2, "c.csv", "id,v,_op,_seq\n1,c,U,6\n")
    result = run_ingestion(spark, config_id="cdc_named")
    assert result.failed and "op not in the data" in result.configs[0].error_message


def test_a_cdc_load_stopped_between_its_deletes_and_its_table_ends_as_an_uninterrupted_one(
    spark, tmp_path, monkeypatch
):
    """A load commits the deletes first, then the table: stopped in between (on the table's
    first write, then on a later MERGE), a plain run ends where an uninterrupted one does."""
    # (IngestionAborted propagates like a kill: nothing after it runs, nothing is logged)
    from delta.tables import DeltaMergeBuilder
    from pyspark.sql import DataFrameWriter

    from ingen_fab.runtime.ingestion import IngestionAborted

    clean, crash = tmp_path / "clean", tmp_path / "crash"
    add_configs(spark, config("cdc_clean", clean, "cdc_clean", write_mode="cdc", merge_keys="id"),
                config("cdc_crash", crash, "cdc_crash", write_mode="cdc", merge_keys="id"))
    save, execute = DataFrameWriter.saveAsTable, DeltaMergeBuilder.execute

    def no_first_write(writer, name, *args, **kwargs):
        if name.endswith("`cdc_crash`"):
            raise IngestionAborted("killed before the table's first commit")
        return save(writer, name, *args, **kwargs)

    merges = []

    def no_second_merge(builder):
        merges.append(builder)
        if len(merges) == 2:
            raise IngestionAborted("killed between the deletes and the table")
        return execute(builder)

    for stop, day in ((no_first_write, D2), (no_second_merge, D3)):
        for root in (clean, crash):
            day_file(root, day, "c.csv", FEED[day])
        _run(spark, "cdc_clean")
        patched = "saveAsTable" if stop is no_first_write else "execute"
        monkeypatch.setattr(DataFrameWriter if stop is no_first_write else DeltaMergeBuilder,
                            patched, stop)
        with pytest.raises(IngestionAborted):
            run_ingestion(spark, config_id="cdc_crash")
        monkeypatch.undo()
        _run(spark, "cdc_crash")
        assert _state(spark, "cdc_crash") == _state(spark, "cdc_clean")
    assert len(merges) == 2
    for day in (D1, D4):
        for root in (clean, crash):
            day_file(root, day, "c.csv", FEED[day])
    _run(spark, "cdc_clean")
    _run(spark, "cdc_crash")
    assert _state(spark, "cdc_crash") == _state(spark, "cdc_clean") == CURRENT
    assert verify_ingestion(spark, ["cdc_crash"]).ok
