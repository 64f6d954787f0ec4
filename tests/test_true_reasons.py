"""True reasons at the right level: gather-awaits and async-views-to-sync say what is so (never about
code the tool wrote itself), as a warning (a likely candidate left behind) or a note (-v only)."""

from __future__ import annotations

import ast
import pathlib
import textwrap

import pytest

from codemods.config import Settings
from codemods.knowledge import effects, testing
from codemods.project import ProjectIndex
from codemods.registry import all_codemods
from codemods.runner import transform_source
from tests.harness import check_noop, check_transformed, rewrite

GA, AV, RH = "gather-awaits", "async-views-to-sync", "requests-to-httpx"
RULES = pathlib.Path(__file__).resolve().parent.parent / "codemods" / "rules"


@pytest.fixture(autouse=True)
def _outside_any_project(tmp_path, monkeypatch):
    """A working folder no pyproject.toml sits above (the relative paths name no real file)."""
    monkeypatch.chdir(tmp_path)


def _by_kind(outcome, kind):
    return [d.message for d in outcome.diagnostics if d.kind == kind]


def _kinds_in(rule: str) -> set[str]:
    """Every literal kind given to ``Problem(...)`` in a codemod's package."""
    found: set[str] = set()
    for path in (RULES / rule).glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Problem"
                and node.args and isinstance(node.args[0], ast.Constant)
            ):
                found.add(node.args[0].value)
    return found


# --------------------------------------------------------------------------- levels per kind
# The level of each kind is its code's (``codes.py``; tests/test_codes.py checks every kind has
# one). Pinned here: which kinds are notes, "considered, not applicable", shown only with -v.
NOTES = {
    "gather-awaits": {
        # they must keep their order or depend on each other
        "test-client", "opaque-call", "write", "callee-writes", "ordering", "unknown-effects",
        "foreign-write", "nested-read", "declared-name", "finally-read", "data-dependency", "same-name",
        "mutated-argument", "same-receiver", "handed-object",
        # statement shapes not taken apart (whether they could run together was never analysed)
        "several-statements", "chained-assignment", "bare-annotation", "statement-kind", "target-kind",
        "computed-target", "computed-index", "post-method", "post-arguments", "await-not-first",
        "awaits-non-call", "unsafe-call", "comment-lost",
        # nothing to gain
        "in-test", "orm-only",
    },
    "async-views-to-sync": {
        # the view does real async work, reads where it runs, or is marked skip
        "not-a-db-call", "too-many-queries", "api-too-new", "http-calls", "concurrent-awaits",
        "async-with", "async-generator", "async-generator-expression", "async-for-not-queryset",
        "nested-coroutine-function", "imports-async-library", "async-library-use", "async-streaming",
        "unawaited-coroutine", "reads-where-it-runs", "skip-comment",
    },
}


@pytest.mark.parametrize("name", sorted(NOTES))
def test_the_notes_are_the_kinds_considered_not_applicable(name):
    codes = next(cm for cm in all_codemods() if cm.name == name).codes
    assert {c.kind for c in codes if c.level == "note"} == NOTES[name]


# --------------------------------------------------------------------------- gather-awaits
DECLARE = {"effect-free": ["*"]}


def test_pytest_mark_asyncio_is_not_the_name_asyncio():
    # The only "asyncio" is an attribute (pytest.mark.asyncio) and a module imported from: the
    # name is free, so the run is gathered and `import asyncio` added.
    before = """\
        import pytest
        from asyncio import sleep

        mark = pytest.mark.asyncio

        async def load(a, b):
            x = await fetch(a)
            y = await fetch(b)
            return x, y
        """
    after = """\
        import pytest
        from asyncio import sleep
        import asyncio

        mark = pytest.mark.asyncio

        async def load(a, b):
            x, y = await asyncio.gather(fetch(a), fetch(b))
            return x, y
        """
    check_transformed(GA, before, after, options=DECLARE)


def test_a_real_other_asyncio_is_a_warning():
    src = """\
        asyncio = object()

        async def load(a, b):
            x = await fetch(a)
            y = await fetch(b)
            return x, y
        """
    out = check_noop(GA, src, "the name 'asyncio' is bound or used in this module other than by a top-level `import asyncio`",
                     options=DECLARE)
    assert not _by_kind(out, "note")


