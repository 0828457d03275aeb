"""T-SQL renderings for Fabric Warehouse: table DDL from the column declarations, and the
run-once ledger wrapper around a ddl script (one T-SQL batch = one notebook cell).
"""

from __future__ import annotations

import re

from ingen_fab.errors import CompileError
from ingen_fab.runtime.schema import CONFIG_TABLE, DDL_LEDGER_TABLE, LOG_TABLE, Table
from ingen_fab.runtime_embed import runtime_id

TABLES: dict[str, Table] = {t.name: t for t in (CONFIG_TABLE, LOG_TABLE, DDL_LEDGER_TABLE)}
LEDGER = f"{DDL_LEDGER_TABLE.warehouse_schema}.{DDL_LEDGER_TABLE.name}"
HEADER_PREFIX = "-- ingen_fab:script "
HEADER = re.compile(r"^-- ingen_fab:script (?P<id>[^\r\n]+) sha256:(?P<hash>[0-9a-f]{64})$")
DRIFT_ERROR = 50001

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TYPES = {
    "int": "int",
    "bigint": "bigint",
    "bool": "bit",
    "date": "date",
    "timestamp": "datetime2(6)",
    "double": "float",
}


def sql_literal(value: str | None) -> str:
    """A T-SQL string literal (quotes doubled), or NULL."""
    if value is None:
        return "NULL"
    return "'" + str(value).replace("'", "''") + "'"


def _name(name: str) -> str:
    if not _NAME.match(name):
        raise CompileError(f"schema.py: {name!r} is not a plain T-SQL identifier")
    return name


def _column_type(column) -> str:
    if column.type == "string":
        return f"varchar({column.length or 8000})"
    try:
        return _TYPES[column.type]
    except KeyError:
        raise CompileError(
            f"schema.py: column {column.name} has unknown type {column.type!r}"
        ) from None


def render_create_table(table: Table) -> str:
    """Idempotent Fabric Warehouse DDL: schema guard, CREATE TABLE, NOT ENFORCED primary key."""
    schema, name = _name(table.warehouse_schema), _name(table.name)
    qualified = f"{schema}.{name}"
    width = max(len(c.name) for c in table.columns)
    cols = ",\n".join(
        f"    {_name(c.name).ljust(width)} {_column_type(c)}{'' if c.nullable else ' NOT NULL'}"
        for c in table.columns
    )
    parts = [
        f"IF SCHEMA_ID({sql_literal(schema)}) IS NULL EXEC({sql_literal('CREATE SCHEMA ' + schema)});",
        f"IF OBJECT_ID({sql_literal(qualified)}) IS NULL\nCREATE TABLE {qualified} (\n{cols}\n);",
    ]
    if table.key:
        pk = f"pk_{name}"
        keys = ", ".join(_name(k) for k in table.key)
        parts.append(
            f"IF OBJECT_ID({sql_literal(schema + '.' + pk)}) IS NULL\n"
            f"ALTER TABLE {qualified} ADD CONSTRAINT {pk} PRIMARY KEY NONCLUSTERED ({keys}) "
            "NOT ENFORCED;"
        )
    return "\n".join(parts) + "\n"


def create_table_by_name(name: str) -> str:
    """render_create_table for one of the declared tables, by name (the Jinja global)."""
    try:
        return render_create_table(TABLES[name])
    except KeyError:
        known = ", ".join(sorted(TABLES))
        raise CompileError(f"tsql_create_table: unknown table {name!r}; known: {known}") from None


TSQL_JINJA_GLOBALS = {"tsql_create_table": create_table_by_name}


def bootstrap_cell() -> str:
    """T-SQL creating the run-once ledger table (log.ddl_script_executions) if missing."""
    return render_create_table(DDL_LEDGER_TABLE)


def drift_message(script_id: str) -> str:
    return (
        f"DDL script {script_id} changed after it ran: add a new numbered script, or re-run it "
        f"explicitly (delete its rows from {LEDGER}, or locally: "
        f"ingen_fab ddl run --rerun {script_id})"
    )


def exec_literal(statement: str) -> str:
    """The EXEC argument for one statement: terminated (MERGE needs `;`), quotes doubled."""
    last_line = statement.rsplit("\n", 1)[-1]
    terminator = "\n;" if "--" in last_line else ";"
    return sql_literal(statement + terminator)


def wrap_script(script_id: str, content_hash: str, statements: list[str]) -> str:
    """One T-SQL batch running a ddl script once per content hash, recording it in the ledger
    with the build id of the ingen_fab that compiled it.

    The latest successful run had this hash: nothing runs. It had another hash (the script was
    edited, or reverted to an older version): error 50001 naming the script and the way forward. Otherwise every statement runs through
    EXEC (so even compile errors are caught), and a success or failed row is recorded.
    """
    if not HEADER.match(f"{HEADER_PREFIX}{script_id} sha256:{content_hash}"):
        raise CompileError(f"{script_id}: needs a one-line script id and a lowercase sha256 hex")
    sid, digest = sql_literal(script_id), sql_literal(content_hash)
    done = f"SELECT 1 FROM {LEDGER} WHERE script_id = {sid} AND status = 'success'"
    latest_differs = (
        f"{done} AND content_hash <> {digest} AND executed_at = "
        f"(SELECT MAX(executed_at) FROM {LEDGER} WHERE script_id = {sid} AND status = 'success')"
    )
    throw = f"THROW {DRIFT_ERROR}, {sql_literal(drift_message(script_id))}, 1;"
    insert = (
        f"INSERT INTO {LEDGER} (script_id, content_hash, runtime_id, status, executed_at, "
        f"error_message) VALUES ({sid}, {digest}, {sql_literal(runtime_id())}, "
    )
    execs = "".join(f"        EXEC({exec_literal(s)});\n" for s in statements)
    return (
        f"{HEADER_PREFIX}{script_id} sha256:{content_hash}\n"
        f"IF EXISTS ({latest_differs})\n"
        f"BEGIN\n"
        f"    EXEC({sql_literal(throw)});\n"
        f"END\n"
        f"ELSE IF NOT EXISTS ({done})\n"
        f"BEGIN\n"
        f"    BEGIN TRY\n"
        f"{execs}"
        f"        {insert}'success', SYSUTCDATETIME(), NULL);\n"
        f"    END TRY\n"
        f"    BEGIN CATCH\n"
        f"        {insert}'failed', SYSUTCDATETIME(), LEFT(ERROR_MESSAGE(), 4000));\n"
        f"        THROW;\n"
        f"    END CATCH\n"
        f"END;\n"
    )
