"""What a correct loader must have loaded from a faulty series, per config (verify --expected).

The facts in ``_expected/`` say which rows and files carry which fault; the generator's truth
is replayed from the settings its manifest pins; each config's own settings (write mode, keys,
error handling strategy, date range) decide the rest:

- A date loads the rows of its delivered file (a late file once it has arrived, a second
  delivery of the same file once). A header-only, empty or missing file loads nothing.
- A row a correct loader rejects (field count, unparsable value, invalid bytes) is set aside
  under ``skip``; under ``log`` or ``fail`` its whole date is rejected (``fail`` also stops the
  config at that date, so no later date loads).
- A dropped or renamed column loads NULL in the declared column; a quoted field loads its
  value exactly. A new or renamed-to column follows the config's schema_evolution: added to
  the table (add_columns), its values in ``_rescued_data`` (rescue), or the config stops at
  the first date whose file holds it (fail); fail and rescue are derived for configs that
  declare custom_schema_json (otherwise the first load's columns make the table).
- ``append`` keeps every loaded row, a duplicate key's extra row too; ``merge`` keeps, per key,
  the row of the latest loaded date (the last in file order within a date).

Values are compared as text in the form the clean CSV writes them ("" for NULL).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field

from ingen_fab.synthetic import datasets, expected, inject

DERIVED_MODES = ("append", "merge")
STRATEGIES = ("skip", "log", "fail")
UNLOADED = ("header_only", "empty_file", "missing_day")
EXTRA_ROWS = ("quoted_field", "duplicate_key", "repeated_key")  # a row the truth lacks


@dataclass
class Answer:
    """The expected outcome of one config reading one table of the series."""

    config_id: str
    table: str  # the dataset table the config reads
    target: str  # schema.table it writes
    columns: list  # the declared columns compared
    keys: list
    rows: object = None  # pyarrow Table of strings: the target's expected business columns
    rejected: Counter = field(default_factory=Counter)  # reason class -> rows (skip)
    day_rejects: dict = field(default_factory=dict)  # date -> its reason class Counter
    loaded_dates: list = field(default_factory=list)
    rejected_dates: list = field(default_factory=list)  # log/fail: dates with a bad row
    empty_dates: list = field(default_factory=list)  # header-only, empty or missing file
    missing_dates: list = field(default_factory=list)  # no file arrived at all
    file_dates: list = field(default_factory=list)  # a file arrived (whatever its outcome)
    late_files: list = field(default_factory=list)  # (path, date, arrives)
    duplicate_deliveries: list = field(default_factory=list)
    new_columns: list = field(default_factory=list)  # added or renamed-to columns
    rescued: list = field(default_factory=list)  # schema_evolution rescue: in _rescued_data
    refused_dates: list = field(default_factory=list)  # schema_evolution fail: a new column
    policy: str = "add_columns"  # schema_evolution
    mode: str = ""
    strategy: str = ""
    untyped: list = field(default_factory=list)  # faulted columns the config does not type
    unsupported: str = ""  # why no answer is derived for the config


def source_table(cfg: dict, names: set) -> str | None:
    """The series table a config reads: its discovery pattern's folder (``**/<table>/*.csv``)."""
    pattern = (cfg.get("file_discovery_pattern") or "").replace("\\", "/")
    found = re.fullmatch(r"(?:\*\*/)?([A-Za-z0-9_]+)/\*\.csv", pattern)
    return found.group(1) if found and found.group(1) in names else None


def answers(root: str, configs: list[dict], until: dt.date | None = None) -> list[Answer]:
    """The expected outcome of every active config that reads a table of the series at root.

    ``until``: the last day whose files have arrived (default: the series' last date)."""
    spec = datasets.get_dataset((expected_settings(root))["dataset"])
    facts = expected.read_facts(root)
    by_table: dict = {}
    for fact in facts:
        by_table.setdefault(fact["table"], {})[dt.date.fromisoformat(fact["date"])] = fact
    until = until or max((d for days in by_table.values() for d in days), default=None)
    found = []
    for cfg in configs:
        table = source_table(cfg, set(by_table))
        if table is None or (cfg.get("active_yn") or "Y").upper() != "Y":
            continue
        found.append(_answer_for(cfg, spec.table(table), by_table[table], until))
    _fill_rows(root, found, by_table, until)
    return found


def expected_settings(root: str) -> dict:
    from ingen_fab.synthetic import manifest

    settings = manifest.read_manifest(root)
    if not settings or "faults" not in settings:
        raise ValueError(
            f"{root} holds no known answers: generate the series with --faults "
            "(realistic, hostile or a profile file) to verify against it"
        )
    return settings


