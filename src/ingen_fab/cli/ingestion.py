"""`ingen_fab package flat-file-ingestion ...` and `ingen_fab run package flat-file-ingestion run`."""

import click


@click.group(name="flat-file-ingestion")
def flat_file_ingestion() -> None:
    """Compile and verify the flat-file ingestion notebooks."""


@click.group(name="flat-file-ingestion")
def run_flat_file_ingestion() -> None:
    """Run flat-file ingestion locally."""
