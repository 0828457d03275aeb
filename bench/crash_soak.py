"""Soak: random SIGKILLs of a flat-file ingestion run (CLI, kernel and JVM), then one run to the end.

Over a small generated series (retail_oltp_incremental, a few days) in two temporary lakehouses:
  - reference: `ingen_fab run package flat-file-ingestion run` (every group) once, uninterrupted,
    from a cold kernel; it writes M files under Tables/ (data files, commits, checkpoints);
  - soak: N times, start the same command and SIGKILL it with every process it started (the CLI,
    the warm kernel's daemon, the kernel and its JVM) once k new files have appeared under the
    soak lakehouse's Tables/, k drawn uniformly from 1..M (seeded): so a kill lands at a random
    point of the run's writes (inside a first load, between a data file and its commit, between
    ledger and log) whatever the machine's speed. Kills accumulate: each run resumes what the
    killed ones left. A run that ends before its kill (it completes, or fails: a wedged run) is
    compared with the reference and the soak lakehouse goes back to its state after `ddl run`.
    Then one run to the end, compared with the reference.
Compared row for row: the business columns (all but the lineage columns) of every bronze table.
Prints a table; exits 1 when a row was lost or duplicated or a run failed.

    .venv/bin/python bench/crash_soak.py [--kills 20] [--seed 0] [--end-date 2024-01-03]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FAB = [sys.executable, "-m", "ingen_fab.cli"]
RUN = FAB + ["run", "package", "flat-file-ingestion", "run"]
DATA = "Files/synthetic_data/retail_oltp_incremental"
LINEAGE = ("_ingestion_timestamp", "_ingestion_execution_id", "_source_file_path",
           "_source_date_partition")
TAG = "INGEN_FAB_SOAK_TAG"  # carried by every process a soak run starts (env is inherited)


def _env(root: Path, tag: str, work: Path) -> dict:
    return {**os.environ, "INGEN_FAB_LAKEHOUSE_ROOT": str(root), TAG: tag,
            "INGEN_FAB_STATE_DIR": str(work / "state"), "PYTHONPATH": str(REPO / "src")}


def _step(args, env, cwd) -> float:
    started = time.perf_counter()
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"soak step failed: {' '.join(args)}\n{result.stdout}\n{result.stderr}")
    return time.perf_counter() - started


def compiled(project: Path, env: dict) -> None:
    """Notebooks compiled from the sources as they are now (a run refuses stale ones)."""
    _step(FAB + ["ddl", "compile", "--generation-mode=lakehouse"], env, project)
    _step(FAB + ["package", "flat-file-ingestion", "compile"], env, project)


def tagged_pids(tag: str) -> list[int]:
    """Processes whose environment holds TAG=tag (the CLI, daemon, kernel, JVM, workers)."""
    needle = f"{TAG}={tag}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as handle:
                if needle in handle.read().split(b"\0"):
                    found.append(int(entry))
        except OSError:
            continue
    return found


def kill_all(proc: subprocess.Popen | None, tag: str) -> None:
    """SIGKILL the run's process group, then every process carrying the tag (the kernel runs in
    a session of its own, the warm kernel's daemon too), until none is left."""
    if proc is not None and proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    for _ in range(50):
        pids = tagged_pids(tag)
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.05)
    if proc is not None:
        proc.wait()


def setup(work: Path, end_date: str, tag: str) -> tuple[Path, Path, Path]:
    """(project, reference lakehouse, soak lakehouse): compiled, data generated, DDL run."""
    shutil.rmtree(work, ignore_errors=True)
    project = work / "project"
    project.mkdir(parents=True)
    for name in ("ddl_scripts", "environments"):
        shutil.copytree(REPO / name, project / name)
    shutil.copy(REPO / "flat_file_ingestion.toml", project)
    ref, soak = work / "reference" / "spark", work / "soak" / "spark"
    env = _env(ref, tag, work)
    compiled(project, env)
    _step(FAB + ["package", "synthetic-data", "generate-series", "retail_oltp_incremental",
                 "--start-date", "2024-01-01", "--end-date", end_date], env, project)
    shutil.copytree(ref / "Files", soak / "Files")
    for lakehouse in (ref, soak):
        compiled(project, env)
        _step(FAB + ["ddl", "run", "--generation-mode=lakehouse"], _env(lakehouse, tag, work),
              project)
        kill_all(None, tag)  # the next run starts cold, as after a kill
    shutil.copytree(soak / "Tables", work / "after_ddl")
    return project, ref, soak


def written(tables: Path) -> int:
    """How many files are under a lakehouse's Tables/ folder."""
    return sum(len(files) for _, _, files in os.walk(tables))


