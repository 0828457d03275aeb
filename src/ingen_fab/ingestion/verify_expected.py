"""verify --expected: each config's known answer (known_answers.py) against the lakehouse.

Per config: the target's rows compared with the answer's as text (each loaded column written as
the clean CSV writes its declared type; a rescued column as _rescued_data holds it), its row
count, duplicate keys (merge), the columns a drift added (none under rescue), the quarantine
by reason class (skip), the dates in the ledger and the late files it holds, and the missing
days its log named. One Difference per mismatch; none means the load is proven.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from ingen_fab.ingestion.known_answers import Answer, answers, expected_settings, gaps_logged
from ingen_fab.synthetic import datasets, expected

REASON_CLASSES = (  # the loader's reject reasons by class
    ("wrong field count", "field_count"),
    ("malformed", "field_count"),
    ("invalid bytes", "encoding"),
    ("unparsable", "unparsable"),
)


def reason_class(reason: str) -> str:
    return next((c for text, c in REASON_CLASSES if text in (reason or "")), reason or "")


def canonical(frame, name: str, declared: str):
    """A loaded column as the clean CSV writes its declared type ("" for NULL)."""
    from pyspark.sql import functions as F

    if name not in frame.columns:
        return F.lit("").alias(name)
    loaded = dict(frame.dtypes)[name]
    column = F.col(f"`{name}`")
    if loaded == "string":
        text = column
    elif declared == "timestamp":
        text = F.date_format(column, "yyyy-MM-dd HH:mm:ss")
    elif declared.startswith("decimal"):
        text = column.cast(declared).cast("string")
    else:
        text = column.cast("string")
    return F.coalesce(text, F.lit("")).alias(name)


def rescued(frame, name: str):
    """A column schema_evolution rescue kept in _rescued_data, as text ("" for none)."""
    from pyspark.sql import functions as F

    from ingen_fab.runtime.ingestion.schema_policy import RESCUED

    if RESCUED not in frame.columns:
        return F.lit("").alias(name)
    value = F.get_json_object(F.col(RESCUED), f"$.{name}")
    return F.coalesce(value, F.lit("")).alias(name)


@dataclass
class Difference:
    config_id: str
    check: str
    expected: object
    found: object
    detail: str = ""


def compare(spark, answer: Answer, spec_table, quarantined: Counter) -> list[Difference]:
    """Where the lakehouse differs from the answer (no differences: the load is proven)."""
    if answer.unsupported:
        return [Difference(answer.config_id, "derivable", "yes", "no", answer.unsupported)]
    out = []
    declared = dict(spec_table.columns)
    want = spark.createDataFrame(answer.rows)
    if spark.catalog.tableExists(answer.target):
        loaded = spark.table(answer.target)
    else:
        loaded = spark.createDataFrame(answer.rows.slice(0, 0))
    got = loaded.select(*[canonical(loaded, c, declared[c]) for c in answer.columns],
                        *[rescued(loaded, c) for c in answer.rescued])
    count = got.count()
    if count != answer.rows.num_rows:
        out.append(Difference(answer.config_id, "rows", answer.rows.num_rows, count))
    missing, extra = want.exceptAll(got), got.exceptAll(want)
    for check, frame in (("rows missing", missing), ("rows not expected", extra)):
        found = frame.count()
        if found:
            keys = [", ".join(f"{k}={r[k]}" for k in answer.keys)
                    for r in frame.select(*answer.keys).limit(3).collect()]
            out.append(Difference(answer.config_id, check, 0, found, "; ".join(keys)))
    if answer.mode == "merge":
        doubled = got.groupBy(*answer.keys).count().where("count > 1").count()
        if doubled:
            out.append(Difference(answer.config_id, "duplicate keys", 0, doubled))
    absent = [c for c in answer.new_columns if c not in loaded.columns]
    if absent and answer.loaded_dates:
        out.append(Difference(answer.config_id, "new columns", ", ".join(answer.new_columns),
                              "missing " + ", ".join(absent)))
    added = [c for c in answer.rescued if c in loaded.columns]
    if added:
        out.append(Difference(answer.config_id, "columns rescued, not added", "none added",
                              ", ".join(added), "schema_evolution rescue"))
    if answer.strategy == "skip" and dict(answer.rejected) != dict(quarantined):
        out.append(Difference(answer.config_id, "rows quarantined by reason",
                              dict(sorted(answer.rejected.items())),
                              dict(sorted(quarantined.items()))))
    if out and answer.untyped:
        out[0].detail = "; ".join(filter(None, [out[0].detail, (
            f"custom_schema_json types none of {', '.join(answer.untyped)}, so an unparsable "
            "value turns the column to text instead of being rejected: declare the types")]))
    return out


def verify_expected(spark, root: str, data_dir: str | None, config_ids: list) -> dict:
    """Every config reading a faulty series, checked against its known answer:
    {"lines": [...], "problems": [...]} (no problems: every table is exactly as expected)."""
    import os

    from ingen_fab.runtime.ingestion import ledger
    from ingen_fab.runtime.schema import CONFIG_TABLE
    from ingen_fab.runtime.sql import qualified

    configs = [r.asDict() for r in spark.table(qualified(CONFIG_TABLE.name)).collect()
               if not config_ids or r["config_id"] in config_ids]
    folders = {os.path.normpath(data_dir)} if data_dir else {_folder(root, c) for c in configs}
    folders = sorted(f for f in folders if f and os.path.isdir(os.path.join(f, expected.FOLDER)))
    if not folders:
        return {"error": "no series with known answers (_expected/) found: pass the folder "
                         "generate-series --faults wrote"}
    quarantine = _quarantined(spark)
    states = ledger.load_states(spark, [c["config_id"] for c in configs])
    logged = _logged_gaps(spark, [c["config_id"] for c in configs])
    lines, problems = [], []
    for folder in folders:
        chosen = [c for c in configs if data_dir or _folder(root, c) == folder]
        spec = datasets.get_dataset(expected_settings(folder)["dataset"])
        for answer in answers(folder, chosen):
            mine = Counter({k[1]: n for k, n in quarantine.items() if k[0] == answer.config_id})
            differences = compare(spark, answer, spec.table(answer.table), mine)
            differences += _dates(answer, states.get(answer.config_id, {}))
            unsaid = [d for d in gaps_logged(answer) if d not in logged.get(answer.config_id, ())]
            if unsaid:
                differences.append(Difference(answer.config_id, "missing days in the log",
                                              _days(gaps_logged(answer)), "not named: "
                                              + _days(unsaid)))
            lines.append(_summary(answer))
            problems += [_line(d) for d in differences]
    return {"lines": lines, "problems": problems}


def _folder(root: str, cfg: dict) -> str | None:
    """A config's local source folder (None for a remote one)."""
    import os

    path = cfg.get("source_file_path") or ""
    if path.startswith("file://"):
        path = path[len("file://"):]
    elif "://" in path:
        return None
    return os.path.normpath(os.path.join(root, path))


