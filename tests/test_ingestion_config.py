"""Config validation before anything is read: one-line errors naming config_id and column."""

from __future__ import annotations

import datetime as dt

import pytest
from test_ingestion_support import D1, add_configs, config, day_file, log_rows

from ingen_fab.runtime.ingestion import ConfigError, run_ingestion
from ingen_fab.runtime.ingestion.config import from_row, validate


@pytest.mark.parametrize(
    ("overrides", "column"),
    [
        ({"write_mode": "upsert"}, "write_mode"),
        ({"import_pattern": "folders"}, "import_pattern"),
        ({"error_handling_strategy": "ignore"}, "error_handling_strategy"),
        ({"date_partition_format": "DD/MM/YYYY"}, "date_partition_format"),
        ({"write_mode": "merge", "merge_keys": None}, "merge_keys"),
        ({"write_mode": "merge", "merge_keys": "id; DROP TABLE x"}, "merge_keys"),
        (
            {"date_range_start": dt.date(2024, 2, 1), "date_range_end": dt.date(2024, 1, 1)},
            "date_range_start",
        ),
        ({"target_table_name": "orders; DROP TABLE x"}, "target_table_name"),
        ({"target_schema_name": "bronze`x"}, "target_schema_name"),
        ({"source_file_format": "xlsx"}, "source_file_format"),
        ({"custom_schema_json": "{not json"}, "custom_schema_json"),
        ({"schema_evolution": "merge_schema"}, "schema_evolution"),
    ],
)
def test_invalid_column_is_named_in_one_line(overrides, column):
    with pytest.raises(ConfigError) as info:
        validate(from_row(config("cfg_bad", "/nowhere", "t", **overrides)))
    message = str(info.value)
    assert message.startswith(f"config cfg_bad: column {column}: ")
    assert "\n" not in message


def test_valid_config_passes():
    assert validate(
        from_row(config("cfg_ok", "/x", "t", write_mode="merge", merge_keys="a,b"))
    ).merge_keys == ("a", "b")


@pytest.mark.spark
def test_log_strategy_invalid_config_fails_alone(spark, tmp_path):
    day_file(tmp_path, D1, "a.csv", "id\n1\n")
    add_configs(
        spark,
        config(
            "cfg_missing_dir",
            tmp_path / "nope",
            "cfg_missing_dir",
            execution_group=9201,
            error_handling_strategy="log",
            table_relationship_group="cfg_grp1",
        ),
        config(
            "cfg_bad_keys",
            tmp_path,
            "cfg_bad_keys",
            execution_group=9201,
            import_sequence_order=2,
            write_mode="merge",
            merge_keys="customer_id",
            error_handling_strategy="log",
            table_relationship_group="cfg_grp1",
        ),
        config(
            "cfg_fine",
            tmp_path,
            "cfg_fine",
            execution_group=9201,
            import_sequence_order=3,
            error_handling_strategy="log",
            table_relationship_group="cfg_grp1",
        ),
    )
    result = run_ingestion(spark, execution_group=9201)
    by_id = {c.config_id: c for c in result.configs}
    assert [c.config_id for c in result.configs] == ["cfg_missing_dir", "cfg_bad_keys", "cfg_fine"]
    assert by_id["cfg_missing_dir"].status == "failed"
    assert by_id["cfg_missing_dir"].error_message.startswith(
        "config cfg_missing_dir: column source_file_path: not found"
    )
    assert by_id["cfg_bad_keys"].error_message.startswith(
        "config cfg_bad_keys: column merge_keys: customer_id not in the data"
    )
    assert not spark.catalog.tableExists("itest.cfg_bad_keys")
    assert by_id["cfg_fine"].status == "completed" and result.failed
    assert log_rows(spark, "cfg_missing_dir")[-1].status == "failed"


@pytest.mark.spark
def test_fail_strategy_invalid_config_stops_the_run_before_reading(spark, tmp_path):
    day_file(tmp_path, D1, "a.csv", "id\n1\n")
    add_configs(
        spark,
        config("cfg_stop_first", tmp_path, "cfg_stop_first", execution_group=9202),
        config(
            "cfg_stop_bad",
            tmp_path,
            "cfg_stop_bad",
            execution_group=9202,
            import_sequence_order=2,
            write_mode="sideways",
        ),
    )
    result = run_ingestion(spark, execution_group=9202)
    statuses = {c.config_id: c.status for c in result.configs}
    assert statuses == {"cfg_stop_first": "skipped", "cfg_stop_bad": "failed"}
    assert not spark.catalog.tableExists("itest.cfg_stop_first")
    assert log_rows(spark, "cfg_stop_first")[-1].error_message.startswith("not run:")
    assert result.failed


def test_sql_text_is_quoted_in_one_module():
    """Identifiers and string literals of the runtime's SQL: runtime/sql.py, and no other
    module of the runtime quotes by hand."""
    import re
    from pathlib import Path

    from ingen_fab.runtime import sql

    assert sql.string_literal("/lake/o'brien\\x") == "'/lake/o\\'brien\\\\x'"
    assert sql.string_literal("plain") == "'plain'"
    assert sql.quote_name("a`b") == "`a``b`"
    assert sql.qualified("t", "s") == "`s`.`t`"
    root = Path(sql.__file__).parent
    # a back-quote right before an f-string field, or escaping quotes by hand
    by_hand = re.compile(r"`\{|\.replace\(\"['`]\"")
    found = [
        f"{p.relative_to(root)}:{i}"
        for p in root.rglob("*.py")
        if p.name != "sql.py"
        for i, line in enumerate(p.read_text().splitlines(), 1)
        if by_hand.search(line)
    ]
    assert not found, f"quote through runtime/sql.py: {found}"


@pytest.mark.spark
def test_sql_string_literal_round_trips_through_spark_sql(spark):
    from ingen_fab.runtime.sql import string_literal

    for value in ("/lake/o'brien", "C:\\lake\\Tables", "a\\'b", "end\\", "''"):
        assert spark.sql(f"SELECT {string_literal(value)} AS v").first().v == value
