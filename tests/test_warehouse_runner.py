"""The DuckDB warehouse stand-in: run-once ledger, drift, rerun, failures, no silent skips."""

from __future__ import annotations

import hashlib

import pytest

from ingen_fab.ddl.tsql import bootstrap_cell, wrap_script
from ingen_fab.errors import RunError
from ingen_fab.local.warehouse import query_warehouse, run_warehouse_cells
from ingen_fab.runtime_embed import runtime_id

SID = "Warehouses/W/001_Group/001_make_t.sql"


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def script_cell(statements: list[str], version: str = "v1", sid: str = SID) -> str:
    return wrap_script(sid, digest(version), statements)


MAKE_T = [
    "IF SCHEMA_ID('s') IS NULL EXEC('CREATE SCHEMA s')",
    "CREATE TABLE s.t (a varchar(10) NOT NULL, n int)",
    "INSERT INTO s.t (a, n) VALUES ('it''s', 1)",
]


@pytest.fixture
def db(tmp_path):
    return str(tmp_path / "warehouse" / "Config_WH.duckdb")


def ledger(db):
    return query_warehouse(
        db, "SELECT script_id, content_hash, status, error_message FROM log.ddl_script_executions"
    )


def test_runs_once_then_skips(db):
    cells = [bootstrap_cell(), script_cell(MAKE_T)]
    first = run_warehouse_cells(cells, db)
    assert first.scripts_run == [SID] and first.counts == {"run": 1, "skipped": 0, "failed": 0}
    second = run_warehouse_cells(cells, db)
    assert second.scripts_skipped == [SID] and second.scripts_run == []
    assert query_warehouse(db, "SELECT a, n FROM s.t") == [("it's", 1)]
    assert ledger(db) == [(SID, digest("v1"), "success", None)]
    # the row names the build that compiled the notebook, as the lakehouse ledger does
    assert query_warehouse(db, "SELECT runtime_id FROM log.ddl_script_executions") == [
        (runtime_id(),)]


def test_edited_script_is_a_drift_error_naming_it(db):
    run_warehouse_cells([bootstrap_cell(), script_cell(MAKE_T)], db)
    edited = script_cell([*MAKE_T, "INSERT INTO s.t (a) VALUES ('b')"], version="v2")
    with pytest.raises(RunError) as info:
        run_warehouse_cells([bootstrap_cell(), edited], db)
    message = str(info.value)
    assert f"DDL script {SID} changed after it ran" in message
    assert f"--rerun {SID}" in message and "add a new numbered script" in message
    assert query_warehouse(db, "SELECT COUNT(*) FROM s.t") == [(1,)]


def test_rerun_runs_an_edited_script_again_and_records_it(db):
    run_warehouse_cells([bootstrap_cell(), script_cell(MAKE_T)], db)
    edited = script_cell(["INSERT INTO s.t (a) VALUES ('b')"], version="v2")
    result = run_warehouse_cells([bootstrap_cell(), edited], db, rerun=frozenset({SID}))
    assert result.scripts_run == [SID]
    assert query_warehouse(db, "SELECT COUNT(*) FROM s.t") == [(2,)]
    # the new hash is recorded: without --rerun the next run skips it
    assert run_warehouse_cells([bootstrap_cell(), edited], db).scripts_skipped == [SID]


def test_failing_statement_is_recorded_failed_and_raised(db):
    bad = script_cell([*MAKE_T, "INSERT INTO s.missing (a) VALUES ('x')"])
    with pytest.raises(RunError) as info:
        run_warehouse_cells([bootstrap_cell(), bad], db)
    assert f"script {SID}" in str(info.value) and "s.missing" in str(info.value)
    assert info.value.result.scripts_failed == [SID]
    rows = ledger(db)
    assert [(r[0], r[2]) for r in rows] == [(SID, "failed")]
    assert "missing" in rows[0][3]
    # a failed run is no success: the fixed script runs next time
    fixed = script_cell(["IF SCHEMA_ID('s') IS NULL EXEC('CREATE SCHEMA s')"], version="v2")
    assert run_warehouse_cells([bootstrap_cell(), fixed], db).scripts_run == [SID]


