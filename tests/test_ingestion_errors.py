"""Bad input under each error_handling_strategy, type inference, empty files, new columns,
non-UTF-8 bytes."""

from __future__ import annotations

import json

import pytest
from test_ingestion_support import (
    D1,
    D2,
    D3,
    add_configs,
    config,
    day_file,
    ledger_rows,
    log_rows,
    rows,
)

from ingen_fab.runtime.ingestion import run_ingestion

pytestmark = pytest.mark.spark

SCHEMA = json.dumps({"id": "int", "amount": "double", "day": "date"})
BAD_DAY = (
    "id,amount,day\n"
    "10,1.0,2024-01-02\n"  # line 2: good
    "11,2.0\n"  # line 3: wrong field count
    "12,abc,2024-01-02\n"  # line 4: unparsable number
    "13,3.0,2024-02-31\n"  # line 5: unparsable date
    "14,4.0,2024-01-02\n"
)  # line 6: good


def _three_days(root):
    day_file(root, D1, "x_20240101.csv", "id,amount,day\n1,1.5,2024-01-01\n")
    bad = day_file(root, D2, "x_20240102.csv", BAD_DAY)
    day_file(root, D3, "x_20240103.csv", "id,amount,day\n3,3.5,2024-01-03\n")
    return bad


@pytest.mark.parametrize("strategy", ["fail", "log", "skip"])
def test_malformed_rows_under_each_strategy(spark, tmp_path, strategy):
    cid = f"err_rows_{strategy}"
    bad = _three_days(tmp_path)
    add_configs(
        spark,
        config(cid, tmp_path, cid, custom_schema_json=SCHEMA, error_handling_strategy=strategy),
    )
    result = run_ingestion(spark, config_id=cid)
    res = result.configs[0]
    ids = sorted(r["id"] for r in rows(spark, "itest", cid))
    ledger = {r.file_path.rsplit("/", 1)[1]: r.status for r in ledger_rows(spark, cid)}
    if strategy == "fail":
        assert (res.status, result.failed, ids) == ("failed", True, [1])
        assert bad in res.error_message and "wrong field count" in res.error_message
        assert ledger == {
            "x_20240101.csv": "loaded",
            "x_20240102.csv": "failed",
            "x_20240103.csv": "failed",
        }
    elif strategy == "log":
        assert (res.status, result.failed, ids) == ("completed_with_errors", True, [1, 3])
        assert res.dates_loaded == ["2024-01-01", "2024-01-03"]
        assert ledger["x_20240102.csv"] == "failed" and ledger["x_20240103.csv"] == "loaded"
        log = log_rows(spark, cid)[-1]
        assert log.status == "completed_with_errors" and "x_20240102.csv" in log.error_message
    else:
        assert (res.status, result.failed, ids) == ("completed_with_errors", False, [1, 3, 10, 14])
        log = log_rows(spark, cid)[-1]
        assert (log.status, log.records_failed) == ("completed_with_errors", 3)
        assert res.rows_rejected == 3
        q = spark.sql(
            "SELECT line_number, reason, source_file_path FROM "
            f"dbo.quarantine_flat_file_ingestion WHERE config_id = '{cid}'"
        ).collect()
        assert sorted((r.line_number, r.reason) for r in q) == [
            (3, "wrong field count"),
            (4, "unparsable double in column amount"),
            (5, "unparsable date in column day"),
        ]
        assert {r.source_file_path for r in q} == {bad}
        again = run_ingestion(spark, config_id=cid).configs[0]
        assert again.status == "no_new_data"


