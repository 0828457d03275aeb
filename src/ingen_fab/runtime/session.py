"""The one place that decides between Fabric and the local stand-in, and builds Spark.

In Fabric the notebook already has a live ``spark`` and ``notebookutils``; locally we build a
Spark + Delta session whose catalog maps ``Tables/<schema>/<table>`` folders to tables, like a
schema-enabled Fabric lakehouse. Only the standard library, pyspark and delta are used here.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import sys

from .errors import UserError
from .sql import DEFAULT_SCHEMA, quote_ident, string_literal

DEFAULT_LAKEHOUSE_ROOT = os.path.join("tmp", "spark")
# The Delta Lake jars for each Spark line the runtime runs on, as Fabric pairs them:
# Runtime 1.3 = Spark 3.5 + Delta 3.2 (Scala 2.12), Runtime 2.0 = Spark 4.x + Delta 4.x.
DELTA_FOR_SPARK = {
    "3.5": ("io.delta:delta-spark_2.12:3.2.1", "io.delta:delta-storage:3.2.1"),
    "4.1": ("io.delta:delta-spark_4.1_2.13:4.2.0", "io.delta:delta-storage:4.2.0"),
}
FETCH_HINT = "run `make install` (it fetches the Delta jars with mvn)"


class RuntimeSetupError(UserError):
    """The local Spark + Delta stand-in cannot start."""


def in_fabric() -> bool:
    """True inside a Fabric notebook (notebookutils is importable there and only there)."""
    if os.environ.get("INGEN_FAB_FORCE_LOCAL"):
        return False
    try:
        import notebookutils  # noqa: F401
    except ImportError:
        return False
    return True


class LakehouseSetupError(UserError):
    """In Fabric: the notebook's default lakehouse is missing or has no schemas."""


_LAKEHOUSE_CHECKED: list[str] = []


def check_default_lakehouse() -> str | None:
    """In Fabric, the default lakehouse's name once it is known to be attached and to have
    schemas enabled (the tables live in dbo, bronze, ...); locally None. Checked once per
    session; a lakehouse whose properties cannot be read is let through with a note."""
    if not in_fabric():
        return None
    if _LAKEHOUSE_CHECKED:
        return _LAKEHOUSE_CHECKED[0]
    import notebookutils

    context = notebookutils.runtime.context
    name = context.get("defaultLakehouseName")
    if not context.get("defaultLakehouseId") or not name:
        raise LakehouseSetupError(
            "this notebook has no default lakehouse: attach the Config lakehouse (schemas "
            "enabled) in the notebook's Lakehouse pane, or deploy with `ingen_fab deploy`"
        )
    try:
        found = notebookutils.lakehouse.getWithProperties(
            name, context.get("defaultLakehouseWorkspaceId") or "")
        props = found.get("properties") if isinstance(found, dict) else found.properties
        schema = (props or {}).get("defaultSchema")
    except Exception as exc:  # a guard, not a gate: the run goes on
        print(f"note: could not read lakehouse {name}'s properties ({exc.__class__.__name__}); "
              "not checking that it has schemas enabled")
        schema = "unknown"
    if not schema:
        raise LakehouseSetupError(
            f"the default lakehouse {name} does not have schemas enabled, and ingen_fab's "
            "tables live in schemas (dbo, bronze, ...): attach a lakehouse created with "
            "'Lakehouse schemas' ticked (ingen_fab deploy creates Config so)"
        )
    _LAKEHOUSE_CHECKED.append(name)
    return name


def lakehouse_root(override: str | None = None) -> str:
    """Absolute local lakehouse root: the override, INGEN_FAB_LAKEHOUSE_ROOT, or tmp/spark."""
    root = override or os.environ.get("INGEN_FAB_LAKEHOUSE_ROOT") or DEFAULT_LAKEHOUSE_ROOT
    return os.path.abspath(root)


def jar_dir() -> str:
    """Folder holding the Delta jars fetched by `make install` (outside git)."""
    default = os.path.join(os.path.expanduser("~"), ".cache", "ingen_fab", "jars")
    return os.environ.get("INGEN_FAB_JAR_DIR", default)


def delta_artifacts() -> tuple[str, ...]:
    """Maven coordinates of the Delta jars for the installed pyspark's line."""
    import pyspark

    line = ".".join(pyspark.__version__.split(".")[:2])
    if line not in DELTA_FOR_SPARK:
        raise RuntimeSetupError(
            f"pyspark {pyspark.__version__} is not a supported stack (Spark "
            f"{' or '.join(sorted(DELTA_FOR_SPARK))}); {FETCH_HINT}"
        )
    return DELTA_FOR_SPARK[line]


