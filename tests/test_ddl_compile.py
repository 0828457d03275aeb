"""The DDL compiler without Spark: ordering, errors, environments, determinism."""

from __future__ import annotations

import pytest
from helpers import copy_project, tree_bytes

from ingen_fab import api
from ingen_fab.ddl.discovery import discover
from ingen_fab.errors import CompileError


def _script(root, rel, text="print('x')\n"):
    path = root / "ddl_scripts" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_groups_and_scripts_are_ordered_by_number_not_by_name(tmp_path):
    _script(tmp_path, "Lakehouses/LH/10_Late/001_a.py")
    _script(tmp_path, "Lakehouses/LH/2_Early/010_b.py")
    _script(tmp_path, "Lakehouses/LH/2_Early/9_c.sql", "SELECT 1")
    (target,) = discover(tmp_path / "ddl_scripts")
    assert [g.name for g in target.groups] == ["2_Early", "10_Late"]
    assert [s.path.name for s in target.groups[0].scripts] == ["9_c.sql", "010_b.py"]
    assert target.groups[0].scripts[0].script_id == "Lakehouses/LH/2_Early/9_c.sql"


def test_missing_kind_folders_are_fine(tmp_path):
    (tmp_path / "ddl_scripts").mkdir()
    assert discover(tmp_path / "ddl_scripts") == []


def test_name_without_prefix_is_an_error_naming_the_path(tmp_path):
    _script(tmp_path, "Lakehouses/LH/001_G/create_things.py")
    with pytest.raises(CompileError, match=r"001_G/create_things.py: name has no numeric prefix"):
        discover(tmp_path / "ddl_scripts")


def test_duplicate_numbers_name_both_paths(tmp_path):
    _script(tmp_path, "Warehouses/WH/001_G/002_a.sql", "SELECT 1")
    _script(tmp_path, "Warehouses/WH/001_G/2_b.sql", "SELECT 1")
    with pytest.raises(CompileError) as err:
        discover(tmp_path / "ddl_scripts")
    assert "002_a.sql" in str(err.value) and "2_b.sql" in str(err.value)


def test_warehouse_python_script_is_rejected(tmp_path):
    _script(tmp_path, "Warehouses/WH/001_G/001_a.py")
    with pytest.raises(CompileError, match="must be .sql files"):
        discover(tmp_path / "ddl_scripts")


def test_undefined_jinja_variable_names_script_and_line(tmp_path):
    project = copy_project(tmp_path / "p")
    _script(project, "Lakehouses/Config/003_Extra/001_x.py", "a = 1\nb = {{ not_defined }}\n")
    with pytest.raises(CompileError) as err:
        api.compile_ddl(["lakehouse"], project=project)
    message = str(err.value)
    assert "ddl_scripts/Lakehouses/Config/003_Extra/001_x.py:2" in message
    assert "not_defined" in message


def test_environment_variables_reach_scripts_and_metadata(tmp_path):
    project = copy_project(tmp_path / "p")
    _script(project, "Lakehouses/Config/003_Extra/001_x.py", "ws = {{ env.workspace.id | py }}\n")
    api.compile_ddl(["lakehouse"], environment="production", project=project)
    item = (
        project / "generated_notebooks/fabric/ddl/lakehouse/Config"
        / "ddl_lh_Config_003_Extra.Notebook/notebook-content.py"
    )
    text = item.read_text()
    import tomllib

    production = tomllib.loads((project / "environments/production.toml").read_text())
    assert f"ws = '{production['workspace']['id']}'" in text
    assert f'"default_lakehouse": "{production["lakehouses"]["Config"]["id"]}"' in text


def test_variable_missing_from_environment_is_named(tmp_path):
    project = copy_project(tmp_path / "p")
    env_file = project / "environments/local.toml"
    env_file.write_text(env_file.read_text().replace("[lakehouses.Config]", "[lakehouses.Other]"))
    with pytest.raises(CompileError, match=r"lakehouses.Config is missing.*local"):
        api.compile_ddl(["lakehouse"], project=project)


def test_unknown_environment_lists_the_known_ones(tmp_path):
    project = copy_project(tmp_path / "p")
    with pytest.raises(CompileError, match="known environments: development, local"):
        api.compile_ddl(environment="staging", project=project)


def test_compiling_twice_is_byte_identical(tmp_path):
    project = copy_project(tmp_path / "p")
    api.compile_ddl(project=project, output=tmp_path / "one")
    api.compile_ddl(project=project, output=tmp_path / "two")
    one, two = tree_bytes(tmp_path / "one"), tree_bytes(tmp_path / "two")
    assert one == two and len(one) > 10


def test_notebooks_whose_source_is_gone_are_removed(tmp_path):
    project = copy_project(tmp_path / "p")
    _script(project, "Lakehouses/Config/009_Temp/001_x.py")
    api.compile_ddl(["lakehouse"], project=project)
    out = project / "generated_notebooks"
    assert (out / "fabric/ddl/lakehouse/Config/ddl_lh_Config_009_Temp.Notebook").is_dir()
    import shutil

    shutil.rmtree(project / "ddl_scripts/Lakehouses/Config/009_Temp")
    report = api.compile_ddl(["lakehouse"], project=project)
    assert not (out / "fabric/ddl/lakehouse/Config/ddl_lh_Config_009_Temp.Notebook").exists()
    assert not (out / "ipynb/ddl/lakehouse/Config/ddl_lh_Config_009_Temp.ipynb").exists()
    assert any("009_Temp" in r for r in report.removed)


def test_generation_mode_is_case_insensitive_and_validated(tmp_path):
    project = copy_project(tmp_path / "p")
    report = api.compile_ddl(["LakeHouse"], project=project)
    assert all("/warehouse/" not in w for w in report.written)
    with pytest.raises(CompileError, match="unknown generation mode"):
        api.compile_ddl(["lake"], project=project)


def test_python_syntax_error_in_a_script_names_file_and_line(tmp_path):
    project = copy_project(tmp_path / "p")
    _script(project, "Lakehouses/Config/003_Extra/001_x.py", "a = 1\nif True print(a)\n")
    with pytest.raises(CompileError, match=r"003_Extra/001_x.py:2"):
        api.compile_ddl(["lakehouse"], project=project)


def test_lakehouse_sql_script_becomes_one_statement_at_a_time(tmp_path):
    project = copy_project(tmp_path / "p")
    _script(
        project,
        "Lakehouses/Config/003_Extra/001_x.sql",
        "CREATE TABLE a (x INT) USING DELTA;\n-- a comment; with a semicolon\n"
        "INSERT INTO a VALUES (1);\n",
    )
    api.compile_ddl(["lakehouse"], project=project)
    text = (
        project / "generated_notebooks/fabric/ddl/lakehouse/Config"
        / "ddl_lh_Config_003_Extra.Notebook/notebook-content.py"
    ).read_text()
    assert "'CREATE TABLE a (x INT) USING DELTA'" in text
    assert "INSERT INTO a VALUES (1)" in text
