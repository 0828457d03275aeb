"""One plain function per user action: what the CLI and the tests call."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ingen_fab.errors import CompileError, IngenFabError, RunError

GENERATED_DIR = "generated_notebooks"
DDL_DIR = "ddl_scripts"
LOCAL_STATE_DIR = ".ingen_fab"  # inside a lakehouse named by --lakehouse-root


def project_root(path: str | os.PathLike | None = None) -> Path:
    """The project folder (holding ddl_scripts/): the argument, $INGEN_FAB_PROJECT_ROOT, or cwd."""
    return Path(path or os.environ.get("INGEN_FAB_PROJECT_ROOT") or os.getcwd()).resolve()


def local_dirs() -> dict[str, Path]:
    """Local stand-in folders: the lakehouse, the warehouse and runs/ (executed notebooks).

    The default lakehouse tmp/spark has warehouse/ and runs/ beside it in tmp/; a lakehouse
    named by --lakehouse-root or $INGEN_FAB_LAKEHOUSE_ROOT keeps them in its own .ingen_fab/
    folder (outside Tables/ and Files/), so nothing is written outside the folder named.
    $INGEN_FAB_WAREHOUSE_ROOT moves the warehouse anywhere.
    """
    from ingen_fab.runtime.session import DEFAULT_LAKEHOUSE_ROOT, lakehouse_root

    lakehouse = Path(lakehouse_root())
    if lakehouse == Path(lakehouse_root(DEFAULT_LAKEHOUSE_ROOT)):
        state = lakehouse.parent
    else:
        state = lakehouse / LOCAL_STATE_DIR
    warehouse = os.environ.get("INGEN_FAB_WAREHOUSE_ROOT")
    return {
        "lakehouse": lakehouse,
        "warehouse": Path(warehouse).resolve() if warehouse else state / "warehouse",
        "runs": state / "runs",
    }


def normalise_modes(modes) -> tuple[str, ...]:
    from ingen_fab.ddl.compiler import MODES

    if not modes:
        return MODES
    result = []
    for mode in modes:
        mode = mode.lower()
        if mode not in MODES:
            raise CompileError(f"unknown generation mode {mode!r}: use lakehouse or warehouse")
        result.append(mode)
    return tuple(m for m in MODES if m in result)


def _build_ddl(root: Path, modes, environment: str, runtime: str = "embedded"):
    from ingen_fab.ddl.compiler import build_ddl
    from ingen_fab.environments import load_environment

    env = load_environment(root, environment)
    return build_ddl(root / DDL_DIR, modes, env, runtime)


def compile_ddl(modes=None, environment: str = "local", project=None, output=None,
                runtime: str = "embedded"):
    """Compile ddl_scripts/ into generated_notebooks/ (Fabric git format + .ipynb)."""
    from ingen_fab.ddl.compiler import SECTION, ddl_pipeline
    from ingen_fab.ddl.discovery import discover
    from ingen_fab.environments import load_environment
    from ingen_fab.output import write_placed
    from ingen_fab.pipelines import write_pipeline
    from ingen_fab.runtime_package import write_environment_item
    from ingen_fab.workspace_items import write_workspace_items

    root = project_root(project)
    modes = normalise_modes(modes)
    placed = _build_ddl(root, modes, environment, runtime)
    out = Path(output) if output else root / GENERATED_DIR
    report = write_placed(out, placed, [f"{SECTION}/{m}" for m in modes])
    write_pipeline(out, ddl_pipeline(discover(root / DDL_DIR)))
    report.items += write_workspace_items(out, root, load_environment(root, environment))
    report.items += write_environment_item(out, runtime)
    return report


@dataclass
class DdlRunReport:
    ran: list[str] = field(default_factory=list)  # notebooks, in order
    outputs: list[Path] = field(default_factory=list)
    scripts: list[tuple[str, str]] = field(default_factory=list)  # (script id, ran|skipped)


def run_ddl(modes=None, rerun=(), environment: str = "local", project=None) -> DdlRunReport:
    """Run the compiled DDL notebooks locally in order; stop at the first failure."""
    from ingen_fab.ddl.compiler import group_notebook_name, target_folder
    from ingen_fab.ddl.discovery import discover

    root = project_root(project)
    modes = normalise_modes(modes)
    _check_fresh(
        root, _build_ddl(root, modes, environment),
        f"ingen_fab ddl compile --environment {environment}",
    )
    dirs = local_dirs()
    report = DdlRunReport()
    for target in discover(root / DDL_DIR, modes):
        for group in target.groups:
            name = group_notebook_name(target, group)
            folder = target_folder(target)
            if target.kind == "lakehouse":
                output, scripts = _run_lakehouse_notebook(root, folder, name, rerun, dirs)
            else:
                output, scripts = _run_warehouse_notebook(
                    root, folder, name, target.name, rerun, dirs
                )
            report.ran.append(name)
            report.outputs.append(output)
            report.scripts += scripts
    return report


def _check_fresh(root: Path, placed, command: str) -> None:
    """generated_notebooks/ must be what the sources compile to, so what runs is what ships."""
    from ingen_fab.notebooks import render_notebook_content
    from ingen_fab.output import fabric_item_dir

    for item in placed:
        folder = fabric_item_dir(root / GENERATED_DIR, item.folder, item.notebook.display_name)
        files = list(folder.glob("notebook-content.*"))
        current = files[0].read_text(encoding="utf-8") if files else None
        if current != render_notebook_content(item.notebook):
            raise CompileError(
                f"{folder.relative_to(root)} is missing or out of date with its sources: "
                f"run `{command}` first"
            )


def _run_lakehouse_notebook(root: Path, folder: str, name: str, rerun, dirs):
    """Run one lakehouse DDL notebook; (executed notebook, [(script id, ran|skipped)]) from the
    JSON summary it writes (see runtime/ddl_ledger.py)."""
    import json
    import uuid

    from ingen_fab.local.papermill_runner import execute_notebook
    from ingen_fab.output import ipynb_path

    notebook = ipynb_path(root / GENERATED_DIR, folder, name)
    output = dirs["runs"] / folder / f"{name}.ipynb"
    summary = dirs["runs"] / folder / f"{name}.{uuid.uuid4().hex[:12]}.json"
    summary.parent.mkdir(parents=True, exist_ok=True)
    print(f"running {name}", flush=True)
    try:
        execute_notebook(
            notebook,
            output,
            parameters={"rerun_scripts": ",".join(rerun), "summary_path": str(summary)},
            env={"INGEN_FAB_LAKEHOUSE_ROOT": str(dirs["lakehouse"])},
            cwd=root,
        )
        data = json.loads(summary.read_text(encoding="utf-8")) if summary.is_file() else {}
    finally:
        summary.unlink(missing_ok=True)
    return output, [(s["script_id"], s["outcome"]) for s in data.get("scripts", [])]


def _run_warehouse_notebook(root: Path, folder: str, name: str, warehouse: str, rerun, dirs) -> Path:
    from ingen_fab.local.warehouse import run_warehouse_cells
    from ingen_fab.notebooks import read_notebook_content
    from ingen_fab.output import fabric_item_dir

    item = fabric_item_dir(root / GENERATED_DIR, folder, name)
    notebook = read_notebook_content(item / "notebook-content.sql")
    cells = [c.source for c in notebook.cells if c.kind == "code"]
    dirs["warehouse"].mkdir(parents=True, exist_ok=True)
    db_path = dirs["warehouse"] / f"{warehouse}.duckdb"
    print(f"running {name} on {db_path}", flush=True)
    try:
        result = run_warehouse_cells(cells, str(db_path), rerun=frozenset(rerun))
    except IngenFabError as exc:
        raise RunError(f"{name} failed: {exc}") from None
    outcomes = [(s, "ran") for s in result.scripts_run]
    outcomes += [(s, "skipped") for s in result.scripts_skipped]
    return db_path, outcomes


def lakehouse_sql(query: str):
    """Run Spark SQL on the local lakehouse (in its warm kernel when warm kernels are on);
    returns (column names, rows of values as printed: str, None for NULL)."""
    from ingen_fab.local.lakehouse_query import query_lakehouse

    dirs = local_dirs()
    return query_lakehouse(dirs["lakehouse"], query, project_root(), dirs["runs"] / "lakehouse_sql.log")


def warehouse_sql(warehouse: str, query: str):
    """Run T-SQL on the local DuckDB warehouse (transpiled); returns (column names, rows)."""
    from ingen_fab.local.warehouse import query_warehouse_columns

    db_path = local_dirs()["warehouse"] / f"{warehouse}.duckdb"
    if not db_path.is_file():
        raise RunError(f"{db_path}: no such local warehouse; run `ingen_fab ddl run` first")
    return query_warehouse_columns(str(db_path), query)


def compile_flat_file_ingestion(environment: str = "local", project=None, output=None,
                                runtime: str = "embedded"):
    """One notebook per execution group and an orchestrator, into generated_notebooks/."""
    from ingen_fab.ingestion.compiler import compile_ingestion

    return compile_ingestion(environment, project=project_root(project), output=output,
                             runtime=runtime)


def build_runtime_wheel(output_dir=None, project=None) -> Path:
    """The runtime as a wheel (for a Fabric Environment) in output_dir (default dist/)."""
    from ingen_fab.runtime_package import build_wheel

    return build_wheel(Path(output_dir) if output_dir else project_root(project) / "dist")


@dataclass
class IngestionRunReport:
    configs: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    plans: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    outputs: list[Path] = field(default_factory=list)
    # active configs whose execution_group has no notebook (checked when every group runs)
    unscheduled: list[dict] = field(default_factory=list)
    streamed: bool = False  # the notebooks' own output was shown as they ran

    @property
    def failed(self) -> bool:
        return bool(self.errors) or any(c.get("status") == "failed" for c in self.configs)


def run_flat_file_ingestion(
    execution_groups=(),
    config_id: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    dry_run: bool = False,
    environment: str = "local",
    project=None,
    stop_after_files: int | None = None,
    stream: bool = False,
    reprocess: bool = False,
) -> IngestionRunReport:
    """Run the execution group notebooks locally with papermill, in ascending group order.

    A failed group does not stop the later ones (as in the orchestrator); the report says
    which failed and the caller exits non-zero.
    """
    import uuid

    from ingen_fab.environments import load_environment
    from ingen_fab.errors import ProjectFileError
    from ingen_fab.ingestion.compiler import build_ingestion
    from ingen_fab.ingestion.project import load_project

    root = project_root(project)
    known = load_project(root).execution_groups
    unknown = sorted(set(execution_groups) - set(known))
    if unknown:
        raise ProjectFileError(
            f"execution group(s) {unknown} have no notebook; "
            f"flat_file_ingestion.toml lists {list(known)}"
        )
    _check_fresh(
        root, build_ingestion(root, load_environment(root, environment)),
        f"ingen_fab package flat-file-ingestion compile --environment {environment}",
    )
    groups = [known[0]] if config_id else sorted(set(execution_groups) or known)
    run_id = uuid.uuid4().hex[:12]
    report = IngestionRunReport(streamed=stream)
    for group in groups:
        first_of_all = not (config_id or execution_groups) and group == groups[0]
        parameters = {
            "execution_group": group,
            "config_id": config_id or "",
            "start_date": start_date or "",
            "end_date": end_date or "",
            "dry_run": dry_run,
            "reprocess": reprocess,
            "stop_after_files": stop_after_files or 0,
            "report_unscheduled": first_of_all,
        }
        _run_ingestion_group(root, group, parameters, run_id, report)
    return report


def _run_ingestion_group(root: Path, group: int, parameters: dict, run_id: str, report) -> None:
    """Run one execution group's notebook; add its JSON summary (or its failure) to report."""
    import json

    from ingen_fab.ingestion.compiler import SECTION, group_notebook_name
    from ingen_fab.local.papermill_runner import execute_notebook
    from ingen_fab.output import ipynb_path

    dirs = local_dirs()
    name = group_notebook_name(group)
    output = dirs["runs"] / SECTION / f"{name}.ipynb"
    summary = dirs["runs"] / SECTION / f"{name}.{run_id}.json"
    summary.parent.mkdir(parents=True, exist_ok=True)
    config_id = parameters["config_id"]
    label = f"config {config_id}" if config_id else f"execution group {group}"
    print(f"running {name} ({label})", flush=True)
    try:
        execute_notebook(
            ipynb_path(root / GENERATED_DIR, SECTION, name), output,
            {**parameters, "summary_path": str(summary)},
            env={"INGEN_FAB_LAKEHOUSE_ROOT": str(dirs["lakehouse"])}, cwd=root,
            stream=report.streamed,
        )
    except RunError as exc:
        report.errors.append(str(exc))
    report.outputs.append(output)
    if summary.is_file():
        data = json.loads(summary.read_text(encoding="utf-8"))
        summary.unlink()
        report.configs += data.get("configs", [])
        report.warnings += data.get("warnings", [])
        report.plans += data.get("plan", []) or []
        report.unscheduled += data.get("unscheduled", [])


