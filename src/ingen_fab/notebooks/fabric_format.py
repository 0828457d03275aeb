"""The vocabulary of Fabric's notebook git format, shared by its writer and its reader.

Markers, file names and the kernel/language metadata pairs live here once, so `fabric`
(render and write) and `fabric_reader` (parse) cannot drift apart.
"""

from __future__ import annotations

HEADER = "Fabric notebook source"
BAR = "*" * 20
NOTEBOOK_METADATA = "METADATA"
CELL_MARKERS = {"code": "CELL", "markdown": "MARKDOWN", "parameters": "PARAMETERS CELL"}
MARKER_KINDS = {marker: kind for kind, marker in CELL_MARKERS.items()}
META = "META"
MAGIC = "MAGIC"
SPARK_SQL_MAGIC = "%%sql"

CONTENT_FILES = {"py": "notebook-content.py", "sql": "notebook-content.sql"}
PLATFORM_FILE = ".platform"
ITEM_SUFFIX = ".Notebook"
PLATFORM_SCHEMA = (
    "https://developer.microsoft.com/json-schemas/fabric/gitIntegration/"
    "platformProperties/2.0.0/schema.json"
)

# Fabric's Python (non-Spark) notebooks name a versioned Jupyter kernel (python3.11 or
# python3.12). The model has no version, so 3.11, the version Runtime 1.3 also runs, is written;
# reading accepts either.
PYTHON_JUPYTER_KERNEL = "python3.11"

# model language -> (Fabric cell "language", "language_group"), per notebook kernel
LANGUAGE_META = {
    "synapse_pyspark": {
        "python": ("python", "synapse_pyspark"),
        "sparksql": ("sparksql", "synapse_pyspark"),
    },
    "python": {"python": ("python", "jupyter_python")},
    "sqldatawarehouse": {"tsql": ("sql", "sqldatawarehouse")},
}


def comment_prefix(kernel: str) -> str:
    """The line-comment token of the content file: `--` for T-SQL notebooks, else `#`."""
    return "--" if kernel == "sqldatawarehouse" else "#"


def content_file_name(kernel: str) -> str:
    """`notebook-content.sql` for sqldatawarehouse notebooks, `notebook-content.py` otherwise."""
    return CONTENT_FILES["sql" if kernel == "sqldatawarehouse" else "py"]


def marker_line(comment: str, marker: str) -> str:
    """A structural line such as `# CELL ********************`."""
    return f"{comment} {marker} {BAR}"


def all_marker_lines(comment: str) -> set[str]:
    """Every structural line that opens a block in a content file using `comment`."""
    return {marker_line(comment, m) for m in (NOTEBOOK_METADATA, *CELL_MARKERS.values())}