def test_inferred_types_keep_leading_zeros_as_strings(spark, tmp_path, monkeypatch):
    """Inferred types, and the values they load: Spark's CSV parser types the inferred
    columns of a batch with no rejected row, and reads them as the casts do."""
    import datetime as dt

    day_file(
        tmp_path,
        D1,
        "t.csv",
        "code,n,big,price,day,at,flag,mixed\n"
        "001,1,9000000000,1.25,2024-01-01,2024-01-01 10:00:00,true,1\n"
        "010,-2,1,3,2024-01-02,2024-01-02T11:30:00,False,x\n",
    )
    add_configs(spark, config("err_types", tmp_path, "err_types"))
    res = run_ingestion(spark, config_id="err_types")
    assert not res.failed
    types = dict(spark.table("itest.err_types").dtypes)
    assert {k: types[k] for k in ("code", "n", "big", "price", "day", "at", "flag", "mixed")} == {
        "code": "string",
        "n": "int",
        "big": "bigint",
        "price": "double",
        "day": "date",
        "at": "timestamp",
        "flag": "boolean",
        "mixed": "string",
    }
    assert types["_source_date_partition"] == "date"
    assert sorted(r["code"] for r in rows(spark, "itest", "err_types")) == ["001", "010"]
    got = sorted(
        (r["code"], r["n"], r["big"], r["price"], r["day"], r["at"], r["flag"])
        for r in rows(spark, "itest", "err_types")
    )
    assert got == [
        ("001", 1, 9000000000, 1.25, dt.date(2024, 1, 1), dt.datetime(2024, 1, 1, 10), True),
        ("010", -2, 1, 3.0, dt.date(2024, 1, 2), dt.datetime(2024, 1, 2, 11, 30), False),
    ]
    native = {"n": "int", "big": "bigint", "price": "double", "day": "date", "flag": "boolean"}
    assert res.configs[0].routes["parser_types"] == native


@pytest.mark.parametrize("sampled", [True, False])
def test_a_sampled_type_that_a_later_value_breaks_is_widened(spark, tmp_path, monkeypatch, sampled):
    """Types come from a sample checked against every row: values past the sample decide.

    sampled=False: no sample (as if it held no values), so every row gets every check."""
    from ingen_fab.runtime.ingestion import inference
    from ingen_fab.runtime.ingestion.inference import SAMPLE_ROWS

    sample_types, seen = inference.sample_types, []
    monkeypatch.setattr(
        inference,
        "sample_types",
        lambda columns, totals: (
            seen.append(1) or (sample_types(columns, totals) if sampled else {})
        ),
    )

    n = SAMPLE_ROWS + 500
    lines = ["n,code,day,price,late,steady"]
    lines += [f"{i},{i},2024-01-{1 + i % 28:02d},{i},,{i}" for i in range(n)]
    lines += ["9000000000,007,2024-13-01,1.5,x,7"]
    day_file(tmp_path, D1, "t.csv", "\n".join(lines) + "\n")
    cid = f"err_sampled_{sampled}".lower()
    add_configs(spark, config(cid, tmp_path, cid))
    assert not run_ingestion(spark, config_id=cid).failed
    types = dict(spark.table(f"itest.{cid}").dtypes)
    assert {k: types[k] for k in ("n", "code", "day", "price", "late", "steady")} == {
        "n": "bigint",
        "code": "string",
        "day": "string",
        "price": "double",
        "late": "string",
        "steady": "int",
    }
    got = spark.sql(f"SELECT count(*) AS c, max(n) AS m FROM itest.{cid}").collect()[0]
    assert (got.c, got.m) == (n + 1, 9000000000)
    assert seen == [1]


def test_empty_and_header_only_files_load_zero_rows(spark, tmp_path):
    day_file(tmp_path, D1, "e.csv", "")
    day_file(tmp_path, D2, "e.csv", "id,v\n")
    add_configs(spark, config("err_empty", tmp_path, "err_empty"))
    first = run_ingestion(spark, config_id="err_empty").configs[0]
    assert (first.status, first.rows_read, first.dates_loaded) == (
        "completed",
        0,
        ["2024-01-01", "2024-01-02"],
    )
    assert not spark.catalog.tableExists("itest.err_empty")
    day_file(tmp_path, D3, "e.csv", "id,v\n7,x\n")
    second = run_ingestion(spark, config_id="err_empty").configs[0]
    assert (second.status, second.dates_loaded) == ("completed", ["2024-01-03"])
    assert [(r["id"], r["v"]) for r in rows(spark, "itest", "err_empty")] == [(7, "x")]
    assert [r.rows_read for r in ledger_rows(spark, "err_empty")] == [0, 0, 1]


