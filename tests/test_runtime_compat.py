"""The runtime runs inside Fabric notebooks on Runtime 1.3 (Spark 3.5, Delta 3.2) and 2.0.

A static check of src/ingen_fab/runtime: no import beyond the standard library, pyspark and
delta, and none of the PySpark APIs added in 4.0 that the code could reach for.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

RUNTIME = Path(__file__).resolve().parents[1] / "src" / "ingen_fab" / "runtime"

# Attribute names that exist only from PySpark 4.0 ("versionadded:: 4.0.0"), each with the
# Spark 3.5 way to say the same thing.
SPARK_4_ONLY = {
    "fromDDL": "build the StructType from StructFields (or _parse_datatype_string)",
    "groupingSets": "union two groupBy aggregations",
    "transpose": "pivot / unpivot",
    "lateralJoin": "a join on an exploded column",
    "metadataColumn": "F.col('_metadata.<field>')",
    "asTable": "a temporary view",
    "mergeInto": "delta.tables.DeltaTable.merge",
    "parse_json": "from_json with a schema",
    "try_parse_json": "from_json with a schema",
    "randstr": "F.rand-based expressions",
    "collate": "lower()/upper() comparisons",
}


def _sources():
    return sorted(RUNTIME.rglob("*.py"))


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(RUNTIME)))
def test_runtime_uses_no_spark_4_only_api(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    used = sorted(
        {
            (node.lineno, node.attr)
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr in SPARK_4_ONLY
        }
    )
    assert not used, "; ".join(
        f"{path.name}:{line} uses {name} (PySpark 4.0 only): use {SPARK_4_ONLY[name]}"
        for line, name in used
    )


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(RUNTIME)))
def test_runtime_imports_only_stdlib_pyspark_and_delta(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    allowed = set(sys.stdlib_module_names) | {"pyspark", "delta", "py4j", "notebookutils"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            assert top in allowed or top == "__future__", (
                f"{path.name}:{node.lineno} imports {name}: the runtime may use only the "
                "standard library, pyspark and delta"
            )