def delta_jars() -> list[str]:
    """Paths of the fetched Delta jars, or [] when any is missing."""
    found = []
    for artifact in delta_artifacts():
        _, name, version = artifact.split(":")
        path = os.path.join(jar_dir(), f"{name}-{version}.jar")
        if not os.path.isfile(path):
            return []
        found.append(path)
    return found


def get_spark(root: str | None = None):
    """The active Spark session, building the local Spark + Delta one when there is none.

    Locally, root (a lakehouse folder) is honoured: when the active session was built here
    on another lakehouse, it is stopped and a session on root is built in the same JVM (its
    loaded classes stay warm). Without root the active session is kept, caught up with disk.
    """
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None and in_fabric():
        check_default_lakehouse()
        return active
    if active is not None:
        wanted = lakehouse_root(root) if root is not None else None
        built_here = active.conf.get(_IDENTITY_KEY, None) is not None
        if wanted is None or not built_here or _same_folder(session_root(active), wanted):
            return _caught_up(active)
        active.stop()
        return _build_local(wanted)
    if in_fabric():  # pragma: no cover - Fabric always has an active session
        return SparkSession.builder.getOrCreate()
    return _build_local(lakehouse_root(root))


def _same_folder(a: str, b: str) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


_QUIET_LOG4J = """rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
"""


def _log4j_config() -> str:
    """A log4j2 config that keeps local Spark to errors (written once to the temp folder)."""
    import tempfile

    path = os.path.join(tempfile.gettempdir(), "ingen_fab-log4j2.properties")
    if not os.path.isfile(path):
        tmp = f"{path}.{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(_QUIET_LOG4J)
        os.replace(tmp, path)
    return path


def class_archive() -> str:
    """The JVM class archive (Java's AppCDS) `make install` leaves in the environment; with it
    local Spark starts on about a third less CPU. INGEN_FAB_CLASS_ARCHIVE names another file,
    or is empty for none. A stale archive (other jars, another JDK) is ignored by the JVM."""
    default = os.path.join(sys.prefix, "share", "ingen_fab", "spark-classes.jsa")
    return os.environ.get("INGEN_FAB_CLASS_ARCHIVE", default)


def _class_archive_options() -> str:
    quiet = " -Xlog:cds=off -Xlog:cds+dynamic=off"
    dump = os.environ.get("INGEN_FAB_CLASS_ARCHIVE_DUMP")
    if dump:  # the training run of local/class_archive.py
        return f" -XX:ArchiveClassesAtExit={dump}{quiet}"
    path = class_archive()
    return f" -XX:SharedArchiveFile={path}{quiet}" if path and os.path.isfile(path) else ""


def _build_local(root: str):
    from pyspark.sql import SparkSession

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    tables = os.path.join(root, "Tables")
    os.makedirs(os.path.join(tables, DEFAULT_SCHEMA), exist_ok=True)
    os.makedirs(os.path.join(root, "Files"), exist_ok=True)
    builder = (
        SparkSession.builder.master(os.environ.get("INGEN_FAB_SPARK_MASTER", "local[2]"))
        .appName("ingen_fab")
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.sql.warehouse.dir", tables)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", os.environ.get("INGEN_FAB_DRIVER_MEMORY", "4g"))
        .config("spark.databricks.delta.snapshotPartitions", "2")
        .config("spark.sql.sources.parallelPartitionDiscovery.parallelism", "2")
        .config(
            "spark.driver.extraJavaOptions",
            f"-Dderby.system.home={root} -Dlog4j2.configurationFile=file:{_log4j_config()}"
            + _class_archive_options(),
        )
    )
    jars = delta_jars()
    if jars:
        builder = builder.config("spark.jars", ",".join(jars))
    else:
        builder = builder.config("spark.jars.packages", ",".join(delta_artifacts()))
        if os.environ.get("INGEN_FAB_IVY_SETTINGS"):
            builder = builder.config("spark.jars.ivySettings", os.environ["INGEN_FAB_IVY_SETTINGS"])
    try:
        spark = builder.getOrCreate()
        spark.sparkContext.setLogLevel("ERROR")
        location = string_literal(f"{tables}/{DEFAULT_SCHEMA}")
        spark.sql(f"CREATE DATABASE IF NOT EXISTS {DEFAULT_SCHEMA} LOCATION {location}")
        spark.catalog.setCurrentDatabase(DEFAULT_SCHEMA)
    except Exception as exc:  # the JVM or the Delta classes could not be loaded
        raise RuntimeSetupError(f"cannot start local Spark + Delta ({exc.__class__.__name__}); {FETCH_HINT}") from None
    spark.conf.set(_IDENTITY_KEY, _folder_identity(tables))
    register_tables(spark, root)
    return spark


