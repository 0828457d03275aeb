"""Known answers end to end through the CLI: a realistic faulty series (10 days, small) ->
ddl run -> every sample config switched to skip -> groups 1-3 (papermill on Spark + Delta) ->
`verify --expected` exits 0; a row deleted from a loaded table makes it exit 1 naming it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from helpers import copy_project

from ingen_fab import api

pytestmark = [pytest.mark.spark, pytest.mark.papermill]

DATASET = "retail_oltp_incremental"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    from ingen_fab.synthetic.api import generate_series

    saved = os.environ.get("INGEN_FAB_LAKEHOUSE_ROOT")
    root = tmp_path_factory.mktemp("e2e-known-answers")
    project = copy_project(root / "project", with_generated=True)
    lakehouse = root / "ws" / "spark"
    os.environ["INGEN_FAB_LAKEHOUSE_ROOT"] = str(lakehouse)
    generate_series(DATASET, "2024-01-01", "2024-01-10", faults_spec="realistic",
                    output_dir=str(lakehouse / "Files" / "synthetic_data" / DATASET))
    api.run_ddl(["lakehouse"], project=project)
    api.lakehouse_sql("UPDATE config_flat_file_ingestion SET error_handling_strategy = 'skip' "
                      "WHERE execution_group < 4")
    report = api.run_flat_file_ingestion(execution_groups=[1, 2, 3], project=project)
    yield {"project": project, "lakehouse": lakehouse, "report": report}
    if saved is None:
        os.environ.pop("INGEN_FAB_LAKEHOUSE_ROOT", None)
    else:
        os.environ["INGEN_FAB_LAKEHOUSE_ROOT"] = saved


def _cli(world, *args):
    env = {**os.environ, "INGEN_FAB_LAKEHOUSE_ROOT": str(world["lakehouse"])}
    return subprocess.run([sys.executable, "-m", "ingen_fab.cli", *args], capture_output=True,
                          text=True, cwd=world["project"], env=env)


def test_a_realistic_series_verifies_exactly_and_a_lost_row_does_not(loaded):
    assert not loaded["report"].errors
    quarantined = sum(c["rows_rejected"] for c in loaded["report"].configs)
    assert quarantined > 0  # the faults were there, and were set aside
    good = _cli(loaded, "package", "flat-file-ingestion", "verify", "--expected")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "OK: no problems found" in good.stdout
    version = api.lakehouse_sql("DESCRIBE HISTORY bronze.order_items LIMIT 1")[1][0][0]
    api.lakehouse_sql("DELETE FROM bronze.order_items WHERE order_item_id = 5")
    try:
        bad = _cli(loaded, "package", "flat-file-ingestion", "verify", "--expected")
    finally:
        api.lakehouse_sql(f"RESTORE TABLE bronze.order_items TO VERSION AS OF {version}")
    assert bad.returncode == 1
    assert "PROBLEM: retail_order_items_incremental: rows missing: expected 0, found 1 " \
        "(order_item_id=5)" in bad.stdout