def verify_flat_file_ingestion(config_ids=None):
    """Completeness, duplicate-key and orphan report over the local lakehouse (run on its
    warm kernel when warm kernels are on)."""
    from ingen_fab.local.lakehouse_query import on_lakehouse, verify_display
    from ingen_fab.runtime.ingestion import VerifyReport

    dirs = local_dirs()
    outcome = on_lakehouse(dirs["lakehouse"], project_root(), dirs["runs"] / "verify.log",
                           verify_display, str(dirs["lakehouse"]), list(config_ids or ()))
    return VerifyReport(lines=outcome["lines"], problems=outcome["problems"])


def verify_expected(data_dir=None, config_ids=None):
    """Every config reading a series generated with --faults, against its known answers (see
    ingestion/known_answers.py); run on the lakehouse's warm kernel when warm kernels are on."""
    from ingen_fab.local.lakehouse_query import expected_display, on_lakehouse
    from ingen_fab.runtime.ingestion import VerifyReport

    dirs = local_dirs()
    folder = str(Path(data_dir).resolve()) if data_dir else None
    outcome = on_lakehouse(dirs["lakehouse"], project_root(), dirs["runs"] / "verify.log",
                           expected_display, str(dirs["lakehouse"]), folder,
                           list(config_ids or ()))
    return VerifyReport(lines=outcome["lines"], problems=outcome["problems"])


