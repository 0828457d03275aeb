"""The local warehouse stand-in: T-SQL notebook cells run on a DuckDB file.

Each statement is transpiled with sqlglot (tsql -> duckdb) and executed, so the SQL is proven
to run, not only to parse. Idioms sqlglot drops or DuckDB rejects are translated explicitly;
anything else sqlglot cannot turn into a real DuckDB statement is a RunError, never a skip.
Cells made by `ingen_fab.ddl.tsql.wrap_script` are recognised by their header, and their
run-once ledger logic is carried out here against the same log.ddl_script_executions table.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ingen_fab.ddl.tsql import HEADER, LEDGER, drift_message, split_statements, wrap_script
from ingen_fab.ddl.tsql_rules import quiet_sqlglot
from ingen_fab.errors import RunError

_UTC_NOW = "CAST(NOW() AT TIME ZONE 'UTC' AS TIMESTAMP)"
_TRY_OPEN = "\n    BEGIN TRY\n"
_UTC_FUNCTIONS = {"SYSUTCDATETIME", "GETUTCDATE", "SYSDATETIME"}


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
        self._ledger(
            f"INSERT INTO {LEDGER} (script_id, content_hash, status, executed_at, error_message) "
            f"VALUES (?, ?, ?, {_UTC_NOW}, ?)",
            script_id,
            digest,
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
                raise RunError(f"{where}: {_short(statement)} failed on DuckDB: {exc}") from exc
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
            raise RunError(f"{where}: {_short(statement)} refers to a missing {what}")
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


def translate(statement: str, where: str, constraint_check=None) -> list[str]:
    """DuckDB statements for one T-SQL statement; RunError for anything not translatable."""
    from sqlglot.dialects.tsql import TSQL
    from sqlglot.errors import SqlglotError

    try:
        tokens = TSQL().tokenize(statement)
    except SqlglotError as exc:
        raise RunError(f"{where}: {_short(statement)} cannot be tokenized: {exc}") from exc
    idiom = _translate_idiom(statement, tokens, where, constraint_check)
    if idiom is not None:
        return idiom
    return _transpile(statement, where)


def _translate_idiom(statement, tokens, where, constraint_check) -> list[str] | None:
    from sqlglot.tokens import TokenType

    words = [t.text.upper() if t.token_type != TokenType.STRING else None for t in tokens]
    if words[:2] == ["EXEC", "("] or words[:2] == ["EXECUTE", "("]:
        # EXEC('<sql>') -> the inner statements (a T-SQL literal argument only)
        if len(tokens) == 4 and tokens[2].token_type == TokenType.STRING and words[3] == ")":
            return [
                sql
                for inner in split_statements(tokens[2].text)
                for sql in translate(inner, where, constraint_check)
            ]
        raise RunError(f"{where}: {_short(statement)}: only EXEC('<literal sql>') is supported")
    guard = words[:7]
    if (
        len(tokens) > 7
        and guard[0] == "IF"
        and guard[2:3] == ["("]
        and guard[4:7] == [")", "IS", "NULL"]
        and guard[1] in ("SCHEMA_ID", "OBJECT_ID")
        and tokens[3].token_type == TokenType.STRING
    ):
        name = tokens[3].text
        rest = statement[tokens[7].start :]
        if guard[1] == "SCHEMA_ID":
            inner = [s.strip().rstrip(";") for s in _unexec(rest)]
            if [s.upper().split() for s in inner] != [["CREATE", "SCHEMA", name.upper()]]:
                raise RunError(
                    f"{where}: {_short(statement)}: IF SCHEMA_ID('{name}') IS NULL "
                    f"must guard exactly CREATE SCHEMA {name}"
                )
            return [f'CREATE SCHEMA IF NOT EXISTS "{name}"']
        return _if_object_missing(name, rest, statement, where, constraint_check)
    if words[:2] == ["ALTER", "TABLE"] and "CONSTRAINT" in words:
        _not_enforced_key(tokens, words, statement, where, constraint_check)
        return []
    return None


def _unexec(sql: str) -> list[str]:
    """The statements of `sql`, looking through one EXEC('<literal>')."""
    from sqlglot.dialects.tsql import TSQL
    from sqlglot.tokens import TokenType

    tokens = TSQL().tokenize(sql)
    if (
        [t.text.upper() for t in tokens[:2]] in (["EXEC", "("], ["EXECUTE", "("])
        and len(tokens) in (4, 5)
        and tokens[2].token_type == TokenType.STRING
    ):
        return split_statements(tokens[2].text)
    return split_statements(sql)


def _if_object_missing(name, rest, statement, where, constraint_check) -> list[str]:
    """IF OBJECT_ID('x') IS NULL <CREATE TABLE x | ALTER TABLE ... ADD CONSTRAINT x ...>."""
    from sqlglot import exp
    from sqlglot.dialects.tsql import TSQL

    inner = _unexec(rest)
    if len(inner) == 1:
        tokens = TSQL().tokenize(inner[0])
        words = [t.text.upper() for t in tokens]
        if words[:2] == ["CREATE", "TABLE"]:
            trees = _parse(inner[0], where)
            tree = trees[0] if len(trees) == 1 else None
            if isinstance(tree, exp.Create) and _table_name(tree) == name.lower():
                tree.set("exists", True)
                return [_generate(tree, inner[0], where)]
        elif words[:2] == ["ALTER", "TABLE"] and "CONSTRAINT" in words:
            constraint = words[words.index("CONSTRAINT") + 1]
            if name.upper().rpartition(".")[2] == constraint:
                _not_enforced_key(tokens, words, inner[0], where, constraint_check)
                return []
    raise RunError(
        f"{where}: {_short(statement)}: IF OBJECT_ID('{name}') IS NULL is supported locally only "
        f"around CREATE TABLE {name} or ALTER TABLE ... ADD CONSTRAINT {name} ... NOT ENFORCED"
    )


def _not_enforced_key(tokens, words, statement, where, constraint_check) -> None:
    """ALTER TABLE t ADD CONSTRAINT n PRIMARY KEY|UNIQUE [NONCLUSTERED] (cols) NOT ENFORCED."""
    try:
        c = words.index("CONSTRAINT")
        kind_at = c + 2
        kind = " ".join(words[kind_at].split())
        kind_len = 2 if words[kind_at : kind_at + 2] == ["PRIMARY", "KEY"] else 1
        ok = words[c - 1] == "ADD" and (kind_len == 2 or kind in ("PRIMARY KEY", "UNIQUE"))
        at = kind_at + kind_len + (1 if words[kind_at + kind_len] == "NONCLUSTERED" else 0)
        close = words.index(")", at)
        ok = ok and words[at] == "(" and words[close + 1 :] == ["NOT", "ENFORCED"]
    except (ValueError, IndexError):
        ok = False
    if not ok:
        raise RunError(
            f"{where}: {_short(statement)}: the local warehouse supports ALTER TABLE ... ADD "
            "CONSTRAINT only as PRIMARY KEY/UNIQUE NONCLUSTERED (...) NOT ENFORCED"
        )
    table = "".join(t.text for t in tokens[2 : c - 1])
    columns = [t.text for t in tokens[at + 1 : close] if t.text != ","]
    if constraint_check is not None:
        constraint_check(table, columns, where, statement)


def _parse(statement: str, where: str) -> list:
    import sqlglot
    from sqlglot.errors import SqlglotError

    try:
        with quiet_sqlglot():
            return sqlglot.parse(statement, read="tsql")
    except SqlglotError as exc:
        raise RunError(f"{where}: {_short(statement)} cannot be parsed as T-SQL: {exc}") from exc


def _transpile(statement: str, where: str) -> list[str]:
    trees = [t for t in _parse(statement, where) if t is not None]
    if not trees:
        raise RunError(f"{where}: {_short(statement)} transpiles to nothing")
    return [_generate(tree, statement, where) for tree in trees]


def _generate(tree, statement: str, where: str) -> str:
    """DuckDB SQL for one parsed T-SQL tree, after fixing what sqlglot maps wrongly."""
    from sqlglot import exp, parse_one
    from sqlglot.errors import ErrorLevel, SqlglotError

    if isinstance(tree, (exp.Command, exp.IfBlock, exp.Block)) or type(tree).__name__ in (
        "WhileBlock",
        "TryCatch",
    ):
        raise RunError(
            f"{where}: {_short(statement)} is not supported by the local warehouse stand-in "
            f"(sqlglot reads it as {type(tree).__name__}, which DuckDB cannot run)"
        )

    def fix(node):
        if isinstance(node, exp.DataType):
            if node.this == exp.DataType.Type.BIT:  # T-SQL bit is a boolean, not a bitstring
                return exp.DataType.build("BOOLEAN")
            if node.this == exp.DataType.Type.FLOAT:  # T-SQL float is 8 bytes
                return exp.DataType.build("DOUBLE")
        if isinstance(node, exp.CurrentTimestamp) or (
            isinstance(node, exp.Anonymous) and str(node.this).upper() in _UTC_FUNCTIONS
        ):  # Fabric's clock is UTC
            return parse_one(_UTC_NOW, read="duckdb")
        return node

    tree = tree.transform(fix)
    if isinstance(tree, exp.Create):
        _add_length_checks(tree)
    try:
        sql = tree.sql(dialect="duckdb", unsupported_level=ErrorLevel.RAISE)
    except SqlglotError as exc:
        raise RunError(f"{where}: {_short(statement)} cannot be transpiled: {exc}") from exc
    if not sql.strip():
        raise RunError(f"{where}: {_short(statement)} transpiles to an empty statement")
    return sql


def _add_length_checks(create) -> None:
    """varchar(n)/char(n): Fabric rejects longer values (in bytes); DuckDB would keep them."""
    from sqlglot import exp

    for col in create.find_all(exp.ColumnDef):
        kind = col.args.get("kind")
        if kind is None or kind.this not in (exp.DataType.Type.VARCHAR, exp.DataType.Type.CHAR):
            continue
        params = [p.sql() for p in kind.expressions]
        if params and params[0].isdigit():
            check = exp.LTE(
                this=exp.Anonymous(this="strlen", expressions=[exp.column(col.name)]),
                expression=exp.Literal.number(int(params[0])),
            )
            col.append(
                "constraints", exp.ColumnConstraint(kind=exp.CheckColumnConstraint(this=check))
            )


def _table_name(create) -> str:
    from sqlglot import exp

    table = create.find(exp.Table)
    return table.sql(dialect="tsql").lower() if table is not None else ""


def _short(statement: str, limit: int = 160) -> str:
    one_line = " ".join(statement.split())
    return repr(one_line if len(one_line) <= limit else one_line[: limit - 3] + "...")
