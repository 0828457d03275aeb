"""One table's file of one day with its faults, and the facts a correct loader is judged by.

The clean CSV is rendered by Arrow as for a clean series; faults are spliced into its bytes
(only the faulted lines are touched, so a faulty series costs little more than a clean one).
The facts come from the truth and from each fault as it is made, never from reading the
written file back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from ingen_fab.synthetic import faults, writer
from ingen_fab.synthetic.faults import Drift, Profile

BOM = b"\xef\xbb\xbf"
FORMAT_VERSION = 1
NEW_COLUMN_VALUES = ("pos", "web", "app")


@dataclass
class DayFile:
    path: str  # relative to the output root
    arrives: dt.date  # the day the file appears (its date, unless it is late)
    write: Callable[[str], None]  # writes the file at the absolute path given


@dataclass
class _Day:
    """One file as it is being faulted: the clean table and the records spliced into it."""

    spec: object  # datasets.Table
    day: dt.date
    table: object  # the Arrow table as written (after the day's schema drifts)
    rows: int = 0
    picked: dict = field(default_factory=dict)  # record -> its clean bytes, when faulted
    faulted: dict = field(default_factory=dict)  # record -> (bytes written, fact)
    before: dict = field(default_factory=dict)  # record -> (bytes written first, fact)
    header: list = field(default_factory=list)  # column names as written
    kinds: dict = field(default_factory=dict)  # lookups: types -> positions, keys held

    def __post_init__(self):
        self.header = list(self.table.column_names)
        self.where = {name: i for i, name in enumerate(self.header)}

    def truth(self, fields: list) -> list:
        """A record's values in the declared columns as text ("" where the file lacks one)."""
        return [fields[self.where[n]].decode("utf-8", "replace") if n in self.where else ""
                for n, _ in self.spec.columns]

    def key(self, fields: list) -> dict:
        names = list(self.spec.keys) or [self.spec.columns[0][0]]
        return {n: fields[self.where[n]].decode() for n in names if n in self.where}


def _render(table, eol: str = "\n") -> bytes:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    sink = pa.BufferOutputStream()
    pacsv.write_csv(table, sink, _options(eol))
    return sink.getvalue().to_pybytes()


def _options(eol: str):
    import pyarrow.csv as pacsv

    return pacsv.WriteOptions(include_header=False, quoting_style="none", eol=eol)


def build(spec, table, day: dt.date, seed: int, profile: Profile, drifts: list[Drift]):
    """The files of ``spec``'s table on ``day`` (none, one or two) and the facts of the day."""
    shifted = [d for d in drifts if d.table == spec.name and d.covers(_day_number(day))]
    state = _Day(spec, day, _drift(table, shifted, seed, day), rows=table.num_rows)
    _row_faults(state, seed, profile)
    return _files(state, seed, profile, shifted)


def _drift(table, shifted: list[Drift], seed: int, day: dt.date):
    """The day's table with its schema drifts: a column added, dropped or renamed."""
    for drift in shifted:
        names = table.column_names
        if drift.kind == "new_column":
            table = table.append_column(
                drift.column, new_column_values(seed, drift.table, day, table.num_rows))
        elif drift.kind == "dropped_column":
            table = table.drop_columns([drift.column])
        else:
            table = table.rename_columns([drift.renamed_to if n == drift.column else n
                                          for n in names])
    return table


def new_column_values(seed: int, table: str, day: dt.date, rows: int):
    """The values of the column a new_column drift adds to ``table`` on ``day``."""
    import pyarrow as pa

    rng = faults.stream(seed, "new_column", table, _day_number(day))
    picks = rng.integers(len(NEW_COLUMN_VALUES), size=rows)
    return pa.array(NEW_COLUMN_VALUES).take(pa.array(picks))


def _row_faults(state: _Day, seed: int, profile: Profile) -> None:
    kinds = profile.enabled(faults.ROW)
    if not kinds or not state.rows or profile.row_rate <= 0:
        return
    rng = faults.stream(seed, "rows", state.spec.name, _day_number(state.day))
    size = min(state.rows, int(rng.binomial(state.rows, profile.row_rate)))
    chosen = rng.choice(state.rows, size=size, replace=False).tolist()
    picks = rng.choice(len(kinds), size=size).tolist()
    order = sorted(chosen)
    lines = _render(state.table.take(order)).split(b"\n") if order else []
    state.picked = dict(zip(order, lines))
    for index, pick in sorted(zip(chosen, picks)):
        _row_fault(state, index, kinds[pick], rng)