def status_flat_file_ingestion(config_ids=None) -> list[dict]:
    """Per config: last loaded date, pending files, the last run (see
    runtime/ingestion/status.py); read from the ledger, the log and file listings only."""
    from ingen_fab.local.lakehouse_query import on_lakehouse, status_display

    dirs = local_dirs()
    outcome = on_lakehouse(dirs["lakehouse"], project_root(), dirs["runs"] / "status.log",
                           status_display, str(dirs["lakehouse"]), list(config_ids or ()))
    return outcome["configs"]


def run_pipeline(name: str, parameters: dict | None = None, project=None):
    """Walk a generated Data Pipeline locally (see local/pipeline_runner.py); stop at the
    first failing activity."""
    from ingen_fab.local.papermill_runner import execute_notebook
    from ingen_fab.local.pipeline_runner import run_pipeline as walk
    from ingen_fab.output import ipynb_path

    root = project_root(project)
    dirs = local_dirs()

    def run_one(item, arguments: dict) -> None:
        if item.tsql:
            _run_warehouse_notebook(root, item.folder, item.name, Path(item.folder).name, (), dirs)
            return
        print(f"running {item.name}", flush=True)
        execute_notebook(
            ipynb_path(root / GENERATED_DIR, item.folder, item.name),
            dirs["runs"] / item.folder / f"{item.name}.ipynb", parameters=arguments,
            env={"INGEN_FAB_LAKEHOUSE_ROOT": str(dirs["lakehouse"])}, cwd=root,
        )

    return walk(name, dict(parameters or {}), root, run_one)
