"""The CLI's promises to a user: where local state goes, one-line errors with exit 1 (also for
errors the runtime raises), failed configs named whatever the terminal, and `lakehouse sql` on
the lakehouse's warm kernel."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner
from helpers import copy_project

from ingen_fab import api
from ingen_fab.cli.main import main


def _cli(project, env, *args):
    """The real CLI in a subprocess, stdout and stderr captured (so not a TTY)."""
    return subprocess.run([sys.executable, "-m", "ingen_fab.cli", *args],
                          capture_output=True, text=True, cwd=project, env=env)


def _entries(folder):
    return sorted(p.name for p in folder.iterdir())


def test_a_named_lakehouse_keeps_runs_and_warehouse_inside_it(tmp_path):
    project = copy_project(tmp_path / "project")
    lakehouse = tmp_path / "ws" / "lake"
    env = {**os.environ, "INGEN_FAB_LAKEHOUSE_ROOT": str(lakehouse)}
    env.pop("INGEN_FAB_WAREHOUSE_ROOT", None)
    assert _cli(project, env, "ddl", "compile", "--generation-mode=warehouse").returncode == 0
    ran = _cli(project, env, "ddl", "run", "--generation-mode=warehouse")
    assert ran.returncode == 0, ran.stderr
    assert _entries(tmp_path / "ws") == ["lake"]  # nothing beside the folder named
    assert (lakehouse / ".ingen_fab" / "warehouse" / "Config_WH.duckdb").is_file()
    query = _cli(project, env, "warehouse", "sql", "Config_WH",
                 "SELECT COUNT(*) AS n FROM config.config_flat_file_ingestion")
    assert query.returncode == 0 and query.stdout.split()[:3] == ["n", "-", "8"], query.stderr


def test_the_default_layout_is_tmp_spark_warehouse_and_runs(tmp_path, monkeypatch):
    monkeypatch.delenv("INGEN_FAB_LAKEHOUSE_ROOT", raising=False)
    monkeypatch.delenv("INGEN_FAB_WAREHOUSE_ROOT", raising=False)
    monkeypatch.chdir(tmp_path)
    tmp = tmp_path / "tmp"
    assert api.local_dirs() == {
        "lakehouse": tmp / "spark", "warehouse": tmp / "warehouse", "runs": tmp / "runs",
    }
    monkeypatch.setenv("INGEN_FAB_LAKEHOUSE_ROOT", "tmp/spark")  # the default, named: the same
    assert api.local_dirs()["runs"] == tmp / "runs"
    monkeypatch.setenv("INGEN_FAB_LAKEHOUSE_ROOT", str(tmp_path / "x"))
    monkeypatch.setenv("INGEN_FAB_WAREHOUSE_ROOT", str(tmp_path / "wh"))
    assert api.local_dirs() == {
        "lakehouse": tmp_path / "x", "warehouse": tmp_path / "wh",
        "runs": tmp_path / "x" / ".ingen_fab" / "runs",
    }


def test_errors_the_ingestion_engine_raises_exit_1_with_their_one_line(monkeypatch):
    from ingen_fab.runtime.ingestion import ConfigError

    def invalid_config(config_ids=None):
        raise ConfigError("cfg_1", "write_mode", "unknown value 'upsert'")

    monkeypatch.setattr(api, "verify_flat_file_ingestion", invalid_config)
    result = CliRunner().invoke(main, ["package", "flat-file-ingestion", "verify"])
    assert result.exit_code == 1
    assert result.output == "error: config cfg_1: column write_mode: unknown value 'upsert'\n"


USER_ERRORS = [  # (module, class): every root of a user error, runtime ones included
    ("ingen_fab.runtime.session", "RuntimeSetupError"),
    ("ingen_fab.runtime.ddl_ledger", "DdlScriptError"),
    ("ingen_fab.runtime.ingestion.errors", "IngestionError"),
    ("ingen_fab.errors", "ProjectFileError"),
    ("ingen_fab.errors", "CompileError"),
    ("ingen_fab.errors", "RunError"),
]


@pytest.mark.parametrize(("module", "name"), USER_ERRORS, ids=[n for _, n in USER_ERRORS])
def test_every_user_error_exits_1_with_one_line_and_a_bug_exits_2(monkeypatch, module, name):
    import importlib

    error = getattr(importlib.import_module(module), name)("what went wrong, and what to do")

    def fail(config_ids=None):
        raise error

    monkeypatch.setattr(api, "verify_flat_file_ingestion", fail)
    result = CliRunner().invoke(main, ["package", "flat-file-ingestion", "verify"])
    assert (result.exit_code, result.output) == (1, "error: what went wrong, and what to do\n")

    def bug(config_ids=None):
        raise KeyError("oops")

    monkeypatch.setattr(api, "verify_flat_file_ingestion", bug)
    result = CliRunner().invoke(main, ["package", "flat-file-ingestion", "verify"])
    assert result.exit_code == 2 and result.output.startswith("internal error: KeyError")


def test_one_config_error_class_remains():
    import ingen_fab.errors

    assert not hasattr(ingen_fab.errors, "ConfigError")


@pytest.mark.spark
def test_verify_on_a_lakehouse_the_ddl_never_ran_on_names_the_command_to_run(tmp_path):
    env = {**os.environ, "INGEN_FAB_WARM_KERNEL": "0",
           "INGEN_FAB_LAKEHOUSE_ROOT": str(tmp_path / "lake")}
    result = _cli(tmp_path, env, "package", "flat-file-ingestion", "verify")
    assert result.returncode == 1, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("error: ") and "config_flat_file_ingestion does not exist" in line
    assert "run `ingen_fab ddl run`" in line


OFFLINE_IVY = """<ivysettings>
  <caches defaultCacheDir="{cache}"/>
  <settings defaultResolver="offline"/>
  <resolvers>
    <filesystem name="offline">
      <artifact pattern="{repo}/[organisation]/[module]/[revision]/[artifact].[ext]"/>
    </filesystem>
  </resolvers>
