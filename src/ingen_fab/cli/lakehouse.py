"""`ingen_fab lakehouse sql`."""

import click


@click.group()
def lakehouse() -> None:
    """Query the local lakehouse."""
