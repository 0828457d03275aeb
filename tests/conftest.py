"""Shared fixtures: a real local Spark + Delta lakehouse under a temporary folder."""

from __future__ import annotations

import os

import pytest

# The suite makes many temporary lakehouses: one-shot kernels, so no warm JVMs are left behind.
# Tests of the warm kernel turn it on themselves, with their own INGEN_FAB_STATE_DIR.
os.environ.setdefault("INGEN_FAB_WARM_KERNEL", "0")


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
