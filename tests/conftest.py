"""Shared fixtures: a real local Spark + Delta lakehouse under a temporary folder."""

from __future__ import annotations

import pytest


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
