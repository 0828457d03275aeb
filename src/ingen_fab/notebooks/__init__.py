"""The notebook model and its writers: Fabric's git format (.py/.sql + .platform) and .ipynb."""

from ingen_fab.notebooks.fabric import (
    LOGICAL_ID_NAMESPACE,
    logical_id_for,
    read_notebook_content,
    render_notebook_content,
    render_platform,
    write_fabric_item,
)
from ingen_fab.notebooks.ipynb import (
    spark_sql_as_python,
    split_sql_statements,
    to_ipynb,
    write_ipynb,
)
from ingen_fab.notebooks.model import Cell, LakehouseRef, Notebook, WarehouseRef

__all__ = [
    "LOGICAL_ID_NAMESPACE",
    "Cell",
    "LakehouseRef",
    "Notebook",
    "WarehouseRef",
    "logical_id_for",
    "read_notebook_content",
    "render_notebook_content",
    "render_platform",
    "spark_sql_as_python",
    "split_sql_statements",
    "to_ipynb",
    "write_fabric_item",
    "write_ipynb",
]
