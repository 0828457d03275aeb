"""Warm kernels: one long-lived ipykernel per lakehouse, reused by papermill between runs.

Real papermill and ipykernel; the small notebooks here do not start Spark (one test runs
`ddl run` twice for real). Every test has its own INGEN_FAB_STATE_DIR and stops what it started.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import nbformat
import pytest
from helpers import copy_project

from ingen_fab.errors import RunError
from ingen_fab.local import warm_kernel
from ingen_fab.local.papermill_runner import execute_notebook

pytestmark = pytest.mark.papermill

REPORT = """import json, os
print(json.dumps({"pid": os.getpid(), "leftover": "leftover" in globals(),
                  "root": os.environ.get("INGEN_FAB_LAKEHOUSE_ROOT"), "cwd": os.getcwd()}))
leftover = 1
"""


@pytest.fixture
def state(tmp_path, monkeypatch):
    """Warm kernels on, kept under this test's folder, all stopped at the end."""
    state = tmp_path / "state"
    monkeypatch.setenv("INGEN_FAB_WARM_KERNEL", "1")
    monkeypatch.setenv("INGEN_FAB_STATE_DIR", str(state))
    monkeypatch.delenv("INGEN_FAB_WARM_KERNEL_IDLE", raising=False)
    yield state
    warm_kernel.stop_all()


