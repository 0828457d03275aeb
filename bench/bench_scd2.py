"""Benchmark: write_mode scd2 against a hand-written Delta job building the same history.

Generates 30 days of retail_oltp_incremental at each scale, then, each in a new Python process
with its own Spark (timed from session ready to data committed):
  - ours, one run:  an scd2 config on the customers snapshots (merge_keys customer_id,
                    snapshot_deletes close), all 30 days in one `run_ingestion` (discovery,
                    checks, ledger and log included)
  - ours, daily:    the same config loading one date per run, 30 runs
  - baseline:       one hand-written job: read every snapshot file (text; ids cast to
                    numbers), one row per key and date, a window comparing each row with the
                    key's previous date (a change or a key missing from a snapshot ends a
                    version), one Delta write
The three final tables are compared (business and validity columns): the row must say "same".

    .venv/bin/python bench/bench_scd2.py [--scales small,medium]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
START, DAYS = dt.date(2024, 1, 1), 30
DATA = "Files/synthetic_data/retail_oltp_incremental"
CONFIG = {
    "config_id": "bench_scd2", "config_name": "bench_scd2", "source_file_path": DATA,
    "source_file_format": "csv", "file_delimiter": ",", "has_header": True, "encoding": "utf-8",
    # postcodes and phone numbers keep their leading zeros (the first day may hold none)
    "custom_schema_json": '{"postcode": "string", "phone": "string"}',
    "target_schema_name": "bronze", "target_table_name": "customers_scd2", "write_mode": "scd2",
    "merge_keys": "customer_id", "snapshot_deletes": "close", "import_pattern": "date_partitioned",
    "date_partition_format": "YYYY/MM/DD", "file_discovery_pattern": "**/customers/*.csv",
    "batch_import_enabled": True, "skip_existing_dates": True, "execution_group": 99,
    "import_sequence_order": 1, "error_handling_strategy": "fail", "active_yn": "Y",
}
BUSINESS = ("customer_id", "email", "street_address", "loyalty_tier", "status", "updated_date",
            "_valid_from", "_valid_to", "_is_current")


def _step(*args) -> dict:
    """Run this file with args in a new process; its last stdout line is a JSON result."""
    done = subprocess.run([sys.executable, __file__, *args], cwd=REPO, capture_output=True,
                          text=True)
    if done.returncode != 0:
        sys.exit(f"benchmark step failed: {args}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _session(root: Path):
    sys.path.insert(0, str(REPO / "src"))
    from ingen_fab.runtime.session import get_spark

    return get_spark(str(root))


def _digest(spark, table: str) -> list:
    frame = spark.table(table)
    return sorted(tuple(str(v) for v in r) for r in frame.select(*BUSINESS).collect())


def ours(root: Path, daily: bool) -> dict:
    from ingen_fab.runtime.ingestion import ensure_ingestion_tables, run_ingestion

    spark = _session(root)
    from ingen_fab.runtime.schema import CONFIG_TABLE
    from ingen_fab.runtime.tables import upsert_rows

    ensure_ingestion_tables(spark)
    upsert_rows(spark, CONFIG_TABLE, [CONFIG])
    started = time.perf_counter()
    ends = [START + dt.timedelta(days=n) for n in range(DAYS)] if daily else [None]
    for end in ends:
        result = run_ingestion(spark, config_id="bench_scd2",
                               end_date=end.isoformat() if end else None)
        if result.failed:
            sys.exit(result.to_json())
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": _digest(spark, "bronze.customers_scd2")}


def baseline(root: Path) -> dict:
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    from ingen_fab.runtime.session import ensure_schema

    spark = _session(root)
    ensure_schema(spark, "bronze")
    started = time.perf_counter()
    paths = [str(p) for p in sorted((root / DATA).glob("*/*/*/customers/*.csv"))]
    rows = (spark.read.option("header", True).csv(paths)  # text, as the files hold it
            .withColumn("customer_id", F.col("customer_id").cast("bigint"))
            .withColumn("_d", F.to_date(F.regexp_extract(
                F.col("_metadata.file_path"), r"(\d{4}/\d{2}/\d{2})/customers/", 1), "yyyy/MM/dd")))
    business = [c for c in rows.columns if c != "_d"]
    days = rows.select("_d").distinct()
    keys = rows.select("customer_id").distinct()
    seen = (keys.crossJoin(days)
            .join(rows.withColumn("_row", F.lit(True)), ["customer_id", "_d"], "left")
            .withColumn("_present", F.col("_row").isNotNull()))
    tracked = F.struct(*[F.col(c) for c in business if c != "customer_id"])
    by_day = Window.partitionBy("customer_id").orderBy("_d")
    was = F.coalesce(F.lag("_present").over(by_day), F.lit(False))
    opens = F.col("_present") & (~was | ~F.lag("_v").over(by_day).eqNullSafe(F.col("_v")))
    history = (seen.withColumn("_v", tracked)
               .withColumn("_edge", F.when(F.col("_present"), opens).otherwise(was))
               .where("_edge")
               .withColumn("_valid_to", F.lead("_d").over(by_day))
               .where("_present")
               .select(*business, F.col("_d").alias("_valid_from"), "_valid_to",
                       F.col("_valid_to").isNull().alias("_is_current")))
    history.write.format("delta").saveAsTable("bronze.customers_base")
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": _digest(spark, "bronze.customers_base"),
            "versions": spark.table("bronze.customers_base").count(), "keys": keys.count()}


def bench_scale(scale: str, work: Path) -> dict:
    roots = {name: work / scale / name / "spark" for name in ("once", "daily", "baseline")}
    shutil.rmtree(work / scale, ignore_errors=True)
    data = roots["once"] / DATA
    end = START + dt.timedelta(days=DAYS - 1)
    subprocess.run([sys.executable, "-m", "ingen_fab.cli", "package", "synthetic-data",
                    "generate-series", "retail_oltp_incremental", "--start-date",
                    START.isoformat(), "--end-date", end.isoformat(), "--scale", scale,
                    "--output-dir", str(data)], check=True,
                   capture_output=True)
    for name in ("daily", "baseline"):
        shutil.copytree(roots["once"] / "Files", roots[name] / "Files")
    once = _step("--ours", str(roots["once"]))
    daily = _step("--ours", str(roots["daily"]), "--daily")
    base = _step("--baseline", str(roots["baseline"]))
    same = once["rows"] == base["rows"] == daily["rows"]
    return {"scale": scale, "versions": base["versions"], "keys": base["keys"],
            "once": once["seconds"], "daily": daily["seconds"], "base": base["seconds"],
            "same": "same" if same else "DIFFERENT"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="small,medium")
    parser.add_argument("--work", default=str(REPO / "tmp" / "bench" / "scd2"))
    parser.add_argument("--ours", help=argparse.SUPPRESS)
    parser.add_argument("--daily", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--baseline", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.ours or args.baseline:
        result = ours(Path(args.ours), args.daily) if args.ours else baseline(Path(args.baseline))
        print(json.dumps(result))
        return
    results = [bench_scale(s, Path(args.work)) for s in args.scales.split(",")]
    header = ("scale", "versions", "keys", "ours 1 run s", "baseline s", "ours/base",
              "ours daily s", "result")
    print("  ".join(f"{h:>12}" for h in header))
    for r in results:
        row = (r["scale"], r["versions"], r["keys"], f"{r['once']:.1f}", f"{r['base']:.1f}",
               f"{r['once'] / r['base']:.2f}x", f"{r['daily']:.1f}", r["same"])
        print("  ".join(f"{v:>12}" for v in row))


if __name__ == "__main__":
    main()
