"""Writer of the notebook model as Jupyter .ipynb (nbformat 4.5), the form papermill runs.

PySpark and Python notebooks get the `python3` kernel; a Spark SQL cell becomes Python that
passes each statement to `spark.sql(...)` as a repr literal. T-SQL notebooks are written with a
`sqldatawarehouse` kernelspec so they can be read, though papermill cannot run them.
Statements are split on `;` outside quotes and comments by `split_sql_statements`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from ingen_fab.errors import CompileError
from ingen_fab.notebooks.model import Cell, Notebook
from ingen_fab.notebooks.writing import write_text_if_changed

if TYPE_CHECKING:
    from nbformat import NotebookNode

PARAMETERS_TAG = "parameters"
_PYTHON_KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}
_TSQL_KERNELSPEC = {
    "display_name": "T-SQL (Fabric warehouse)",
    "language": "sql",
    "name": "sqldatawarehouse",
}
_SQL_QUOTES = ("'", '"', "`")
_SPARK_SQL_HEADER = "# Spark SQL cell: each statement runs through spark.sql()"


def to_ipynb(nb: Notebook) -> NotebookNode:
    """An nbformat v4.5 notebook with stable cell ids; raises CompileError if it is invalid."""
    import nbformat
    from nbformat import v4

    nb.validate()
    tsql = nb.kernel == "sqldatawarehouse"
    kernelspec = _TSQL_KERNELSPEC if tsql else _PYTHON_KERNELSPEC
    metadata = {
        "kernelspec": dict(kernelspec),
        "language_info": {"name": kernelspec["language"]},
    }
    cells = [_cell(v4, cell, _cell_id(nb.display_name, i)) for i, cell in enumerate(nb.cells)]
    # from_dict turns nested dicts into NotebookNodes: `cell.metadata.tags` works, as papermill uses
    node = nbformat.from_dict(v4.new_notebook(nbformat_minor=5, metadata=metadata, cells=cells))
    try:
        nbformat.validate(node)
    except nbformat.ValidationError as exc:
        raise CompileError(f"notebook {nb.display_name!r}: invalid .ipynb: {exc}") from exc
    return node


def write_ipynb(nb: Notebook, path: Path) -> Path:
    """Write `nb` to `path` as deterministic .ipynb JSON (indent 1, sorted keys, final
    newline), leaving the file untouched when its content is unchanged."""
    import nbformat

    text = nbformat.writes(to_ipynb(nb), version=4)
    if not text.endswith("\n"):
        text += "\n"
    path = Path(path)
    write_text_if_changed(path, text)
    return path


def spark_sql_as_python(sql: str) -> str:
    """Python source running each statement of `sql` through `spark.sql(...)`, in order."""
    calls = [f"spark.sql({statement!r})" for statement in split_sql_statements(sql)]
    return "\n".join([_SPARK_SQL_HEADER, *calls])


def _cell(v4, cell: Cell, cell_id: str):
    if cell.kind == "markdown":
        return v4.new_markdown_cell(source=cell.source, id=cell_id)
    source = spark_sql_as_python(cell.source) if cell.language == "sparksql" else cell.source
    metadata = {"tags": [PARAMETERS_TAG]} if cell.kind == "parameters" else {}
    return v4.new_code_cell(source=source, id=cell_id, metadata=metadata)


def _cell_id(display_name: str, index: int) -> str:
    """Stable across compiles and machines; matches nbformat's `^[a-zA-Z0-9-_]+$`."""
    digest = hashlib.sha256(display_name.encode("utf-8")).hexdigest()[:12]
    return f"{digest}-{index}"


def split_sql_statements(sql: str) -> list[str]:
    """The statements of `sql`, split on `;` outside quotes and comments, stripped.

    Quotes are '...', "..." (a backslash escapes the next character, as in Spark SQL) and
    `...` (a doubled backtick escapes itself); comments are `-- ...` and nestable `/* */`.
    Statements holding only comments and whitespace are dropped: Spark rejects them.
    """
    statements: list[str] = []
    start, i, has_code = 0, 0, False
    while i < len(sql):
        ch = sql[i]
        if ch in _SQL_QUOTES:
            i, has_code = _skip_quoted(sql, i), True
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            i = len(sql) if end < 0 else end + 1
        elif sql.startswith("/*", i):
            i = _skip_block_comment(sql, i)
        elif ch == ";":
            if has_code:
                statements.append(sql[start:i].strip())
            start, i, has_code = i + 1, i + 1, False
        else:
            has_code = has_code or not ch.isspace()
            i += 1
    if has_code:
        statements.append(sql[start:].strip())
    return statements


def _skip_quoted(sql: str, i: int) -> int:
    """Index just past the quoted text opening at `i` (the end of `sql` if unterminated)."""
    quote, i = sql[i], i + 1
    while i < len(sql):
        if quote != "`" and sql[i] == "\\":
            i += 2
        elif sql[i] == quote:
            if quote == "`" and sql.startswith("``", i):
                i += 2
            else:
                return i + 1
        else:
            i += 1
    return len(sql)


def _skip_block_comment(sql: str, i: int) -> int:
    """Index just past the (possibly nested) `/* */` comment opening at `i`."""
    depth, i = 1, i + 2
    while i < len(sql) and depth:
        if sql.startswith("/*", i):
            depth, i = depth + 1, i + 2
        elif sql.startswith("*/", i):
            depth, i = depth - 1, i + 2
        else:
            i += 1
    return i