def test_dependent_awaits_are_a_note_not_a_warning():
    src = """\
        async def load(a):
            x = await fetch(a)
            y = await fetch(x)
            return y
        """
    out = check_noop(GA, src, None, options=DECLARE)
    assert _by_kind(out, "note") == ["data dependency on 'x'"]


def test_independent_awaits_in_a_try_are_a_warning():
    src = """\
        async def load(a, b):
            try:
                x = await fetch(a)
                y = await fetch(b)
            except ValueError:
                return None
            return x, y
        """
    check_noop(GA, src, "exception ordering observable: inside try/except or a transaction block", options=DECLARE)


def test_sync_to_async_is_cannot_tell_not_a_write():
    src = """\
        from asgiref.sync import sync_to_async

        async def load(a, b):
            x = await sync_to_async(work)(a)
            y = await fetch(b)
            return x, y
        """
    out = check_noop(GA, src, None, options=DECLARE)
    assert _by_kind(out, "note") == ["order kept: cannot tell what sync_to_async(work)(...) does"]


def test_a_helper_that_sleeps_reads_as_a_sentence():
    src = """\
        import asyncio

        async def settle():
            await asyncio.sleep(1)

        async def load(a):
            await settle()
            y = await fetch(a)
            return y
        """
    out = check_noop(GA, src, None, options=DECLARE)
    assert _by_kind(out, "note") == [
        "order-sensitive: settle() is defined here and in it, sleep() delays what follows it"
    ]


# --------------------------------------------------------------------------- async-views-to-sync
V = {"path": "shop/views.py"}


def test_http_view_left_async_is_a_note_about_its_http_calls():
    src = """\
        import httpx

        async def proxy(request):
            async with httpx.AsyncClient() as client:
                r = await client.get("https://example.com")
            return r.text
        """
    out = check_noop(AV, src, None, **V)
    assert _by_kind(out, "note") == ["view 'proxy' left async: does real async work: its HTTP calls"]


def test_an_unknown_decorator_on_a_view_doing_real_async_work_is_a_note():
    src = """\
        from shop.auth import token_required

        @token_required
        async def proxy(request):
            return await fetch_remote(request)
        """
    out = check_noop(AV, src, None, **V)
    assert _by_kind(out, "note") == [
        "view 'proxy' left async: awaits `fetch_remote(request)`, which is not a Django DB call with a sync twin"
    ]


def test_an_unknown_decorator_on_a_view_that_would_be_sync_is_a_warning():
    src = """\
        from shop.auth import token_required
        from shop.models import Product

        @token_required
        async def product(request, pk):
            return await Product.objects.aget(pk=pk)
        """
    out = check_noop(AV, src, "has the decorator `token_required`, not known to accept a sync view", **V)
    assert not _by_kind(out, "note")


def test_a_view_class_with_unknown_bases_doing_real_async_work_is_a_note():
    src = """\
        from rest_framework.views import APIView

        class Proxy(APIView):
            async def get(self, request):
                return await fetch_remote(request)
        """
    out = check_noop(AV, src, None, **V)
    assert _by_kind(out, "note") == [
        ("view class 'Proxy' left async: handler 'get' awaits `fetch_remote(request)`, which is not "
        "a Django DB call with a sync twin")
    ]


def test_a_skip_comment_is_a_note():
    out = check_noop(AV, "async def v(request):  # dj-asyncify: skip\n    return 1\n", None, **V)
    assert not out.diagnostics or all(d.kind != "refused" for d in out.diagnostics)


def _pipeline(source: str, codemods: tuple[str, ...], path: str = "shop/views.py", options=None):
    settings = Settings(select=codemods, options=options or {})
    return transform_source(textwrap.dedent(source), path, settings, ProjectIndex())


def test_after_requests_to_httpx_the_view_note_names_no_code_the_tool_wrote():
    out = _pipeline(
        """\
        import requests

        async def proxy(request):
            r = requests.get("https://example.com/a")
            return r.json()
        """,
        (RH, AV),
    )
    assert out.error is None and "async with httpx.AsyncClient(" in out.source
    views = [d for d in out.diagnostics if d.codemod == AV]
    assert [(d.kind, d.message) for d in views] == [
        ("note", "view 'proxy' left async: does real async work: its HTTP calls")
    ]


