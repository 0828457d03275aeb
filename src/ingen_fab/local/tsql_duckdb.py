"""One T-SQL statement -> the DuckDB statements that do the same (sqlglot, plus explicit idioms).

Idioms sqlglot drops or DuckDB rejects (EXEC('<sql>'), IF SCHEMA_ID/OBJECT_ID(...) IS NULL
guards, NOT ENFORCED keys) are translated here; anything else sqlglot cannot turn into a real
DuckDB statement is a RunError, never a skip. Used by the local warehouse (warehouse.py).
"""

from __future__ import annotations

from ingen_fab.ddl.tsql import split_statements
from ingen_fab.ddl.tsql_rules import quiet_sqlglot
from ingen_fab.errors import RunError

UTC_NOW = "CAST(NOW() AT TIME ZONE 'UTC' AS TIMESTAMP)"
UTC_FUNCTIONS = {"SYSUTCDATETIME", "GETUTCDATE", "SYSDATETIME"}


def translate(statement: str, where: str, constraint_check=None) -> list[str]:
    """DuckDB statements for one T-SQL statement; RunError for anything not translatable."""
    from sqlglot.dialects.tsql import TSQL
    from sqlglot.errors import SqlglotError

    try:
        tokens = TSQL().tokenize(statement)
    except SqlglotError as exc:
        raise RunError(f"{where}: {short_statement(statement)} cannot be tokenized: {exc}") from exc
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
        raise RunError(f"{where}: {short_statement(statement)}: only EXEC('<literal sql>') is supported")
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
                    f"{where}: {short_statement(statement)}: IF SCHEMA_ID('{name}') IS NULL "
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
        f"{where}: {short_statement(statement)}: IF OBJECT_ID('{name}') IS NULL is supported locally only "
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
            f"{where}: {short_statement(statement)}: the local warehouse supports ALTER TABLE ... ADD "
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
        raise RunError(f"{where}: {short_statement(statement)} cannot be parsed as T-SQL: {exc}") from exc


def _transpile(statement: str, where: str) -> list[str]:
    trees = [t for t in _parse(statement, where) if t is not None]
    if not trees:
        raise RunError(f"{where}: {short_statement(statement)} transpiles to nothing")
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
            f"{where}: {short_statement(statement)} is not supported by the local warehouse stand-in "
            f"(sqlglot reads it as {type(tree).__name__}, which DuckDB cannot run)"
        )

    def fix(node):
        if isinstance(node, exp.DataType):
            if node.this == exp.DataType.Type.BIT:  # T-SQL bit is a boolean, not a bitstring
                return exp.DataType.build("BOOLEAN")
            if node.this == exp.DataType.Type.FLOAT:  # T-SQL float is 8 bytes
                return exp.DataType.build("DOUBLE")
        if isinstance(node, exp.CurrentTimestamp) or (
            isinstance(node, exp.Anonymous) and str(node.this).upper() in UTC_FUNCTIONS
        ):  # Fabric's clock is UTC
            return parse_one(UTC_NOW, read="duckdb")
        return node

    tree = tree.transform(fix)
    if isinstance(tree, exp.Create):
        _add_length_checks(tree)
    try:
        sql = tree.sql(dialect="duckdb", unsupported_level=ErrorLevel.RAISE)
    except SqlglotError as exc:
        raise RunError(f"{where}: {short_statement(statement)} cannot be transpiled: {exc}") from exc
    if not sql.strip():
        raise RunError(f"{where}: {short_statement(statement)} transpiles to an empty statement")
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


def short_statement(statement: str, limit: int = 160) -> str:
    """statement on one line, cut at limit characters, quoted: for error messages."""
    one_line = " ".join(statement.split())
    return repr(one_line if len(one_line) <= limit else one_line[: limit - 3] + "...")