_IDENTITY_KEY = "ingen_fab.tables_folder"


def _folder_identity(path: str) -> str:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return "missing"
    return f"{st.st_dev}:{st.st_ino}"


def _caught_up(spark):
    """A long-lived local session (a warm kernel runs many notebooks) catching up with disk.

    When the lakehouse's Tables/ folder was deleted (and perhaps made again) since the session
    was built, a new session is built; otherwise tables other processes created are registered.
    """
    identity = spark.conf.get(_IDENTITY_KEY, None)
    if identity is None:  # a session this module did not build
        return spark
    root = session_root(spark)
    if _folder_identity(os.path.join(root, "Tables")) != identity:
        spark.stop()
        return _build_local(root)
    register_tables(spark, root, only_new=True)
    return spark


def register_tables(spark, root: str, only_new: bool = False) -> list[str]:
    """Make every Delta table under <root>/Tables visible by name as schema.table.

    A folder whose first write never committed (see uncommitted_table_dir) is left out: the
    table's next first write clears it and creates the table again.
    """
    tables = os.path.join(root, "Tables")
    registered = []
    for log_dir in sorted(glob.glob(os.path.join(tables, "*", "*", "_delta_log"))):
        table_dir = os.path.dirname(log_dir)
        schema = os.path.basename(os.path.dirname(table_dir))
        table = os.path.basename(table_dir)
        if not (schema.isidentifier() and table.isidentifier()):
            continue
        if only_new and spark.catalog.tableExists(f"{schema}.{table}"):
            continue
        if uncommitted_table_dir(table_dir):  # a first write that never committed
            continue
        ensure_schema(spark, schema, root)
        spark.sql(
            f"CREATE TABLE IF NOT EXISTS {quote_ident(schema)}.{quote_ident(table)} USING DELTA "
            f"LOCATION {string_literal(table_dir)}"
        )
        registered.append(f"{schema}.{table}")
    return registered


# A Delta log version file: a commit (00000000000000000000.json), a checkpoint or a compacted
# commit range; a table has committed something once its _delta_log holds one of them.
_VERSION_FILE = re.compile(r"^\d{20}\.(.+\.)?(json|parquet)$")
_WRITER_FILE = re.compile(r"\.(parquet|crc)$")


def uncommitted_table_dir(table_dir: str) -> bool:
    """True when table_dir is a table whose first write never committed.

    A first write (CREATE TABLE, saveAsTable) writes its data files and _delta_log before it
    commits version 0; a process killed in between leaves files but no commit, which is, by
    Delta's definition, a folder holding nothing committed (and one that Spark refuses to
    register or create a table on). Such a folder: its _delta_log has no version file; or, with
    no _delta_log at all, it holds only what a writer leaves (.parquet data, .crc checksums),
    so a folder of other files is never taken for one. A missing or empty folder is not one.
    """
    log_dir = os.path.join(table_dir, "_delta_log")
    if os.path.isdir(log_dir):
        return not any(
            _VERSION_FILE.match(name) for _, _, names in os.walk(log_dir) for name in names
        )
    names = [name for _, _, names in os.walk(table_dir) for name in names]
    return bool(names) and all(_WRITER_FILE.search(name) for name in names)


def clear_uncommitted_table(spark, schema: str, table: str) -> bool:
    """Remove a local table folder whose first write never committed, so the table can be
    created again; True when one was removed. In Fabric the catalog owns table folders: no-op."""
    if in_fabric():  # pragma: no cover
        return False
    table_dir = os.path.join(session_tables_dir(spark), schema, table)
    if not uncommitted_table_dir(table_dir):
        return False
    shutil.rmtree(table_dir)
    return True


def ensure_schema(spark, schema: str, root: str | None = None) -> None:
    """Create a lakehouse schema (locally placed at Tables/<schema>)."""
    if in_fabric():  # pragma: no cover
        spark.sql(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)}")
        return
    tables = os.path.join(root, "Tables") if root else session_tables_dir(spark)
    location = string_literal(os.path.join(tables, schema))
    spark.sql(f"CREATE DATABASE IF NOT EXISTS {quote_ident(schema)} LOCATION {location}")


def session_tables_dir(spark) -> str:
    """The local Tables/ folder the session was built on."""
    warehouse = spark.conf.get("spark.sql.warehouse.dir")
    return warehouse.removeprefix("file:")


def session_root(spark) -> str:
    """The local lakehouse root the session was built on."""
    return os.path.dirname(session_tables_dir(spark).rstrip("/"))
