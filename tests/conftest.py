"""Shared fixtures: a real local Spark + Delta lakehouse under a temporary folder.

Test tiers: a test that starts a JVM (Spark) is marked ``spark``, one that runs a notebook
kernel ``papermill``; every other test belongs to the fast tier (``make test-fast``). An
unmarked test that starts a JVM or a kernel fails, so the fast tier stays fast.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

# Notebook runs use warm kernels, as users get them: one JVM per lakehouse and project serves
# every notebook run on it. They live in a state folder of this test process and stop when the
# session ends (or after a short idle time, should the process die first). Tests that need
# a one-shot kernel (to kill it) or a warm kernel of their own set these variables themselves.
# Each process gets its own folder, never one inherited from the xdist controller: a worker
# that finishes first stops the kernels in its folder, and must not stop another worker's.
os.environ.setdefault("INGEN_FAB_WARM_KERNEL", "1")
os.environ.setdefault("INGEN_FAB_WARM_KERNEL_IDLE", "120")
os.environ["INGEN_FAB_STATE_DIR"] = tempfile.mkdtemp(
    prefix=f"ingen_fab-test-kernels-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-"
)

SLOW_MARKS = ("spark", "papermill")
# The longest test files run first: `make test` runs files on two workers, and a long file
# started last would leave one worker idle at the end.
LONGEST_FIRST = (
    "test_e2e_spec.py",
    "test_crash_first_load.py",
    "test_cli_contract.py",
    "test_warm_kernel.py",
    "test_ddl_run.py",
)


def pytest_collection_modifyitems(items):
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


def _heavy_children() -> set[int]:
    """Pids of this process's descendants that are a JVM or a notebook kernel."""
    import psutil

    found = set()
    for child in psutil.Process().children(recursive=True):
        try:
            line = " ".join(child.cmdline())
        except psutil.Error:
            continue
        if child.name() == "java" or "ipykernel" in line:
            found.add(child.pid)
    return found


@pytest.fixture(autouse=True)
def _fast_tier_guard(request):
    """An unmarked test must not start a JVM or a kernel (mark it spark / papermill)."""
    if any(request.node.get_closest_marker(m) for m in SLOW_MARKS):
        yield
        return
    before = _heavy_children()
    yield
    started = _heavy_children() - before
    if started:
        pytest.fail(
            f"{request.node.nodeid} started a JVM or kernel (pids {sorted(started)}): "
            "mark it spark or papermill"
        )


@pytest.fixture(scope="session", autouse=True)
def _stop_warm_kernels(request):
    """Stop the warm kernels this session's notebook runs started; keep their logs on failure."""
    yield
    from ingen_fab.local import warm_kernel

    warm_kernel.stop_all()
    if not request.session.testsfailed:
        shutil.rmtree(os.environ["INGEN_FAB_STATE_DIR"], ignore_errors=True)


@pytest.fixture(scope="session")
def lakehouse_root(tmp_path_factory):
    return tmp_path_factory.mktemp("lakehouse")


@pytest.fixture(scope="session")
def spark(lakehouse_root):
    """One real Spark + Delta session per test process, rooted in a temporary lakehouse."""
    from ingen_fab.runtime.session import get_spark

    session = get_spark(str(lakehouse_root))
    yield session
    session.stop()