def test_new_column_is_added_and_missing_column_loads_null(spark, tmp_path):
    day_file(tmp_path, D1, "c.csv", "id,a\n1,x\n")
    add_configs(spark, config("err_cols", tmp_path, "err_cols"))
    run_ingestion(spark, config_id="err_cols")
    day_file(tmp_path, D2, "c.csv", "id,a,extra\n2,y,9\n")
    day_file(tmp_path, D3, "c.csv", "id,extra\n3,8\n")
    res = run_ingestion(spark, config_id="err_cols").configs[0]
    assert res.status == "completed"
    got = [(r["id"], r["a"], r["extra"]) for r in rows(spark, "itest", "err_cols", order="id")]
    assert got == [(1, "x", None), (2, "y", 9), (3, None, 8)]
    details = json.loads(log_rows(spark, "err_cols")[-1].error_details)
    notes = " | ".join(details["notes"])
    assert "columns added to the table: extra" in notes
    assert "column a missing in 1 file(s)" in notes


@pytest.mark.parametrize("strategy", ["fail", "skip"])
def test_non_utf8_bytes(spark, tmp_path, strategy):
    cid = f"err_utf8_{strategy}"
    bad = day_file(tmp_path, D1, "u.csv", b"id,name\n1,ok\n2,caf\xe9\n3,fine\n")
    add_configs(spark, config(cid, tmp_path, cid, error_handling_strategy=strategy))
    result = run_ingestion(spark, config_id=cid)
    res = result.configs[0]
    if strategy == "fail":
        assert res.status == "failed" and bad in res.error_message
        assert "invalid bytes" in res.error_message
        assert not spark.catalog.tableExists(f"itest.{cid}")
    else:
        assert res.status == "completed_with_errors" and res.rows_rejected == 1
        assert [r["id"] for r in rows(spark, "itest", cid, order="id")] == [1, 3]
        q = spark.sql(
            "SELECT line_number, reason FROM dbo.quarantine_flat_file_ingestion "
            f"WHERE config_id = '{cid}'"
        ).collect()
        assert [(r.line_number, r.reason) for r in q] == [
            (3, "invalid bytes for the file encoding")
        ]


@pytest.mark.parametrize("strategy", ["fail", "log", "skip"])
def test_leading_zeros_are_never_cast_into_a_numeric_target_column(spark, tmp_path, strategy):
    cid = f"err_zeros_{strategy}"
    day_file(tmp_path, D1, "z.csv", "code,amt\n1,1.5\n2,2\n")
    add_configs(spark, config(cid, tmp_path, cid, error_handling_strategy=strategy))
    assert not run_ingestion(spark, config_id=cid).failed
    types = dict(spark.table(f"itest.{cid}").dtypes)
    assert (types["code"], types["amt"]) == ("int", "double")
    bad = day_file(tmp_path, D2, "z.csv", "code,amt\n001,0.5\n0,0.5\n-01,1\n5,01.5\n")
    result = run_ingestion(spark, config_id=cid)
    res = result.configs[0]
    code_reason = "leading zeros in int column code"
    amt_reason = "leading zeros in double column amt"
    got = sorted((r["code"], r["amt"]) for r in rows(spark, "itest", cid))
    if strategy == "skip":
        assert (res.status, result.failed, res.rows_rejected) == (
            "completed_with_errors",
            False,
            3,
        )
        assert got == [(0, 0.5), (1, 1.5), (2, 2.0)]
        q = spark.sql(
            "SELECT line_number, reason, raw_record FROM dbo.quarantine_flat_file_ingestion "
            f"WHERE config_id = '{cid}'"
        ).collect()
        assert sorted((r.line_number, r.reason, r.raw_record) for r in q) == [
            (2, code_reason, "001,0.5"),
            (4, code_reason, "-01,1"),
            (5, amt_reason, "5,01.5"),
        ]
    else:
        assert (res.status, result.failed) == ("failed", True)
        assert bad in res.error_message
        assert f"2 {code_reason}" in res.error_message and f"1 {amt_reason}" in res.error_message
        assert got == [(1, 1.5), (2, 2.0)]
        assert ledger_rows(spark, cid)[-1].status == "failed"


