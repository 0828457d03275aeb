"""What the CSV reader accepts (RFC 4180 quoting, line ends, BOM), which row of a repeated
merge key wins inside one file, and how quarantined rows show in the log and in verify."""

from __future__ import annotations

import contextlib
import json

import pytest
from test_ingestion_support import (
    D1,
    D2,
    add_configs,
    config,
    day_file,
    log_rows,
    rows,
    write_file,
)

from ingen_fab.runtime.ingestion import ConfigResult, run_ingestion

# (id, text, kind): each text as it must load; the file writes it quoted where it has to be.
VALUES = [
    (1, "plain", "none"),
    (2, "a,b", "delimiter"),
    (3, "line1\r\nline2", "CRLF"),
    (4, "line1\nline2\n\nline4", "LF and a blank line"),
    (5, 'say "hi", then ""', "doubled quotes"),
    (6, "C:\\temp\\", "backslash"),
    (7, '"quoted"', "only quotes"),
]


def _field(text: str) -> str:
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv(eol: str, header: bool, bom: bool) -> str:
    lines = ["id,text,kind"] if header else []
    lines += [",".join([str(i), _field(t), _field(k)]) for i, t, k in VALUES]
    return ("\ufeff" if bom else "") + eol.join(lines) + eol


@pytest.mark.spark
@pytest.mark.parametrize(
    ("eol", "header", "bom"),
    [("\r\n", True, True), ("\r\n", False, True), ("\n", True, False), ("\n", False, False)],
    ids=["crlf-header-bom", "crlf-bom", "lf-header", "lf"],
)
def test_quoted_delimiters_newlines_and_doubled_quotes_load_exactly(
    spark, tmp_path, eol, header, bom
):
    cid = f"csv_rfc_{len(eol)}_{header}_{bom}".lower()
    day_file(tmp_path, D1, "q.csv", _csv(eol, header, bom))
    add_configs(spark, config(cid, tmp_path, cid, has_header=header))
    result = run_ingestion(spark, config_id=cid)
    res = result.configs[0]
    assert (res.status, res.rows_read, res.rows_rejected) == ("completed", len(VALUES), 0)
    names = ("id", "text", "kind") if header else ("_c0", "_c1", "_c2")
    got = sorted(tuple(r[n] for n in names) for r in rows(spark, "itest", cid))
    assert got == VALUES
    assert dict(spark.table(f"itest.{cid}").dtypes)[names[0]] == "int"


BAD = [
    "id,note,n",
    '1,"two',  # line 2: one record on lines 2-3
    'lines",10',
    '2,"a,b",20,extra',  # line 4: too many fields
    '3,"x',  # line 5: too few fields, on lines 5-6
    'y"',
    '4,"ok ""q""",40',
    '5,"multi',  # line 8: unparsable int, on lines 8-9
    'line",x',
    "6,last,60",
]


