"""`ingen_fab package flat-file-ingestion compile|verify|status` and
`ingen_fab run package flat-file-ingestion run`."""

from __future__ import annotations

import sys

import click

from ingen_fab.cli.ddl import RUNTIME, echo_compiled

DATE = click.DateTime(formats=["%Y-%m-%d"])
FAILED = ("failed", "completed_with_errors")  # statuses that make a run exit 1
SUMMARY_COLUMNS = [
    ("config_id", "config"),
    ("status", "status"),
    ("dates_loaded", "dates"),
    ("rows_read", "read"),
    ("rows_inserted", "inserted"),
    ("rows_updated", "updated"),
    ("rows_rejected", "rejected"),
    ("seconds", "seconds"),
]


@click.group(name="flat-file-ingestion")
def flat_file_ingestion() -> None:
    """Compile and verify the flat-file ingestion notebooks."""


@flat_file_ingestion.command(name="compile")
@click.option("--environment", default="local", show_default=True,
              help="Variables file environments/<NAME>.toml.")
@click.option("--output", type=click.Path(file_okay=False), help="Default: generated_notebooks/.")
@click.option("--runtime", type=RUNTIME, default="embedded", show_default=True,
              help="embedded: each notebook carries the runtime; environment: notebooks import "
                   "it from the ingen_fab_runtime Environment item (a wheel), written beside them.")
def compile_command(environment: str, output: str | None, runtime: str) -> None:
    """Compile one notebook per execution group and an orchestrator."""
    from ingen_fab import api

    echo_compiled(api.compile_flat_file_ingestion(environment, output=output, runtime=runtime))


@flat_file_ingestion.command(name="verify")
@click.option("--config-id", "config_ids", multiple=True, help="Only these configs (repeatable).")
@click.option(
    "--expected", "expected", is_flag=False, flag_value="", default=None, metavar="[DIR]",
    help="Check every config reading a series generated with --faults against its known "
    "answers (DIR: the series folder; default: the configs' source folders).",
)
def verify_command(config_ids, expected) -> None:
    """Report date coverage, duplicate merge keys, quarantined rows, orphans; exit 1 on any.

    With --expected: every table exactly as a correct loader leaves it, or exit 1."""
    from ingen_fab import api

    if expected is not None:
        report = api.verify_expected(expected or None, config_ids)
    else:
        report = api.verify_flat_file_ingestion(config_ids)
    click.echo(report.render())
    if not report.ok:
        sys.exit(1)


@flat_file_ingestion.command(name="status")
@click.option("--config-id", "config_ids", multiple=True,
              help="Only these configs, active or not (repeatable); default every active one.")
def status_command(config_ids) -> None:
    """Per config: last loaded date, files pending, oldest pending date, the last run."""
    from ingen_fab import api
    from ingen_fab.cli.lakehouse import format_table

    configs = api.status_flat_file_ingestion(config_ids)
    columns = ("config_id", "group", "last loaded", "loaded", "pending", "oldest pending",
               "last run", "seconds", "quarantined")
    rows = [(c["config_id"], _text(c["execution_group"]), _text(c["last_loaded_date"]),
             str(c["files_loaded"]), str(c["files_pending"]), _text(c["oldest_pending_date"]),
             _text(c["last_run_status"]),
             _text(None if c["last_run_seconds"] is None else f"{c['last_run_seconds']:.1f}"),
             _text(c["last_run_rows_quarantined"]))
            for c in configs]
    click.echo(format_table(columns, rows))
    for c in configs:
        if c["problem"]:
            click.echo(f"{c['config_id']}: {c['problem']}")


def _text(value) -> str:
    return "-" if value is None else str(value)


@click.group(name="flat-file-ingestion")
def run_flat_file_ingestion() -> None:
    """Run flat-file ingestion locally."""


@run_flat_file_ingestion.command(name="run")
@click.option("--execution-group", "groups", type=click.IntRange(min=1), multiple=True,
              help="Execution group to run (repeatable); default every group, ascending.")
@click.option("--config-id", help="Run this one config instead of whole groups.")
@click.option("--start-date", type=DATE, help="Override date_range_start (YYYY-MM-DD).")
@click.option("--end-date", type=DATE, help="Override date_range_end (YYYY-MM-DD).")
@click.option("--dry-run", is_flag=True, help="Print the dates and files each config would load.")
@click.option("--reprocess", is_flag=True,
              help="With --config-id, --start-date and --end-date: load that range's files "
                   "again as they are now, replacing the rows it loaded before.")