</ivysettings>
"""


@pytest.mark.spark
@pytest.mark.parametrize("command", [
    ("lakehouse", "sql", "SELECT 1"),
    ("package", "flat-file-ingestion", "verify"),
])
def test_missing_delta_jars_exit_1_with_one_line_naming_the_fix(tmp_path, command):
    """No jars in INGEN_FAB_JAR_DIR and an ivy resolver that finds nothing (no network)."""
    (tmp_path / "jars").mkdir()
    settings = tmp_path / "ivysettings.xml"
    settings.write_text(OFFLINE_IVY.format(cache=tmp_path / "ivy-cache", repo=tmp_path / "repo"))
    env = {**os.environ, "INGEN_FAB_JAR_DIR": str(tmp_path / "jars"),
           "INGEN_FAB_IVY_SETTINGS": str(settings), "INGEN_FAB_WARM_KERNEL": "0",
           "INGEN_FAB_LAKEHOUSE_ROOT": str(tmp_path / "lake")}
    result = _cli(tmp_path, env, *command)
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    [line] = result.stderr.splitlines()  # the JVM's own output went to a log under runs/
    assert line.startswith("error: cannot start local Spark + Delta") and "make install" in line


# --- one lakehouse, DDL run once, on a warm kernel of its own ---------------------------------

STATUS = "SELECT config_id, write_mode FROM config_flat_file_ingestion ORDER BY config_id"
MY_SCRIPT = "ddl_scripts/Lakehouses/Config/002_Sample_Data_Ingestion/006_my_configs.py"


def _readme_config_script() -> str:
    """The script of the README's "Add your own config", as printed there."""
    from helpers import REPO

    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("### Add your own config", 1)[1]
    block = section.split("```python\n", 1)[1].split("```", 1)[0]
    return "\n".join(line.removeprefix("   ") for line in block.splitlines()) + "\n"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from ingen_fab.local import warm_kernel

    root = tmp_path_factory.mktemp("contract")
    project = copy_project(root / "project")
    (project / MY_SCRIPT).write_text(_readme_config_script(), encoding="utf-8")
    lakehouse = root / "ws" / "spark"
    day = lakehouse / "Files" / "my_sales" / "2024" / "01" / "01"
    day.mkdir(parents=True)
    (day / "sales.csv").write_text("sale_id,amount\n001,9.50\n002,3.25\n", encoding="utf-8")
    env = {**os.environ, "INGEN_FAB_LAKEHOUSE_ROOT": str(lakehouse),
           "INGEN_FAB_WARM_KERNEL": "1", "INGEN_FAB_STATE_DIR": str(root / "state")}
    env.pop("INGEN_FAB_WAREHOUSE_ROOT", None)
    for args in (("ddl", "compile", "--generation-mode=lakehouse"),
                 ("package", "flat-file-ingestion", "compile"),
                 ("ddl", "run", "--generation-mode=lakehouse")):
        result = _cli(project, env, *args)
        assert result.returncode == 0, result.stderr
    saved = os.environ.get("INGEN_FAB_STATE_DIR")
    os.environ["INGEN_FAB_STATE_DIR"] = env["INGEN_FAB_STATE_DIR"]
    try:
        yield {"project": project, "lakehouse": lakehouse, "env": env, "root": root}
        warm_kernel.stop_all()
    finally:
        if saved is None:
            os.environ.pop("INGEN_FAB_STATE_DIR")
        else:
            os.environ["INGEN_FAB_STATE_DIR"] = saved


