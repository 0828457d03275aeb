"""The runtime as a wheel and `--runtime environment`: notebooks that import ingen_fab_runtime
from the ingen_fab_runtime Environment item instead of embedding it."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import subprocess
import sys
import types
import zipfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from helpers import REPO, copy_project

from ingen_fab import api
from ingen_fab.cli.main import main
from ingen_fab.runtime_embed import runtime_id, runtime_modules
from ingen_fab.runtime_package import (
    ITEM_DIR,
    environment_logical_id,
    wheel_bytes,
    wheel_name,
)


def _install(wheel: Path, target: Path) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                    "--target", str(target), str(wheel)], check=True)
    return target


def test_the_wheel_is_the_same_bytes_each_build_and_its_record_is_true(tmp_path):
    result = CliRunner().invoke(main, ["package", "runtime", "build", "--output-dir",
                                       str(tmp_path / "dist")])
    assert result.exit_code == 0, result.output
    wheel = Path(result.output.strip())
    assert wheel.name == wheel_name() == f"ingen_fab_runtime-{runtime_id()}-py3-none-any.whl"
    assert wheel.read_bytes() == wheel_bytes()
    with zipfile.ZipFile(io.BytesIO(wheel.read_bytes())) as archive:
        names = archive.namelist()
        record = archive.read(next(n for n in names if n.endswith("/RECORD"))).decode()
        for line in record.splitlines():
            path, digest, size = line.rsplit(",", 2)
            if not digest:
                continue
            data = archive.read(path)
            want = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            assert digest == f"sha256={want}" and int(size) == len(data), path
    assert {m.filename for m in runtime_modules()} <= set(names)


def test_the_installed_wheel_is_the_runtime_with_its_build_id(tmp_path):
    target = _install(api.build_runtime_wheel(tmp_path / "dist"), tmp_path / "site")
    modules = [m.name for m in runtime_modules()]
    probe = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "import ingen_fab_runtime\n"
        "from ingen_fab_runtime.identity import runtime_id\n"
        "print(json.dumps([ingen_fab_runtime.RUNTIME_ID, runtime_id(), ingen_fab_runtime.__file__]))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         env={"PYTHONPATH": str(target), "PATH": ""}, check=True).stdout
    build, reported, location = json.loads(out)
    assert build == reported == runtime_id()
    assert Path(location).is_relative_to(target)


def _notebooks(fabric: Path) -> dict[str, str]:
    return {p.parent.name: p.read_text(encoding="utf-8")
            for p in fabric.rglob("notebook-content.py")}


def test_environment_mode_attaches_the_notebooks_that_use_the_runtime(tmp_path):
    out = tmp_path / "out"
    api.compile_ddl(project=REPO, output=out, runtime="environment")
    api.compile_flat_file_ingestion(project=REPO, output=out, runtime="environment")
    fabric = out / "fabric"
    item = fabric / ITEM_DIR
    platform = json.loads((item / ".platform").read_text())
    assert platform["metadata"]["type"] == "Environment"
    assert platform["config"]["logicalId"] == environment_logical_id()
    assert yaml.safe_load((item / "Setting" / "Sparkcompute.yml").read_text())["runtime_version"] == 1.3
    [wheel] = (item / "Libraries" / "CustomLibraries").iterdir()
    assert wheel.name == wheel_name() and wheel.read_bytes() == wheel_bytes()

    # every PySpark notebook is attached: an orchestrator's children run in its session
    embedded = _notebooks(REPO / "generated_notebooks" / "fabric")
    importing = []
    for name, text in _notebooks(fabric).items():
        assert "_INGEN_FAB_RUNTIME_SOURCES" not in text
        assert f'"environmentId": "{environment_logical_id()}"' in text, name
        if "INGEN_FAB_RUNTIME_ID" in embedded[name]:
            importing.append(name)
            assert "import ingen_fab_runtime as _ingen_fab_runtime" in text
            # the runtime's sources are most of an embedded notebook: without them the
            # largest (the sample configs, with their declared column types) is under a quarter
            assert len(text) < len(embedded[name]) / 4
    assert len(importing) == 6  # two lakehouse DDL notebooks, four ingestion groups
    assert len(embedded) == 9  # and three orchestrators

    # compiling embedded again detaches them and removes the item
    api.compile_ddl(project=REPO, output=out)
    assert item.is_dir()  # the ingestion notebooks still use it
    api.compile_flat_file_ingestion(project=REPO, output=out)
    assert not item.exists()
    assert not any("environmentId" in t for t in _notebooks(fabric).values())


def _runtime_cell(out: Path) -> str:
    from ingen_fab.notebooks import read_notebook_content

    [content] = (out / "fabric").rglob("flat_file_ingestion_group_1.Notebook/notebook-content.py")
    return next(c.source for c in read_notebook_content(content).cells
                if "INGEN_FAB_RUNTIME_ID" in c.source)


@pytest.mark.parametrize(("installed", "message"), [
    (None, r"^ingen_fab_runtime is not installed: attach this notebook to the ingen_fab_runtime"),
    ("0.0.9+000000000000", (r"compiled for ingen_fab runtime .*, its environment has "
                            r"0\.0\.9\+000000000000: deploy again with `ingen_fab deploy`")),
])
def test_a_notebook_refuses_a_missing_or_other_runtime_build(tmp_path, monkeypatch, installed,
                                                            message):
    out = tmp_path / "out"
    api.compile_flat_file_ingestion(project=REPO, output=out, runtime="environment")
    module = None if installed is None else types.SimpleNamespace(RUNTIME_ID=installed)
    monkeypatch.setitem(sys.modules, "ingen_fab_runtime", module)
    with pytest.raises(ImportError, match=message):
        exec(compile(_runtime_cell(out), "cell", "exec"), {})  # noqa: S102 - the cell under test


@pytest.mark.spark
@pytest.mark.papermill
def test_an_environment_mode_ddl_notebook_runs_on_the_installed_wheel(tmp_path, monkeypatch):
    from ingen_fab.local.papermill_runner import execute_notebook

    project = copy_project(tmp_path / "project")
    api.compile_ddl(["lakehouse"], project=project, runtime="environment")
    site = _install(api.build_runtime_wheel(tmp_path / "dist"), tmp_path / "site")
    [notebook] = project.rglob("ipynb/**/ddl_lh_Config_001_Initial_Creation.ipynb")
    lakehouse = tmp_path / "lakehouse"
    monkeypatch.setenv("INGEN_FAB_WARM_KERNEL", "0")  # a kernel of its own, with the wheel
    summary = tmp_path / "summary.json"
    execute_notebook(notebook, tmp_path / "ran.ipynb", parameters={"summary_path": str(summary)},
                     env={"PYTHONPATH": str(site), "INGEN_FAB_LAKEHOUSE_ROOT": str(lakehouse)},
                     cwd=project)
    scripts = json.loads(summary.read_text())["scripts"]
    assert scripts and {s["outcome"] for s in scripts} == {"ran"}
    # the ledger rows name the wheel's build (one commit: its parquet files are the table)
    import pyarrow.dataset as ds

    ledger = ds.dataset(str(lakehouse / "Tables" / "dbo" / "ddl_script_executions"))
    assert set(ledger.to_table(columns=["runtime_id"]).column("runtime_id").to_pylist()) == {
        runtime_id()}
    executed = (tmp_path / "ran.ipynb").read_text()
    assert "_INGEN_FAB_RUNTIME_SOURCES" not in executed
