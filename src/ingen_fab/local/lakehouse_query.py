"""`ingen_fab lakehouse sql` and `verify`: work on the local lakehouse that needs Spark.

With warm kernels on, the work runs in the lakehouse's warm kernel (the one `ddl run` and
ingestion runs use, started when none is up), so only the first call pays the JVM start;
INGEN_FAB_WARM_KERNEL=0 runs it in this process on a new Spark session. Either way the same
self-contained function (collect_display, verify_display) runs, so the result is the same.
"""

from __future__ import annotations

import inspect
import json
import sys
from pathlib import Path

from ingen_fab.errors import RunError
from ingen_fab.local import warm_kernel

# Marks the kernel's result line among anything else the query cell prints.
RESULT_MARK = "ingen_fab-lakehouse-sql-result "
# A notebook's embedded-runtime importer outlives the namespace reset that removed the sources
# it serves, and would fail every new import: dropped first (the next notebook installs its own).
DROP_STALE_IMPORTER = (
    "import sys\n"
    "sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != '_IngenFabRuntimeImporter']\n"
)


def collect_display(root: str, query: str) -> dict:
    """Run query on the local lakehouse root: {"columns", "rows"} with each value as printed
    (str, None for NULL), or {"error": one line}. Self-contained: its source runs in a kernel."""
    import contextlib

    from ingen_fab.runtime.session import RuntimeSetupError, get_spark

    try:
        spark = get_spark(root)
    except RuntimeSetupError as exc:
        return {"error": str(exc)}
    database = spark.catalog.currentDatabase()  # a `USE x` must not carry over to later runs
    try:
        frame = spark.sql(query)
        rows = frame.collect()
    except Exception as exc:
        text = str(exc).strip()
        first = text.splitlines()[0] if text else exc.__class__.__name__
        return {"error": f"query failed: {first}"}
    finally:
        with contextlib.suppress(Exception):  # unless the query dropped it
            spark.catalog.setCurrentDatabase(database)
    shown = [[None if v is None else str(v) for v in row] for row in rows]
    return {"columns": list(frame.columns), "rows": shown}


def configured_session(root: str):
    """(Spark on the local lakehouse root, None), or (None, one-line error) when Spark cannot
    start or the DDL never ran there (no config table)."""
    from ingen_fab.runtime.schema import CONFIG_TABLE
    from ingen_fab.runtime.session import DEFAULT_SCHEMA, RuntimeSetupError, get_spark

    try:
        spark = get_spark(root)
    except RuntimeSetupError as exc:
        return None, str(exc)
    config_table = f"{DEFAULT_SCHEMA}.{CONFIG_TABLE.name}"
    if not spark.catalog.tableExists(config_table):
        return None, (f"{root}: table {config_table} does not exist: "
                      "run `ingen_fab ddl run` first to create it")
    return spark, None


def verify_display(root: str, config_ids: list) -> dict:
    """verify_ingestion on the local lakehouse root: {"lines", "problems"}, or {"error": one
    line}. Self-contained: its source runs in a kernel."""
    from ingen_fab.local.lakehouse_query import configured_session
    from ingen_fab.runtime.ingestion import verify_ingestion

    spark, error = configured_session(root)
    if error:
        return {"error": error}
    report = verify_ingestion(spark, list(config_ids) or None)
    return {"lines": list(report.lines), "problems": list(report.problems)}


def expected_display(root: str, data_dir, config_ids: list) -> dict:
    """verify --expected on the local lakehouse root: {"lines", "problems"}, or {"error": one
    line}. Self-contained: its source runs in a kernel."""
    from ingen_fab.ingestion.verify_expected import verify_expected
    from ingen_fab.local.lakehouse_query import configured_session

    spark, error = configured_session(root)
    if error:
        return {"error": error}
    try:
        return verify_expected(spark, root, data_dir, list(config_ids))
    except (ValueError, KeyError, OSError) as exc:
        return {"error": f"verify --expected: {exc}"}


def status_display(root: str, config_ids: list) -> dict:
    """ingestion_status on the local lakehouse root: {"configs": [dict, ...]}, or {"error":
    one line}. Self-contained: its source runs in a kernel."""
    from ingen_fab.local.lakehouse_query import configured_session
    from ingen_fab.runtime.ingestion import ingestion_status

    spark, error = configured_session(root)
    if error:
        return {"error": error}
    return {"configs": [s.as_dict() for s in ingestion_status(spark, list(config_ids) or None)]}


def query_lakehouse(root: Path, query: str, cwd: Path, log_path: Path) -> tuple[list[str], list[tuple]]:
    """(column names, rows of display strings) of query on the lakehouse at root.

    Run in this process, what the JVM prints goes to log_path, not the terminal.
    """
    outcome = on_lakehouse(root, cwd, log_path, collect_display, str(root), query)
    return outcome["columns"], [tuple(row) for row in outcome["rows"]]


def on_lakehouse(root: Path, cwd: Path, log_path: Path, func, *args) -> dict:
    """func(*args) (self-contained, JSON in and out) on the lakehouse's warm kernel, else in
    this process with what the JVM prints sent to log_path; its {"error"} raised as RunError."""
    outcome = None
    if warm_kernel.enabled():
        env = {"INGEN_FAB_LAKEHOUSE_ROOT": str(root)}
        try:
            with warm_kernel.attach(env, cwd) as attached:
                outcome = _in_kernel(attached, func, args)
        except warm_kernel.WarmKernelError as exc:
            print(f"warning: {exc}; running in this process", file=sys.stderr, flush=True)
    if outcome is None:
        from ingen_fab.local.papermill_runner import stderr_to

        with stderr_to(log_path, fds=(1, 2)):
            outcome = func(*args)
    if "error" in outcome:
        raise RunError(outcome["error"])
    return outcome


def _in_kernel(attached, func, args: tuple) -> dict:
    """func(*args) run in the attached warm kernel; its result read from the kernel's stdout."""
    from jupyter_client import BlockingKernelClient

    call = f"{func.__name__}(*__import__('json').loads({json.dumps(list(args))!r}))"
    code = (
        DROP_STALE_IMPORTER
        + inspect.getsource(func)
        + f"print({RESULT_MARK!r} + __import__('json').dumps({call}))\n"
    )
    printed: list[str] = []

    def keep_stdout(msg) -> None:
        if msg["header"]["msg_type"] == "stream" and msg["content"].get("name") == "stdout":
            printed.append(msg["content"]["text"])

    client = BlockingKernelClient()
    client.load_connection_file(str(attached.state_dir / "kernel.json"))
    client.start_channels(hb=False)
    try:
        reply = client.execute_interactive(
            code, store_history=False, allow_stdin=False, output_hook=keep_stdout
        )
    finally:
        client.stop_channels()
    content = reply["content"]
    if content.get("status") != "ok":
        raise RunError(
            f"the warm kernel could not run {func.__name__}: {content.get('ename')}: "
            f"{content.get('evalue')}; its log: {attached.log_path}"
        )
    for line in "".join(printed).splitlines():
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK):])
    raise RunError(f"the warm kernel returned no result of {func.__name__}; its log: {attached.log_path}")