def _ingest(world, *args):
    """Compile (a no-op unless the runtime changed since the fixture ran), then run ingestion."""
    compiled = _cli(world["project"], world["env"], "package", "flat-file-ingestion", "compile")
    assert compiled.returncode == 0, compiled.stderr
    return _cli(world["project"], world["env"], "run", "package", "flat-file-ingestion", "run", *args)


@pytest.mark.spark
@pytest.mark.papermill
def test_lakehouse_sql_runs_on_the_warm_kernel_ddl_run_started(world):
    from ingen_fab.local import warm_kernel

    [kernel] = warm_kernel.status()

    def spark_app_id():
        shown = _cli(world["project"], world["env"], "lakehouse", "sql", "SET spark.app.id")
        assert shown.returncode == 0, shown.stderr
        key, value = shown.stdout.splitlines()[2].split()
        assert key == "spark.app.id" and value.startswith("local-")
        return value

    assert spark_app_id() == spark_app_id()  # one JVM for both queries
    assert [k["kernel_pid"] for k in warm_kernel.status()] == [kernel["kernel_pid"]]
    used = _cli(world["project"], world["env"], "lakehouse", "sql", "USE default")
    assert used.returncode == 0, used.stderr
    warm = _cli(world["project"], world["env"], "lakehouse", "sql", STATUS)
    one_shot = _cli(world["project"], {**world["env"], "INGEN_FAB_WARM_KERNEL": "0"},
                    "lakehouse", "sql", STATUS)
    assert warm.returncode == 0 and one_shot.returncode == 0, warm.stderr + one_shot.stderr
    assert warm.stdout == one_shot.stdout and warm.stdout.endswith("(9 rows)\n")
    failed = _cli(world["project"], world["env"], "lakehouse", "sql", "SELECT nope FROM dbo.x")
    assert failed.returncode == 1 and failed.stderr.startswith("error: query failed: ")
    assert len(failed.stderr.splitlines()) == 1


