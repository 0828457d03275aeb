"""``validate``: walk a generated folder and check the layout and every invariant.

Layout and headers are checked here; the per-date and across-date rules live in
:mod:`ingen_fab.synthetic.invariants`. Breaches are collected (up to a cap), not raised, so
one run reports everything that is wrong.
"""

from __future__ import annotations

import datetime as dt
import glob
import os
from dataclasses import dataclass, field

from ingen_fab.errors import SyntheticDataError
from ingen_fab.synthetic import changes, datasets, manifest, writer

MAX_PROBLEMS = 50


@dataclass
class ValidationReport:
    root: str
    problems: list[str] = field(default_factory=list)
    dates: int = 0
    files: int = 0
    rows: int = 0
    truncated: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(message)
        else:
            self.truncated = True


def validate_folder(root: str) -> ValidationReport:
    from ingen_fab.synthetic.invariants import History, check_day

    if not os.path.isdir(root):
        raise SyntheticDataError(
            f"{root} is not a folder: pass the output root of "
            "generate-series (the folder holding _manifest.json)"
        )
    settings = manifest.read_manifest(root)
    if settings is None:
        raise SyntheticDataError(
            f"{root} has no {manifest.MANIFEST_NAME}: pass the output root of generate-series"
        )
    if "faults" in settings:
        raise SyntheticDataError(
            f"{root} was generated with --faults {settings['faults'].get('profile')}: its files "
            "break the invariants on purpose and validate checks clean series only; its known "
            "answers are in _expected/"
        )
    spec = datasets.get_dataset(str(settings.get("dataset")))
    fmt = settings.get("format", "csv")
    report = ValidationReport(root)
    dates = _date_folders(root, report)
    history = History()
    declared = list(spec.tables)
    if settings.get("changes") == "feed":
        declared += [changes.feed_table(spec.table(name)) for name in changes.FEEDS]
    previous: dict = {}  # the previous date's snapshots, when that date is the day before
    for day in dates:
        tables = _read_day(root, day, declared, fmt, report)
        report.dates += 1
        if tables is not None:
            _check_feeds(root, day, tables, previous, report)
            check_day(day, tables, history, report)
        previous = {"day": day, **(tables or {})}
    if not dates:
        report.add(f"{root} holds no YYYY/MM/DD date folders")
    return report


def _date_folders(root: str, report: ValidationReport) -> list[dt.date]:
    dates = []
    for path in sorted(glob.glob(os.path.join(root, "*", "*", "*"))):
        if not os.path.isdir(path):
            continue
        parts = os.path.relpath(path, root).split(os.sep)
        try:
            dates.append(dt.date(int(parts[0]), int(parts[1]), int(parts[2])))
            if [len(p) for p in parts] != [4, 2, 2]:
                raise ValueError
        except ValueError:
            report.add(f"{path}: not a YYYY/MM/DD date folder")
    return sorted(dates)


def _check_feeds(root: str, day: dt.date, tables: dict, previous: dict,
                 report: ValidationReport) -> None:
    """Each change file holds exactly the changes its day's snapshot shows, then the deletes of
    the keys gone since the day before (taken out of tables, which then holds the dataset's own
    tables). Without the day before, the rows after the snapshot's own changes stand for it:
    they must be keys the snapshot lacks."""
    known = previous.get("day") == day - dt.timedelta(days=1)
    for name in changes.FEEDS:
        feed = tables.pop(changes.feed_name(name), None)
        if feed is None:
            continue
        if known:
            before = previous.get(name)
        else:
            own = changes.day_changes(name, tables[name], day).num_rows
            before = feed.slice(own).drop_columns([c for c, _ in changes.COLUMNS])
        if not feed.equals(changes.day_changes(name, tables[name], day, before)):
            report.add(f"{os.path.join(root, day.strftime('%Y/%m/%d'), changes.feed_name(name))}: "
                       f"the changes differ from what the day's {name} snapshot shows")


def _read_day(root: str, day: dt.date, declared, fmt: str, report: ValidationReport):
    import pyarrow as pa

    tables = {}
    folder = os.path.join(root, day.strftime("%Y/%m/%d"))
    extra = sorted(set(os.listdir(folder)) - {t.name for t in declared})
    if extra:
        report.add(f"{folder}: unexpected entries {', '.join(extra)}")
    for table in declared:
        path = os.path.join(root, writer.relative_path(day, table.name, fmt))
        siblings = (
            sorted(os.listdir(os.path.dirname(path)))
            if os.path.isdir(os.path.dirname(path))
            else []
        )
        if siblings != [os.path.basename(path)]:
            report.add(
                f"{os.path.dirname(path)}: expected exactly {os.path.basename(path)}, "
                f"found {siblings or 'nothing'}"
            )
        if not os.path.isfile(path):
            continue
        report.files += 1
        if fmt == "csv" and not _header_ok(path, table, report):
            continue
        try:
            tables[table.name] = writer.read_table(path, datasets.arrow_schema(table))
        except (pa.ArrowException, OSError, ValueError) as exc:
            report.add(f"{path}: cannot be read with the declared types ({exc})")
            continue
        if tables[table.name].column_names != table.column_names:
            report.add(
                f"{path}: columns {tables[table.name].column_names} differ from "
                f"{table.column_names}"
            )
            del tables[table.name]
            continue
        report.rows += tables[table.name].num_rows
    return tables if len(tables) == len(declared) else None


def _header_ok(path: str, table, report: ValidationReport) -> bool:
    with open(path, encoding="utf-8", newline="") as handle:
        header = handle.readline().rstrip("\n")
    if header != ",".join(table.column_names):
        report.add(f"{path}: header '{header}' differs from '{','.join(table.column_names)}'")
        return False
    return True