@click.option("--environment", default="local", show_default=True,
              help="Environment the notebooks were compiled for.")
def run_command(groups, config_id, start_date, end_date, dry_run, reprocess, environment) -> None:
    """Run the execution group notebooks with papermill on local Spark + Delta."""
    from ingen_fab import api
    from ingen_fab.cli.lakehouse import format_table

    if config_id and groups:
        raise click.UsageError("give --execution-group or --config-id, not both")
    if start_date and end_date and start_date > end_date:
        raise click.BadParameter("--start-date is after --end-date", param_hint="--start-date")
    if reprocess and not (config_id and start_date and end_date):
        raise click.UsageError("--reprocess replaces one config's rows of one date range: "
                               "give --config-id, --start-date and --end-date")
    report = api.run_flat_file_ingestion(
        groups,
        config_id,
        start_date.date().isoformat() if start_date else None,
        end_date.date().isoformat() if end_date else None,
        dry_run,
        environment,
        stream=sys.stdout.isatty(),
        reprocess=reprocess,
    )
    for warning in report.warnings + _unscheduled_warnings(report.unscheduled):
        click.echo(f"warning: {warning}", err=True)
    if report.streamed:
        pass  # the notebooks printed their progress and summary table as they ran
    elif dry_run:
        for plan in report.plans:
            click.echo(_render_plan(plan))
    elif report.configs:
        rows = [tuple(_cell(c.get(key)) for key, _ in SUMMARY_COLUMNS) for c in report.configs]
        click.echo(format_table([label for _, label in SUMMARY_COLUMNS], rows))
    for error in _config_errors(report, dry_run) + report.errors:
        click.echo(f"error: {error}", err=True)
    if report.failed:
        sys.exit(1)


def _unscheduled_warnings(unscheduled: list[dict]) -> list[str]:
    """One line naming the active configs no notebook runs, and the fix."""
    if not unscheduled:
        return []
    named = ", ".join(f"{c['config_id']} (execution_group {c['execution_group']})" for c in unscheduled)
    fix = (
        "add the group to execution_groups in flat_file_ingestion.toml, then run "
        "`ingen_fab package flat-file-ingestion compile`"
    )
    return [f"config(s) {named} never run: their execution group has no notebook; {fix}"]


def _config_errors(report, dry_run: bool) -> list[str]:
    """One line per failed config naming config_id (and column), whatever the terminal.

    A dry run's plan printed here already carries its errors; a streamed one printed them
    only in a table that cuts long messages.
    """
    if dry_run:
        entries = report.plans if report.streamed else []
    else:
        entries = [c for c in report.configs if c.get("status") in FAILED]
    lines = []
    for entry in entries:
        config_id, message = entry.get("config_id"), entry.get("error_message")
        if not message:
            continue
        prefix = f"config {config_id}"
        lines.append(message if message.startswith(f"{prefix}:") else f"{prefix}: {message}")
    return lines


def _cell(value):
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, list):
        if not value:
            return "-"
        return value[0] if len(value) == 1 else f"{value[0]}..{value[-1]} ({len(value)})"
    return value


def _render_plan(plan: dict) -> str:
    files = plan.get("files") or []
    dates = plan.get("dates") or []
    head = f"{plan.get('config_id')}: {len(files)} files"
    if dates:
        head += f" over {len(dates)} dates ({dates[0]}..{dates[-1]})"
    head += f" -> {plan.get('target')} ({plan.get('write_mode')})"
    if plan.get("replaces"):
        head += f"; re-process replaces the rows of {plan['replaces']}"
        if plan.get("reads_again"):
            head += f", reading {plan['reads_again']} loaded file(s) outside the range again"
    elif plan.get("reads_again"):
        head += (f"; a late file: {plan['reads_again']} loaded file(s) of its date and later "
                 "read again")
    if plan.get("error_message"):
        head += f"; error: {plan['error_message']}"
    lines = [head]
    for entry in files:
        lines.append(f"  {entry.get('date') or '-':<10}  {entry.get('path')}  {entry.get('size')} bytes")
    return "\n".join(lines)
