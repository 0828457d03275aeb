"""`ingen_fab package synthetic-data ...` (placeholder until the generator lands)."""

import click


@click.group(name="synthetic-data")
def synthetic_data() -> None:
    """Generate and validate synthetic datasets."""
