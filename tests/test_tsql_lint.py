"""lint_tsql: Fabric Warehouse rules, with the right line, ignoring strings and comments."""

from __future__ import annotations

import pytest

from ingen_fab.ddl.tsql import lint_tsql
from ingen_fab.errors import CompileError

HEAD = "-- a comment line\nCREATE TABLE s.t (\n    id varchar(10) NOT NULL,\n"


@pytest.mark.parametrize(
    ("column", "construct"),
    [
        ("a nvarchar(50)", "nvarchar"),
        ("a nchar(2)", "nchar"),
        ("a text", "text"),
        ("a ntext", "ntext"),
        ("a datetime", "datetime"),
        ("a smalldatetime", "smalldatetime"),
        ("a datetimeoffset(3)", "datetimeoffset"),
        ("a money", "money"),
        ("a smallmoney", "smallmoney"),
        ("a tinyint", "tinyint"),
        ("a xml", "xml"),
        ("a image", "image"),
        ("a datetime2", "bare datetime2"),
        ("a DATETIME2(7)", "datetime2(7)"),
        ("a time(7)", "time(7)"),
        ("a int IDENTITY(1, 1)", "IDENTITY"),
        ("a int DEFAULT 0", "DEFAULT constraint"),
        ("a int PRIMARY KEY", "inline PRIMARY KEY in CREATE TABLE"),
        ("a int UNIQUE", "inline UNIQUE in CREATE TABLE"),
        ("a int,\n    CONSTRAINT pk PRIMARY KEY (a)", "inline PRIMARY KEY in CREATE TABLE"),
    ],
)
def test_rejects_construct_on_its_line(column, construct):
    sql = HEAD + "    b int,\n    " + column + "\n);\n"
    with pytest.raises(CompileError) as info:
        lint_tsql(sql, "ddl/x.sql")
    message = str(info.value)
    line = 5 + column.count("\n")
    assert message.startswith(f"ddl/x.sql:{line}: {construct} is not supported by Fabric Warehouse")
    assert "; use " in message


def test_line_numbers_count_across_statements_and_go():
    sql = "SELECT 1;\nGO\n/* a\n block */\nSELECT\n  CAST(x AS nvarchar(3))\nFROM t;\n"
    with pytest.raises(CompileError, match=r"^f\.sql:6: nvarchar "):
        lint_tsql(sql, "f.sql")


def test_first_violation_by_line_is_reported():
    sql = "CREATE TABLE t (\n  a money,\n  b nvarchar(3)\n);"
    with pytest.raises(CompileError, match=r"^f\.sql:2: money "):
        lint_tsql(sql, "f.sql")


def test_trigger_rejected():
    sql = "SELECT 1;\nCREATE TRIGGER tr ON s.t AFTER INSERT AS SELECT 1;"
    with pytest.raises(CompileError, match=r"^f\.sql:2: CREATE TRIGGER is not supported"):
        lint_tsql(sql, "f.sql")


def test_unparseable_sql_rejected_with_line():
    sql = "SELECT 1;\n\nSELECT FROM WHERE ((;\n"
    with pytest.raises(
        CompileError, match=r"^f\.sql:3: syntax sqlglot's tsql dialect cannot parse"
    ):
        lint_tsql(sql, "f.sql")


def test_words_in_strings_comments_and_identifiers_are_not_flagged():
    sql = (
        "-- nvarchar datetime money in a comment\n"
        "/* CREATE TRIGGER x; text ntext IDENTITY(1,1) */\n"
        "CREATE TABLE s.t (\n"
        "    [nvarchar] varchar(20) NOT NULL,\n"
        "    text varchar(100),\n"
        "    note varchar(200)\n"
        ");\n"
        "INSERT INTO s.t (nvarchar, text, note) VALUES ('datetime', 'money', 'PRIMARY KEY');\n"
        "SELECT text, 'IDENTITY(1,1) DEFAULT 0' AS x FROM s.t;\n"
    )
    lint_tsql(sql, "f.sql")


def test_valid_fabric_ddl_accepted():
    sql = (
        "IF SCHEMA_ID('s') IS NULL EXEC('CREATE SCHEMA s');\n"
        "IF OBJECT_ID('s.t') IS NULL\n"
        "CREATE TABLE s.t (a varchar(10) NOT NULL, b datetime2(6), c time(6), d bit,\n"
        "  e decimal(19, 4), f float, g date, h bigint, i smallint, j varbinary(max));\n"
        "ALTER TABLE s.t ADD CONSTRAINT pk_t PRIMARY KEY NONCLUSTERED (a) NOT ENFORCED;\n"
        "INSERT INTO s.t (a) VALUES (DEFAULT);\n"
        "GO\n"
        "SELECT CAST(b AS datetime2(3)) FROM s.t;\n"
    )
    lint_tsql(sql, "f.sql")
