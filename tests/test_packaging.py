"""The wheel ships every package and the templates; the CLI maps errors to exit codes."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile

from helpers import REPO


def test_every_source_package_is_listed_in_pyproject():
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {
        ".".join(p.parent.relative_to(REPO / "src").parts)
        for p in (REPO / "src").rglob("__init__.py")
    }
    assert found <= listed, f"add to pyproject packages: {sorted(found - listed)}"


def test_wheel_contains_templates_and_runtime(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path), str(REPO)],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    (wheel,) = tmp_path.glob("ingen_fab-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = {p.relative_to(REPO).as_posix() for p in (REPO / "templates").rglob("*.jinja")}
    assert templates and {f"ingen_fab/{t}" for t in templates} <= names
    assert "ingen_fab/runtime/session.py" in names
    assert "ingen_fab/runtime/ingestion/__init__.py" in names


def _cli(*args, cwd=REPO):
    return subprocess.run(
        [sys.executable, "-m", "ingen_fab.cli", *args], capture_output=True, text=True, cwd=cwd
    )


def test_user_errors_print_one_line_and_exit_1(tmp_path):
    import shutil

    shutil.copytree(REPO / "environments", tmp_path / "environments")
    (tmp_path / "ddl_scripts/Lakehouses/LH/001_G").mkdir(parents=True)
    (tmp_path / "ddl_scripts/Lakehouses/LH/001_G/no_prefix.py").write_text("x = 1\n")
    result = _cli("ddl", "compile", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "no numeric prefix" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_is_fast_and_lists_the_commands():
    result = _cli("--help")
    assert result.returncode == 0
    for command in ("ddl", "lakehouse", "package", "run"):
        assert command in result.stdout
    heavy = subprocess.run(
        [sys.executable, "-c", (
            "import sys, ingen_fab.cli.main; print(sorted(m for m in ('pyspark','papermill',"
            "'duckdb','nbformat','numpy','sqlglot') if m in sys.modules))"
        )],
        capture_output=True, text=True,
    )
    assert heavy.stdout.strip() == "[]"


def test_the_runtime_1_3_stack_shares_every_pin_but_spark_and_delta():
    import importlib.util

    spec = importlib.util.spec_from_file_location("stack_requirements", REPO / "scripts/stack_requirements.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rt13 = module.requirements("rt13", REPO / "pyproject.toml")
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    main = project["dependencies"] + project["optional-dependencies"]["test"]
    changed = sorted(set(rt13) - set(main))
    assert [r.split("==")[0] for r in changed] == ["delta-spark", "pyspark"]
    assert "pyspark==3.5.5" in changed and all("==" in r for r in rt13)
    assert len(rt13) == len(main)


def test_each_supported_spark_line_has_its_delta_jars_and_others_are_refused(monkeypatch):
    import pyspark
    import pytest

    from ingen_fab.runtime import session

    assert session.delta_artifacts() == session.DELTA_FOR_SPARK[".".join(pyspark.__version__.split(".")[:2])]
    assert session.DELTA_FOR_SPARK["3.5"][0] == "io.delta:delta-spark_2.12:3.2.1"
    monkeypatch.setattr(pyspark, "__version__", "3.4.1")
    with pytest.raises(session.RuntimeSetupError, match=r"^pyspark 3.4.1 is not a supported stack \(Spark 3.5 or 4.1\); run `make install`"):
        session.delta_artifacts()
