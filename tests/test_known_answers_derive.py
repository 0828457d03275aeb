"""The known answers (replayed truth + facts + each config's settings) against a loader written
here from scratch that reads the faulty files themselves: both must give the same rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re

import pytest
from helpers import dataset_schemas

from ingen_fab.ingestion.known_answers import answers
from ingen_fab.synthetic import api, expected

SCHEMAS = dataset_schemas()
FITS = {
    "bigint": re.compile(r"-?\d+"),
    "decimal(12,2)": re.compile(r"-?\d+(\.\d+)?"),
    "date": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "timestamp": re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}"),
}
LAST = dt.date(2024, 1, 8)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    base = tmp_path_factory.mktemp("derive")
    profile = base / "files.toml"  # hostile, with a file fault on half the files
    profile.write_text('based_on = "hostile"\nfile_rate = 0.5\n')
    root = base / "retail"
    api.generate_series("retail_oltp_incremental", "2024-01-01", LAST.isoformat(),
                        output_dir=str(root), faults_spec=str(profile))
    facts = expected.read_facts(str(root))
    assert {"late_part", "late_file", "duplicate_delivery"} <= {f["file_fault"] for f in facts}
    assert any(f["arrives"] > LAST.isoformat() for fact in facts for f in fact["files"])
    return str(root)


def _bad(fields: list, header: list, types: dict) -> bool:
    if len(fields) != len(header):
        return True
    for name, value in zip(header, fields):
        if "\udce9" in value:  # a byte that is not UTF-8
            return True
        kind = types.get(name)
        if value and kind in FITS and not FITS[kind].fullmatch(value):
            return True
    return False


def _file_rows(path: str, table: str) -> tuple[list, bool]:
    """(rows as declared-column text, any row rejected) of one delivered file."""
    with open(path, "rb") as handle:
        text = handle.read().decode("utf-8", "surrogateescape").removeprefix("\ufeff")
    records = list(csv.reader(io.StringIO(text, newline="")))
    if not records:
        return [], False
    header, out, bad = records[0], [], False
    for fields in records[1:]:
        if _bad(fields, header, SCHEMAS[table]):
            bad = True
            continue
        where = dict(zip(header, fields))
        out.append(tuple(where.get(name, "") for name in SCHEMAS[table]))
    return out, bad


def _load_from_files(root: str, table: str, mode: str, keys: list, strategy: str) -> list:
    rows = []
    for day in (dt.date(2024, 1, 1) + dt.timedelta(days=n) for n in range(LAST.day)):
        folder = os.path.join(root, day.strftime("%Y/%m/%d"), table)
        names = sorted(os.listdir(folder)) if os.path.isdir(folder) else []
        if not names:
            continue
        got, bad, seen = [], False, set()
        for name in names:  # a file repeating another's bytes loads once
            with open(os.path.join(folder, name), "rb") as handle:
                content = handle.read()
            if content not in seen:
                seen.add(content)
                part, wrong = _file_rows(os.path.join(folder, name), table)
                got, bad = got + part, bad or wrong
        if bad and strategy == "fail":
            break
        if bad and strategy == "log":
            continue
        rows += got
    if mode == "merge":
        at = [list(SCHEMAS[table]).index(k) for k in keys]
        rows = list({tuple(r[i] for i in at): r for r in rows}.values())
    return sorted(rows)


@pytest.mark.parametrize(
    "table, mode, keys, strategy",
    [
        ("orders", "append", None, "skip"),
        ("order_items", "append", None, "log"),
        ("customers", "merge", "customer_id", "skip"),
        ("stores", "merge", "store_id", "skip"),
        ("products", "merge", "product_id", "fail"),
        ("inventory", "merge", "store_id,product_id,date", "log"),
    ],
)
def test_the_answer_is_what_the_files_give_a_correct_loader(folder, table, mode, keys, strategy):
    cfg = {"config_id": f"derive_{table}", "file_discovery_pattern": f"**/{table}/*.csv",
           "write_mode": mode, "merge_keys": keys, "error_handling_strategy": strategy,
           "target_schema_name": "bronze", "target_table_name": table, "active_yn": "Y"}
    (answer,) = answers(folder, [cfg])
    got = sorted(tuple(r.values()) for r in answer.rows.to_pylist())
    want = _load_from_files(folder, table, mode, (keys or "").split(","), strategy)
    assert got == want
    facts = [f for f in expected.read_facts(folder) if f["table"] == table]
    faulted = sum(len(f["row_faults"]) + bool(f["file_fault"]) for f in facts)
    assert faulted > 0  # the check saw faults, not a clean series


def test_the_logs_gap_note_names_every_missing_date_and_verify_reads_them_back():
    from ingen_fab.ingestion.verify_expected import gap_dates
    from ingen_fab.runtime.ingestion.load import date_spans

    days = [dt.date(2024, 1, d) for d in (3, 4, 5, 9, 11, 12)]
    text = date_spans(days)
    assert text == "2024-01-03..2024-01-05, 2024-01-09, 2024-01-11..2024-01-12"
    note = f'{{"notes": ["no file for 6 date(s) before the newest one loaded: {text}"]}}'
    assert gap_dates(note) == set(days)
    assert gap_dates(note[:-12]) == set(days[:4])  # cut off inside a date: that one is left out
