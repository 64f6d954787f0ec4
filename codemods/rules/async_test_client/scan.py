"""The scan of one test body: why it cannot be made async, and the plan of its rewrite."""

from __future__ import annotations

from codemods.rules.async_test_client.client_args import ClientArgsScan
from codemods.rules.async_test_client.scan_assertions import AssertionsScan
from codemods.rules.async_test_client.scan_calls import CallsScan
from codemods.rules.async_test_client.scan_reads import ReadsScan


class Scan(ReadsScan, CallsScan, AssertionsScan, ClientArgsScan):
    """Collects why a test body cannot be made async (``problems``), whether it uses the client at
    all (``client_calls``), its requests (for only-async-views), and what the rewrite does
    (``plan``: awaited requests, ORM and session twins, ``async for``, ``list(qs)`` -> async
    comprehension, ``Client()`` -> ``AsyncClient()``, redirect checks).

    Visit the body with it once (``fn.body.visit(scan)``). The parts, one responsibility each:
    ``ScanBase`` (state, scopes, stores, loops), ``CallsScan`` (calls), ``ClientArgsScan`` (a
    request's arguments), ``AssertionsScan`` (assertRedirects, responses), ``ReadsScan``
    (names, subscripts, attributes)."""
