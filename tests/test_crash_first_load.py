"""A process killed during a table's first write leaves files but no commit; later runs go on.

The first write of a Delta table writes its data files and _delta_log before it commits
version 0. A kill in between must not stop later sessions from starting, and the next run must
load the table as an uninterrupted run would.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from helpers import copy_project
from test_ingestion_support import D1, D2, add_configs, config, day_file, rows

from ingen_fab.runtime.schema import Column, Table
from ingen_fab.runtime.session import get_spark, register_tables, session_root, session_tables_dir
from ingen_fab.runtime.tables import create_table

LINEAGE = ("_ingestion_timestamp", "_ingestion_execution_id", "_source_file_path",
           "_source_date_partition")


def _parquet_file(spark, dest: Path) -> None:
    """One data file, as a first write leaves it, in dest."""
    scratch = dest.parent / f".scratch_{dest.name}"
    spark.range(3).write.mode("overwrite").parquet(str(scratch))
    dest.mkdir(parents=True, exist_ok=True)
    for part in scratch.glob("part-*.parquet"):
        shutil.copy(part, dest / part.name)
    shutil.rmtree(scratch)


def _half_created(spark, folder: Path, data=True, log=True) -> Path:
    """A table folder as a killed first write leaves it: data files, a _delta_log without
    a commit (Delta makes _delta_log/_staged_commits before it writes), or no _delta_log."""
    folder.mkdir(parents=True, exist_ok=True)
    if data:
        _parquet_file(spark, folder)
    if log:
        (folder / "_delta_log" / "_staged_commits").mkdir(parents=True)
    return folder


def test_what_counts_as_a_first_write_that_never_committed(tmp_path):
    from ingen_fab.runtime.session import uncommitted_table_dir

    table = tmp_path / "t"
    assert not uncommitted_table_dir(str(table))  # missing
    table.mkdir()
    assert not uncommitted_table_dir(str(table))  # empty: nothing to clear
    (table / "part-0000.snappy.parquet").write_bytes(b"x")
    (table / ".part-0000.snappy.parquet.crc").write_bytes(b"x")
    assert uncommitted_table_dir(str(table))  # data, no _delta_log
    (table / "notes.txt").write_text("mine")
    assert not uncommitted_table_dir(str(table))  # not only what a writer leaves
    log = table / "_delta_log"
    (log / "_staged_commits").mkdir(parents=True)
    (log / ".00000000000000000000.json.5b80c6c1.tmp").write_text("{}")
    assert uncommitted_table_dir(str(table))  # a log, but no commit in it
    (log / "00000000000000000000.json").write_text("{}")
    assert not uncommitted_table_dir(str(table))
    (log / "00000000000000000000.json").unlink()
    (log / "00000000000000000010.checkpoint.parquet").write_bytes(b"x")
    assert not uncommitted_table_dir(str(table))


@pytest.mark.spark
def test_session_start_skips_a_half_created_table_and_its_first_write_clears_it(
    spark, tmp_path
):
    tables = Path(session_tables_dir(spark))
    good = tables / "crashok" / "good"
    spark.range(5).write.format("delta").save(str(good))
    half = _half_created(spark, tables / "crashhalf" / "orders")
    bare_log = _half_created(spark, tables / "dbo" / "crash_bookkeeping", data=False)
    no_log = _half_created(spark, tables / "crashhalf" / "items", log=False)

    registered = register_tables(spark, session_root(spark))  # what a new session runs
    assert "crashok.good" in registered and "crashhalf.orders" not in registered
    assert spark.table("crashok.good").count() == 5
    assert get_spark() is spark  # a warm kernel's next notebook: only new tables registered
    assert not spark.catalog.tableExists("crashhalf.orders")

    declared = Table("crash_bookkeeping", "dbo", (Column("id", "bigint"),), ("id",))
    assert create_table(spark, declared) == "`dbo`.`crash_bookkeeping`"
    assert spark.table("dbo.crash_bookkeeping").count() == 0
    assert os.path.isfile(bare_log / "_delta_log" / "00000000000000000000.json")

    source = tmp_path / "src"
    day_file(source, D1, "orders.csv", "order_id,amount\n1,10\n2,20\n")
    day_file(source, D2, "orders.csv", "order_id,amount\n3,30\n")
    add_configs(
        spark,
        config("halfload_orders", source, "orders", target_schema_name="crashhalf",
               execution_group=9401),
        config("halfload_items", source, "items", target_schema_name="crashhalf",
               execution_group=9401, import_sequence_order=2),
    )
    from ingen_fab.runtime.ingestion import run_ingestion

    result = run_ingestion(spark, execution_group=9401)
    assert not result.failed, result.render_table()
    for table, folder in (("orders", half), ("items", no_log)):
        assert [(r["order_id"], r["amount"]) for r in rows(spark, "crashhalf", table,
                                                          order="order_id")] == [
            (1, 10), (2, 20), (3, 30)
        ]
        assert (folder / "_delta_log" / "00000000000000000000.json").is_file()


# --- a real SIGKILL of the CLI, its kernel and the JVM during a first load --------------------

TAG = "INGEN_FAB_CRASH_TAG"  # every process a run starts inherits it: how they are found
RUN = ["run", "package", "flat-file-ingestion", "run"]
COMMIT = "00000000000000000000.json"
ATTEMPTS = 6


def _cli(args, env, cwd, check=True) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "ingen_fab.cli", *args], cwd=cwd, env=env,
                            capture_output=True, text=True)
    if check:
        assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    return result


def _compiled(env, project) -> None:
    """Notebooks compiled from the sources as they are now (a run refuses stale ones)."""
    _cli(["ddl", "compile", "--generation-mode=lakehouse"], env, project)
    _cli(["package", "flat-file-ingestion", "compile"], env, project)


def _tagged_pids(tag: str) -> list[int]:
    needle = f"{TAG}={tag}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                with open(f"/proc/{entry}/environ", "rb") as handle:
                    if needle in handle.read().split(b"\0"):
                        found.append(int(entry))
            except OSError:
                continue
    return found


def _kill(pids) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _kill_all(proc, tag: str) -> None:
    """SIGKILL the CLI's process group and every process carrying the tag: jupyter_client
    starts the kernel (and so its JVM) in a session of its own, the warm kernel's daemon too."""
    if proc is not None and proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    for _ in range(100):
        pids = _tagged_pids(tag)
        if not pids:
            break
        _kill(pids)
        time.sleep(0.05)
    if proc is not None:
        proc.wait()


