"""verify --expected on real Spark + Delta: a hostile series loads exactly as its known answers
say (under skip and under log), and a tampered table is caught."""

from __future__ import annotations

import json

import pytest
from helpers import dataset_schemas
from test_ingestion_support import add_configs, config

from ingen_fab.ingestion.known_answers import verify_expected
from ingen_fab.runtime.ingestion import run_ingestion
from ingen_fab.synthetic import api, expected

pytestmark = pytest.mark.spark

MODES = {  # table -> (write mode, merge keys, skip_existing_dates), as the sample configs
    "customers": ("merge", "customer_id", True),
    "products": ("merge", "product_id", True),
    "stores": ("merge", "store_id", True),
    "orders": ("append", None, False),
    "order_items": ("append", None, False),
    "inventory": ("merge", "store_id,product_id,date", True),
}
SCHEMAS = dataset_schemas()


def _configs(folder, prefix: str, strategy: str) -> list[dict]:
    return [
        config(f"{prefix}_{table}", folder, f"{prefix}_{table}", write_mode=mode,
               merge_keys=keys, skip_existing_dates=skip, error_handling_strategy=strategy,
               file_discovery_pattern=f"**/{table}/*.csv",
               custom_schema_json=json.dumps(SCHEMAS[table]), execution_group=9500)
        for table, (mode, keys, skip) in MODES.items()
    ]


@pytest.fixture(scope="module")
def series(spark, tmp_path_factory):
    """Eight hostile days, loaded by one config per table under skip and under log."""
    folder = tmp_path_factory.mktemp("known_answers") / "retail"
    api.generate_series("retail_oltp_incremental", "2024-01-01", "2024-01-08",
                        output_dir=str(folder), faults_spec="hostile")
    ids = {}
    for prefix, strategy in (("ka_skip", "skip"), ("ka_log", "log")):
        rows = _configs(folder, prefix, strategy)
        add_configs(spark, *rows)
        ids[strategy] = [r["config_id"] for r in rows]
        for row in rows:
            run_ingestion(spark, config_id=row["config_id"])
    return {"folder": str(folder), "ids": ids}


def _verify(spark, series, strategy="skip", only=None) -> dict:
    return verify_expected(spark, "", series["folder"], only or series["ids"][strategy])


@pytest.mark.parametrize("strategy", ["skip", "log"])
def test_a_hostile_series_loads_exactly_as_its_known_answers(spark, series, strategy):
    facts = expected.read_facts(series["folder"])
    file_faults = {f["file_fault"] for f in facts} - {None}
    assert {"duplicate_delivery", "late_file"} & file_faults
    report = _verify(spark, series, strategy)
    assert report["problems"] == []
    assert len(report["lines"]) == 6
    if strategy == "skip":
        quarantined = spark.sql(
            "SELECT COUNT(*) FROM quarantine_flat_file_ingestion WHERE config_id LIKE 'ka_skip%'"
        ).collect()[0][0]
        assert quarantined > 0


@pytest.mark.parametrize(
    "tamper, check",
    [
        ("DELETE FROM itest.ka_skip_orders WHERE order_id = 7", "rows missing"),
        ("INSERT INTO itest.ka_skip_orders SELECT * FROM itest.ka_skip_orders LIMIT 1",
         "rows not expected"),
        ("UPDATE itest.ka_skip_customers SET email = 'x@example.com' WHERE customer_id = 7",
         "rows not expected"),
        ("INSERT INTO itest.ka_skip_customers SELECT * FROM itest.ka_skip_customers LIMIT 1",
         "duplicate keys"),
    ],
)
def test_a_tampered_table_fails_verification(spark, series, tamper, check):
    table = tamper.split("itest.")[1].split()[0]
    version = spark.sql(f"DESCRIBE HISTORY itest.{table} LIMIT 1").collect()[0]["version"]
    try:
        spark.sql(tamper)
        problems = _verify(spark, series, only=[table])["problems"]
        assert any(p.startswith(f"{table}: {check}") for p in problems), problems
    finally:
        spark.sql(f"RESTORE TABLE itest.{table} TO VERSION AS OF {version}")
    assert _verify(spark, series, only=[table])["problems"] == []


def test_a_loader_that_infers_types_misses_the_unparsable_rows(spark, series):
    """The handling of one fault broken on purpose: no declared types, so a bad number turns
    its column to text and loads; the known answers name the rows and the fix."""
    rows = [dict(r, custom_schema_json=None) for r in _configs(series["folder"], "ka_untyped",
                                                                "skip")]
    add_configs(spark, *rows)
    for row in rows:
        run_ingestion(spark, config_id=row["config_id"])
    problems = _verify(spark, series, only=[r["config_id"] for r in rows])["problems"]
    assert any("unparsable" in p and "declare the types" in p for p in problems), problems
