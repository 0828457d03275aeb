"""verify --expected on real Spark + Delta: a hostile series loads exactly as its known answers
say (under skip and under log), and a tampered table is caught."""

from __future__ import annotations

import json

import pytest
from helpers import dataset_schemas
from test_ingestion_support import add_configs, config

from ingen_fab.ingestion.verify_expected import verify_expected
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
               late_arrival_days=3 if skip else None,
               file_discovery_pattern=f"**/{table}/*.csv",
               custom_schema_json=json.dumps(SCHEMAS[table]), execution_group=9500)
        for table, (mode, keys, skip) in MODES.items()
    ]


@pytest.fixture(scope="module")
def series(spark, tmp_path_factory):
    """Eight hostile days (a file fault on half the files), loaded by one config per table
    under skip and under log."""
    base = tmp_path_factory.mktemp("known_answers")
    profile = base / "hostile_files.toml"  # hostile, with a file fault on half the files
    profile.write_text('based_on = "hostile"\nfile_rate = 0.5\n')
    folder = base / "retail"
    api.generate_series("retail_oltp_incremental", "2024-01-01", "2024-01-08",
                        output_dir=str(folder), faults_spec=str(profile))
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
    assert {"duplicate_delivery", "late_file", "late_part", "missing_day"} <= file_faults
    report = _verify(spark, series, strategy)
    assert report["problems"] == []
    assert len(report["lines"]) == 6
    gaps = {f["table"] for f in facts if f["file_fault"] == "missing_day"
            and f["date"] not in ("2024-01-01", "2024-01-08")}
    assert gaps
    for table in {f["table"] for f in facts if f["file_fault"] == "duplicate_delivery"}:
        logged = spark.sql(f"SELECT error_details FROM log_flat_file_ingestion WHERE config_id "
                           f"= 'ka_{strategy}_{table}'").collect()
        assert any("delivered twice" in (r[0] or "") for r in logged), table
    for table in gaps:  # the run that passed a day with no file said so in its log
        logged = spark.sql(f"SELECT error_details FROM log_flat_file_ingestion WHERE config_id "
                           f"= 'ka_{strategy}_{table}'").collect()
        assert any("no file for" in (r[0] or "") for r in logged), table
        assert any(f"ka_{strategy}_{table}:" in line and "missing days: 2024" in line
                   for line in report["lines"])
    table = min(gaps)  # a log that never named its missing days fails verification
    version = spark.sql("DESCRIBE HISTORY log_flat_file_ingestion LIMIT 1").collect()[0][0]
    try:
        spark.sql("UPDATE log_flat_file_ingestion SET error_details = NULL WHERE config_id = "
                  f"'ka_{strategy}_{table}'")
        problems = _verify(spark, series, strategy)["problems"]
    finally:
        spark.sql(f"RESTORE TABLE log_flat_file_ingestion TO VERSION AS OF {version}")
    assert problems and all(p.startswith(f"ka_{strategy}_{table}: missing days in the log: ")
                            for p in problems), problems
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


@pytest.fixture(scope="module")
def daily(spark, tmp_path_factory):
    """Five days generated and loaded one at a time; many days' rows come in two parts, the
    second landing 1-3 days late into a date already loaded. The same configs twice: with
    late_arrival_days 3, and 0."""
    base = tmp_path_factory.mktemp("late_parts")
    profile = base / "late_parts.toml"
    profile.write_text('based_on = "none"\nfile_rate = 0.6\n[kinds]\nlate_part = true\n')
    folder = base / "retail"
    ids = {}
    for days in (3, 0):
        rows = [dict(r, late_arrival_days=days)
                for r in _configs(folder, f"ka_late{days}", "skip")
                if r["config_id"].endswith(("customers", "orders"))]
        add_configs(spark, *rows)
        ids[days] = [r["config_id"] for r in rows]
    for day in range(1, 6):
        api.generate_series("retail_oltp_incremental", f"2024-01-0{day}", f"2024-01-0{day}",
                            output_dir=str(folder), faults_spec=str(profile))
        for config_id in ids[3] + ids[0]:
            run_ingestion(spark, config_id=config_id)
    return {"folder": str(folder), "ids": ids}


