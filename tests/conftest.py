"""Fixtures every test module shares (a real HTTP server) and what pytest does not collect."""

from __future__ import annotations

import pytest

from tests.upstream import Upstream


@pytest.fixture(scope="session")
def upstream():
    """A real HTTP server on 127.0.0.1 (see tests/upstream.py)."""
    with Upstream() as up:
        yield up

# Excerpts of real projects kept as data for the tests (see tests/fixtures/real/README.md):
# never collected as tests themselves.
collect_ignore_glob = ["fixtures/*"]
