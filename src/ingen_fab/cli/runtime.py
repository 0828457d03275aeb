"""`ingen_fab package runtime build`: the notebooks' runtime as a wheel."""

from __future__ import annotations

import click


@click.group(name="runtime")
def runtime_package() -> None:
    """The runtime the notebooks run, as a wheel for a Fabric Environment."""


@runtime_package.command(name="build")
@click.option("--output-dir", type=click.Path(file_okay=False), help="Default: dist/.")
def build_command(output_dir) -> None:
    """Build ingen_fab_runtime-<version>+<hash>-py3-none-any.whl (same sources, same bytes)."""
    from ingen_fab import api

    click.echo(str(api.build_runtime_wheel(output_dir)))