def test_varchar_length_is_enforced_like_fabric(db):
    cell = script_cell([*MAKE_T, "INSERT INTO s.t (a) VALUES ('01234567890')"])
    with pytest.raises(RunError, match="Constraint"):
        run_warehouse_cells([bootstrap_cell(), cell], db)


def test_missing_ledger_is_an_error(db):
    with pytest.raises(RunError, match="bootstrap cell must run first"):
        run_warehouse_cells([script_cell(MAKE_T)], db)


def test_hand_edited_wrapped_cell_is_rejected(db):
    cell = script_cell(MAKE_T).replace("status = 'success'", "status <> 'x'", 1)
    with pytest.raises(RunError, match="differs from what the compiler generates"):
        run_warehouse_cells([bootstrap_cell(), cell], db)


@pytest.mark.parametrize(
    "statement",
    [
        "IF 1 = 1 SELECT 1",  # sqlglot drops the IF block: transpiles to ''
        "IF SCHEMA_ID('s') IS NULL EXEC('CREATE SCHEMA other')",
        "IF OBJECT_ID('s.t') IS NULL CREATE TABLE s.other (a int)",
        "IF OBJECT_ID('s.t') IS NULL DROP TABLE s.t",
        "ALTER TABLE s.t ADD CONSTRAINT df DEFAULT 0 FOR n",
        "ALTER TABLE s.t ADD CONSTRAINT pk PRIMARY KEY NONCLUSTERED (nope) NOT ENFORCED",
        "BEGIN TRY SELECT 1; END TRY BEGIN CATCH SELECT 2; END CATCH",
        "CREATE TRIGGER tr ON s.t AFTER INSERT AS SELECT 1",
        "EXEC sp_rename 's.t', 'u'",
    ],
)
def test_untranslatable_statements_raise_never_skip(db, statement):
    run_warehouse_cells(["CREATE SCHEMA s; CREATE TABLE s.t (a int, n int)"], db)
    with pytest.raises(RunError) as info:
        run_warehouse_cells([statement], db)
    assert "cell 1" in str(info.value)


def test_plain_cells_translate_fabric_idioms(db):
    cells = [
        (
            "IF SCHEMA_ID('s') IS NULL EXEC('CREATE SCHEMA s');\n"
            "IF OBJECT_ID('s.t') IS NULL CREATE TABLE s.t (a varchar(5) NOT NULL, b bit, f float);\n"
            "IF OBJECT_ID('s.pk_t') IS NULL\n"
            "ALTER TABLE s.t ADD CONSTRAINT pk_t PRIMARY KEY NONCLUSTERED (a) NOT ENFORCED;\n"
            "GO\n"
            "INSERT INTO s.t (a, b, f) VALUES ('x', 1, 0.1);"
        ),
    ]
    result = run_warehouse_cells(cells, db)
    assert result.constraints_not_enforced == 1 and result.statements_executed == 3
    run_warehouse_cells(cells[:1], db)  # idempotent DDL; the INSERT adds a second row
    rows = query_warehouse(db, "SELECT TOP 1 a, b, f, SYSUTCDATETIME() FROM s.t")
    a, b, f, now = rows[0]
    assert (a, b, f) == ("x", True, 0.1) and now.tzinfo is None
    assert query_warehouse(db, "SELECT COUNT(*) FROM s.t") == [(2,)]


def test_query_warehouse_columns_names_the_result_columns(db):
    from ingen_fab.local.warehouse import query_warehouse_columns

    run_warehouse_cells(["CREATE SCHEMA s; CREATE TABLE s.t (a int, n int)"], db)
    columns, rows = query_warehouse_columns(
        db, "INSERT INTO s.t (a, n) VALUES (1, 2); SELECT TOP 1 a AS x, n FROM s.t"
    )
    assert (columns, rows) == (["x", "n"], [(1, 2)])
