"""Build the JVM class archive local Spark starts from (see runtime.session.class_archive).

`make install` runs `python -m ingen_fab.local.class_archive` in each venv: one short Spark +
Delta session (a Delta write, a MERGE, a CSV read, SQL) runs with ArchiveClassesAtExit, so the
classes a load needs are archived when its JVM exits. Later JVMs map them instead of loading
and verifying them again. Idempotent: an archive newer than the jars it was built from is kept.
The archive only saves time; when it cannot be built the install goes on without it.
"""

from __future__ import annotations

import glob
import os
import sys
import tempfile

from ..runtime.session import class_archive, delta_jars


def _inputs() -> list[str]:
    import pyspark

    return glob.glob(os.path.join(os.path.dirname(pyspark.__file__), "jars", "*.jar")) + delta_jars()


def up_to_date(path: str) -> bool:
    if not os.path.isfile(path):
        return False
    built = os.path.getmtime(path)
    return all(os.path.getmtime(jar) < built for jar in _inputs())


def _workload(root: str) -> None:
    from delta.tables import DeltaTable

    from ..runtime.session import get_spark

    spark = get_spark(root)
    table = os.path.join(root, "Tables", "dbo", "warmup")
    spark.range(20).selectExpr("id", "cast(id as string) AS name").write.format("delta").save(table)
    source = spark.range(10, 30).selectExpr("id", "concat('n', id) AS name")
    target = DeltaTable.forPath(spark, table).alias("t")
    target.merge(source.alias("s"), "t.id <=> s.id").whenMatchedUpdateAll().whenNotMatchedInsertAll().execute()
    csv = os.path.join(root, "Files", "warmup.csv")
    with open(csv, "w", encoding="utf-8") as handle:
        handle.write("id,name\n1,a\n2,b\n")
    frame = spark.read.option("header", "true").option("inferSchema", "true").csv(csv)
    frame.createOrReplaceTempView("warmup_csv")
    spark.sql(f"SELECT count(*), max(t.name) FROM delta.`{table}` t JOIN warmup_csv c ON t.id = c.id").collect()
    gateway = spark.sparkContext._gateway
    process = getattr(gateway, "proc", None)
    spark.stop()
    gateway.shutdown()
    if process is not None:  # the JVM writes the archive as it exits
        process.stdin.close()
        process.wait(timeout=300)


def build(path: str | None = None) -> str:
    """Write the archive (atomically) unless an up-to-date one exists; returns what happened."""
    path = path or class_archive()
    if not path:
        return "no class archive wanted (INGEN_FAB_CLASS_ARCHIVE is empty)"
    if up_to_date(path):
        return f"class archive up to date: {path}"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    for stale in glob.glob(f"{glob.escape(path)}.*.partial"):
        os.remove(stale)
    partial = f"{path}.{os.getpid()}.partial"
    os.environ["INGEN_FAB_CLASS_ARCHIVE_DUMP"] = partial
    try:
        with tempfile.TemporaryDirectory(prefix="ingen_fab-archive-") as root:
            _workload(root)
        if not os.path.isfile(partial) or os.path.getsize(partial) == 0:
            return "warning: the JVM wrote no class archive; local Spark starts without one"
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    return f"class archive built: {path}"


if __name__ == "__main__":
    try:
        print(build(sys.argv[1] if len(sys.argv) > 1 else None))
    except Exception as exc:  # an older JDK, no JVM: local Spark starts without an archive
        print(f"warning: no class archive ({exc.__class__.__name__}: {exc}); "
              "local Spark starts without one")
