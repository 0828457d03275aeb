"""Benchmark: flat-file ingestion of groups 1-3 through the CLI against a hand-written Spark job.

For each scale: generate 30 days of retail_oltp_incremental, run the lakehouse DDL, stop any
warm kernel (so the full run starts its own Spark, as a first command of the day does), then time
  - full:       `ingen_fab run package flat-file-ingestion run --execution-group=N` for N = 1, 2, 3
  - rerun:      the same three commands again (nothing new to load), on the warm kernel
  - cold rerun: the same again after `ingen_fab local stop` (a new kernel and JVM)
  - status:     `ingen_fab package flat-file-ingestion status` after the rerun (warm kernel)
  - baseline: one hand-written Spark job in one session reading all the same files and writing
              the same final tables (snapshot tables: the latest row of each key, which is the
              last date's snapshot; orders and order_items appended; inventory merged on its
              keys), measured in the same run.
  - baseline, last file: the same job reading only the last date's file of each snapshot table
              (less than the issue's definition; shown for comparison).
Prints a table; targets (medium scale): full <= 1.5 x baseline, rerun < 15% of full,
status < 5 s. With ``--faults realistic`` the series is generated with faults and the sample
configs are switched to error_handling_strategy skip before the runs (so the bad rows are
quarantined and the rest loads, rather than whole dates rejected).

    .venv/bin/python bench/bench_ingestion.py [--scales small,medium] [--faults realistic]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FAB = [sys.executable, "-m", "ingen_fab.cli"]
START, END = "2024-01-01", "2024-01-30"
SNAPSHOTS = {"customers": "customer_id", "products": "product_id", "stores": "store_id"}
INCREMENTAL = ("orders", "order_items")


def _run(args, env, quiet=True) -> float:
    started = time.perf_counter()
    result = subprocess.run(args, cwd=REPO, env=env, capture_output=quiet, text=True)
    if result.returncode != 0:
        sys.exit(f"benchmark step failed: {' '.join(args)}\n{result.stdout}\n{result.stderr}")
    return time.perf_counter() - started


def _env(root: Path) -> dict:
    return {**os.environ, "INGEN_FAB_LAKEHOUSE_ROOT": str(root)}


def _generate(root: Path, scale: str, faults: str) -> int:
    env = _env(root)
    _run(FAB + ["package", "synthetic-data", "generate-series", "retail_oltp_incremental",
                "--start-date", START, "--end-date", END, "--scale", scale,
                "--faults", faults], env)
    data = root / "Files/synthetic_data/retail_oltp_incremental"
    return sum(1 for _ in data.rglob("*.csv"))


def bench_scale(scale: str, work: Path, faults: str = "none") -> dict:
    ours, base = work / scale / "ours" / "spark", work / scale / "baseline" / "spark"
    for folder in (ours.parent, base.parent):
        shutil.rmtree(folder, ignore_errors=True)
    files = _generate(ours, scale, faults)
    base.mkdir(parents=True)
    shutil.copytree(ours / "Files", base / "Files")
    env = _env(ours)
    _run(FAB + ["ddl", "run", "--generation-mode=lakehouse"], env)
    if faults != "none":
        skip = ("UPDATE config_flat_file_ingestion SET error_handling_strategy = 'skip' "
                "WHERE execution_group < 4")
        _run(FAB + ["lakehouse", "sql", skip], env)
    _run(FAB + ["local", "stop"], env)

    def groups() -> float:
        return sum(
            _run(FAB + ["run", "package", "flat-file-ingestion", "run", f"--execution-group={g}"],
                 env)
            for g in (1, 2, 3)
        )

    full = groups()
    rerun = groups()
    status = _run(FAB + ["package", "flat-file-ingestion", "status"], env)  # warm kernel
    _run(FAB + ["local", "stop"], env)
    cold = groups()
    _run(FAB + ["local", "stop"], env)
    baseline = _run([sys.executable, __file__, "--baseline", str(base)], _env(base))
    shutil.rmtree(base / "Tables", ignore_errors=True)
    last_only = _run([sys.executable, __file__, "--baseline", str(base), "--last-file-only"],
                     _env(base))
    return {"scale": scale, "files": files, "full": full, "rerun": rerun, "cold": cold,
            "status": status,
            "baseline": baseline, "last_only": last_only}


def baseline_job(root: Path, last_file_only: bool = False) -> None:
    """The hand-written comparison: one session, same files, same final tables."""
    sys.path.insert(0, str(REPO / "src"))
    from delta.tables import DeltaTable
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    from ingen_fab.runtime.session import ensure_schema, get_spark

    spark = get_spark(str(root))
    ensure_schema(spark, "bronze")
    data = root / "Files/synthetic_data/retail_oltp_incremental"

    def read(paths):
        return (
            spark.read.option("header", True).option("inferSchema", True).csv(paths)
            .withColumn("_ingestion_timestamp", F.current_timestamp())
            .withColumn("_source_file_path", F.col("_metadata.file_path"))
        )

    for table, key in SNAPSHOTS.items():
        if last_file_only:  # the newest file holding rows (a faulty series may lack one)
            files = [p for p in sorted(data.glob(f"[0-9]*/*/*/{table}/*.csv"))
                     if p.stat().st_size > 0]
            snapshot = read([str(files[-1])])
        else:
            latest = Window.partitionBy(key).orderBy(F.col("_source_file_path").desc())
            snapshot = (read([str(p) for p in sorted(data.glob(f"*/*/*/{table}/*.csv"))])
                        .withColumn("_n", F.row_number().over(latest))
                        .where("_n = 1").drop("_n"))
        snapshot.write.format("delta").mode("overwrite").saveAsTable(f"bronze.{table}")
    for table in INCREMENTAL:
        paths = [str(p) for p in sorted(data.glob(f"*/*/*/{table}/*.csv"))]
        read(paths).write.format("delta").mode("append").saveAsTable(f"bronze.{table}")
    inventory = read([str(p) for p in sorted(data.glob("*/*/*/inventory/*.csv"))])
    inventory.limit(0).write.format("delta").saveAsTable("bronze.inventory")
    (DeltaTable.forName(spark, "bronze.inventory").alias("t")
     .merge(inventory.alias("s"),
            "t.store_id = s.store_id AND t.product_id = s.product_id AND t.date = s.date")
     .whenMatchedUpdateAll().whenNotMatchedInsertAll().execute())
    spark.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="small,medium")
    parser.add_argument("--faults", default="none", help="generate-series --faults profile")
    parser.add_argument("--work", default=str(REPO / "tmp" / "bench" / "ingestion"))
    parser.add_argument("--baseline", help=argparse.SUPPRESS)
    parser.add_argument("--last-file-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline:
        baseline_job(Path(args.baseline), args.last_file_only)
        return
    results = [bench_scale(s, Path(args.work), args.faults) for s in args.scales.split(",")]
    print(f"series faults: {args.faults}")
    header = ("scale", "files", "ours full s", "baseline s", "full/baseline",
              "rerun s", "rerun/full", "cold rerun s", "base last-file s", "status s")
    print("  ".join(f"{h:>13}" for h in header))
    for r in results:
        row = (r["scale"], r["files"], f"{r['full']:.1f}", f"{r['baseline']:.1f}",
               f"{r['full'] / r['baseline']:.2f}x", f"{r['rerun']:.1f}",
               f"{100 * r['rerun'] / r['full']:.0f}%", f"{r['cold']:.1f}",
               f"{r['last_only']:.1f}", f"{r['status']:.1f}")
        print("  ".join(f"{v:>13}" for v in row))
    print("targets at medium scale: full/baseline <= 1.50x, rerun/full < 15%, "
          "status < 5 s (warm kernel)")


if __name__ == "__main__":
    main()
