"""`ingen_fab run pipeline NAME`: walk a generated Data Pipeline locally."""

from __future__ import annotations

import click


@click.command(name="pipeline")
@click.argument("name")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A pipeline parameter (repeatable), passed to the notebooks as text.")
def run_pipeline_command(name, params) -> None:
    """Run the pipeline's notebook activities in dependency order; stop at the first failure."""
    from ingen_fab import api

    given = {}
    for param in params:
        key, sep, value = param.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{param!r} is not NAME=VALUE", param_hint="--param")
        given[key] = value
    run = api.run_pipeline(name, given)
    click.echo(f"pipeline {run.name}: {len(run.ran)} activities succeeded")
