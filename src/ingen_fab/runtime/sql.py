"""Spark SQL text: every identifier and string literal the runtime writes is quoted here."""

from __future__ import annotations

DEFAULT_SCHEMA = "dbo"


def quote_name(name: str) -> str:
    """Any column name back-quoted (back-quotes inside it doubled)."""
    return "`" + str(name).replace("`", "``") + "`"


def quote_ident(name: str) -> str:
    """A Spark SQL identifier, validated and back-quoted."""
    if not name or not name.replace("_", "a").isalnum() or name[0].isdigit():
        raise ValueError(f"{name!r} is not a valid identifier: use letters, digits and _")
    return f"`{name}`"


def qualified(table: str, schema: str = DEFAULT_SCHEMA) -> str:
    """`schema`.`table`, both validated."""
    return f"{quote_ident(schema)}.{quote_ident(table)}"


def string_literal(value) -> str:
    """A Spark SQL string literal for value: backslashes and single quotes escaped."""
    escaped = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"


def string_list(values) -> str:
    """`'a', 'b'` for an IN (...) list."""
    return ", ".join(string_literal(v) for v in values)
