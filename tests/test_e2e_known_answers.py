"""Known answers end to end through the CLI: a realistic faulty series (10 days, small) ->
ddl run -> groups 1-3 (papermill on Spark + Delta), the sample configs as shipped and a copy
of each switched to skip -> `verify --expected` exits 0 for both; a copy of one config with
its fault handling broken on purpose (no declared types: unparsable numbers load as text)
makes it exit 1 naming that fault, and so does a row deleted from a loaded table."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter

import pytest
from helpers import copy_project

from ingen_fab import api
from ingen_fab.synthetic import expected

pytestmark = [pytest.mark.spark, pytest.mark.papermill]

DATASET = "retail_oltp_incremental"
SHIPPED = [f"retail_{t}_incremental" for t in
           ("customers", "products", "stores", "orders", "order_items", "inventory")]


def _copy_configs(where: str, **changes) -> None:
    """Insert a copy of the config rows matching ``where`` with columns set to SQL ``changes``."""
    names, _ = api.lakehouse_sql("SELECT * FROM config_flat_file_ingestion LIMIT 0")
    select = ", ".join(changes.get(n, f"`{n}`") for n in names)
    api.lakehouse_sql(f"INSERT INTO config_flat_file_ingestion SELECT {select} "
                      f"FROM config_flat_file_ingestion WHERE {where}")


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    from ingen_fab.synthetic.api import generate_series

    saved = os.environ.get("INGEN_FAB_LAKEHOUSE_ROOT")
    root = tmp_path_factory.mktemp("e2e-known-answers")
    project = copy_project(root / "project", with_generated=True)
    lakehouse = root / "ws" / "spark"
    folder = lakehouse / "Files" / "synthetic_data" / DATASET
    os.environ["INGEN_FAB_LAKEHOUSE_ROOT"] = str(lakehouse)
    generate_series(DATASET, "2024-01-01", "2024-01-10", faults_spec="realistic",
                    output_dir=str(folder))
    unparsable = Counter(f["table"] for f in expected.read_facts(str(folder))
                         for r in f["row_faults"] if r["reason"] == "unparsable")
    broken = max(unparsable, key=unparsable.get)  # the table with the most bad values
    api.run_ddl(["lakehouse"], project=project)
    _copy_configs("config_id LIKE 'retail_%'", config_id="concat(config_id, '_skip')",
                  target_table_name="concat(target_table_name, '_skip')",
                  error_handling_strategy="'skip'")
    _copy_configs(f"config_id = 'retail_{broken}_incremental_skip'",
                  config_id="'retail_untyped'", target_table_name="'untyped'",
                  custom_schema_json="CAST(NULL AS STRING)")
    report = api.run_flat_file_ingestion(execution_groups=[1, 2, 3], project=project)
    yield {"project": project, "lakehouse": lakehouse, "report": report, "broken": broken}
    if saved is None:
        os.environ.pop("INGEN_FAB_LAKEHOUSE_ROOT", None)
    else:
        os.environ["INGEN_FAB_LAKEHOUSE_ROOT"] = saved


def _cli(world, *args):
    env = {**os.environ, "INGEN_FAB_LAKEHOUSE_ROOT": str(world["lakehouse"])}
    return subprocess.run([sys.executable, "-m", "ingen_fab.cli", *args], capture_output=True,
                          text=True, cwd=world["project"], env=env)


def _verify(world, *config_ids):
    ids = [a for c in config_ids for a in ("--config-id", c)]
    return _cli(world, "package", "flat-file-ingestion", "verify", "--expected", *ids)


def test_the_samples_as_shipped_and_switched_to_skip_verify_exactly(loaded):
    configs = {c["config_id"]: c for c in loaded["report"].configs}
    assert sum(configs[f"{c}_skip"]["rows_rejected"] for c in SHIPPED) > 0  # faults were there
    assert any(configs[c]["status"] == "completed_with_errors" for c in SHIPPED)  # log
    for ids in (SHIPPED, [f"{c}_skip" for c in SHIPPED]):
        good = _verify(loaded, *ids)
        assert good.returncode == 0, good.stdout + good.stderr
        assert "OK: no problems found" in good.stdout


def test_broken_fault_handling_fails_verification_naming_the_fault(loaded):
    bad = _verify(loaded)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    problems = [line for line in bad.stdout.splitlines() if line.startswith("PROBLEM")]
    assert problems and all(p.startswith("PROBLEM: retail_untyped: ") for p in problems), problems
    assert "unparsable" in bad.stdout and "declare the types" in bad.stdout


def test_a_lost_row_fails_verification(loaded):
    table = "bronze.order_items_skip"
    version = api.lakehouse_sql(f"DESCRIBE HISTORY {table} LIMIT 1")[1][0][0]
    api.lakehouse_sql(f"DELETE FROM {table} WHERE order_item_id = 5")
    try:
        bad = _verify(loaded, "retail_order_items_incremental_skip")
    finally:
        api.lakehouse_sql(f"RESTORE TABLE {table} TO VERSION AS OF {version}")
    assert bad.returncode == 1
    assert "PROBLEM: retail_order_items_incremental_skip: rows missing: expected 0, found 1 " \
        "(order_item_id=5)" in bad.stdout