@pytest.mark.spark
@pytest.mark.papermill
def test_failed_configs_are_named_with_column_and_reason_when_output_is_piped(world):
    update = ("UPDATE config_flat_file_ingestion SET write_mode = 'upsert' "
              "WHERE config_id = 'retail_stores_incremental'")
    assert _cli(world["project"], world["env"], "lakehouse", "sql", update).returncode == 0
    # no synthetic data generated: the other group-1 configs find no source folder
    result = _ingest(world, "--execution-group=1")
    assert result.returncode == 1
    errors = result.stderr.splitlines()
    assert any(line.startswith("error: config retail_stores_incremental: column write_mode: "
                               "unknown value 'upsert'") for line in errors), result.stderr
    assert any(line.startswith("error: config retail_customers_incremental: "
                               "column source_file_path: not found") for line in errors), errors
    runs = world["lakehouse"] / ".ingen_fab" / "runs" / "flat_file_ingestion"
    assert (runs / "flat_file_ingestion_group_1.ipynb").is_file()
    assert _entries(world["root"] / "ws") == ["spark"]


@pytest.mark.spark
@pytest.mark.papermill
def test_the_readme_config_how_to_loads_the_new_config(world):
    result = _ingest(world, "--config-id", "my_sales")
    assert result.returncode == 0, result.stderr
    rows = _cli(world["project"], world["env"], "lakehouse", "sql",
                "SELECT sale_id FROM bronze.sales ORDER BY sale_id")
    assert rows.stdout.splitlines()[2:] == ["001", "002", "(2 rows)"], rows.stdout


@pytest.mark.spark
@pytest.mark.papermill
def test_a_group_notebook_reads_parameters_passed_as_text_as_a_pipeline_passes_them(world):
    """A Fabric pipeline passes "False" and "0": the first would be True under bool()."""
    from ingen_fab.errors import RunError
    from ingen_fab.local.papermill_runner import execute_notebook
    from ingen_fab.runtime_embed import runtime_id

    day = world["lakehouse"] / "Files" / "my_sales" / "2024" / "01" / "02"
    day.mkdir(parents=True, exist_ok=True)
    (day / "sales.csv").write_text("sale_id,amount\n003,1.00\n", encoding="utf-8")
    notebook = world["project"] / "generated_notebooks/ipynb/flat_file_ingestion/flat_file_ingestion_group_1.ipynb"
    runs = world["root"] / "text-params"
    text = {"execution_group": "1", "config_id": "my_sales", "start_date": "", "end_date": "",
            "stop_after_files": "0", "report_unscheduled": "False"}

    def run(dry_run: str) -> dict:
        summary = runs / f"summary-{dry_run}.json"
        execute_notebook(notebook, runs / f"run-{dry_run}.ipynb",
                         {**text, "dry_run": dry_run, "summary_path": str(summary)},
                         env={"INGEN_FAB_LAKEHOUSE_ROOT": str(world["lakehouse"])}, cwd=world["project"])
        return json.loads(summary.read_text(encoding="utf-8"))

    planned = run("True")
    assert [p["config_id"] for p in planned["plan"]] == ["my_sales"] and not planned["configs"]
    loaded = run("False")
    [config] = loaded["configs"]
    assert config["config_id"] == "my_sales" and "2024-01-02" in config["dates_loaded"], config
    # the log rows name the runtime build the notebook embeds
    builds = _cli(world["project"], world["env"], "lakehouse", "sql",
                  "SELECT DISTINCT runtime_id FROM log_flat_file_ingestion WHERE config_id = 'my_sales'")
    assert builds.stdout.splitlines()[2:] == [runtime_id(), "(1 row)"], builds.stdout
    # a value no pipeline should send stops the notebook; its traceback shows the runtime's line
    with pytest.raises(RunError, match="ParameterError: parameter dry_run: 'maybe' is not a boolean"):
        run("maybe")
    shown = (runs / "run-maybe.ipynb").read_text(encoding="utf-8")
    assert "ingen_fab_runtime/params.py" in shown and "raise ParameterError(" in shown


