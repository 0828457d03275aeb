"""The file layout ``<root>/YYYY/MM/DD/<table>/<table>_YYYYMMDD.<ext>`` and crash-safe writes.

Every file is written under a hidden temporary name in its final folder and renamed into place,
so a crash leaves either the old file, the new file or a stray ``.tmp`` file the readers' globs
ignore, never half a CSV.
"""

from __future__ import annotations

import datetime as dt
import os

EXTENSIONS = {"csv": "csv", "parquet": "parquet"}


def relative_path(day: dt.date, table: str, fmt: str) -> str:
    stamp = day.strftime("%Y%m%d")
    return os.path.join(
        day.strftime("%Y"),
        day.strftime("%m"),
        day.strftime("%d"),
        table,
        f"{table}_{stamp}.{EXTENSIONS[fmt]}",
    )


def write_table(table, path: str, fmt: str) -> None:
    """Write an Arrow table to ``path`` atomically (temporary file, then rename)."""

    def fill(sink) -> None:
        if fmt == "csv":
            import pyarrow.csv as pacsv

            options = pacsv.WriteOptions(include_header=False, quoting_style="none")
            sink.write((",".join(table.column_names) + "\n").encode("utf-8"))
            pacsv.write_csv(table, sink, options)
        else:
            import pyarrow.parquet as pq

            pq.write_table(table, sink, compression="snappy")

    write_with(path, fill)


def read_table(path: str, schema):
    """Read one written file back with the declared column types."""
    if path.endswith(".parquet"):
        import pyarrow.parquet as pq

        return pq.read_table(path)
    import pyarrow.csv as pacsv

    convert = pacsv.ConvertOptions(column_types=schema, strings_can_be_null=False)
    return pacsv.read_csv(path, convert_options=convert)


def write_bytes(data: bytes, path: str) -> None:
    """Write ``data`` to ``path`` atomically (temporary file, then rename)."""
    write_with(path, lambda sink: sink.write(data))


def write_with(path: str, fill) -> None:
    """Write ``path`` atomically: ``fill(sink)`` writes into a temporary file, then it is
    renamed into place."""
    import pyarrow as pa

    folder, name = os.path.split(path)
    os.makedirs(folder, exist_ok=True)
    temporary = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    try:
        with pa.OSFile(temporary, "wb") as sink:
            fill(sink)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
