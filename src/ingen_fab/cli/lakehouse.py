"""`ingen_fab lakehouse sql` and `ingen_fab warehouse sql`: query the local stand-ins."""

from __future__ import annotations

import click


@click.group()
def lakehouse() -> None:
    """Query the local lakehouse (Spark + Delta)."""


# Queries may start with a `-- comment` line: such an argument is a query, not an option.
QUERY_SETTINGS = {"ignore_unknown_options": True}


def _query_text(query: str | None, file) -> str:
    if file is not None:
        return file.read()
    if not query:
        raise click.UsageError("give a QUERY argument or --file")
    return query


@lakehouse.command(name="sql", context_settings=QUERY_SETTINGS)
@click.argument("query", required=False)
@click.option("--file", "-f", type=click.File("r"), help="Read the query from a file (- for stdin).")
def lakehouse_sql_command(query: str | None, file) -> None:
    """Run a Spark SQL QUERY, e.g. "SELECT * FROM config_flat_file_ingestion"."""
    from ingen_fab import api

    columns, rows = api.lakehouse_sql(_query_text(query, file))
    click.echo(format_table(columns, rows))


@click.group()
def warehouse() -> None:
    """Query the local warehouse (DuckDB)."""


@warehouse.command(name="sql", context_settings=QUERY_SETTINGS)
@click.argument("name")
@click.argument("query", required=False)
@click.option("--file", "-f", type=click.File("r"), help="Read the query from a file (- for stdin).")
def warehouse_sql_command(name: str, query: str | None, file) -> None:
    """Run a T-SQL QUERY on the local warehouse NAME (e.g. Config_WH)."""
    from ingen_fab import api

    columns, rows = api.warehouse_sql(name, _query_text(query, file))
    click.echo(format_table(columns, rows))


def format_table(columns, rows) -> str:
    """An aligned text table with a row count."""
    from ingen_fab.runtime.text import aligned_table

    body = [["NULL" if v is None else str(v) for v in r] for r in rows]
    lines = aligned_table([str(c) for c in columns], body)
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines)
