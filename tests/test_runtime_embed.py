"""The runtime embedded in a notebook: only the modules the notebook uses, importable on their
own, with tracebacks that show the failing line and the build id the logs record."""

from __future__ import annotations

import ast
import json
import subprocess
import sys

from helpers import REPO

from ingen_fab.runtime.identity import runtime_id as installed_id
from ingen_fab.runtime_embed import EMBEDDED_PACKAGE, modules_for, runtime_id, runtime_modules

NOTEBOOKS = REPO / "generated_notebooks" / "ipynb"


def _runtime_cell(path) -> str | None:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    found = ["".join(c["source"]) for c in cells if "_INGEN_FAB_RUNTIME_SOURCES" in "".join(c["source"])]
    return found[0] if found else None


def _embedded(path) -> list[str]:
    """Module names the committed notebook embeds (read from its runtime cell)."""
    for node in ast.parse(_runtime_cell(path)).body:
        if isinstance(node, ast.Assign) and node.targets[0].id == "_INGEN_FAB_RUNTIME_SOURCES":
            return sorted(ast.literal_eval(key) for key in node.value.keys)
    raise AssertionError(f"{path.name}: no embedded sources")


def _in_python(code: str) -> subprocess.CompletedProcess:
    """code run by a fresh interpreter with no ingen_fab on its path: only what it embeds."""
    return subprocess.run([sys.executable, "-I", "-"], input=code, capture_output=True,
                          text=True, cwd="/", timeout=120)


def test_ddl_notebooks_embed_a_third_or_less_of_the_runtime():
    every = "\n".join(f"import {m.name}" for m in runtime_modules())
    whole = sum(len(m.source) for m in modules_for(every))
    assert len(modules_for(every)) == len(runtime_modules())
    ddl = sorted((NOTEBOOKS / "ddl" / "lakehouse").rglob("*.ipynb"))
    ddl = [p for p in ddl if _runtime_cell(p)]
    assert ddl
    for path in ddl:
        embedded = _embedded(path)
        assert not [n for n in embedded if n.startswith(f"{EMBEDDED_PACKAGE}.ingestion")], path.name
        assert len(_runtime_cell(path)) * 3 <= whole, path.name


def test_every_embedded_module_imports_from_the_notebook_alone():
    """A fresh interpreter runs only the runtime cell, then imports every module it embeds:
    a module the closure missed would not be found."""
    notebooks = [p for p in sorted(NOTEBOOKS.rglob("*.ipynb")) if _runtime_cell(p)]
    assert len(notebooks) >= 4
    for path in notebooks:
        code = _runtime_cell(path) + (
            "\nimport importlib\n"
            "for name in sorted(_INGEN_FAB_RUNTIME_SOURCES):\n"
            "    importlib.import_module(name)\n"
            "print(__import__('ingen_fab_runtime.identity', fromlist=['x']).runtime_id())\n"
        )
        ran = _in_python(code)
        assert ran.returncode == 0, (path.name, ran.stderr[-2000:])
        assert ran.stdout.strip() == runtime_id(), path.name


def test_a_traceback_from_embedded_code_shows_the_failing_source_line():
    path = NOTEBOOKS / "flat_file_ingestion" / "flat_file_ingestion_group_1.ipynb"
    code = _runtime_cell(path) + (
        "\nimport traceback\n"
        "from ingen_fab_runtime.params import as_bool\n"
        "try:\n"
        "    as_bool('dry_run', 'maybe')\n"
        "except Exception:\n"
        "    print(traceback.format_exc())\n"
    )
    ran = _in_python(code)
    assert ran.returncode == 0, ran.stderr
    assert 'File "ingen_fab_runtime/params.py", line ' in ran.stdout
    assert "raise ParameterError(" in ran.stdout  # the source line itself, not only its number


def test_the_build_id_is_the_same_embedded_and_installed_and_changes_with_the_code():
    assert runtime_id() == installed_id()
    version, digest = runtime_id().split("+")
    assert version and len(digest) == 12
    cells = {_runtime_cell(p) for p in NOTEBOOKS.rglob("*.ipynb")} - {None}
    assert all(f"INGEN_FAB_RUNTIME_ID = {runtime_id()!r}" in c for c in cells)


def test_the_importer_outlives_a_namespace_reset_between_notebooks():
    """A warm kernel clears the variables of one notebook before the next; the importer the
    first left in sys.meta_path must still answer (any import consults it) and serve."""
    path = NOTEBOOKS / "ddl" / "lakehouse" / "Config" / "ddl_lh_Config_001_Initial_Creation.ipynb"
    code = _runtime_cell(path) + (
        "\nfor _name in [n for n in globals() if not n.startswith('__')]:\n"
        "    del globals()[_name]\n"
        "import xml.dom.minidom\n"
        "import ingen_fab_runtime.sql\n"
        "print('ok')\n"
    )
    ran = _in_python(code)
    assert ran.returncode == 0 and ran.stdout.strip() == "ok", ran.stderr[-2000:]
