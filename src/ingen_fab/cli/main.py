"""The `ingen_fab` command: parse, call one api function, print, map errors to exit codes."""

from __future__ import annotations

import os
import sys
import traceback

import click

from ingen_fab.runtime.errors import UserError


class _Root(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:  # output piped into e.g. `head`: not an error
            sys.stderr.close()
            sys.exit(0)
        except Exception as exc:
            if isinstance(exc, UserError):  # incl. the runtime's (missing jars, configs)
                click.echo(f"error: {exc}", err=True)
                sys.exit(1)
            # a bug: say so, traceback only with --debug
            if ctx.obj and ctx.obj.get("debug"):
                traceback.print_exc()
            else:
                click.echo(f"internal error: {exc.__class__.__name__}: {exc} (re-run with --debug for the traceback)", err=True)
            sys.exit(2)


@click.group(cls=_Root, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks of unexpected errors.")
@click.option(
    "--lakehouse-root",
    type=click.Path(file_okay=False),
    help="Local lakehouse folder (default tmp/spark, or $INGEN_FAB_LAKEHOUSE_ROOT).",
)
@click.pass_context
def main(ctx: click.Context, debug: bool, lakehouse_root: str | None) -> None:
    """ingen_fab: synthetic data, Fabric notebooks and incremental ingestion."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    if lakehouse_root:
        os.environ["INGEN_FAB_LAKEHOUSE_ROOT"] = os.path.abspath(lakehouse_root)


@main.group()
def package() -> None:
    """Packages: synthetic-data and flat-file-ingestion."""


@main.group()
def run() -> None:
    """Run compiled notebooks locally."""


@run.group(name="package")
def run_package() -> None:
    """Run a package's notebooks locally."""


def _register() -> None:
    from ingen_fab.cli import ddl, deploy, ingestion, lakehouse, local, pipeline, runtime, synthetic

    main.add_command(ddl.ddl)
    main.add_command(deploy.deploy_command)
    main.add_command(lakehouse.lakehouse)
    main.add_command(lakehouse.warehouse)
    main.add_command(local.local)
    package.add_command(synthetic.synthetic_data)
    package.add_command(ingestion.flat_file_ingestion)
    package.add_command(runtime.runtime_package)
    run_package.add_command(ingestion.run_flat_file_ingestion)
    run.add_command(pipeline.run_pipeline_command)


_register()