def test_completed_with_errors_counts_as_failed_for_the_run_exit():
    from ingen_fab.runtime.ingestion import ConfigResult, IngestionResult

    results = [
        ConfigResult("a", status="completed"),
        ConfigResult("b", status="completed_with_errors", strategy="log"),
        ConfigResult("c", status="failed", strategy="skip"),
        ConfigResult("d", status="no_new_data"),
        ConfigResult("e", status="skipped"),
    ]
    assert [r.failed for r in results] == [False, True, True, False, False]
    run = IngestionResult("x", configs=results)
    assert run.failed and run.failed_config_ids == ["b", "c"]
    assert json.loads(run.to_json())["failed"] is True
    fine = IngestionResult("y", configs=[results[0], results[3], results[4]])
    assert not fine.failed and fine.failed_config_ids == []


@pytest.mark.parametrize("mode", ["append", "merge"])
def test_rows_with_too_many_or_too_few_fields_are_rejected_without_a_schema(spark, tmp_path, mode):
    """Inferred string columns are never checked, yet a wrong field count is still seen."""
    day_file(tmp_path, D1, "w.csv", "id,name,city\n1,a,x\n2,b,y,extra\n3,c\n4,d,z\n")
    cid = f"err_field_count_{mode}"
    keys = {"merge_keys": "id"} if mode == "merge" else {}
    add_configs(
        spark,
        config(cid, tmp_path, cid, write_mode=mode, error_handling_strategy="skip", **keys),
    )
    res = run_ingestion(spark, config_id=cid).configs[0]
    assert sorted(r["id"] for r in rows(spark, "itest", cid)) == [1, 4]
    assert (res.rows_rejected, res.reject_reasons) == (2, {"wrong field count": 2})


def test_the_check_of_a_sampled_type_agrees_with_the_full_checks(spark):
    """A sampled type is verified by cheaper checks (no regex): they must accept exactly
    the values the full checks accept."""
    from pyspark.sql import functions as F

    from ingen_fab.runtime.ingestion import inference

    values = ["5", "-5", "0", "-0", "05", "+5", " 5", "5 ", "5.0", "1e3", "", "x", "10", "-10"]
    values += ["100", "999999999", "1000000000", "2147483647", "-2147483648", "2147483648"]
    values += ["9000000000", "9223372036854775807", "-9223372036854775808", "9223372036854775808"]
    values += ["2024-01-01", "2024-1-1", "2024-02-30", " 2024-01-01", "2024-01-01 ", "0001-01-01"]
    frame = spark.createDataFrame([(v,) for v in values], "v string").select(
        "v", F.lit(None).cast("string").alias("_reject")
    )
    fitting = {}
    for type_name in ("int", "bigint", "date"):
        full = inference._tests("v")[inference.CHECK_OF[type_name]]
        quick = inference.fits("v", type_name)
        got = frame.select(
            "v",
            F.coalesce(full, F.lit(False)).alias("full"),
            F.coalesce(quick, F.lit(False)).alias("quick"),
        ).collect()
        assert [(r.v, r.quick) for r in got] == [(r.v, r.full) for r in got], type_name
        fitting[type_name] = {r.v for r in got if r.full}
    assert fitting["int"] == {
        "5", "-5", "0", "10", "-10", "100", "999999999", "1000000000", "2147483647", "-2147483648"
    }  # fmt: skip
    assert fitting["bigint"] - fitting["int"] == {
        "2147483648", "9000000000", "9223372036854775807", "-9223372036854775808"
    }  # fmt: skip
    assert fitting["date"] == {"2024-01-01", "0001-01-01"}


