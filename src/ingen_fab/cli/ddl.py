"""`ingen_fab ddl compile|run`."""

import click


@click.group()
def ddl() -> None:
    """Compile ddl_scripts/ into Fabric notebooks and run them locally."""
