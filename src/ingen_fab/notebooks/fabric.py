"""Writer of Fabric's notebook git format: `<name>.Notebook/notebook-content.py|.sql` + `.platform`.

The layout follows FABRIC.md and the files Fabric's git integration itself commits: JSON spread
over `# META` lines with a 2-space indent, one blank line around every block, a final newline.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from ingen_fab.errors import CompileError
from ingen_fab.notebooks.fabric_format import (
    CELL_MARKERS,
    CONTENT_FILES,
    HEADER,
    ITEM_SUFFIX,
    LANGUAGE_META,
    MAGIC,
    META,
    NOTEBOOK_METADATA,
    PLATFORM_FILE,
    PLATFORM_SCHEMA,
    PYTHON_JUPYTER_KERNEL,
    SPARK_SQL_MAGIC,
    all_marker_lines,
    comment_prefix,
    content_file_name,
    marker_line,
)
from ingen_fab.notebooks.fabric_reader import parse_notebook_content_file
from ingen_fab.notebooks.model import Cell, Notebook
from ingen_fab.notebooks.writing import write_text_if_changed

__all__ = [
    "LOGICAL_ID_NAMESPACE",
    "logical_id_for",
    "read_notebook_content",
    "render_notebook_content",
    "render_platform",
    "write_fabric_item",
]

# Fixed for the life of the project: changing it would give every deployed item a new identity.
LOGICAL_ID_NAMESPACE = uuid.UUID("6f3c2a4e-8b1d-5e7f-9a2c-4d6e8f0a1b3c")


def render_notebook_content(nb: Notebook) -> str:
    """The text of `notebook-content.py` (PySpark/Python) or `notebook-content.sql` (T-SQL)."""
    nb.validate()
    comment = comment_prefix(nb.kernel)
    lines = [f"{comment} {HEADER}", ""]
    lines += _metadata_block(comment, _notebook_metadata(nb))
    for index, cell in enumerate(nb.cells):
        lines += [marker_line(comment, CELL_MARKERS[cell.kind]), ""]
        lines += _checked_source_lines(nb, index, cell, comment)
        lines.append("")
        if cell.kind != "markdown":
            language, group = LANGUAGE_META[nb.kernel][cell.language]
            lines += _metadata_block(comment, {"language": language, "language_group": group})
    return "\n".join(lines)


def render_platform(nb: Notebook, logical_id: str) -> str:
    """The `.platform` JSON of the item: 2-space indent, trailing newline."""
    nb.validate()
    try:
        canonical_id = str(uuid.UUID(logical_id))
    except (TypeError, ValueError, AttributeError):
        raise CompileError(
            f"notebook {nb.display_name!r}: logicalId {logical_id!r} is not a GUID"
        ) from None
    metadata = {"type": "Notebook", "displayName": nb.display_name}
    if nb.description:
        metadata["description"] = nb.description
    platform = {
        "$schema": PLATFORM_SCHEMA,
        "metadata": metadata,
        "config": {"version": "2.0", "logicalId": canonical_id},
    }
    return json.dumps(platform, indent=2, ensure_ascii=False) + "\n"


ZERO_WORKSPACE = "00000000-0000-0000-0000-000000000000"


def logical_id_for(item_path: str) -> str:
    """A GUID derived only from `item_path` (separators normalised to `/`): the same on
    every machine, different for different paths."""
    normalised = item_path.replace("\\", "/").strip("/")
    if not normalised:
        raise CompileError("logical_id_for: item_path must not be empty")
    return str(uuid.uuid5(LOGICAL_ID_NAMESPACE, normalised))


def write_fabric_item(nb: Notebook, parent_dir: Path, item_path: str) -> Path:
    """Write `<parent_dir>/<display_name>.Notebook/` (content file + `.platform`); return it.

    Files whose content is unchanged are not rewritten. A content file of the other kind left
    by an earlier compile (the notebook changed kernel) is removed, so Fabric sees one.
    """
    content = render_notebook_content(nb)
    platform = render_platform(nb, logical_id_for(item_path))
    item_dir = Path(parent_dir) / f"{nb.display_name}{ITEM_SUFFIX}"
    name = content_file_name(nb.kernel)
    write_text_if_changed(item_dir / name, content)
    for stale in CONTENT_FILES.values():
        if stale != name and (item_dir / stale).is_file():
            (item_dir / stale).unlink()
    write_text_if_changed(item_dir / PLATFORM_FILE, platform)
    return item_dir


def read_notebook_content(path: Path) -> Notebook:
    """Parse a `notebook-content.py|.sql` back into a Notebook (see `fabric_reader`)."""
    return parse_notebook_content_file(Path(path))


def _notebook_metadata(nb: Notebook) -> dict:
    if nb.kernel == "python":
        kernel_info = {"name": "jupyter", "jupyter_kernel_name": PYTHON_JUPYTER_KERNEL}
    else:
        kernel_info = {"name": nb.kernel}
    dependencies: dict = {}
    if nb.default_lakehouse is not None:
        lakehouse = nb.default_lakehouse
        dependencies["lakehouse"] = {
            "default_lakehouse": lakehouse.id,
            "default_lakehouse_name": lakehouse.name,
            "default_lakehouse_workspace_id": lakehouse.workspace_id,
            "known_lakehouses": [{"id": lakehouse.id}],
        }
    if nb.default_warehouse is not None:
        warehouse_id = nb.default_warehouse.id
        dependencies["warehouse"] = {
            "default_warehouse": warehouse_id,
            "known_warehouses": [{"id": warehouse_id, "type": "Datawarehouse"}],
        }
    if nb.environment_id is not None:  # the all-zero workspace: the one it is deployed to
        dependencies["environment"] = {"environmentId": nb.environment_id,
                                       "workspaceId": ZERO_WORKSPACE}
    return {"kernel_info": kernel_info, "dependencies": dependencies}


def _metadata_block(comment: str, metadata: dict) -> list[str]:
    """`METADATA` marker, blank line, the JSON over `META` lines, blank line."""
    text = json.dumps(metadata, indent=2, ensure_ascii=False)
    meta_lines = [f"{comment} {META} {line}" for line in text.split("\n")]
    return [marker_line(comment, NOTEBOOK_METADATA), "", *meta_lines, ""]


def _source_lines(cell: Cell, comment: str) -> list[str]:
    if cell.kind == "markdown":
        return [f"{comment} {line}" for line in _lines(cell.source)]
    if cell.language == "sparksql":
        magic = f"{comment} {MAGIC}"
        return [f"{magic} {SPARK_SQL_MAGIC}", *(f"{magic} {line}" for line in _lines(cell.source))]
    return _lines(cell.source)


def _checked_source_lines(nb: Notebook, index: int, cell: Cell, comment: str) -> list[str]:
    """The cell's lines, refusing any a reader would take for the start of a new block."""
    lines = _source_lines(cell, comment)
    markers = all_marker_lines(comment)
    for number, line in enumerate(lines, start=1):
        if line.rstrip() in markers:
            raise CompileError(
                f"notebook {nb.display_name!r}: cell {index} line {number} would read as the "
                f"Fabric block marker {line.rstrip()!r}; reword that line"
            )
    return lines


def _lines(source: str) -> list[str]:
    """An empty source has no lines (Fabric writes an empty cell as two blank lines)."""
    return source.split("\n") if source else []
