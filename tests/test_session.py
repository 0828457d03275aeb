"""The one Spark session factory: local master, Delta, UTC, tables visible by name."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ingen_fab.runtime import session

pytestmark = pytest.mark.spark


def test_local_session_settings(spark, lakehouse_root):
    conf = spark.conf
    assert conf.get("spark.sql.session.timeZone") == "UTC"
    assert conf.get("spark.ui.enabled") == "false"
    assert int(conf.get("spark.sql.shuffle.partitions")) <= 8
    assert "DeltaSparkSessionExtension" in conf.get("spark.sql.extensions")
    assert spark.sparkContext.master.startswith("local")
    assert session.session_root(spark) == str(lakehouse_root)
    assert spark.catalog.currentDatabase() == "dbo"


def test_tables_written_here_are_visible_by_name_in_a_new_process_and_root_is_honoured(
    spark, lakehouse_root, tmp_path
):
    """A new process sees the tables by name; get_spark(root) on another lakehouse switches
    the process's session to that lakehouse (same JVM), and back again."""
    session.ensure_schema(spark, "visible")
    spark.range(3).write.format("delta").saveAsTable("visible.numbers")
    spark.range(2).write.format("delta").saveAsTable("plain_numbers")
    assert (lakehouse_root / "Tables/visible/numbers/_delta_log").is_dir()
    assert (lakehouse_root / "Tables/dbo/plain_numbers/_delta_log").is_dir()
    other = tmp_path / "other"
    code = (
        "from ingen_fab.runtime.session import get_spark, session_root\n"
        f"s = get_spark({str(lakehouse_root)!r})\n"
        "print(s.sql('SELECT COUNT(*) FROM visible.numbers').first()[0],"
        " s.sql('SELECT COUNT(*) FROM plain_numbers').first()[0])\n"
        "jvm = id(s.sparkContext._gateway)\n"
        f"o = get_spark({str(other)!r})\n"
        "o.range(5).write.format('delta').saveAsTable('only_here')\n"
        "print(session_root(o), o.catalog.tableExists('plain_numbers'), id(o.sparkContext._gateway) == jvm)\n"
        f"b = get_spark({str(lakehouse_root)!r})\n"
        "print(b.catalog.tableExists('only_here'), b.sql('SELECT COUNT(*) FROM plain_numbers').first()[0])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.strip().splitlines()[-3:]
    assert lines[0].split() == ["3", "2"]
    assert lines[1].split() == [str(other), "False", "True"]
    assert lines[2].split() == ["False", "2"]
    assert (other / "Tables/dbo/only_here/_delta_log").is_dir()


def test_delta_jars_come_from_the_install_cache():
    jars = session.delta_jars()
    assert len(jars) == 2 and all(j.endswith(".jar") for j in jars)


def test_missing_jars_and_unreachable_packages_give_one_message(tmp_path):
    code = f"from ingen_fab.runtime.session import get_spark\nget_spark({str(tmp_path / 'lh')!r})\n"
    env = {
        **__import__("os").environ,
        "INGEN_FAB_JAR_DIR": str(tmp_path / "no_jars"),
        # an Ivy settings file naming no resolver: spark.jars.packages cannot resolve anything
        "SPARK_SUBMIT_OPTS": f"-Divy.home={tmp_path}/ivy",
    }
    (tmp_path / "ivysettings.xml").write_text(
        "<ivysettings><settings defaultResolver='none'/><resolvers>"
        "<filesystem name='none'><artifact pattern='/nonexistent/[artifact].[ext]'/></filesystem>"
        "</resolvers></ivysettings>"
    )
    env["INGEN_FAB_IVY_SETTINGS"] = str(tmp_path / "ivysettings.xml")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode != 0
    assert "make install" in result.stderr.strip().splitlines()[-1]


def test_small_frames_are_built_from_sql_literals_with_the_values_createdataframe_gives(spark):
    """local_frame (the bookkeeping tables' rows) gives the rows createDataFrame gives, for
    every type those tables use, with no Python worker: the plan is a local relation."""
    import datetime as dt
    import decimal

    from pyspark.sql.types import _parse_datatype_string  # StructType.fromDDL is Spark 4 only

    from ingen_fab.runtime.tables import local_frame

    schema = _parse_datatype_string(
        "s string, n bigint, i int, d date, t timestamp, f double, b boolean, m decimal(10,2)"
    )
    aware = dt.datetime(2024, 3, 10, 2, 30, 0, 7, tzinfo=dt.timezone(dt.timedelta(hours=5)))
    data = [
        ("it's a \\ path\nline 2 \u00e9 \U0001f600", 2**62, -7, dt.date(1, 1, 1), aware, 1.5,
         True, decimal.Decimal("12.34")),
        ("", -(2**62), 0, dt.date(2024, 2, 29), dt.datetime(2024, 1, 1, 23, 59, 59, 999999),
         float("nan"), False, decimal.Decimal("-0.01")),
        (None, None, None, None, None, float("-inf"), None, None),
        ("x", 5, 2**31 - 1, dt.date(9999, 12, 31), dt.datetime(1970, 1, 1), 1e-300, True, None),
    ]  # fmt: skip
    frame = local_frame(spark, schema, data)
    assert "LocalRelation" in frame._jdf.queryExecution().optimizedPlan().toString()
    assert [(f.name, f.dataType) for f in frame.schema.fields] == [
        (f.name, f.dataType) for f in schema.fields
    ]
    got, want = frame.collect(), spark.createDataFrame(data, schema).collect()
    assert [str(r) for r in got] == [str(r) for r in want]
    assert local_frame(spark, schema, []).collect() == []
    arrays = _parse_datatype_string("a array<int>")  # no literal form here: createDataFrame
    assert local_frame(spark, arrays, [([1, 2],)]).collect()[0].a == [1, 2]