GAP_NOTE = re.compile(r"no file for \d+ date\(s\) before the newest one loaded: "
                      r"([0-9][0-9., -]*[0-9])")


def _logged_gaps(spark, config_ids: list) -> dict:
    """config_id -> the dates its runs' log rows name as having no file (one query)."""
    from ingen_fab.runtime.schema import LOG_TABLE
    from ingen_fab.runtime.sql import qualified

    found: dict = {}
    if not config_ids or not spark.catalog.tableExists(qualified(LOG_TABLE.name)):
        return found
    rows = (spark.table(qualified(LOG_TABLE.name)).where("error_details LIKE '%no file for%'")
            .select("config_id", "error_details").collect())
    for row in rows:
        found.setdefault(row["config_id"], set()).update(gap_dates(row["error_details"]))
    return found


def gap_dates(details: str | None) -> set:
    """The dates the log's "no file for" notes in details name (a cut-off one is left out)."""
    import datetime as dt

    found = set()
    for text in GAP_NOTE.findall(details or ""):
        for span in text.split(", "):
            first, _, last = span.partition("..")
            try:
                day, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last or first)
            except ValueError:
                continue
            while day <= end:
                found.add(day)
                day += dt.timedelta(days=1)
    return found


def _quarantined(spark) -> Counter:
    """(config_id, reason class) -> rows in the quarantine table, in one aggregation."""
    from pyspark.sql import functions as F

    from ingen_fab.runtime.schema import QUARANTINE_TABLE
    from ingen_fab.runtime.sql import qualified

    found = Counter()
    if spark.catalog.tableExists(qualified(QUARANTINE_TABLE.name)):
        for row in (spark.table(qualified(QUARANTINE_TABLE.name))
                    .groupBy("config_id", "reason").agg(F.count(F.lit(1)).alias("n"))
                    .collect()):
            found[(row["config_id"], reason_class(row["reason"]))] += row["n"]
    return found


def _dates(answer: Answer, state: dict) -> list[Difference]:
    """The ledger's loaded dates (those of header-only or empty files aside: they load no
    row) and the late files of the answer's loaded dates it holds as loaded."""
    loaded = {path.replace("\\", "/"): r for path, r in state.items() if r.status == "loaded"}
    dates = sorted({r.date_partition for r in loaded.values() if r.date_partition is not None}
                   - set(answer.empty_dates))
    out = []
    if answer.loaded_dates != dates:
        out.append(Difference(answer.config_id, "dates loaded",
                              _days(answer.loaded_dates), _days(dates)))
    due = [p for p, day, _ in answer.late_files if day in set(answer.loaded_dates)]
    missed = [p for p in due if not any(q.endswith(p) for q in loaded)]
    if missed:
        out.append(Difference(answer.config_id, "late files loaded", len(due),
                              len(due) - len(missed), "missed: " + ", ".join(missed)))
    return out


def _days(days: list) -> str:
    return ", ".join(d.isoformat() for d in days) or "none"


def _summary(answer: Answer) -> str:
    rejected = ", ".join(f"{n} {c}" for c, n in sorted(answer.rejected.items())) or "none"
    return (f"{answer.config_id}: {answer.mode}/{answer.strategy}, expected "
            f"{answer.rows.num_rows} row(s) in {answer.target} from {len(answer.loaded_dates)} "
            f"date(s); rejected rows: {rejected}; dates rejected whole: "
            f"{len(answer.rejected_dates)}; empty or missing: {len(answer.empty_dates)} "
            f"(missing days: {_days(answer.missing_dates)}); "
            f"late files: {len(answer.late_files)}; second deliveries: "
            f"{len(answer.duplicate_deliveries)}")


def _line(diff: Difference) -> str:
    detail = f" ({diff.detail})" if diff.detail else ""
    return (f"{diff.config_id}: {diff.check}: expected {diff.expected}, found "
            f"{diff.found}{detail}")
