"""Local Spark starts from the JVM class archive `make install` builds (local/class_archive.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ingen_fab.local.class_archive import up_to_date
from ingen_fab.runtime.session import class_archive

START = (
    "import sys; from ingen_fab.runtime.session import get_spark; "
    "get_spark(sys.argv[1]).range(3).count()"
)


def _classes_from_archive(tmp_path: Path, name: str, archive: str | None) -> int:
    """Spark SQL classes a new local session's JVM mapped from the archive."""
    logs = tmp_path / name
    logs.mkdir()
    env = {**os.environ, "JAVA_TOOL_OPTIONS": f"-Xlog:class+load=info:file={logs}/load_%p.log"}
    if archive is not None:
        env["INGEN_FAB_CLASS_ARCHIVE"] = archive
    done = subprocess.run([sys.executable, "-c", START, str(tmp_path / name / "lh")], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    text = "".join(p.read_text(errors="replace") for p in logs.glob("load_*.log"))
    return len(re.findall(r"org\.apache\.spark\.sql\.\S+ source: shared objects file \(top\)",
                          text))


@pytest.mark.spark
def test_a_local_session_maps_spark_from_the_archive_the_install_built(tmp_path):
    path = class_archive()
    assert up_to_date(path), f"{path} is missing or older than the jars: run `make install`"
    assert _classes_from_archive(tmp_path, "with", None) > 1000
    assert _classes_from_archive(tmp_path, "without", "") == 0


def test_an_archive_older_than_a_jar_is_rebuilt(tmp_path):
    archive = tmp_path / "spark-classes.jsa"
    assert not up_to_date(str(archive))
    archive.write_bytes(b"x")
    assert up_to_date(str(archive))
    os.utime(archive, (1, 1))  # built before the jars were installed
    assert not up_to_date(str(archive))
