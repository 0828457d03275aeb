"""Reader of Fabric's notebook git format back into the notebook model.

It reads what `fabric.render_notebook_content` writes exactly (render -> read -> render is the
identity) and tolerates the small variations of files Fabric itself commits.
"""

from __future__ import annotations

import json
from pathlib import Path

from ingen_fab.errors import CompileError
from ingen_fab.notebooks.fabric_format import (
    HEADER,
    ITEM_SUFFIX,
    LANGUAGE_META,
    MAGIC,
    MARKER_KINDS,
    META,
    NOTEBOOK_METADATA,
    PLATFORM_FILE,
    SPARK_SQL_MAGIC,
    marker_line,
)
from ingen_fab.notebooks.model import Cell, LakehouseRef, Notebook, WarehouseRef

# Fabric kernel_info.name -> model kernel
_KERNELS = {
    "synapse_pyspark": "synapse_pyspark",
    "jupyter": "python",
    "sqldatawarehouse": "sqldatawarehouse",
}


def parse_notebook_content_file(path: Path) -> Notebook:
    """Parse a `notebook-content.py|.sql` into a Notebook.

    The display name and description come from the `.platform` beside it when there is one,
    else from the `<name>.Notebook` folder (else the file name). Fabric does not store a
    warehouse's name in the content file, so a read WarehouseRef has name "".
    """
    try:
        text = path.read_text(encoding="utf-8")
        return _parse(text, *_names(path))
    except (CompileError, OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        message = exc.args[0] if isinstance(exc, CompileError) else f"{type(exc).__name__}: {exc}"
        raise CompileError(f"{path}: cannot read Fabric notebook content: {message}") from exc


def _names(path: Path) -> tuple[str, str]:
    platform = path.parent / PLATFORM_FILE
    if platform.is_file():
        metadata = json.loads(platform.read_text(encoding="utf-8"))["metadata"]
        return metadata["displayName"], metadata.get("description", "")
    if path.parent.name.endswith(ITEM_SUFFIX):
        return path.parent.name[: -len(ITEM_SUFFIX)], ""
    return path.stem, ""


def _parse(text: str, display_name: str, description: str) -> Notebook:
    text = text.replace("\r\n", "\n")
    comment = "--" if text.startswith("--") else "#"
    lines = text.split("\n")
    if lines[0].rstrip() != f"{comment} {HEADER}":
        raise CompileError(f"first line is not {comment} {HEADER!r}")
    blocks = _blocks(lines[1:], comment)
    if not blocks or blocks[0][0] != NOTEBOOK_METADATA:
        raise CompileError("the notebook METADATA block must come first")
    metadata = _meta_json(blocks[0][1], comment)
    kernel = _kernel(metadata)
    cells: list[Cell] = []
    rest = blocks[1:]
    while rest:
        (marker, body), rest = rest[0], rest[1:]
        if marker not in MARKER_KINDS:
            raise CompileError(f"a {marker} block does not follow a cell")
        kind = MARKER_KINDS[marker]
        if kind == "markdown":
            cells.append(Cell("markdown", _markdown_source(body, comment)))
            continue
        if not rest or rest[0][0] != NOTEBOOK_METADATA:
            raise CompileError(f"cell {len(cells)} has no METADATA block")
        language = _language(kernel, _meta_json(rest[0][1], comment))
        rest = rest[1:]
        cells.append(Cell(kind, _code_source(body, comment, language), language))
    dependencies = metadata.get("dependencies") or {}
    lakehouse, warehouse = _stores(dependencies)
    environment = (dependencies.get("environment") or {}).get("environmentId")
    return Notebook(display_name, kernel, cells, description, lakehouse, warehouse, environment)


def _blocks(lines: list[str], comment: str) -> list[tuple[str, list[str]]]:
    """(marker, body) pairs; a body is the lines between its marker's blank line and the
    blank line before the next marker (or the end of the file)."""
    markers = {marker_line(comment, m): m for m in (NOTEBOOK_METADATA, *MARKER_KINDS)}
    starts = [i for i, line in enumerate(lines) if line.rstrip() in markers]
    if lines[: starts[0] if starts else len(lines)] not in ([""], []):
        raise CompileError("unexpected text between the header and the first block")
    blocks = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        body = lines[start + 1 : end]
        if body[:1] == [""]:
            body = body[1:]
        if body[-1:] == [""]:
            body = body[:-1]
        blocks.append((markers[lines[start].rstrip()], body))
    return blocks


def _meta_json(body: list[str], comment: str) -> dict:
    prefix = f"{comment} {META}"
    if any(not line.startswith(prefix) for line in body if line.strip()):
        raise CompileError(f"a METADATA block holds a line not starting with {prefix!r}")
    return json.loads("\n".join(line[len(prefix) :] for line in body if line.strip()))


def _kernel(metadata: dict) -> str:
    name = metadata.get("kernel_info", {}).get("name")
    if name not in _KERNELS:
        raise CompileError(f"unsupported kernel_info.name {name!r}")
    return _KERNELS[name]


def _language(kernel: str, metadata: dict) -> str:
    found = (metadata.get("language"), metadata.get("language_group"))
    for language, pair in LANGUAGE_META[kernel].items():
        if pair == found:
            return language
    raise CompileError(f"cell language {found[0]!r} / group {found[1]!r} in a {kernel} notebook")


def _markdown_source(body: list[str], comment: str) -> str:
    return "\n".join(_uncomment(line, comment) for line in body)


def _code_source(body: list[str], comment: str, language: str) -> str:
    magic = f"{comment} {MAGIC}"
    if language == "sparksql" and body[:1] and body[0].rstrip() == f"{magic} {SPARK_SQL_MAGIC}":
        return "\n".join(_uncomment(line, magic) for line in body[1:])
    return "\n".join(body)


def _uncomment(line: str, prefix: str) -> str:
    if line.startswith(prefix + " "):
        return line[len(prefix) + 1 :]
    if line.rstrip() == prefix:
        return ""
    raise CompileError(f"line {line!r} should start with {prefix!r}")


def _stores(dependencies: dict) -> tuple[LakehouseRef | None, WarehouseRef | None]:
    lakehouse = warehouse = None
    if "lakehouse" in dependencies:
        found = dependencies["lakehouse"]
        lakehouse = LakehouseRef(
            id=found.get("default_lakehouse", ""),
            name=found.get("default_lakehouse_name", ""),
            workspace_id=found.get("default_lakehouse_workspace_id", ""),
        )
    if "warehouse" in dependencies:
        warehouse = WarehouseRef(id=dependencies["warehouse"].get("default_warehouse", ""), name="")
    return lakehouse, warehouse
