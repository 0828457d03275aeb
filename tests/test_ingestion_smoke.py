"""End-to-end basics of the ingestion engine on small CSV files."""

from __future__ import annotations

import pytest
from test_ingestion_support import D1, D2, add_configs, config, day_file, log_rows, rows

from ingen_fab.runtime.ingestion import run_ingestion

pytestmark = pytest.mark.spark


def test_append_two_days_then_rerun_loads_nothing(spark, tmp_path):
    day_file(
        tmp_path, D1, "a_20240101.csv", "id,amount,day\n001,1.5,2024-01-01\n002,2,2024-01-01\n"
    )
    day_file(tmp_path, D2, "a_20240102.csv", "id,amount,day\n003,3.25,2024-01-02\n")
    add_configs(spark, config("smoke_append", tmp_path, "smoke_append"))
    result = run_ingestion(spark, config_id="smoke_append")
    print(result.render_table())
    assert not result.failed, result.to_json()
    got = rows(spark, "itest", "smoke_append", order="id")
    assert [r["id"] for r in got] == ["001", "002", "003"]
    assert got[0]["amount"] == 1.5 and str(got[0]["day"]) == "2024-01-01"
    again = run_ingestion(spark, config_id="smoke_append")
    assert again.configs[0].status == "no_new_data"
    assert len(rows(spark, "itest", "smoke_append")) == 3
    assert [r.status for r in log_rows(spark, "smoke_append")] == ["completed", "no_new_data"]
