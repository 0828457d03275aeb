"""`ingen_fab ddl compile|run`."""

from __future__ import annotations

import click

MODE = click.Choice(["lakehouse", "warehouse"], case_sensitive=False)
RUNTIME = click.Choice(["embedded", "environment"])


@click.group()
def ddl() -> None:
    """Compile ddl_scripts/ into Fabric notebooks and run them locally."""


@ddl.command(name="compile")
@click.option("--generation-mode", "modes", type=MODE, multiple=True,
              help="lakehouse or warehouse (repeatable); default both.")
@click.option("--environment", default="local", show_default=True,
              help="Variables file environments/<NAME>.toml for ids in the notebooks.")
@click.option("--output", type=click.Path(file_okay=False), help="Default: generated_notebooks/.")
@click.option("--runtime", type=RUNTIME, default="embedded", show_default=True,
              help="embedded: each notebook carries the runtime; environment: notebooks import "
                   "it from the ingen_fab_runtime Environment item (a wheel), written beside them.")
def compile_command(modes, environment, output, runtime) -> None:
    """Compile ddl_scripts/ into generated_notebooks/ (Fabric git format and .ipynb)."""
    from ingen_fab import api

    report = api.compile_ddl(modes, environment, output=output, runtime=runtime)
    echo_compiled(report)


def echo_compiled(report) -> None:
    click.echo(f"compiled {len(report.written)} notebooks"
               + (f"; items: {', '.join(report.items)}" if report.items else ""))
    for removed in report.removed:
        click.echo(f"removed {removed}")


@ddl.command(name="run")
@click.option("--generation-mode", "modes", type=MODE, multiple=True,
              help="lakehouse or warehouse (repeatable); default both.")
@click.option("--rerun", multiple=True, metavar="SCRIPT_ID",
              help="Run this already-run script again (path under ddl_scripts/); repeatable.")
@click.option("--environment", default="local", show_default=True,
              help="Environment the notebooks were compiled for.")
def run_command(modes, rerun, environment) -> None:
    """Run the compiled DDL notebooks locally, in order (papermill; DuckDB for warehouses)."""
    from ingen_fab import api

    report = api.run_ddl(modes, rerun, environment)
    for script_id, outcome in report.scripts:
        click.echo(f"  {outcome:<8}{script_id}")
    ran = sum(1 for _, outcome in report.scripts if outcome == "ran")
    click.echo(
        f"ran {len(report.ran)} notebooks: {ran} scripts ran, {len(report.scripts) - ran} skipped"
    )