def _columns(state: _Day, types: tuple) -> list[int]:
    """Positions of the file's non-key columns of the given declared types (never the first
    column, the table's own id)."""
    if types not in state.kinds:
        declared = dict(state.spec.columns)
        state.kinds[types] = [
            i
            for i, name in enumerate(state.header)
            if i > 0 and name not in state.spec.keys
            and declared.get(name, "").startswith(types)
        ]
    return state.kinds[types]


def _row_fault(state: _Day, index: int, kind: str, rng) -> None:
    """Fault record ``index`` (or write a record before it) and note the fact."""
    fields = state.picked[index].split(b",")
    numbers = _columns(state, ("int", "decimal"))
    others = _columns(state, ("date",) if kind == "bad_date" else ("string",))
    if kind in ("bad_date", "bad_encoding", "quoted_field") and not others:
        kind = "bad_number"
    keyed = ("bad_number", "duplicate_key", "repeated_key")
    if kind in keyed and not numbers:
        kind = "extra_field"
    fact = {"kind": kind, "key": state.key(fields), "reason": faults.BY_NAME[kind].reason,
            "record": index, "row": state.truth(fields)}
    at = (numbers if kind in keyed else others or [len(fields) - 1])
    at = at[int(rng.integers(len(at)))]
    if kind not in ("extra_field", "missing_field"):
        fact["column"] = state.header[at]
    if kind in ("duplicate_key", "repeated_key"):
        loser = list(fields)
        loser[at] = _bumped(loser[at])
        if kind == "repeated_key" and not _earlier_key(state, loser, rng):
            fact["kind"] = "duplicate_key"  # no earlier key to repeat: the same key then
        fact["row"], fact["key"] = state.truth(loser), state.key(loser)
        state.before[index] = (b",".join(loser), fact)
        return
    if kind == "extra_field":
        fields.append(fields[-1])
    elif kind == "missing_field":
        fields.pop()
    elif kind == "bad_number":
        fields[at] = (b"N/A", b"12..5", b"#VALUE!")[int(rng.integers(3))]
    elif kind == "bad_date":
        stamp = dt.date.fromisoformat(fields[at].decode()) if fields[at] else state.day
        fields[at] = stamp.strftime("%d/%m/%Y").encode()
    elif kind == "bad_encoding":
        fields[at] = fields[at] + b"\xe9"
    else:  # quoted_field: valid CSV, so the truth becomes the quoted value
        value = fields[at] + b', "quoted"\nsecond line'
        fields[at] = value
        fact["row"] = state.truth(fields)
        fields[at] = b'"' + value.replace(b'"', b'""') + b'"'
    state.faulted[index] = (b",".join(fields), fact)


def _earlier_key(state: _Day, fields: list, rng) -> bool:
    """Give fields the key of an earlier day's row: a date key the day before (the other
    keys kept), else an id below the file's highest that the file does not hold. False when
    there is none."""
    names = list(state.spec.keys) or [state.spec.columns[0][0]]
    declared = dict(state.spec.columns)
    dates = [n for n in names if declared.get(n) == "date" and n in state.where]
    for name in dates:
        at = state.where[name]
        day = dt.date.fromisoformat(fields[at].decode()) if fields[at] else state.day
        fields[at] = (day - dt.timedelta(days=1)).isoformat().encode()
    if dates:
        return True
    name = names[0]
    if name not in state.where or not declared.get(name, "").startswith("int"):
        return False
    if ("ids", name) not in state.kinds:
        state.kinds[("ids", name)] = set(state.table[name].drop_null().to_pylist())
    held = state.kinds[("ids", name)]
    top = max(held, default=0)
    for _ in range(8):
        candidate = int(rng.integers(1, top)) if top > 1 else 0
        if candidate and candidate not in held:
            fields[state.where[name]] = str(candidate).encode()
            return True
    return False


def _bumped(value: bytes) -> bytes:
    """Another value of a number column: one more (0 when it is empty)."""
    if not value:
        return b"0"
    whole, dot, cents = value.partition(b".")
    return str(int(whole) + 1).encode() + dot + cents