def attempt(project: Path, env: dict, after: int, tag: str, log: Path) -> int | None:
    """Start a run and kill it once after new files appeared under Tables/; its exit code when
    it ended first."""
    log.parent.mkdir(parents=True, exist_ok=True)
    tables = Path(env["INGEN_FAB_LAKEHOUSE_ROOT"]) / "Tables"
    start = written(tables)
    with open(log, "wb") as out:
        proc = subprocess.Popen(RUN, cwd=project, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        while proc.poll() is None:
            if written(tables) - start >= after:
                kill_all(proc, tag)
                return None
            time.sleep(0.005)
        return proc.returncode


def soak(args, project: Path, soak_root: Path, work: Path, files: int, tag: str) -> dict:
    rng = random.Random(args.seed)
    env = _env(soak_root, tag, work)
    done, landed, failed = [], 0, 0
    for n in range(args.kills):
        after = rng.randint(1, max(files, 1))
        code = attempt(project, env, after, tag, work / "runs" / f"{n}.log")
        ended = "killed mid-run" if code is None else f"ended first (exit {code})"
        print(f"kill {n + 1}/{args.kills} after {after} new file(s): {ended}", file=sys.stderr,
              flush=True)
        if code is None:
            landed += 1
            continue
        failed += code != 0
        kill_all(None, tag)
        done.append(_keep(soak_root, work, len(done)))
        shutil.rmtree(soak_root / "Tables")
        shutil.copytree(work / "after_ddl", soak_root / "Tables")
    final = subprocess.run(RUN, cwd=project, env=env, capture_output=True, text=True)
    failed += final.returncode != 0
    kill_all(None, tag)
    done.append(_keep(soak_root, work, len(done)))
    return {"landed": landed, "failed": failed, "ends": done}


def _keep(soak_root: Path, work: Path, n: int) -> Path:
    """A copy of the soak lakehouse's Tables as a run left them (compared at the end)."""
    kept = work / "ends" / str(n)
    shutil.copytree(soak_root / "Tables", kept)
    return kept


def compare(reference: Path, ends: list[Path]) -> dict:
    """Rows lost and duplicated, summed over the ends, against the reference's bronze tables."""
    from collections import Counter

    from ingen_fab.runtime.session import get_spark

    spark = get_spark(str(reference.parent / "compare"))

    def table_rows(tables: Path, name: str) -> Counter:
        if not (tables / "bronze" / name / "_delta_log").is_dir():
            return Counter()
        frame = spark.read.format("delta").load(str(tables / "bronze" / name))
        columns = sorted(c for c in frame.columns if c not in LINEAGE)
        return Counter(tuple(map(str, r)) for r in frame.select(*columns).collect())

    names = sorted(p.name for p in (reference / "bronze").iterdir())
    expected = {name: table_rows(reference, name) for name in names}
    lost = duplicated = 0
    for end in ends:
        extra = sorted(p.name for p in (end / "bronze").iterdir() if p.name not in names)
        duplicated += sum(sum(table_rows(end, name).values()) for name in extra)
        for name in names:
            got = table_rows(end, name)
            lost += sum((expected[name] - got).values())
            duplicated += sum((got - expected[name]).values())
    spark.stop()
    return {"lost": lost, "duplicated": duplicated,
            "reference_rows": sum(sum(c.values()) for c in expected.values())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--end-date", default="2024-01-03")
    parser.add_argument("--work", default=str(REPO / "tmp" / "bench" / "crash_soak"))
    parser.add_argument("--compare", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.compare:  # in a process of its own: one Spark for every comparison
        reference, *ends = (Path(p) for p in args.compare)
        print(json.dumps(compare(reference, ends)))
        return
    started, tag, work = time.perf_counter(), uuid.uuid4().hex, Path(args.work).resolve()
    project, ref, soak_root = setup(work, args.end_date, tag)
    before = written(ref / "Tables")
    duration = _step(RUN, _env(ref, tag, work), project)
    files = written(ref / "Tables") - before
    kill_all(None, tag)
    result = soak(args, project, soak_root, work, files, tag)
    checked = subprocess.run(
        [sys.executable, __file__, "--compare", str(ref / "Tables"), *map(str, result["ends"])],
        env=_env(work / "compare", tag, work), capture_output=True, text=True)
    if checked.returncode != 0:
        sys.exit(f"comparison failed:\n{checked.stderr}")
    rows = json.loads(checked.stdout.strip().splitlines()[-1])
    report = (args.kills, result["landed"], rows["lost"], rows["duplicated"], result["failed"],
              f"{time.perf_counter() - started:.0f}")
    header = ("kills", "landed mid-run", "rows lost", "rows duplicated", "wedged runs", "seconds")
    print(f"uninterrupted run: {duration:.1f} s, {files} files written, "
          f"{rows['reference_rows']} rows in bronze; "
          f"{len(result['ends'])} run(s) to the end compared with it")
    print("  ".join(f"{h:>15}" for h in header))
    print("  ".join(f"{v:>15}" for v in report))
    sys.exit(1 if rows["lost"] or rows["duplicated"] or result["failed"] else 0)


if __name__ == "__main__":
    main()
