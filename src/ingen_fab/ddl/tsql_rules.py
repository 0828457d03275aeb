"""Fabric Warehouse rules for T-SQL sources: reject what Fabric Warehouse does not support.

The checks work on sqlglot's tsql tokens and parse tree, never on the raw text, so words inside
string literals and comments are ignored and every error names the right line.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass

from ingen_fab.ddl.tsql_split import Statement, scan_statements
from ingen_fab.errors import CompileError

# sqlglot type (DType name) -> the Fabric Warehouse alternative
_UNSUPPORTED_TYPES = {
    "NVARCHAR": "varchar(n)",
    "NCHAR": "char(n)",
    "TEXT": "varchar(8000) or varchar(max)",
    "DATETIME": "datetime2(6)",
    "SMALLDATETIME": "datetime2(6)",
    "TIMESTAMPTZ": "datetime2(6) holding UTC",
    "MONEY": "decimal(19, 4)",
    "SMALLMONEY": "decimal(10, 4)",
    "UTINYINT": "smallint",
    "XML": "varchar(max)",
    "IMAGE": "varbinary(max)",
}
_PRECISION_TYPES = {"DATETIME2": "datetime2(6)", "TIME": "time(6)"}  # need explicit n <= 6

_PK_FIX = "ALTER TABLE t ADD CONSTRAINT pk_t PRIMARY KEY NONCLUSTERED (c) NOT ENFORCED"
_UQ_FIX = "ALTER TABLE t ADD CONSTRAINT uq_t UNIQUE NONCLUSTERED (c) NOT ENFORCED"


@dataclass(frozen=True, order=True)
class Violation:
    line: int
    construct: str
    alternative: str

    def message(self, filename: str) -> str:
        return (
            f"{filename}:{self.line}: {self.construct} is not supported by Fabric Warehouse; "
            f"use {self.alternative}"
        )


def lint_tsql(sql: str, filename: str) -> None:
    """Raise CompileError for the first construct (by line) Fabric Warehouse does not support."""
    violations: list[Violation] = []
    for statement in scan_statements(sql):
        violations.extend(_lint_statement(statement, filename))
    if violations:
        raise CompileError(min(violations).message(filename))


def _lint_statement(statement: Statement, filename: str) -> list[Violation]:
    from sqlglot.dialects.tsql import TSQL
    from sqlglot.errors import ParseError, TokenError

    offset = statement.line - 1
    dialect = TSQL()
    try:
        tokens = dialect.tokenize(statement.text)
    except TokenError as exc:
        raise CompileError(
            f"{filename}:{statement.line}: sqlglot's tsql dialect cannot tokenize this "
            f"statement ({exc}); fix the quoting or comment"
        ) from exc
    found = [Violation(v.line + offset, v.construct, v.alternative) for v in _token_rules(tokens)]
    parser = _recording_parser(dialect)
    try:
        with quiet_sqlglot():
            trees = parser.parse(tokens, statement.text)
    except ParseError as exc:
        err = exc.errors[0] if exc.errors else {}
        line = (err.get("line") or 1) + offset
        desc = err.get("description") or str(exc).splitlines()[0]
        found.append(
            Violation(
                line,
                f"syntax sqlglot's tsql dialect cannot parse ({desc})",
                "standard Fabric Warehouse T-SQL",
            )
        )
        return found
    for tree in trees:
        if tree is not None:
            found.extend(_type_rules(tree, parser.type_positions, statement.line, offset))
    return found


def _token_rules(tokens) -> list[Violation]:
    """Constraint, IDENTITY and trigger rules, by token (lines relative to the statement)."""
    out: list[Violation] = []
    context = ""  # "CREATE TABLE" or "ALTER TABLE" once seen in this statement
    for i, tok in enumerate(tokens):
        word = " ".join(tok.text.upper().split()) if not _is_literal(tok) else ""
        prev = tokens[i - 1].text.upper() if i and not _is_literal(tokens[i - 1]) else ""
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        nxt_word = nxt.text.upper() if nxt is not None and not _is_literal(nxt) else ""
        if word == "TABLE" and prev in ("CREATE", "ALTER"):
            context = f"{prev} TABLE"
        elif word == "TRIGGER" and prev in ("CREATE", "ALTER"):
            out.append(Violation(tok.line, "CREATE TRIGGER", "explicit statements in the load"))
        elif (
            word == "TRIGGER" and prev == "OR" and i >= 2 and tokens[i - 2].text.upper() == "ALTER"
        ):
            out.append(
                Violation(tok.line, "CREATE OR ALTER TRIGGER", "explicit statements in the load")
            )
        elif word == "IDENTITY" and (nxt_word == "(" or context == "CREATE TABLE"):
            out.append(
                Violation(
                    tok.line, "IDENTITY", "a key computed by the load (e.g. ROW_NUMBER() or a hash)"
                )
            )
        elif context == "CREATE TABLE" and (
            word == "PRIMARY KEY" or (word == "PRIMARY" and nxt_word == "KEY")
        ):
            out.append(Violation(tok.line, "inline PRIMARY KEY in CREATE TABLE", _PK_FIX))
        elif context == "CREATE TABLE" and word == "UNIQUE":
            out.append(Violation(tok.line, "inline UNIQUE in CREATE TABLE", _UQ_FIX))
        elif context and word == "DEFAULT":
            out.append(Violation(tok.line, "DEFAULT constraint", "explicit values in INSERT/MERGE"))
    return out


def _is_literal(tok) -> bool:
    from sqlglot.tokens import TokenType

    return tok.token_type in (
        TokenType.STRING,
        TokenType.NATIONAL_STRING,
        TokenType.IDENTIFIER,
        TokenType.NUMBER,
    )


def _type_rules(tree, positions: dict, first_line: int, offset: int) -> list[Violation]:
    from sqlglot import exp

    out = []
    for node in tree.find_all(exp.DataType):
        kind = node.this.name
        line, text = positions.get(id(node), (None, kind.lower()))
        line = first_line if line is None else line + offset
        if kind in _UNSUPPORTED_TYPES:
            out.append(Violation(line, text.lower(), _UNSUPPORTED_TYPES[kind]))
        elif kind in _PRECISION_TYPES:
            params = [p.sql() for p in node.expressions]
            if not params or not params[0].isdigit() or int(params[0]) > 6:
                shown = f"{text.lower()}({params[0]})" if params else f"bare {text.lower()}"
                out.append(Violation(line, shown, _PRECISION_TYPES[kind]))
    return out


def _recording_parser(dialect):
    """A tsql parser that remembers the line and source word of every data type it builds."""
    from sqlglot import exp

    class RecordingParser(type(dialect.parser())):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.type_positions: dict[int, tuple[int, str]] = {}
            self._built: list = []  # keeps recorded nodes alive so their ids stay unique

        def _parse_types(self, *args, **kwargs):
            first = self._curr
            node = super()._parse_types(*args, **kwargs)
            if isinstance(node, exp.DataType) and first is not None:
                self._built.append(node)
                self.type_positions.setdefault(id(node), (first.line, first.text))
            return node

    return RecordingParser(dialect=dialect)


@contextlib.contextmanager
def quiet_sqlglot():
    """Silence sqlglot's 'falling back to Command' warnings: callers decide what is an error."""
    logger = logging.getLogger("sqlglot")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