@pytest.mark.spark
@pytest.mark.papermill
def test_verify_runs_on_the_warm_kernel_and_reports_as_a_one_shot_run_does(world):
    args = ("package", "flat-file-ingestion", "verify", "--config-id", "my_sales")
    jvm_log = world["lakehouse"] / ".ingen_fab" / "runs" / "verify.log"  # one-shot runs only
    jvm_log.unlink(missing_ok=True)
    warm = _cli(world["project"], world["env"], *args)
    assert not jvm_log.exists()
    one_shot = _cli(world["project"], {**world["env"], "INGEN_FAB_WARM_KERNEL": "0"}, *args)
    assert jvm_log.exists()
    assert (warm.returncode, warm.stdout) == (one_shot.returncode, one_shot.stdout)
    assert warm.stdout.startswith("my_sales: ") and warm.returncode in (0, 1), warm.stderr
    # status reads the same lakehouse on the same warm kernel
    status = _cli(world["project"], world["env"], "package", "flat-file-ingestion", "status",
                  "--config-id", "my_sales")
    assert status.returncode == 0, status.stderr
    lines = status.stdout.splitlines()
    assert lines[0].split()[:3] == ["config_id", "group", "last"] and lines[-1] == "(1 row)"
    [row] = [line.split() for line in lines if line.startswith("my_sales ")]
    on_disk = sorted((world["lakehouse"] / "Files" / "my_sales").rglob("*.csv"))
    assert int(row[3]) + int(row[4]) == len(on_disk)  # loaded + pending: every file
    assert row[2].startswith("2024-01-0") and row[6] == "completed"  # last loaded, last run


@pytest.mark.spark
@pytest.mark.papermill
def test_a_run_of_every_group_names_active_configs_whose_group_has_no_notebook(world):
    def move(group):
        moved = _cli(world["project"], world["env"], "lakehouse", "sql",
                     f"UPDATE config_flat_file_ingestion SET execution_group = {group} "
                     "WHERE config_id = 'retail_inventory_incremental'")
        assert moved.returncode == 0, moved.stderr

    move(9)
    try:
        every = _ingest(world, "--dry-run")
        one_group = _ingest(world, "--dry-run", "--execution-group=3")
    finally:
        move(3)
    [warning] = [line for line in every.stderr.splitlines() if "never run" in line]
    assert warning == (
        "warning: config(s) retail_inventory_incremental (execution_group 9) never run: their "
        "execution group has no notebook; add the group to execution_groups in "
        "flat_file_ingestion.toml, then run `ingen_fab package flat-file-ingestion compile`"
    )
    assert "never run" not in one_group.stderr  # a run of named groups does not check


@pytest.mark.spark
@pytest.mark.papermill
def test_a_day_edited_after_loading_is_reprocessed_from_the_command_line(world):
    loaded = _ingest(world, "--config-id", "my_sales")
    assert loaded.returncode == 0, loaded.stderr
    day = world["lakehouse"] / "Files" / "my_sales" / "2024" / "01" / "01" / "sales.csv"
    day.write_text("sale_id,amount\n001,9.75\n", encoding="utf-8")  # 002 withdrawn, 001 fixed
    span = ("--config-id", "my_sales", "--reprocess", "--start-date", "2024-01-01",
            "--end-date", "2024-01-01")
    planned = _ingest(world, *span, "--dry-run")
    assert planned.returncode == 0, planned.stderr
    assert "re-process replaces the rows of 2024-01-01..2024-01-01 (2 row(s) of the table)" in (
        planned.stdout), planned.stdout
    done = _ingest(world, *span)
    assert done.returncode == 0, done.stderr
    rows = _cli(world["project"], world["env"], "lakehouse", "sql",
                "SELECT sale_id, amount FROM bronze.sales WHERE sale_id < '003' ORDER BY sale_id")
    assert [line.split() for line in rows.stdout.splitlines()[2:]] == [["001", "9.75"],
                                                                     ["(1", "row)"]], rows.stdout
    refused = _ingest(world, "--config-id", "my_sales", "--reprocess")
    assert refused.returncode == 2 and "give --config-id, --start-date and --end-date" in (
        refused.stderr)