def test_each_row_gets_its_files_lineage_values_also_when_two_uris_share_a_crc32(spark):
    """by_file keys its lookup by the CRC-32 computed in Python: Spark's crc32 of the same
    URI must find it (non-ASCII and encoded characters included), and two URIs sharing a
    CRC-32 must still get their own values (the lookup then compares the URIs)."""
    import hashlib
    import zlib

    from ingen_fab.runtime.ingestion.lineage import by_file

    seen, pair = {}, None
    for i in range(400_000):
        uri = f"file:/lake/{hashlib.sha256(str(i).encode()).hexdigest()[:24]}.csv"
        other = seen.setdefault(zlib.crc32(uri.encode()), uri)
        if other != uri:
            pair = [other, uri]
            break
    assert pair is not None
    plain = [
        "file:/lake/Files/2024/01/01/x.csv",
        "file:/lake/Files/café/x y.csv",
        "file:/a%20b.csv",
    ]
    for uris in (plain, plain + pair):
        values = {u: f"value {i}" for i, u in enumerate(uris)}
        frame = spark.createDataFrame([(u,) for u in uris + ["file:/unknown.csv"]], "_file string")
        got = {r._file: r.v for r in frame.select("_file", by_file(values).alias("v")).collect()}
        assert got == {**values, "file:/unknown.csv": None}


def test_the_python_sample_checks_agree_with_the_spark_checks(spark):
    """A first load's type sample may be read without Spark (inference.value_checks): for
    every value each check must give the answer of the Spark check (_tests)."""
    from pyspark.sql import functions as F

    from ingen_fab.runtime.ingestion import inference

    values = ["5", "-5", "0", "-0", "05", "+5", " 5", "5 ", "5.0", ".5", "5.", "-0.0", "1e3"]
    values += ["1E-7", "1e999", "2147483647", "-2147483648", "2147483648", "-2147483649"]
    values += ["9223372036854775807", "-9223372036854775808", "9223372036854775808", "NaN"]
    values += ["2024-01-01", "2024-1-1", "2024-02-29", "2023-02-29", "1900-02-29", "2000-02-29"]
    values += ["0000-01-01", "0001-01-01", "9999-12-31", "2024-13-01", "2024-00-10", "2024-04-31"]
    values += ["2024-01-01 00:00", "2024-01-01T23:59:59.123456", "2024-01-01 24:00:00"]
    values += ["2024-01-01 23:60", "2024-01-01 23:59:60", "2024-02-30 10:00", "2024-01-01 1:00"]
    values += ["true", "TRUE", "False", "yes", "", " true", "\u0663", "\uff11", "x", None]
    frame = spark.createDataFrame([(v,) for v in values], "v string").select(
        "v", F.lit(None).cast("string").alias("_reject")
    )
    tests = inference._tests("v")
    got = frame.select(
        "v", *[F.coalesce(tests[c], F.lit(False)).alias(c) for c in inference._CHECKS]
    ).collect()
    spark_says = {r.v: {c for c in inference._CHECKS if r[c]} for r in got}
    assert {v: inference.value_checks(v) for v in values} == spark_says
    assert spark_says["2147483648"] == {"nn", "bigint", "num"}
    assert spark_says["2024-01-01 00:00"] == {"nn", "ts"}


@pytest.mark.parametrize("lines", ["plain", "quoted", "cr"])
def test_a_first_load_samples_types_from_the_file_head_without_spark(
    spark, tmp_path, monkeypatch, lines
):
    """Plain lines: the sample comes from the first lines, read in Python. A quote, or lines
    ended by a lone carriage return (Spark's parser could split them otherwise): Spark takes
    the sample. The types are the same either way."""
    quoted = lines == "quoted"
    name = '"Smith, J"' if quoted else "Smith"
    body = f"id,name,day,amount,flag,code\n1,{name},2024-01-01,1.5,true,007\n2,Jo,,2,false,7\n"
    day_file(tmp_path, D1, "h.csv", body.replace("\n", "\r") if lines == "cr" else body)
    cid = f"err_head_{lines}"
    add_configs(spark, config(cid, tmp_path, cid))
    res = run_ingestion(spark, config_id=cid)
    assert not res.failed
    expected = {"id": "int", "name": "string", "day": "date", "amount": "double"}
    expected |= {"flag": "boolean", "code": "string"}
    routes = res.configs[0].routes
    assert routes["type_sample"] == ("head" if lines == "plain" else "spark")
    assert routes["sampled_types"] == expected
    types = dict(spark.table(f"itest.{cid}").dtypes)
    assert {k: types[k] for k in expected} == expected
    got = sorted((r["id"], r["name"], r["code"]) for r in rows(spark, "itest", cid))
    assert got == [(1, "Smith, J" if quoted else "Smith", "007"), (2, "Jo", "7")]
