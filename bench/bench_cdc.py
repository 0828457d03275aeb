"""Benchmark: write_mode cdc against a hand-written Delta MERGE of the same change set.

Generates 30 days of retail_oltp_incremental with `--changes feed` at each scale, then, each in
a new Python process with its own Spark (timed from session ready to data committed):
  - ours, one run:  a cdc config on customers_changes (merge_keys customer_id), all 30 days
                    in one `run_ingestion` (discovery, checks, ledger and log included)
  - ours, daily:    the same config loading one date per run, 30 runs
  - baseline:       one hand-written job: read every change file (text; ids and _seq cast to
                    numbers), keep each key's highest
                    `_seq`, one MERGE (delete on D, update when newer, insert otherwise)
Both final tables are compared (business columns): the row must say "same".

    .venv/bin/python bench/bench_cdc.py [--scales small,medium]
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
    "config_id": "bench_cdc", "config_name": "bench_cdc", "source_file_path": DATA,
    "source_file_format": "csv", "file_delimiter": ",", "has_header": True, "encoding": "utf-8",
    # postcodes and phone numbers keep their leading zeros (the first day may hold none)
    "custom_schema_json": '{"postcode": "string", "phone": "string"}',
    "target_schema_name": "bronze", "target_table_name": "customers_cdc", "write_mode": "cdc",
    "merge_keys": "customer_id", "import_pattern": "date_partitioned",
    "date_partition_format": "YYYY/MM/DD", "file_discovery_pattern": "**/customers_changes/*.csv",
    "batch_import_enabled": True, "skip_existing_dates": True, "execution_group": 99,
    "import_sequence_order": 1, "error_handling_strategy": "fail", "active_yn": "Y",
}
BUSINESS = ("customer_id", "email", "street_address", "loyalty_tier", "status", "updated_date",
            "_seq")


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
        result = run_ingestion(spark, config_id="bench_cdc",
                               end_date=end.isoformat() if end else None)
        if result.failed:
            sys.exit(result.to_json())
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": _digest(spark, "bronze.customers_cdc")}


def baseline(root: Path) -> dict:
    from delta.tables import DeltaTable
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    from ingen_fab.runtime.session import ensure_schema

    spark = _session(root)
    ensure_schema(spark, "bronze")
    started = time.perf_counter()
    paths = [str(p) for p in sorted((root / DATA).glob("*/*/*/customers_changes/*.csv"))]
    changes = (spark.read.option("header", True).csv(paths)  # text, as the files hold it
               .withColumn("customer_id", F.col("customer_id").cast("bigint"))
               .withColumn("_seq", F.col("_seq").cast("bigint")))
    latest = (changes.withColumn("_n", F.row_number().over(
        Window.partitionBy("customer_id").orderBy(F.col("_seq").desc())))
        .where("_n = 1").drop("_n"))
    columns = [c for c in changes.columns if c != "_op"]
    changes.select(*columns).limit(0).write.format("delta").saveAsTable("bronze.customers_base")
    values = {c: f"s.{c}" for c in columns}
    (DeltaTable.forName(spark, "bronze.customers_base").alias("t")
     .merge(latest.alias("s"), "t.customer_id = s.customer_id")
     .whenMatchedDelete("s._seq > t._seq AND s._op = 'D'")
     .whenMatchedUpdate("s._seq > t._seq", values)
     .whenNotMatchedInsert("s._op <> 'D'", values)
     .execute())
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": _digest(spark, "bronze.customers_base"),
            "changes": changes.count()}


def bench_scale(scale: str, work: Path) -> dict:
    roots = {name: work / scale / name / "spark" for name in ("once", "daily", "baseline")}
    shutil.rmtree(work / scale, ignore_errors=True)
    data = roots["once"] / DATA
    end = START + dt.timedelta(days=DAYS - 1)
    subprocess.run([sys.executable, "-m", "ingen_fab.cli", "package", "synthetic-data",
                    "generate-series", "retail_oltp_incremental", "--start-date",
                    START.isoformat(), "--end-date", end.isoformat(), "--scale", scale,
                    "--changes", "feed", "--output-dir", str(data)], check=True,
                   capture_output=True)
    for name in ("daily", "baseline"):
        shutil.copytree(roots["once"] / "Files", roots[name] / "Files")
    once = _step("--ours", str(roots["once"]))
    daily = _step("--ours", str(roots["daily"]), "--daily")
    base = _step("--baseline", str(roots["baseline"]))
    same = once["rows"] == base["rows"] == daily["rows"]
    return {"scale": scale, "changes": base["changes"], "keys": len(base["rows"]),
            "once": once["seconds"], "daily": daily["seconds"], "base": base["seconds"],
            "same": "same" if same else "DIFFERENT"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="small,medium")
    parser.add_argument("--work", default=str(REPO / "tmp" / "bench" / "cdc"))
    parser.add_argument("--ours", help=argparse.SUPPRESS)
    parser.add_argument("--daily", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--baseline", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.ours or args.baseline:
        result = ours(Path(args.ours), args.daily) if args.ours else baseline(Path(args.baseline))
        print(json.dumps(result))
        return
    results = [bench_scale(s, Path(args.work)) for s in args.scales.split(",")]
    header = ("scale", "change rows", "keys", "ours 1 run s", "baseline s", "ours/base",
              "ours daily s", "result")
    print("  ".join(f"{h:>12}" for h in header))
    for r in results:
        row = (r["scale"], r["changes"], r["keys"], f"{r['once']:.1f}", f"{r['base']:.1f}",
               f"{r['once'] / r['base']:.2f}x", f"{r['daily']:.1f}", r["same"])
        print("  ".join(f"{v:>12}" for v in row))


if __name__ == "__main__":
    main()