@pytest.mark.spark
@pytest.mark.parametrize("eol", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_skip_quarantines_bad_records_with_the_line_they_start_on(spark, tmp_path, eol):
    """Under skip, bad records among multi-line ones are quarantined with their first line;
    the config ends completed_with_errors (the run does not fail) and verify reports them."""
    from ingen_fab.runtime.ingestion import verify_ingestion

    cid = f"csv_skip_{len(eol)}"
    bad = day_file(tmp_path, D1, "b.csv", eol.join(BAD) + eol)
    schema = json.dumps({"id": "int", "note": "string", "n": "int"})
    add_configs(
        spark,
        config(cid, tmp_path, cid, custom_schema_json=schema, error_handling_strategy="skip"),
    )
    result = run_ingestion(spark, config_id=cid)
    res = result.configs[0]
    assert (res.status, result.failed, res.rows_rejected) == ("completed_with_errors", False, 3)
    log = log_rows(spark, cid)[-1]
    assert log.status == "completed_with_errors"
    assert log.error_message == (
        f"config {cid}: 3 row(s) quarantined (1 unparsable int in column n, 2 wrong field count)"
    )
    got = sorted((r["id"], r["note"], r["n"]) for r in rows(spark, "itest", cid))
    assert got == [(1, f"two{eol}lines", 10), (4, 'ok "q"', 40), (6, "last", 60)]
    found = spark.sql(
        "SELECT source_file_path, line_number, reason FROM dbo.quarantine_flat_file_ingestion "
        f"WHERE config_id = '{cid}'"
    ).collect()
    assert sorted((r.line_number, r.reason) for r in found) == [
        (4, "wrong field count"),
        (5, "wrong field count"),
        (8, "unparsable int in column n"),
    ]
    assert {r.source_file_path for r in found} == {bad}
    report = verify_ingestion(spark, [cid])
    assert not report.ok
    assert [p for p in report.problems if "quarantined" in p] == [
        f"{cid}: 3 quarantined row(s) in 1 file(s) (unparsable int in column n; wrong field"
        + " count): see quarantine_flat_file_ingestion"
    ]


@contextlib.contextmanager
def _split_every(spark, size: int):
    """Spark reads files in splits of about size bytes (several per file)."""
    key = "spark.sql.files.maxPartitionBytes"
    before = spark.conf.get(key)
    spark.conf.set(key, str(size))
    try:
        yield
    finally:
        spark.conf.set(key, before)


FILLER = [(i, f"filler{i}") for i in range(100, 300)]


def _write(kind: str, root, day, name: str, records: list) -> None:
    """records [(id, v)] in this order, as csv, json lines or parquet (several row groups)."""
    if kind == "csv":
        day_file(root, day, f"{name}.csv", "id,v\n" + "".join(f"{i},{v}\n" for i, v in records))
    elif kind == "json":
        text = "".join(json.dumps({"id": i, "v": v}) + "\n" for i, v in records)
        day_file(root, day, f"{name}.json", text)
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = day_file(root, day, f"{name}.parquet", "")
        table = pa.table({"id": [i for i, _ in records], "v": [v for _, v in records]})
        pq.write_table(table, path, row_group_size=16)


@pytest.mark.spark
@pytest.mark.parametrize("first", ["A", "B"])
@pytest.mark.parametrize("kind", ["csv", "csv-two-files", "json", "parquet"])
def test_a_key_repeated_in_one_file_keeps_the_last_row_in_file_order(spark, tmp_path, kind, first):
    """Key 1 appears twice in the latest file: the later row wins, whichever it is (files
    read in several splits for json and parquet; for two files, the older file's rows lose
    and only the latest file is read again)."""
    second = "B" if first == "A" else "A"
    fmt = kind.split("-")[0]
    late = [(1, first), (2, "x"), *FILLER, (1, second)]
    if kind == "csv-two-files":
        _write(fmt, tmp_path, D1, "s", [(1, "old"), (2, "old")])
    _write(fmt, tmp_path, D2, "s", late)
    cid = f"csv_order_{kind.replace('-', '_')}_{first}".lower()
    add_configs(
        spark,
        config(
            cid,
            tmp_path,
            cid,
            source_file_format=fmt,
            file_discovery_pattern=f"**/*.{fmt}",
            write_mode="merge",
            merge_keys="id",
        ),
    )
    with _split_every(spark, 1024):
        result = run_ingestion(spark, config_id=cid)
    assert not result.failed, result.to_json()
    got = {r["id"]: r["v"] for r in rows(spark, "itest", cid)}
    assert (got[1], got[2], len(got)) == (second, "x", 2 + len(FILLER))


def test_records_number_each_record_by_the_line_it_starts_on():
    from ingen_fab.runtime.ingestion.formats.csv_dialect import records

    text = '\ufeffa,b\r\n1,"x\r\ny"\r\n\r\n2,"p""q",z\n3,ok\r4,"open\n5,end\n'
    assert list(records(text, ",")) == [
        (1, "a,b\r\n", ["a", "b"]),
        (2, '1,"x\r\ny"\r\n', ["1", "x\r\ny"]),
        (5, '2,"p""q",z\n', ["2", 'p"q', "z"]),
        (6, "3,ok\r", ["3", "ok"]),
        (7, '4,"open\n5,end\n', ["4", "open\n5,end\n"]),
    ]


class _Source:
    def __init__(self, path):
        self.list_path = str(path)


@pytest.mark.parametrize(
    ("text", "header", "expected"),
    [
        ('\ufeffid,"a\nb",c\r\n1,2,3\r\n', True, (["id", "a_b", "c"], "\r\n")),
        ("id,x\n1,2\r\n", True, (["id", "x"], None)),
        ("1,2,3\r4,5,6\r", False, (["_c0", "_c1", "_c2"], None)),
        ("", True, ([], None)),
    ],
)
def test_csv_layout_reads_names_from_the_first_record_and_the_line_end(
    tmp_path, text, header, expected
):
    from ingen_fab.runtime.ingestion.formats.csv_dialect import csv_layout

    path = write_file(tmp_path / "f.csv", text)
    cfg = type("Cfg", (), {"encoding": "utf-8", "file_delimiter": ",", "has_header": header})
    assert csv_layout(cfg, _Source(path)) == expected


def test_completed_with_errors_fails_the_run_except_under_skip():
    assert ConfigResult("a", status="completed_with_errors", strategy="log").failed
    assert not ConfigResult("b", status="completed_with_errors", strategy="skip").failed
    assert ConfigResult("c", status="failed", strategy="skip").failed
