"""Fabric Warehouse T-SQL: the public face of the ddl package's T-SQL side.

- `render_create_table` / `TSQL_JINJA_GLOBALS`: table DDL from the declared columns;
- `lint_tsql`: reject constructs Fabric Warehouse does not support, naming file and line;
- `split_statements`: statements of a script (on `;` and `GO` lines);
- `bootstrap_cell` / `wrap_script`: the run-once ledger, as real Fabric T-SQL cells.
"""

from __future__ import annotations

from ingen_fab.ddl.tsql_render import (
    HEADER,
    LEDGER,
    TABLES,
    TSQL_JINJA_GLOBALS,
    bootstrap_cell,
    create_table_by_name,
    drift_message,
    render_create_table,
    sql_literal,
    wrap_script,
)
from ingen_fab.ddl.tsql_rules import lint_tsql
from ingen_fab.ddl.tsql_split import Statement, scan_statements, split_statements

__all__ = [
    "HEADER",
    "LEDGER",
    "TABLES",
    "TSQL_JINJA_GLOBALS",
    "Statement",
    "bootstrap_cell",
    "create_table_by_name",
    "drift_message",
    "lint_tsql",
    "render_create_table",
    "scan_statements",
    "split_statements",
    "sql_literal",
    "wrap_script",
]
