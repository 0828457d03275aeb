"""schema_evolution on real Spark + Delta: a column the table does not know is added, stops
the config, or is rescued into _rescued_data; a column a file lacks loads NULL and is noted."""

from __future__ import annotations

import json

import pytest
from test_ingestion_support import D1, D2, D3, add_configs, config, day_file, ledger_rows, rows

from ingen_fab.runtime.ingestion import run_ingestion

pytestmark = pytest.mark.spark

DECLARED = json.dumps({"id": "int", "a": "string"})


def _days(root):
    day_file(root, D1, "c.csv", "id,a\n1,x\n")
    day_file(root, D2, "c.csv", 'id,a,extra,more\n2,y,9,\n4,"q,""r""",,7\n')
    day_file(root, D3, "c.csv", "id,extra\n3,8\n")


def _notes(result) -> str:
    return " | ".join(result.configs[0].notes)


@pytest.mark.parametrize("declared", [True, False])
def test_rescue_keeps_the_tables_columns_and_the_unknown_values_as_json(spark, tmp_path,
                                                                        declared):
    cid = f"evo_rescue_{int(declared)}"
    add_configs(spark, config(cid, tmp_path, cid, schema_evolution="rescue",
                              custom_schema_json=DECLARED if declared else None))
    if declared:  # the declared columns are the table's from the first load on
        _days(tmp_path)
        result = run_ingestion(spark, config_id=cid)
    else:  # no declared schema: the first load's columns make the table
        day_file(tmp_path, D1, "c.csv", "id,a\n1,x\n")
        run_ingestion(spark, config_id=cid)
        _days(tmp_path)
        result = run_ingestion(spark, config_id=cid)
    assert result.configs[0].status == "completed"
    got = [(r["id"], r["a"], r["_rescued_data"]) for r in rows(spark, "itest", cid, order="id")]
    assert got == [(1, "x", None), (2, "y", '{"extra":"9"}'), (3, None, '{"extra":"8"}'),
                   (4, 'q,"r"', '{"more":"7"}')]
    assert "extra" not in spark.table(f"itest.{cid}").columns
    assert "column(s) extra, more not in the table: kept in _rescued_data" in _notes(result)
    assert "column a missing in 1 file(s) (loaded as NULL)" in _notes(result)


def test_fail_loads_the_dates_before_an_unknown_column_then_stops_with_the_fix(spark, tmp_path):
    cid = "evo_fail"
    _days(tmp_path)
    add_configs(spark, config(cid, tmp_path, cid, schema_evolution="fail",
                              custom_schema_json=DECLARED, error_handling_strategy="log"))
    result = run_ingestion(spark, config_id=cid)
    res = result.configs[0]
    assert (res.status, result.failed, res.dates_loaded) == ("failed", True, ["2024-01-01"])
    assert "column(s) extra, more not in the table or custom_schema_json (schema_evolution " \
           "fail): declare them, or set schema_evolution to add_columns or rescue" \
           in res.error_message
    assert [r["id"] for r in rows(spark, "itest", cid)] == [1]
    status = {r.file_path.split("/")[-3]: r.status for r in ledger_rows(spark, cid)}
    assert status == {"01": "loaded", "02": "failed", "03": "failed"}
    again = run_ingestion(spark, config_id=cid)  # nothing changed: it stops again, loads nothing
    assert again.failed and [r["id"] for r in rows(spark, "itest", cid)] == [1]
    add_configs(spark, config(cid, tmp_path, cid, schema_evolution="add_columns",
                              custom_schema_json=DECLARED, error_handling_strategy="log"))
    fixed = run_ingestion(spark, config_id=cid)
    assert fixed.configs[0].dates_loaded == ["2024-01-02", "2024-01-03"]
    got = [(r["id"], r["extra"]) for r in rows(spark, "itest", cid, order="id")]
    assert got == [(1, None), (2, 9), (3, 8), (4, None)]