def _answer_for(cfg: dict, table, days: dict, until) -> Answer:
    mode = (cfg.get("write_mode") or "").lower()
    keys = [k.strip() for k in (cfg.get("merge_keys") or "").split(",") if k.strip()]
    answer = Answer(cfg["config_id"], table.name,
                    f"{cfg.get('target_schema_name') or 'dbo'}.{cfg['target_table_name']}",
                    table.column_names, keys or list(table.keys) or table.column_names[:1])
    strategy = (cfg.get("error_handling_strategy") or "log").lower()
    answer.mode, answer.strategy = mode, strategy
    answer.policy = (cfg.get("schema_evolution") or "add_columns").lower()
    if mode not in DERIVED_MODES or strategy not in STRATEGIES:
        answer.unsupported = (f"write_mode {mode} / error_handling_strategy {strategy} has "
                              f"no derived answer (derived: {', '.join(DERIVED_MODES)})")
    elif answer.policy != "add_columns" and not cfg.get("custom_schema_json"):
        answer.unsupported = (f"schema_evolution {answer.policy} without custom_schema_json "
                              "has no derived answer (the first load's columns make the "
                              "table): declare the columns")
    start, end = cfg.get("date_range_start"), cfg.get("date_range_end")
    for day in sorted(days):
        if (start and day < _date(start)) or (end and day > _date(end)):
            continue
        _plan_day(answer, days[day], day, until)
    typed = _declared(cfg)
    answer.untyped = sorted({r["column"] for d in days.values() for r in d["row_faults"]
                             if r["reason"] == "unparsable" and r["column"] not in typed})
    stops = answer.refused_dates + (answer.rejected_dates if strategy == "fail" else [])
    if stops:
        answer.loaded_dates = [d for d in answer.loaded_dates if d < min(stops)]
    for day in answer.loaded_dates:
        answer.rejected.update(answer.day_rejects[day])
    return answer


def _declared(cfg: dict) -> set:
    """The columns custom_schema_json types (not as string)."""
    import json

    try:
        data = json.loads(cfg.get("custom_schema_json") or "{}")
    except ValueError:
        return set()
    if isinstance(data, dict) and data.get("type") == "struct":
        return {f["name"] for f in data.get("fields", []) if f.get("type") != "string"}
    return {k for k, v in data.items() if v != "string"} if isinstance(data, dict) else set()


def arrived_records(fact: dict, until) -> set:
    """The truth records of a date whose file has arrived by ``until``."""
    found = set()
    for file in fact["files"]:
        if dt.date.fromisoformat(file["arrives"]) <= until:
            found.update(range(*file["records"]))
    return found


def _plan_day(answer: Answer, fact: dict, day: dt.date, until) -> None:
    arrived = [f for f in fact["files"] if dt.date.fromisoformat(f["arrives"]) <= until]
    if arrived:
        answer.file_dates.append(day)
    here = arrived_records(fact, until)
    if _schema_drift(answer, fact, arrived):
        return
    for file in arrived:
        if file["arrives"] > fact["date"]:
            answer.late_files.append((file["path"], day, file["arrives"]))
    if fact["file_fault"] == "duplicate_delivery" and len(arrived) > 1:
        answer.duplicate_deliveries.append(arrived[1]["path"])
    if not arrived or fact["file_fault"] in UNLOADED:
        answer.empty_dates.append(day)
        if not arrived:
            answer.missing_dates.append(day)
        return
    bad = Counter(r["reason"] for r in fact["row_faults"] if r["reason"] and r["record"] in here)
    if bad and answer.strategy != "skip":
        answer.rejected_dates.append(day)
        return
    answer.day_rejects[day] = bad
    answer.loaded_dates.append(day)


def gaps_logged(answer: Answer) -> list:
    """The missing dates the log must name: those a run passed (a date with a file before
    and after it)."""
    if not answer.file_dates:
        return []
    first, last = min(answer.file_dates), max(answer.file_dates)
    return [d for d in answer.missing_dates if first < d < last]


def _schema_drift(answer: Answer, fact: dict, arrived: list) -> bool:
    """Note the date's new or renamed-to columns as its schema_evolution treats them; True
    when they stop the config there (fail: a file with a header holds one)."""
    drifted = [d.get("renamed_to", d["column"]) for d in fact["drifts"]
               if d["kind"] != "dropped_column"]
    if drifted and answer.policy == "fail":
        if arrived and fact["file_fault"] != "empty_file":
            answer.refused_dates.append(_date(fact["date"]))
            return True
        return False
    noted = answer.rescued if answer.policy == "rescue" else answer.new_columns
    noted += [c for c in drifted if c not in noted]
    return False