def test_late_second_parts_load_with_late_arrival_days_and_are_missed_without(spark, daily):
    facts = expected.read_facts(daily["folder"])
    late = [f for fact in facts if fact["table"] == "customers" for f in fact["files"]
            if f["arrives"] <= "2024-01-05" and f["arrives"] > fact["date"]]
    assert late  # the customers' second parts that arrived within the five days
    ok = verify_expected(spark, "", daily["folder"], daily["ids"][3])
    assert ok["problems"] == []
    notes = [n for (text,) in spark.sql(
        "SELECT error_details FROM log_flat_file_ingestion WHERE config_id = "
        "'ka_late3_customers'").collect() for n in [text or ""] if "late file(s)" in n]
    assert notes, "the log says when late_arrival_days found a late file"
    missed = verify_expected(spark, "", daily["folder"], daily["ids"][0])["problems"]
    assert any(p.startswith("ka_late0_customers: late files loaded") for p in missed), missed
    # append with skip_existing_dates FALSE lists every date: its late parts load anyway
    assert not any(p.startswith("ka_late0_orders") for p in missed), missed


@pytest.fixture(scope="module")
def drifting(spark, tmp_path_factory):
    """Eight hostile days of seed 6: products gain a column from 2024-01-05, orders carry
    store_id as store_id_v2 on 2024-01-04 and 05. Both tables under schema_evolution rescue
    and fail."""
    folder = tmp_path_factory.mktemp("drift") / "retail"
    api.generate_series("retail_oltp_incremental", "2024-01-01", "2024-01-08", seed=6,
                        output_dir=str(folder), faults_spec="hostile")
    ids = {}
    for policy in ("rescue", "fail"):
        rows = [dict(r, schema_evolution=policy) for r in _configs(folder, f"ka_{policy}", "skip")
                if r["config_id"].endswith(("_products", "_orders"))]
        add_configs(spark, *rows)
        ids[policy] = [r["config_id"] for r in rows]
        for row in rows:
            run_ingestion(spark, config_id=row["config_id"])
    return {"folder": str(folder), "ids": ids}


def test_rescued_columns_verify_exactly_and_a_changed_rescued_value_is_caught(spark, drifting):
    drifts = {(f["table"], d["kind"]) for f in expected.read_facts(drifting["folder"])
              for d in f["drifts"]}
    assert {("products", "new_column"), ("orders", "renamed_column")} <= drifts
    assert verify_expected(spark, "", drifting["folder"], drifting["ids"]["rescue"])[
        "problems"] == []
    products = spark.table("itest.ka_rescue_products")
    assert "source_system" not in products.columns
    assert products.where("_rescued_data LIKE '{\"source_system\":%'").count() > 0
    assert spark.table("itest.ka_rescue_orders").where(
        "_rescued_data LIKE '{\"store_id_v2\":%'").count() > 0
    version = spark.sql("DESCRIBE HISTORY itest.ka_rescue_products LIMIT 1").collect()[0][0]
    try:
        spark.sql("UPDATE itest.ka_rescue_products SET _rescued_data = "
                  "'{\"source_system\":\"fax\"}' WHERE _rescued_data IS NOT NULL")
        problems = verify_expected(spark, "", drifting["folder"], ["ka_rescue_products"])[
            "problems"]
        assert any(p.startswith("ka_rescue_products: rows not expected") for p in problems)
    finally:
        spark.sql(f"RESTORE TABLE itest.ka_rescue_products TO VERSION AS OF {version}")


def test_schema_evolution_fail_stops_each_config_at_its_first_new_column(spark, drifting):
    report = verify_expected(spark, "", drifting["folder"], drifting["ids"]["fail"])
    assert report["problems"] == []
    logged = spark.sql("SELECT status, error_message FROM log_flat_file_ingestion WHERE "
                       "config_id = 'ka_fail_products'").collect()
    assert any(r[0] == "failed" and "source_system" in (r[1] or "") for r in logged)
    first = min(f["date"] for f in expected.read_facts(drifting["folder"])
                if f["table"] == "products" and f["drifts"])
    dates = {r[0].isoformat() for r in spark.sql(
        "SELECT DISTINCT _source_date_partition FROM itest.ka_fail_products").collect()}
    assert dates and max(dates) < first