def _noted(state: _Day, path: str, first: int, last: int) -> list:
    """The row-fault facts of records first..last-1, written to ``path`` (relative), with the
    physical line of their record there (the header is line 1)."""
    noted, shift, path = [], 0, path.replace("\\", "/")
    for index in sorted(i for i in set(state.faulted) | set(state.before) if first <= i < last):
        line = index - first + 2
        if index in state.before:  # an extra record: the lines after it move down one
            noted.append({**state.before[index][1], "file": path, "line": line + shift})
            shift += 1
        if index in state.faulted:  # a quoted line break moves them down too
            text, fact = state.faulted[index]
            noted.append({**fact, "file": path, "line": line + shift})
            shift += text.count(b"\n")
    return noted


def _writer(state: _Day, fault: str | None, first: int, last: int) -> Callable[[str], None]:
    """How records first..last-1 of the day are written: the clean table streamed, the faulted
    records spliced in."""
    import pyarrow.csv as pacsv

    eol = "\r\n" if fault == "crlf" else "\n"
    end = eol.encode()

    def fill(sink) -> None:
        if fault == "bom":
            sink.write(BOM)
        sink.write(",".join(state.header).encode() + end)
        if fault == "header_only":
            return
        rows = pacsv.CSVWriter(sink, state.table.schema, write_options=_options(eol))
        done = first
        for index in sorted(i for i in set(state.faulted) | set(state.before)
                            if first <= i < last):
            if index > done:
                rows.write(state.table.slice(done, index - done))
            if index in state.before:
                sink.write(state.before[index][0] + end)
            if index in state.faulted:
                sink.write(state.faulted[index][0] + end)
            else:
                rows.write(state.table.slice(index, 1))
            done = index + 1
        if done < last:
            rows.write(state.table.slice(done, last - done))
        rows.close()

    def write(path: str) -> None:
        writer.write_with(path, (lambda sink: None) if fault == "empty_file" else fill)

    return write


def _deliveries(state: _Day, fault: str | None, rng) -> list:
    """(relative path, day it arrives, first record, end record) of each file of the day."""
    path = writer.relative_path(state.day, state.spec.name, "csv")
    whole = [(path, state.day, 0, state.rows)]
    late = dt.timedelta(days=int(rng.integers(faults.LATE_DAYS[0], faults.LATE_DAYS[1] + 1)))
    if fault == "missing_day":
        return []
    if fault == "late_file":
        return [(path, state.day + late, 0, state.rows)]
    if fault == "duplicate_delivery":
        return whole + [(path.replace(".csv", "_resent.csv"), state.day, 0, state.rows)]
    if fault == "late_part" and state.rows > 1:
        split = int(rng.integers(1, state.rows))
        return [(path, state.day, 0, split),
                (path.replace(".csv", "_part2.csv"), state.day + late, split, state.rows)]
    return whole


def _files(state: _Day, seed: int, profile: Profile, shifted: list[Drift]):
    """The day's files and facts, after the file fault drawn for the day (if any)."""
    kinds = profile.enabled(faults.FILE)
    rng = faults.stream(seed, "file", state.spec.name, _day_number(state.day))
    fault = None
    if kinds and rng.random() < profile.file_rate:
        fault = kinds[int(rng.integers(len(kinds)))]
    files, noted, ranges = [], [], []
    for path, arrives, first, last in _deliveries(state, fault, rng):
        files.append(DayFile(path, arrives, _writer(state, fault, first, last)))
        ranges.append([first, last])
        if fault not in ("header_only", "empty_file") and not path.endswith("_resent.csv"):
            noted += _noted(state, path, first, last)
    facts = {
        "format_version": FORMAT_VERSION,
        "table": state.spec.name,
        "date": state.day.isoformat(),
        "columns": state.header,
        "files": [{"path": f.path.replace("\\", "/"), "arrives": f.arrives.isoformat(),
                   "records": span} for f, span in zip(files, ranges)],
        "file_fault": fault,
        "drifts": [_drift_fact(d) for d in shifted],
        "rows": state.rows,
        "row_faults": noted,
    }
    return files, facts


def _drift_fact(drift: Drift) -> dict:
    fact = {"kind": drift.kind, "column": drift.column}
    if drift.kind == "renamed_column":
        fact["renamed_to"] = drift.renamed_to
    return fact


def _day_number(day: dt.date) -> int:
    return (day - dt.date(1970, 1, 1)).days
