"""Faults injected on purpose (--faults) and the known answers written beside them.

The facts are checked against the files as written, read back here with the csv module: every
recorded fault is on its line, and the clean rows plus the rejected rows' truth give the day's
recorded count and content hash.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os

import pytest
from click.testing import CliRunner
from helpers import tree_digests

from ingen_fab.cli.main import main as cli
from ingen_fab.errors import SyntheticDataError
from ingen_fab.synthetic import api, datasets, expected, faults

DATASET = "retail_oltp_incremental"
SPEC = datasets.RETAIL_DATASET


def _digest(tree: dict) -> str:
    return hashlib.sha256(json.dumps(sorted(tree.items())).encode()).hexdigest()[:16]


def _profile(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    profile = base / "hostile_files.toml"  # hostile, with a file fault on half the files
    profile.write_text('based_on = "hostile"\nfile_rate = 0.5\n')
    root = base / "series"
    api.generate_series(DATASET, "2024-01-01", "2024-01-14", output_dir=str(root),
                        faults_spec=str(profile))
    return root


def test_no_faults_is_the_clean_series_and_writes_no_answers(tmp_path):
    api.generate_series(DATASET, "2024-01-01", "2024-01-02", output_dir=str(tmp_path / "a"))
    api.generate_series(DATASET, "2024-01-01", "2024-01-02", output_dir=str(tmp_path / "b"),
                        faults_spec="none")
    assert tree_digests(tmp_path / "a") == tree_digests(tmp_path / "b")
    assert not (tmp_path / "b" / expected.FOLDER).exists()
    assert "faults" not in json.loads((tmp_path / "b" / "_manifest.json").read_text())


# the output of each profile over 2024-01-01..04 at small scale, seed 42: a change to the
# faults (or the world beneath them) shows here first
GOLDEN = {"realistic": "3e3fd09138a76408", "hostile": "ba3444456d1d302f", "toml": "fb77b0c99e3e04a9"}


@pytest.mark.parametrize("profile", ["realistic", "hostile", "toml"])
def test_each_profile_is_deterministic_and_only_adds_to_the_clean_world(tmp_path, profile):
    golden = GOLDEN[profile]
    if profile == "toml":
        profile = _profile(tmp_path, "p.toml",
                           'based_on = "realistic"\nfile_rate = 0.5\n[kinds]\nbom = false\n')
    runs = []
    for name in ("one", "two"):
        api.generate_series(DATASET, "2024-01-01", "2024-01-04", output_dir=str(tmp_path / name),
                            faults_spec=profile)
        runs.append(tree_digests(tmp_path / name))
    assert runs[0] == runs[1]
    assert _digest(runs[0]) == golden
    facts = expected.read_facts(str(tmp_path / "one"))
    assert len(facts) == 4 * 6
    assert sum(len(f["row_faults"]) for f in facts) > 0
    if profile.endswith(".toml"):
        assert not any(f["file_fault"] == "bom" for f in facts)
        assert sum(f["file_fault"] is not None for f in facts) >= 6


def test_a_series_written_in_parts_equals_one_written_at_once(tmp_path):
    late = _profile(tmp_path, "late.toml",
                    'based_on = "realistic"\nfile_rate = 1.0\n[kinds]\n'
                    + "".join(f"{k.name} = {str(k.name == 'late_file').lower()}\n"
                              for k in faults.KINDS if k.scope == faults.FILE))
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    api.generate_series(DATASET, "2024-01-01", "2024-01-08", output_dir=str(whole),
                        faults_spec=late)
    api.generate_series(DATASET, "2024-01-01", "2024-01-04", output_dir=str(parts),
                        faults_spec=late)
    first_half = tree_digests(parts)
    api.generate_series(DATASET, "2024-01-05", "2024-01-08", output_dir=str(parts),
                        faults_spec=late)
    assert tree_digests(parts) == tree_digests(whole)
    facts = expected.read_facts(str(whole))
    crossing = [f["files"][0]["path"] for f in facts
                if f["date"] <= "2024-01-04" < f["files"][0]["arrives"]]
    assert crossing  # late files of the first half arrive in the second
    assert not any(os.path.normpath(p) in first_half for p in crossing)
    beyond = [f for f in facts if f["files"][0]["arrives"] > "2024-01-08"]
    assert beyond and not any((whole / f["files"][0]["path"]).exists() for f in beyond)


def _records(data: bytes):
    """(first line, fields) per record of a CSV file, read as RFC 4180 says."""
    text = data.decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    header, line = next(reader), 2
    for fields in reader:
        yield line, fields
        line = reader.line_num + 1
    assert header


def _truth(table: str, columns: list, fields: list) -> list:
    """The declared columns of a record as text ("" where the file lacks one)."""
    where = {n: i for i, n in enumerate(columns)}
    return [fields[where[n]] if n in where else "" for n in SPEC.table(table).column_names]


def _check_fault(fact: dict, table: str, columns: list, fields: list) -> None:
    kind, at = fact["kind"], columns.index(fact.get("column", columns[0]))
    if kind in ("extra_field", "missing_field"):
        assert len(fields) == len(columns) + (1 if kind == "extra_field" else -1)
        return
    assert len(fields) == len(columns)
    value = fields[at]
    if kind == "bad_number":
        assert value in ("N/A", "12..5", "#VALUE!")
    elif kind == "bad_date":
        assert dt.datetime.strptime(value, "%d/%m/%Y")
    elif kind == "bad_encoding":
        with pytest.raises(UnicodeEncodeError):
            value.encode("utf-8")
    elif kind == "quoted_field":
        assert value.endswith(', "quoted"\nsecond line')
    truth = _truth(table, columns, fields)
    if kind not in ("quoted_field", "duplicate_key", "repeated_key"):
        truth[SPEC.table(table).column_names.index(fact["column"])] = fact["row"][
            SPEC.table(table).column_names.index(fact["column"])]
    assert truth == fact["row"]
    assert {n: fields[columns.index(n)] for n in fact["key"]} == fact["key"]


def test_the_answers_match_the_files_as_written(hostile):
    facts = expected.read_facts(str(hostile))
    seen = {f["file_fault"] for f in facts} | {r["kind"] for f in facts for r in f["row_faults"]}
    assert {k.name for k in faults.KINDS if k.scope != faults.SCHEMA} <= seen
    for fact in facts:
        if not fact["files"]:
            assert fact["file_fault"] == "missing_day"
            assert not (hostile / fact["date"].replace("-", "/") / fact["table"]).exists()
            continue
        for file in fact["files"]:
            path = hostile / file["path"]
            assert path.exists() == (file["arrives"] <= "2024-01-14"), path
        parts = [f["path"] for f in fact["files"] if not f["path"].endswith("_resent.csv")]
        if not all((hostile / p).exists() for p in parts):
            continue
        data = [(hostile / p).read_bytes() for p in parts]
        assert data[0].startswith(b"\xef\xbb\xbf") == (fact["file_fault"] == "bom")
        if fact["file_fault"] in ("header_only", "empty_file"):
            assert list(_records(data[0])) == [] if data[0] else data[0] == b""
            continue
        assert (b"\r\n" in data[0]) == (fact["file_fault"] == "crlf")
        assert sum(_check_file(fact, p, d) for p, d in zip(parts, data)) == fact["rows"]


def _check_file(fact: dict, path: str, data: bytes) -> int:
    """Check the faults recorded for one file of the day; returns its truth rows."""
    columns = fact["columns"]
    faulted = {r["line"]: r for r in fact["row_faults"] if r["file"] == path}
    rows = 0
    for line, fields in _records(data):
        fault = faulted.pop(line, None)
        if fault is not None:
            _check_fault(fault, fact["table"], columns, fields)
            if fault["kind"] in ("duplicate_key", "repeated_key"):
                continue
        rows += 1
    assert not faulted, f"faults not found on their lines: {sorted(faulted)}"
    return rows


def test_schema_drifts_are_in_the_files_and_the_answers(hostile):
    facts = expected.read_facts(str(hostile))
    drifted = {(f["table"], d["kind"]) for f in facts for d in f["drifts"]}
    assert {kind for _, kind in drifted} == {"new_column", "dropped_column", "renamed_column"}
    for fact in facts:
        declared = SPEC.table(fact["table"]).column_names
        for drift in fact["drifts"]:
            if drift["kind"] == "new_column":
                assert fact["columns"] == declared + ["source_system"]
            elif drift["kind"] == "dropped_column":
                assert drift["column"] not in fact["columns"]
            else:
                assert drift["renamed_to"] in fact["columns"]
        if not fact["drifts"]:
            assert fact["columns"] == declared


def test_a_folder_keeps_its_faults(tmp_path):
    api.generate_series(DATASET, "2024-01-01", "2024-01-01", output_dir=str(tmp_path),
                        faults_spec="realistic")
    with pytest.raises(SyntheticDataError, match="faults="):
        api.generate_series(DATASET, "2024-01-02", "2024-01-02", output_dir=str(tmp_path),
                            faults_spec="hostile")
    with pytest.raises(SyntheticDataError, match="faults="):
        api.generate_series(DATASET, "2024-01-02", "2024-01-02", output_dir=str(tmp_path))
    with pytest.raises(SyntheticDataError, match="validate checks clean series"):
        api.validate(str(tmp_path))


@pytest.mark.parametrize(
    "spec, rate, fmt, message",
    [
        ("chaos", None, "csv", "unknown --faults 'chaos'"),
        ("none", 0.1, "csv", "--fault-rate 0.1 needs faults"),
        ("realistic", None, "parquet", "use --format csv"),
        ("bad_key.toml", None, "csv", "unknown key rate"),
        ("bad_kind.toml", None, "csv", "[kinds] late = True is not a known kind"),
        ("bad_base.toml", None, "csv", "based_on 'chaos'"),
        ("bad_rate.toml", None, "csv", "file_rate 2 is not between 0 and 1"),
        ("missing.toml", None, "csv", "cannot read fault profile"),
    ],
)
def test_bad_fault_settings_are_one_line_errors(tmp_path, spec, rate, fmt, message):
    bodies = {"bad_key.toml": "rate = 1\n", "bad_kind.toml": "[kinds]\nlate = true\n",
              "bad_base.toml": 'based_on = "chaos"\n', "bad_rate.toml": "file_rate = 2\n"}
    if spec in bodies:
        spec = _profile(tmp_path, spec, bodies[spec])
    elif spec.endswith(".toml"):
        spec = str(tmp_path / spec)
    with pytest.raises(SyntheticDataError) as raised:
        api.plan_series(DATASET, "2024-01-01", "2024-01-02", output_dir=str(tmp_path / "out"),
                        fmt=fmt, faults_spec=spec, fault_rate=rate)
    assert message in str(raised.value) and "\n" not in str(raised.value)


def test_faults_list_documents_every_kind_and_the_cli_writes_answers(tmp_path):
    runner = CliRunner()
    listed = runner.invoke(cli, ["package", "synthetic-data", "faults", "list"])
    assert listed.exit_code == 0, listed.output
    for kind in faults.KINDS:
        assert kind.name in listed.output and kind.loader in listed.output
    out = tmp_path / "cli"
    made = runner.invoke(cli, ["package", "synthetic-data", "generate-series", DATASET,
                               "--start-date", "2024-01-01", "--end-date", "2024-01-02",
                               "--faults", "realistic", "--fault-rate", "0.01",
                               "--output-dir", str(out)])
    assert made.exit_code == 0, made.output
    pinned = json.loads((out / "_manifest.json").read_text())["faults"]
    assert pinned["profile"] == "realistic" and pinned["row_rate"] == 0.01
    facts = expected.read_facts(str(out))
    orders = sum(len(f["row_faults"]) for f in facts if f["table"] == "order_items")
    rows = sum(f["rows"] for f in facts if f["table"] == "order_items")
    assert 0.005 * rows < orders < 0.02 * rows


def test_the_sample_configs_declare_the_datasets_types():
    import ast

    from helpers import REPO, dataset_schemas

    script = (REPO / "ddl_scripts/Lakehouses/Config/002_Sample_Data_Ingestion/"
              "004_incremental_synthetic_data_sample_configs.py").read_text()
    assigned = next(node.value for node in ast.parse(script).body
                    if isinstance(node, ast.Assign) and node.targets[0].id == "SCHEMAS")
    declared = {name: json.loads(text) for name, text in ast.literal_eval(assigned).items()}
    assert declared == dataset_schemas()