def _half_written(bronze: Path) -> Path | None:
    """A target folder holding a data file while its _delta_log has no commit yet."""
    try:
        folders = list(os.scandir(bronze))
    except FileNotFoundError:
        return None
    for folder in folders:
        try:
            names = os.listdir(folder.path)
            log = os.listdir(os.path.join(folder.path, "_delta_log"))
        except (FileNotFoundError, NotADirectoryError):
            continue
        if any(n.endswith(".parquet") and not n.startswith(".") for n in names) and not any(
            n.endswith(".json") and n[:20].isdigit() for n in log
        ):
            return Path(folder.path)
    return None


def _kill_during_a_first_load(project: Path, env: dict, lakehouse: Path) -> Path | None:
    """Run every group; SIGKILL everything the moment a target is half written. The folder,
    when the kill landed in that window (None when the commit came first)."""
    tag = env[TAG]
    _compiled(env, project)
    proc = subprocess.Popen([sys.executable, "-m", "ingen_fab.cli", *RUN], cwd=project, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    pids, scanned, half = [], 0.0, None
    deadline = time.monotonic() + 900
    while proc.poll() is None and time.monotonic() < deadline:
        if time.monotonic() - scanned > 0.25:  # known in advance, so the kill is immediate
            pids, scanned = _tagged_pids(tag), time.monotonic()
        half = _half_written(lakehouse / "Tables" / "bronze")
        if half is not None:
            _kill(pids)
            break
        time.sleep(0.002)
    _kill_all(proc, tag)
    if half is None or (half / "_delta_log" / COMMIT).exists():
        return None
    return half


def _business_rows(spark, tables: Path) -> dict:
    """table folder -> sorted rows of its business columns (lineage left out)."""
    found = {}
    for log in sorted(tables.glob("*/*/_delta_log")):
        name = f"{log.parent.parent.name}.{log.parent.name}"
        if log.parent.parent.name != "bronze":
            found[name] = None  # bookkeeping: compared by presence
            continue
        frame = spark.read.format("delta").load(str(log.parent))
        columns = sorted(c for c in frame.columns if c not in LINEAGE)
        found[name] = sorted(tuple(map(str, r)) for r in frame.select(*columns).collect())
    return found


@pytest.mark.papermill
@pytest.mark.spark
def test_a_kill_during_a_first_load_then_a_rerun_equals_an_uninterrupted_run(spark, tmp_path):
    project = copy_project(tmp_path / "project")
    reference, base = tmp_path / "reference" / "spark", tmp_path / "base"
    env = {**os.environ, "INGEN_FAB_WARM_KERNEL": "1", TAG: uuid.uuid4().hex,
           "INGEN_FAB_STATE_DIR": str(tmp_path / "state")}
    env.pop("INGEN_FAB_LAKEHOUSE_ROOT", None)
    at = ["--lakehouse-root", str(reference)]
    try:
        _compiled(env, project)
        _cli([*at, "package", "synthetic-data", "generate-series", "retail_oltp_incremental",
              "--start-date", "2024-01-01", "--end-date", "2024-01-03"], env, project)
        _cli([*at, "ddl", "run", "--generation-mode=lakehouse"], env, project)
        shutil.copytree(reference, base)  # Files and the tables DDL made, before any load
        _compiled(env, project)
        _cli([*at, *RUN], env, project)
        _kill_all(None, env[TAG])
        for attempt in range(ATTEMPTS):
            crashed = tmp_path / f"crash{attempt}" / "spark"
            shutil.copytree(base, crashed)
            half = _kill_during_a_first_load(
                project, {**env, "INGEN_FAB_LAKEHOUSE_ROOT": str(crashed)}, crashed
            )
            if half is not None:
                break
        assert half is not None, f"no kill landed between data and commit in {ATTEMPTS} tries"
        assert any(p.suffix == ".parquet" for p in half.iterdir())
        assert (half / "_delta_log").is_dir() and not (half / "_delta_log" / COMMIT).exists()

        _compiled(env, project)
        rerun = _cli(["--lakehouse-root", str(crashed), *RUN], env, project, check=False)
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        _kill_all(None, env[TAG])
        expected = _business_rows(spark, reference / "Tables")
        got = _business_rows(spark, crashed / "Tables")
        assert sorted(got) == sorted(expected)
        for name, rows_ in expected.items():
            assert rows_ is None or len(got[name]) == len(rows_), name
            assert got[name] == rows_, name
    finally:
        _kill_all(None, env[TAG])
