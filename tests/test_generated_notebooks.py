"""Committed generated_notebooks/ is exactly what the compiler makes, and every notebook is valid."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import REPO, tree_bytes

from ingen_fab import api

GENERATED = REPO / "generated_notebooks"


def test_committed_notebooks_match_a_fresh_compile(tmp_path):
    # what the README says to run after a change
    api.compile_ddl(project=REPO, output=tmp_path / "fresh")
    api.compile_flat_file_ingestion(project=REPO, output=tmp_path / "fresh")
    fresh = tree_bytes(tmp_path / "fresh")
    committed = tree_bytes(GENERATED)
    assert sorted(fresh) == sorted(committed), "run `ingen_fab ddl compile` and commit"
    changed = [path for path in fresh if fresh[path] != committed[path]]
    assert changed == [], f"out of date: {changed[:5]}; recompile and commit generated_notebooks/"


def _items():
    return sorted(GENERATED.glob("fabric/**/*.Notebook"))


def test_there_are_notebooks_to_check():
    names = {p.name for p in _items()}
    assert "ddl_lh_Config_001_Initial_Creation.Notebook" in names
    assert "ddl_wh_Config_WH_001_Initial_Creation.Notebook" in names


@pytest.mark.parametrize("item", _items(), ids=lambda p: p.name)
def test_every_fabric_item_is_valid(item: Path):
    import sqlglot

    from ingen_fab.notebooks import logical_id_for, read_notebook_content

    platform = json.loads((item / ".platform").read_text())
    assert platform["metadata"]["type"] == "Notebook"
    assert platform["metadata"]["displayName"] == item.name.removesuffix(".Notebook")
    rel = item.relative_to(GENERATED / "fabric").as_posix()
    assert platform["config"]["logicalId"] == logical_id_for(rel)
    (content,) = list(item.glob("notebook-content.*"))
    notebook = read_notebook_content(content)
    if content.suffix == ".py":
        compile(content.read_text(), str(content), "exec")
        for i, cell in enumerate(notebook.cells):
            if cell.kind != "markdown" and cell.language == "python":
                compile(cell.source, f"{content}:cell{i}", "exec")
    else:
        for cell in notebook.cells:
            if cell.kind == "code":
                assert cell.language == "tsql"
                sqlglot.parse(cell.source, read="tsql")


@pytest.mark.parametrize("path", sorted(GENERATED.glob("ipynb/**/*.ipynb")), ids=lambda p: p.name)
def test_every_ipynb_validates(path: Path):
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    nbformat.validate(nb)
    tagged = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) <= 1
    if nb.metadata.kernelspec.name == "python3":
        for cell in nb.cells:
            if cell.cell_type == "code":
                compile(cell.source, str(path), "exec")
