"""`ingen_fab deploy`: publish generated_notebooks/fabric/ to an environment's workspace."""

from __future__ import annotations

import click


@click.command(name="deploy")
@click.option("--environment", required=True,
              help="environments/<NAME>.toml: the workspace to publish to (not local).")
@click.option("--dry-run", is_flag=True,
              help="List what would be created or updated; publish nothing.")
@click.option("--items", "items", multiple=True, metavar="NAME[.TYPE]",
              help="Publish only these items (repeatable or comma-separated).")
def deploy_command(environment, dry_run, items) -> None:
    """Publish the notebooks, pipelines, lakehouse and warehouse with fabric-cicd."""
    from ingen_fab.deploy import deploy, format_report

    wanted = [name.strip() for value in items for name in value.split(",") if name.strip()]
    click.echo(format_report(deploy(environment, dry_run=dry_run, items=wanted)))