def _fill_rows(root: str, found: list[Answer], by_table: dict, until) -> None:
    """Replay the truth once for every date any answer loads and build each answer's rows."""
    import pyarrow as pa

    wanted = sorted({d for a in found for d in a.loaded_dates})
    names = {a.table for a in found}
    seed = expected_settings(root)["seed"] if any(a.rescued for a in found) else 0
    parts: dict = {a.config_id: [] for a in found}
    for day, tables in expected.replay(root, wanted, names):
        for answer in found:
            if day in answer.loaded_dates:
                rows = _day_rows(tables[answer.table], by_table[answer.table][day], answer,
                                 until, seed)
                parts[answer.config_id].append(rows)
    for answer in found:
        empty = pa.table({c: pa.array([], pa.string())
                          for c in answer.columns + answer.rescued})
        rows = pa.concat_tables([empty, *parts[answer.config_id]])
        answer.rows = _latest_per_key(rows, answer.keys) if answer.mode == "merge" else rows


def _day_rows(table, fact: dict, answer: Answer, until, seed: int):
    """The rows a correct loader lands from one date's files (those arrived by ``until``), in
    file order, as text: the declared columns, then those rescued into _rescued_data."""
    import pyarrow as pa
    import pyarrow.compute as pc

    here = arrived_records(fact, until)
    drifted = _drift_text(table, fact, seed, answer.rescued)
    if len(here) < table.num_rows:
        kept = sorted(here)
        position = {record: i for i, record in enumerate(kept)}
        table = table.take(pa.array(kept, pa.int64()))
        drifted = {c: v.take(pa.array(kept, pa.int64())) for c, v in drifted.items()}
        fact = dict(fact, row_faults=[dict(r, record=position[r["record"]])
                                      for r in fact["row_faults"] if r["record"] in here])

    gone = {d["column"] for d in fact["drifts"] if d["kind"] != "new_column"}
    blank = pa.array([""] * table.num_rows, pa.string())
    columns = {
        name: blank if name in gone else pc.fill_null(pc.cast(table[name], pa.string()), "")
        for name in answer.columns
    }
    columns.update({name: drifted.get(name, blank) for name in answer.rescued})
    base = pa.table(columns).append_column(
        "_pos", pa.array(range(1, 2 * table.num_rows, 2), pa.int64()))
    if not fact["row_faults"]:
        return base.drop_columns(["_pos"])
    replaced = {r["record"] for r in fact["row_faults"] if r["reason"] or
                r["kind"] == "quoted_field"}
    keep = pc.invert(pc.is_in(pa.array(range(table.num_rows), pa.int64()),
                              pa.array(sorted(replaced), pa.int64())))
    extra = [(2 * r["record"] + (r["kind"] == "quoted_field"), r["row"], r["record"])
             for r in fact["row_faults"] if r["kind"] in EXTRA_ROWS]
    added = {c: pa.array([row[i] for _, row, _ in extra], pa.string())
             for i, c in enumerate(answer.columns)}
    for name in answer.rescued:  # an extra record copies its record's undeclared values
        added[name] = columns[name].take(pa.array([r for *_, r in extra], pa.int64()))
    added["_pos"] = pa.array([pos for pos, *_ in extra], pa.int64())
    rows = pa.concat_tables([base.filter(keep), pa.table(added)])
    return rows.take(pc.sort_indices(rows["_pos"])).drop_columns(["_pos"])


def _drift_text(table, fact: dict, seed: int, names: list) -> dict:
    """column -> its text on the date's truth rows, for the new or renamed-to columns in
    names the date's files hold."""
    import pyarrow as pa
    import pyarrow.compute as pc

    found = {}
    day = _date(fact["date"])
    for drift in fact["drifts"]:
        if drift["kind"] == "new_column" and drift["column"] in names:
            values = inject.new_column_values(seed, fact["table"], day, table.num_rows)
            found[drift["column"]] = values.cast(pa.string())
        elif drift["kind"] == "renamed_column" and drift["renamed_to"] in names:
            text = pc.fill_null(pc.cast(table[drift["column"]], pa.string()), "")
            found[drift["renamed_to"]] = text
    return found


def _latest_per_key(rows, keys: list):
    """One row per key: the last in load order."""
    import pyarrow as pa

    numbered = rows.append_column("_order", pa.array(range(rows.num_rows), pa.int64()))
    last = numbered.group_by(keys, use_threads=False).aggregate([("_order", "max")])
    return rows.take(pa.array(sorted(last["_order_max"].to_pylist()), pa.int64()))


def _date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
