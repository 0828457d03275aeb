"""The local warehouse stand-in: T-SQL notebook cells run on a DuckDB file.

Each statement is transpiled with sqlglot (tsql -> duckdb) and executed, so the SQL is proven
to run, not only to parse (the translation: tsql_duckdb.py). Idioms sqlglot drops or DuckDB
rejects are translated explicitly; anything else untranslatable is a RunError, never a skip.
Cells made by `ingen_fab.ddl.tsql.wrap_script` are recognised by their header, and their
run-once ledger logic is carried out here against the same log.ddl_script_executions table.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ingen_fab.ddl.tsql import HEADER, LEDGER, drift_message, split_statements, wrap_script
from ingen_fab.errors import RunError
from ingen_fab.local.tsql_duckdb import UTC_NOW, short_statement, translate
from ingen_fab.runtime_embed import runtime_id

_TRY_OPEN = "\n    BEGIN TRY\n"


@dataclass
class WarehouseRunResult:
    scripts_run: list[str] = field(default_factory=list)
    scripts_skipped: list[str] = field(default_factory=list)
    scripts_failed: list[str] = field(default_factory=list)
    statements_executed: int = 0
    constraints_not_enforced: int = 0  # NOT ENFORCED keys accepted as informational

    @property
    def counts(self) -> dict[str, int]:
        return {
            "run": len(self.scripts_run),
            "skipped": len(self.scripts_skipped),
            "failed": len(self.scripts_failed),
        }


def run_warehouse_cells(
    cells: list[str], db_path: str, rerun: frozenset[str] = frozenset()
) -> WarehouseRunResult:
    """Run the code cells of a generated T-SQL notebook, in order, on the DuckDB file db_path.

    Raises RunError at the first failure (its `result` attribute holds what ran until then).
    """
    result = WarehouseRunResult()
    with _connect(db_path) as con:
        runner = _Runner(con, result)
        for index, cell in enumerate(cells, start=1):
            try:
                header = HEADER.match(cell.lstrip().split("\n", 1)[0].rstrip())
                if header:
                    runner.run_script_cell(cell, header["id"], header["hash"], rerun)
                else:
                    for statement in split_statements(cell):
                        runner.execute(statement, f"cell {index}")
            except RunError as exc:
                exc.result = result
                raise
    return result


def query_warehouse(db_path: str, sql_tsql: str) -> list[tuple]:
    """Run T-SQL (transpiled to DuckDB) on the warehouse file; rows of the last statement."""
    return query_warehouse_columns(db_path, sql_tsql)[1]


def query_warehouse_columns(db_path: str, sql_tsql: str) -> tuple[list[str], list[tuple]]:
    """Like query_warehouse, with the column names of the last statement's result."""
    statements = split_statements(sql_tsql)
    if not statements:
        raise RunError("query_warehouse: no statement to run")
    with _connect(db_path) as con:
        runner = _Runner(con, WarehouseRunResult())
        for statement in statements:
            runner.execute(statement, "query")
        return runner.last_columns, runner.last_rows


class _connect:
    def __init__(self, db_path: str):
        self.db_path = db_path

    def __enter__(self):
        import duckdb

        parent = os.path.dirname(os.path.abspath(self.db_path))
        os.makedirs(parent, exist_ok=True)
        self.con = duckdb.connect(self.db_path)
        return self.con

    def __exit__(self, *exc_info):
        self.con.close()