def test_after_gather_awaits_the_view_note_names_no_code_the_tool_wrote():
    out = _pipeline(
        """\
        async def both(request):
            a = await fetch("a")
            b = await fetch("b")
            return a + b
        """,
        (GA, AV),
        options={GA: DECLARE},
    )
    assert out.error is None and "asyncio.gather(" in out.source
    views = [d for d in out.diagnostics if d.codemod == AV]
    assert [(d.kind, d.message) for d in views] == [
        ("note", "view 'both' left async: does real async work: it runs awaits concurrently")
    ]
    assert not any("gather" in d.message or "asyncio" in d.message for d in out.diagnostics if d.kind != "fixed")


def test_a_taskgroup_reads_as_concurrent_awaits():
    src = """\
        import asyncio

        async def both(request):
            async with asyncio.TaskGroup() as tg:
                tg.create_task(fetch_a(request))
            return 1
        """
    out = check_noop(AV, src, None, **V)
    assert _by_kind(out, "note") == ["view 'both' left async: does real async work: it runs awaits concurrently"]


# --------------------------------------------------------------------------- no-database facts
@pytest.mark.parametrize(
    "qualified",
    ["os.environ.get", "os.getenv", "random.choice", "time.time", "logging.getLogger", "pytest.skip",
     "django.test.override_settings", "django.core.urlresolvers.reverse", "django.urls.reverse", "json.dumps",
     "django.contrib.auth.get_user_model", "django.shortcuts.reverse"],
)
def test_calls_known_to_touch_no_database(qualified):
    assert qualified.startswith(testing.SAFE_MODULES)


@pytest.mark.parametrize(
    "qualified",
    ["shop.factories.make_user", "pytest.raises", "django.core.management.call_command", "django.shortcuts.redirect",
     "django.shortcuts.get_object_or_404"],
)
def test_other_calls_are_not_known(qualified):
    assert not qualified.startswith(testing.SAFE_MODULES)


def test_no_database_facts_do_not_make_gather_awaits_gather_more():
    from codemods.knowledge import effects_gather

    assert not set(effects.NO_DATABASE_MODULES) & set(effects_gather.PURE_MODULES)
    assert "AssertionError" in testing.SAFE_BUILTINS and "AssertionError" in effects_gather.PURE_BUILTINS
    assert "open" in testing.SAFE_BUILTINS and "open" not in effects_gather.PURE_BUILTINS


def test_async_test_client_no_longer_blames_known_calls():
    src = """\
        import os
        import random

        import pytest
        from django.test import TestCase


        class T(TestCase):
            def test_page(self):
                if os.environ.get("SKIP"):
                    pytest.skip("skipped")
                page = random.choice(["/a/", "/b/"])
                response = self.client.get(page)
                if response.status_code != 200:
                    raise AssertionError(page)
                with open("/dev/null") as f:
                    f.read()
                make_things()
        """
    # Which views the test reaches is not the point here (that reason, alone, is tested in
    # test_async_test_client_views.py): every test is a candidate.
    out = rewrite("async-test-client", src, path="app/tests/test_pages.py", options={"only-async-views": False})
    text = " ".join(d.message for d in out.diagnostics)
    for name in ("os.environ.get()", "pytest.skip()", "random.choice()", "AssertionError()", " open()"):
        assert name not in text, text
    assert "cannot tell whether make_things() touches the database" in text


def test_self_annotated_as_typing_self_is_shown_as_self():
    # sentry-sdk's transport.py annotates ``self: "Self"``: the call is not one of a class "typing.Self".
    src = """\
        from typing import Self

        class Transport:
            async def flush(self: "Self") -> None:
                await self._send(1)
                await self._flush_reports()
        """
    out = rewrite(GA, src)
    notes = _by_kind(out, "note")
    assert notes and all("typing.Self" not in n for n in notes), notes
    assert any("self._send()" in n for n in notes), notes
