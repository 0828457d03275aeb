"""The `ingen_fab` command: parse, call one api function, print, map errors to exit codes."""

from __future__ import annotations

import os
import sys
import traceback

import click

from ingen_fab.errors import IngenFabError


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
            if _user_error(exc):
                click.echo(f"error: {exc}", err=True)
                sys.exit(1)
            # a bug: say so, traceback only with --debug
            if ctx.obj and ctx.obj.get("debug"):
                traceback.print_exc()
            else:
                click.echo(f"internal error: {exc.__class__.__name__}: {exc} (re-run with --debug for the traceback)", err=True)
            sys.exit(2)


# User errors raised by runtime code, which never imports the rest of ingen_fab: the local
# Spark + Delta stand-in cannot start (e.g. the Delta jars are missing), and every error the
# ingestion engine raises on purpose (its ConfigError names config_id and column).
RUNTIME_USER_ERRORS = (
    ("ingen_fab.runtime.session", "RuntimeSetupError"),
    ("ingen_fab.runtime.ingestion.errors", "IngestionError"),
)


def _user_error(exc: Exception) -> bool:
    """True for errors the CLI prints as one line with exit 1 (False: a bug, exit 2)."""
    if isinstance(exc, IngenFabError):
        return True
    for module_name, class_name in RUNTIME_USER_ERRORS:
        module = sys.modules.get(module_name)  # not imported: none of its errors was raised
        if module is not None and isinstance(exc, getattr(module, class_name)):
            return True
    return False


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
    from ingen_fab.cli import ddl, ingestion, lakehouse, local, synthetic

    main.add_command(ddl.ddl)
    main.add_command(lakehouse.lakehouse)
    main.add_command(lakehouse.warehouse)
    main.add_command(local.local)
    package.add_command(synthetic.synthetic_data)
    package.add_command(ingestion.flat_file_ingestion)
    run_package.add_command(ingestion.run_flat_file_ingestion)


_register()
