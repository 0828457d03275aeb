"""render_create_table, split_statements, bootstrap_cell and wrap_script."""

from __future__ import annotations

import hashlib

import pytest
import sqlglot

from ingen_fab.ddl.tsql import (
    TABLES,
    TSQL_JINJA_GLOBALS,
    bootstrap_cell,
    lint_tsql,
    render_create_table,
    split_statements,
    sql_literal,
    wrap_script,
)
from ingen_fab.errors import CompileError
from ingen_fab.local.warehouse import query_warehouse, run_warehouse_cells
from ingen_fab.runtime.schema import CONFIG_TABLE

DIGEST = hashlib.sha256(b"x").hexdigest()


@pytest.mark.parametrize("name", sorted(TABLES))
def test_rendered_ddl_is_valid_and_idempotent(name, tmp_path):
    table = TABLES[name]
    ddl = render_create_table(table)
    lint_tsql(ddl, f"{name}.sql")
    sqlglot.parse(ddl, read="tsql")
    db = str(tmp_path / "wh.duckdb")
    first = run_warehouse_cells([ddl], db)
    second = run_warehouse_cells([ddl], db)
    assert first.constraints_not_enforced == second.constraints_not_enforced == 1
    cols = query_warehouse(
        db,
        "SELECT column_name, is_nullable FROM information_schema.columns "
        f"WHERE table_schema = '{table.warehouse_schema}' AND table_name = '{name}' "
        "ORDER BY ordinal_position",
    )
    assert cols == [(c.name, "YES" if c.nullable else "NO") for c in table.columns]


def test_rendered_ddl_types_and_key():
    ddl = render_create_table(CONFIG_TABLE)
    assert "IF SCHEMA_ID('config') IS NULL EXEC('CREATE SCHEMA config');" in ddl
    assert "IF OBJECT_ID('config.config_flat_file_ingestion') IS NULL\nCREATE TABLE" in ddl
    assert "config_id                varchar(100) NOT NULL," in ddl
    assert "has_header               bit," in ddl
    assert "created_date             datetime2(6) NOT NULL," in ddl
    assert "import_sequence_order    int," in ddl
    assert "date_range_start         date," in ddl
    assert (
        "ADD CONSTRAINT pk_config_flat_file_ingestion PRIMARY KEY NONCLUSTERED (config_id) "
        "NOT ENFORCED;" in ddl
    )
    assert "IF OBJECT_ID('config.pk_config_flat_file_ingestion') IS NULL" in ddl


def test_jinja_global_renders_by_name_and_rejects_unknown():
    render = TSQL_JINJA_GLOBALS["tsql_create_table"]
    assert render("log_flat_file_ingestion") == render_create_table(
        TABLES["log_flat_file_ingestion"]
    )
    with pytest.raises(CompileError, match="unknown table 'nope'"):
        render("nope")


def test_sql_literal_doubles_quotes():
    assert sql_literal("it's") == "'it''s'"
    assert sql_literal(None) == "NULL"


def test_split_statements_respects_strings_comments_brackets_and_go():
    sql = (
        "SELECT 'a;b' AS [x;y];  -- c;d\n"
        '/* e; /* nested; */ f; */ SELECT "q;r"\n'
        "go\n"
        "  GO  \n"
        ";;\n"
        "-- only a comment;\n"
        "SELECT 'it''s;' ; SELECT 2\n"
        "GO -- trailing\n"
        "SELECT goal FROM go_table\n"
    )
    assert split_statements(sql) == [
        "SELECT 'a;b' AS [x;y]",
        '-- c;d\n/* e; /* nested; */ f; */ SELECT "q;r"',
        "-- only a comment;\nSELECT 'it''s;'",  # a leading comment stays with its statement
        "SELECT 2",
        "SELECT goal FROM go_table",
    ]


def test_split_statements_keeps_begin_end_blocks_whole():
    sql = (
        "BEGIN TRANSACTION;\n"
        "IF 1 = 1\nBEGIN\n  SELECT 1;\n  SELECT CASE WHEN 1 = 1 THEN 2 END;\nEND;\n"
        "COMMIT;"
    )
    assert split_statements(sql) == [
        "BEGIN TRANSACTION",
        "IF 1 = 1\nBEGIN\n  SELECT 1;\n  SELECT CASE WHEN 1 = 1 THEN 2 END;\nEND",
        "COMMIT",
    ]


def test_bootstrap_cell_creates_the_ledger():
    cell = bootstrap_cell()
    assert "CREATE TABLE log.ddl_script_executions" in cell
    lint_tsql(cell, "bootstrap")


def test_wrap_script_parses_as_tsql_and_quotes_every_literal():
    statements = ["INSERT INTO s.t (a) VALUES ('it''s')", "SELECT 1 -- trailing comment"]
    cell = wrap_script("Warehouses/W/001_g/001_s.sql", DIGEST, statements)
    sqlglot.parse(cell, read="tsql")
    assert cell.startswith(f"-- ingen_fab:script Warehouses/W/001_g/001_s.sql sha256:{DIGEST}\n")
    assert "EXEC('INSERT INTO s.t (a) VALUES (''it''''s'');');" in cell
    assert "EXEC('SELECT 1 -- trailing comment\n;');" in cell  # `;` not commented out
    assert "THROW 50001, ''DDL script Warehouses/W/001_g/001_s.sql changed after it ran" in cell
    assert "LEFT(ERROR_MESSAGE(), 4000)" in cell
    assert cell.count("'success'") == 4  # three guards + the success row


def test_wrap_script_rejects_a_bad_hash():
    with pytest.raises(CompileError):
        wrap_script("a.sql", "not-a-hash", [])