class _Runner:
    def __init__(self, con, result: WarehouseRunResult):
        self.con = con
        self.result = result
        self.last_columns: list[str] = []
        self.last_rows: list[tuple] = []

    # -- run-once ledger (same semantics as the T-SQL that wrap_script produces) -----------
    def run_script_cell(self, cell: str, script_id: str, digest: str, rerun: frozenset[str]):
        statements = _wrapped_statements(cell, script_id)
        latest = self._ledger(
            f"SELECT content_hash FROM {LEDGER} WHERE script_id = ? "
            "AND status = 'success' ORDER BY executed_at DESC LIMIT 1",
            script_id,
        )
        if script_id not in rerun and latest:
            if latest[0][0] == digest:
                self.result.scripts_skipped.append(script_id)
                return
            raise RunError(drift_message(script_id))
        try:
            for statement in statements:
                self.execute(statement, f"script {script_id}")
        except RunError as exc:
            self._record(script_id, digest, "failed", str(exc)[:4000])
            self.result.scripts_failed.append(script_id)
            raise
        self._record(script_id, digest, "success", None)
        self.result.scripts_run.append(script_id)

    def _ledger(self, sql: str, *params):
        try:
            return self.con.execute(sql, list(params)).fetchall()
        except Exception as exc:  # duckdb.Error and its subclasses
            raise RunError(
                f"DDL script {params[0]}: ledger table {LEDGER} is not readable ({exc}); "
                "the notebook's bootstrap cell must run first"
            ) from exc

    def _record(self, script_id: str, digest: str, status: str, error: str | None) -> None:
        # the cell was checked to be wrap_script's, which records this build's id
        self._ledger(
            f"INSERT INTO {LEDGER} (script_id, content_hash, runtime_id, status, executed_at, "
            f"error_message) VALUES (?, ?, ?, ?, {UTC_NOW}, ?)",
            script_id,
            digest,
            runtime_id(),
            status,
            error,
        )

    # -- one T-SQL statement -------------------------------------------------------------
    def execute(self, statement: str, where: str) -> list[tuple]:
        rows: list[tuple] = []
        for sql in translate(statement, where, self._constraint_check):
            try:
                cursor = self.con.execute(sql)
                description = cursor.description or []
                rows = cursor.fetchall() if description else []
            except Exception as exc:  # duckdb.Error and its subclasses
                raise RunError(f"{where}: {short_statement(statement)} failed on DuckDB: {exc}") from exc
            self.result.statements_executed += 1
            self.last_columns, self.last_rows = [d[0] for d in description], rows
        return rows

    def _constraint_check(self, table: str, columns: list[str], where: str, statement: str):
        """A NOT ENFORCED key is informational, but its table and columns must exist."""
        schema, _, name = table.rpartition(".")
        found = {
            row[0].lower()
            for row in self.con.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = ? AND table_schema = ?",
                [name, schema or "main"],
            ).fetchall()
        }
        missing = [c for c in columns if c.lower() not in found]
        if not found or missing:
            what = f"table {table}" if not found else f"column(s) {', '.join(missing)} of {table}"
            raise RunError(f"{where}: {short_statement(statement)} refers to a missing {what}")
        self.result.constraints_not_enforced += 1


def _wrapped_statements(cell: str, script_id: str) -> list[str]:
    """The statements a wrap_script cell EXECs; the cell must be exactly what it produced."""
    from sqlglot.dialects.tsql import TSQL
    from sqlglot.tokens import TokenType

    start = cell.find(_TRY_OPEN)
    end = cell.find(f"        INSERT INTO {LEDGER} ", start)
    statements: list[str] = []
    if 0 <= start < end:
        tokens = TSQL().tokenize(cell[start + len(_TRY_OPEN) : end])
        words = [t.text.upper() for t in tokens]
        j = 0
        while words[j : j + 2] == ["EXEC", "("] and tokens[j + 2].token_type == TokenType.STRING:
            text = tokens[j + 2].text.rstrip()
            statements.append(text[:-1].rstrip() if text.endswith(";") else text)
            j += 5
    header = cell.lstrip().split("\n", 1)[0].rstrip()
    digest = HEADER.match(header)["hash"]
    if wrap_script(script_id, digest, statements).strip() != cell.strip():
        raise RunError(
            f"DDL script {script_id}: its cell differs from what the compiler generates; "
            "recompile the notebooks (ingen_fab ddl compile) instead of editing them"
        )
    return statements