def _notebook(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    parameters = nbformat.v4.new_code_cell("run = 0")
    parameters.metadata["tags"] = ["parameters"]
    nb.cells = [parameters] + [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, path)
    return path


def _run(tmp_path, root="lh_a", *sources):
    """Run the reporting notebook (plus sources) on lakehouse root; what its kernel reported."""
    notebook = _notebook(tmp_path / "report.ipynb", REPORT, *sources)
    output = tmp_path / "runs" / "report.ipynb"
    execute_notebook(notebook, output, env={"INGEN_FAB_LAKEHOUSE_ROOT": str(tmp_path / root)},
                     cwd=tmp_path)
    text = nbformat.read(output, as_version=4).cells[1].outputs[0]["text"]
    return json.loads(text)


def _gone(pid, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not warm_kernel._pid_alive(pid):
            return True
        time.sleep(0.1)
    return False


def test_second_run_reuses_the_kernel_and_starts_with_a_clean_namespace(tmp_path, state):
    first = _run(tmp_path)
    second = _run(tmp_path)
    assert second["pid"] == first["pid"]
    assert (first["leftover"], second["leftover"]) == (False, False)
    assert second["root"] == str(tmp_path / "lh_a") and second["cwd"] == str(tmp_path)
    executed = nbformat.read(tmp_path / "runs" / "report.ipynb", as_version=4)
    assert [c.execution_count for c in executed.cells] == [1, 2]  # a fresh session each run
    [kernel] = warm_kernel.status()
    assert (kernel["kernel_pid"], kernel["lakehouse_root"]) == (first["pid"], str(tmp_path / "lh_a"))


def test_each_lakehouse_root_gets_its_own_kernel(tmp_path, state):
    a, b = _run(tmp_path, "lh_a"), _run(tmp_path, "lh_b")
    assert a["pid"] != b["pid"]
    assert (a["root"], b["root"]) == (str(tmp_path / "lh_a"), str(tmp_path / "lh_b"))
    assert sorted(k["lakehouse_root"] for k in warm_kernel.status()) == [
        str(tmp_path / "lh_a"), str(tmp_path / "lh_b"),
    ]


def test_a_kernel_killed_mid_run_is_one_line_error_and_the_next_run_gets_a_new_one(tmp_path, state):
    first = _run(tmp_path)
    [old] = warm_kernel.status()
    with pytest.raises(RunError) as err:
        _run(tmp_path, "lh_a", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
    message = str(err.value)
    assert "\n" not in message and "the kernel died" in message
    assert message.endswith(str(state / old["key"] / "kernel.log"))
    assert _gone(old["daemon_pid"]) and _gone(first["pid"])
    after = _run(tmp_path)
    assert after["pid"] != first["pid"] and after["leftover"] is False


def test_a_failing_cell_keeps_the_warm_kernel(tmp_path, state):
    first = _run(tmp_path)
    with pytest.raises(RunError, match="ValueError: boom"):
        _run(tmp_path, "lh_a", "raise ValueError('boom')")
    assert _run(tmp_path)["pid"] == first["pid"]


def test_the_daemon_stops_the_kernel_after_the_idle_timeout(tmp_path, state, monkeypatch):
    monkeypatch.setenv("INGEN_FAB_WARM_KERNEL_IDLE", "3")
    first = _run(tmp_path)
    [kernel] = warm_kernel.status()
    assert _gone(kernel["daemon_pid"], timeout=20) and _gone(first["pid"], timeout=5)
    assert warm_kernel.status() == []
    assert _run(tmp_path)["pid"] != first["pid"]


def test_local_status_and_stop_from_the_cli(tmp_path, state):
    first = _run(tmp_path)

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "ingen_fab.cli", "local", *args],
                              capture_output=True, text=True, env=dict(os.environ))

    status = cli("status")
    assert status.returncode == 0, status.stderr
    [line] = status.stdout.splitlines()
    assert line.startswith(f"{tmp_path / 'lh_a'}  pid {first['pid']}  idle ")
    stopped = cli("stop")
    assert (stopped.returncode, stopped.stdout.strip()) == (0, "stopped 1 warm kernel")
    assert _gone(first["pid"], timeout=5)
    again = cli("stop")
    assert (again.returncode, again.stdout.strip()) == (0, "stopped 0 warm kernels")
    assert cli("status").stdout.strip() == "no warm kernels"


def test_warm_kernel_off_runs_a_one_shot_kernel(tmp_path, state, monkeypatch):
    monkeypatch.setenv("INGEN_FAB_WARM_KERNEL", "0")
    first, second = _run(tmp_path), _run(tmp_path)
    assert first["pid"] != second["pid"]
    assert not warm_kernel._pid_alive(first["pid"]) and not state.exists()
    assert warm_kernel.status() == []


def test_a_warm_kernel_that_cannot_start_falls_back_to_one_shot(tmp_path, state, monkeypatch, capfd):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("")
    monkeypatch.setenv("INGEN_FAB_STATE_DIR", str(blocker / "state"))
    report = _run(tmp_path)
    assert report["leftover"] is False and not warm_kernel._pid_alive(report["pid"])
    [warning] = capfd.readouterr().err.strip().splitlines()
    assert warning.startswith("warning: cannot create the warm kernel folder")
    assert warning.endswith("running on a one-shot kernel")


@pytest.mark.spark
def test_ddl_runs_reuse_the_warm_kernel_even_after_the_lakehouse_is_deleted(tmp_path, state):
    project = copy_project(tmp_path / "p")
    env = {**os.environ, "INGEN_FAB_LAKEHOUSE_ROOT": str(tmp_path / "ws" / "spark")}

    def ingen_fab(*args):
        result = subprocess.run([sys.executable, "-m", "ingen_fab.cli", *args],
                                capture_output=True, text=True, cwd=project, env=env)
        assert result.returncode == 0, result.stderr

    def compile_and_run():
        ingen_fab("ddl", "compile", "--generation-mode=lakehouse")
        return ingen_fab("ddl", "run", "--generation-mode=lakehouse")

    compile_and_run()
    [kernel] = warm_kernel.status()
    compile_and_run()
    assert [k["kernel_pid"] for k in warm_kernel.status()] == [kernel["kernel_pid"]]
    # the lakehouse deleted under the warm kernel: its Spark catches up and builds it again
    shutil.rmtree(tmp_path / "ws")
    compile_and_run()
    assert [k["kernel_pid"] for k in warm_kernel.status()] == [kernel["kernel_pid"]]
    count = subprocess.run(
        [sys.executable, "-m", "ingen_fab.cli", "lakehouse", "sql",
         "SELECT count(*) AS n FROM config_flat_file_ingestion WHERE active_yn = 'Y'"],
        capture_output=True, text=True, cwd=project, env=env,
    )
    # the spec's six sample configs are active (the history samples start inactive)
    assert count.returncode == 0 and count.stdout.split()[:3] == ["n", "-", "6"], count.stdout


def test_a_change_to_the_runtime_code_replaces_the_kernel(tmp_path, state, monkeypatch):
    first = _run(tmp_path)
    monkeypatch.setattr(warm_kernel, "code_stamp", lambda: "edited")
    second = _run(tmp_path)
    assert second["pid"] != first["pid"] and _gone(first["pid"], timeout=5)
    assert [k["kernel_pid"] for k in warm_kernel.status()] == [second["pid"]]
