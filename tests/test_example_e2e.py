"""End to end: migrate the bundled legacy example with the installed tool; its own tests still pass.

A copy of ``examples/legacy_shop`` has its test suite run with Django's test runner and with
pytest-django (subprocesses of this interpreter, real Django, real SQLite, the example's own local
upstream server), then ``dj-asyncify apply`` rewrites it, then the same suites run again: before,
exactly the tests of its half-migrated views (sync ORM calls inside ``async def``) fail, with
``SynchronousOnlyOperation`` (its legacy sync back office passes as it is); after, every test
passes. The shape of every view and test is checked with ``ast``: what the tool is designed to do
to each one, and a second run changes nothing.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.test_async_test_client_views import STILL_ASYNC_VIEW_TESTS

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "legacy_shop"
EXE = Path(sys.executable).with_name("dj-asyncify")
if not EXE.exists():
    EXE = Path(shutil.which("dj-asyncify") or EXE)


# The example's tests of its views that run sync ORM calls inside ``async def`` (README.md's table):
# before the migration those calls raise SynchronousOnlyOperation, so these tests, and only these,
# fail; afterwards they pass. Django's runner names tests by dotted path; pytest's ids here are the
# junit report's ``classname.name``, dotted the same way.
FAIL_BEFORE_DJANGO = {"shop.tests.test_catalog.CatalogPageTests.test_product_by_sku"}
FAIL_BEFORE_PYTEST = {
    "shop.tests.test_catalog.CatalogPageTests.test_product_by_sku",
    "shop.tests.test_api.test_low_stock",
}
SYNC_ONLY = "django.core.exceptions.SynchronousOnlyOperation: You cannot call this from an async context"


@dataclass
class SuiteResult:
    django_ran: int
    pytest_passed: int
    django_failed: dict[str, str]  # test -> its exception's last line
    pytest_failed: dict[str, str]  # test -> its failure message
    pytest_ran: frozenset[str]  # every test pytest ran


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="shopsite.settings",
        SHOP_DB_PATH=str(tmp / "unused.sqlite3"),  # the suites use a test database; never the real one
        PYTHONDONTWRITEBYTECODE="1",
        DJ_ASYNCIFY_CACHE_DIR="",
    )
    env.pop("PYTHONPATH", None)
    return env


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = _env(cwd.parent)
    if args[0] == str(EXE):  # the tool of this checkout, whichever one the console script was installed from
        env["PYTHONPATH"] = str(EXAMPLE.parent.parent)
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=180, check=False)


def _django_failures(output: str) -> dict[str, str]:
    """``ERROR:``/``FAIL:`` blocks of Django's runner output: the test's dotted name -> the last
    line of its traceback (the exception)."""
    failed = {}
    for block in re.split(r"^={70}$", output, flags=re.MULTILINE)[1:]:
        head = re.match(r"\s*(?:ERROR|FAIL): (\w+) \(([\w.]+)\)\n-{70}\n", block)
        assert head, block
        body = re.split(r"^-{70}$", block[head.end():], maxsplit=1, flags=re.MULTILINE)[0]
        dotted = head.group(2) if head.group(2).endswith("." + head.group(1)) else f"{head.group(2)}.{head.group(1)}"
        failed[dotted] = body.strip().splitlines()[-1]
    return failed


def _pytest_report(report: Path) -> tuple[frozenset[str], dict[str, str]]:
    """Every test of a junit report (``classname.name``) and the failed ones -> their message."""
    ran, failed = set(), {}
    for case in ET.parse(report).iter("testcase"):
        name = f"{case.get('classname')}.{case.get('name')}"
        ran.add(name)
        for outcome in ("failure", "error"):
            found = case.find(outcome)
            if found is not None:
                failed[name] = found.get("message", "")
    return frozenset(ran), failed


def _run_suites(project: Path, label: str) -> SuiteResult:
    """Both suites, as they are: the failures are returned, judged by the tests."""
    django = _run([sys.executable, "manage.py", "test", "--noinput"], project)
    output = django.stdout + django.stderr
    ran = re.search(r"^Ran (\d+) tests? in", output, re.MULTILINE)
    ok = re.search(r"^OK$", output, re.MULTILINE)
    assert ran and (ok or re.search(r"^FAILED \((failures|errors)=\d+(, errors=\d+)?\)$", output, re.MULTILINE)), output
    django_failed = _django_failures(output)
    assert (django.returncode == 0) == (not django_failed) == bool(ok), output

    report = project.parent / f"pytest-{label}.xml"
    pyt = _run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}"], project)
    output = pyt.stdout + pyt.stderr
    assert pyt.returncode in (0, 1), output
    summary = pyt.stdout.strip().splitlines()[-1]
    passed = re.search(r"(\d+) passed", summary)
    assert passed and not re.search(r"error|skipped|xfail", summary), summary
    pytest_ran, pytest_failed = _pytest_report(report)
    assert (pyt.returncode == 0) == (not pytest_failed), output
    assert len(pytest_ran) == int(passed.group(1)) + len(pytest_failed), output
    return SuiteResult(int(ran.group(1)), int(passed.group(1)), django_failed, pytest_failed, pytest_ran)


@dataclass
class Migration:
    original: Path
    migrated: Path
    before: SuiteResult
    after: SuiteResult
    apply: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def migration(tmp_path_factory: pytest.TempPathFactory) -> Migration:
    assert EXE.exists(), f"the dj-asyncify console script is not installed next to {sys.executable}"
    ignore = shutil.ignore_patterns("__pycache__", ".dj-asyncify-cache", ".pytest_cache", "db.sqlite3")
    original = tmp_path_factory.mktemp("original") / "legacy_shop"
    shutil.copytree(EXAMPLE, original, ignore=ignore)
    migrated = tmp_path_factory.mktemp("migrated") / "legacy_shop"
    shutil.copytree(EXAMPLE, migrated, ignore=ignore)

    before = _run_suites(migrated, "before")
    applied = _run([str(EXE), "apply", "."], migrated)
    assert applied.returncode == 0, applied.stderr
    for path in migrated.rglob("*.py"):
        compile(path.read_text(encoding="utf-8"), str(path), "exec")
    after = _run_suites(migrated, "after")
    return Migration(original, migrated, before, after, applied)


def _functions(path: Path) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    """Top-level functions by name, and methods as ``Class.method``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found[node.name] = node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    found[f"{node.name}.{item.name}"] = item
    return found


def _source(node: ast.AST) -> str:
    return ast.unparse(node)


def _is_async(node: ast.AST) -> bool:
    return isinstance(node, ast.AsyncFunctionDef)


def _uses_async_client(node: ast.AST) -> bool:
    """Opens an ``httpx.AsyncClient`` (or ``httpx2.AsyncClient``) with ``async with``."""
    return any(
        isinstance(n, ast.AsyncWith)
        and any(
            re.fullmatch(r"httpx2?\.AsyncClient\(.*\)", _source(i.context_expr), re.DOTALL) for i in n.items
        )
        for n in ast.walk(node)
    )


def _gathers(node: ast.AST) -> list[ast.Call]:
    return [n for n in ast.walk(node) if isinstance(n, ast.Call) and _source(n.func) == "asyncio.gather"]


def _calls_requests(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Attribute) and _source(n.value) == "requests" for n in ast.walk(node))


def _same(a: ast.AST, b: ast.AST) -> bool:
    return ast.dump(a) == ast.dump(b)


def test_the_same_suites_fail_only_on_the_sync_orm_bug_before_and_pass_after(migration: Migration):
    before, after = migration.before, migration.after
    assert before.django_ran >= 20 and len(before.pytest_ran) > before.django_ran
    # Before: exactly the tests of the views running sync ORM calls in `async def` fail, each on
    # the async-unsafe check (Django's runner reports an error: the test client re-raises).
    assert set(before.django_failed) == FAIL_BEFORE_DJANGO, before.django_failed
    assert set(before.pytest_failed) == FAIL_BEFORE_PYTEST, before.pytest_failed
    for message in [*before.django_failed.values(), *before.pytest_failed.values()]:
        assert message.startswith(SYNC_ONLY), message
    # After: the same tests, every one passes.
    assert after.django_ran == before.django_ran and after.django_failed == {}
    assert after.pytest_ran == before.pytest_ran and after.pytest_failed == {}
    assert after.pytest_passed == len(before.pytest_ran) == before.pytest_passed + len(FAIL_BEFORE_PYTEST)


def test_async_views_that_gain_nothing_became_sync(migration: Migration):
    shop = _functions(migration.migrated / "shop" / "views.py")
    orders = _functions(migration.migrated / "orders" / "views.py")
    # One ORM query (or no await at all): plain sync views with the sync twin of the query.
    for name in ("about", "product_count", "product_detail", "ProductListView.get"):
        assert not _is_async(shop[name]), name
        assert not any(isinstance(n, (ast.Await, ast.AsyncFor)) for n in ast.walk(shop[name])), name
    assert "Product.objects.count()" in _source(shop["product_count"])
    assert "get_object_or_404(Product, pk=pk)" in _source(shop["product_detail"])
    assert not _is_async(orders["account"])
    assert "user = request.user" in _source(orders["account"])
    assert [_source(d) for d in orders["account"].decorator_list] == ["login_required"]


def test_views_that_must_stay_async_did(migration: Migration):
    original_shop = _functions(migration.original / "shop" / "views.py")
    original_orders = _functions(migration.original / "orders" / "views.py")
    shop = _functions(migration.migrated / "shop" / "views.py")
    orders = _functions(migration.migrated / "orders" / "views.py")
    # Awaited by product_summary: must stay a coroutine function; and the caller awaits a view.
    for name in ("product_stock", "product_summary"):
        assert _is_async(shop[name]) and _same(shop[name], original_shop[name]), name
    # Two DB calls (auser + async for): max-queries is 1.
    assert _is_async(orders["order_list"]) and _same(orders["order_list"], original_orders["order_list"])
    # A class's handlers are all sync or all async: post now awaits httpx, so get stays async too.
    assert _is_async(shop["ProductReviewsView.get"])
    assert _same(shop["ProductReviewsView.get"], original_shop["ProductReviewsView.get"])


def test_requests_calls_became_awaited_async_client_calls(migration: Migration):
    shop = _functions(migration.migrated / "shop" / "views.py")
    orders = _functions(migration.migrated / "orders" / "views.py")
    for name in ("rates", "dashboard", "storefront", "ProductReviewsView.post"):
        assert _is_async(shop[name]) and _uses_async_client(shop[name]), name
        assert not _calls_requests(shop[name]), name
    assert _uses_async_client(orders["place_order"]) and not _calls_requests(orders["place_order"])
    orders_source = (migration.migrated / "orders" / "views.py").read_text()
    assert not re.search(r"^import requests$", orders_source, re.MULTILINE), (
        "unused requests import left behind"
    )
    # Issue 9: the three `sync_to_async(requests.get)(...)` calls (one at a time: thread-sensitive)
    # become three `client.get(...)` calls on one AsyncClient inside the same gather.
    (gather,) = _gathers(shop["extras"])
    assert _uses_async_client(shop["extras"]) and not _calls_requests(shop["extras"])
    assert [_source(a.func) for a in gather.args] == ["client.get"] * 3
    assert "sync_to_async" not in _source(shop["extras"])


def test_independent_upstream_calls_are_gathered_and_dependent_ones_are_not(migration: Migration):
    shop = _functions(migration.migrated / "shop" / "views.py")
    orders = _functions(migration.migrated / "orders" / "views.py")
    for name in ("dashboard", "storefront"):
        (gather,) = _gathers(shop[name])
        assert [_source(a.func) for a in gather.args] == ["client.get"] * 3, name
        assert [_source(a.args[0]) for a in gather.args] == [
            f"settings.UPSTREAM_URL + '/{path}'" for path in ("rates", "stock", "reviews")
        ], name
    # Three functions of shop/services.py, each one GET on the client it is given: read from disk
    # and found free of ordering effects (gather-awaits' effect-free policy), so gathered.
    (gather,) = _gathers(shop["overview"])
    assert [_source(a) for a in gather.args] == [
        f"services.{name}(client)" for name in ("fetch_rates", "fetch_stock", "fetch_rating")
    ]
    # The order is POSTed, then read back: the GET must see the POST, so no gather; ORM awaits
    # (auser, aget_object_or_404) would gain nothing from one either.
    place = orders["place_order"]
    assert not _gathers(place)
    awaits = sorted(
        (n for n in ast.walk(place) if isinstance(n, ast.Await)), key=lambda n: (n.lineno, n.col_offset)
    )
    calls = [re.match(r"[\w.]+", _source(n.value)).group(0) for n in awaits]
    assert calls == [
        "request.auser",
        "aget_object_or_404",
        "client.post",
        "client.get",
        "Order.objects.acreate",
    ]


def _awaited(node: ast.AST) -> list[str]:
    """What the function awaits, in source order."""
    found = sorted((n for n in ast.walk(node) if isinstance(n, ast.Await)), key=lambda n: (n.lineno, n.col_offset))
    return [_source(n.value) for n in found]


def _async_comprehensions(node: ast.AST) -> list[str]:
    return [_source(n.iter) for n in ast.walk(node) if isinstance(n, ast.comprehension) and n.is_async]


def test_sync_orm_in_async_views_became_the_awaited_twins(migration: Migration):
    """Issue 18: the half-migrated views. async-orm runs before async-views-to-sync in the same run."""
    original = _functions(migration.original / "shop" / "views.py")
    shop = _functions(migration.migrated / "shop" / "views.py")
    # product_by_sku: `Product.objects.get` became `await ...aget`, then that one ORM await was the
    # view's only one, so async-views-to-sync made it a plain view calling `get`: it no longer raises.
    by_sku = shop["product_by_sku"]
    assert _is_async(original["product_by_sku"]) and not _is_async(by_sku)
    assert _awaited(by_sku) == [] and "product = Product.objects.get(sku=sku)" in _source(by_sku)
    # low_stock: a loop over a queryset and `.count()`: two queries, so it stays async with both twins.
    low = shop["low_stock"]
    assert _is_async(low) and _awaited(low) == ["products.acount()"]
    assert _async_comprehensions(low) == ["products"] and ".count()" not in _source(low)
    # price_range: `sync_to_async(qs.first)()`, `(qs.last)()` and `sync_to_async(list)(qs)` unwrapped
    # into the twins; three queries: stays async, never gathered (one thread runs the async ORM).
    price = shop["price_range"]
    assert _is_async(price) and "sync_to_async" not in _source(price)
    assert _awaited(price) == ["by_price.afirst()", "by_price.alast()"] and not _gathers(price)
    assert "products = [row async for row in by_price]" in _source(price)
    # No sync_to_async use is left in the module (extras' went with requests), nor its import.
    assert "sync_to_async" not in (migration.migrated / "shop" / "views.py").read_text()
    # restock: `len(to_order)` is refused (DJA504), the view left exactly as it was, and reported
    # where it is; two DB awaits keep it async (the suites show it is right as it stands).
    assert _is_async(shop["restock"]) and _same(shop["restock"], original["restock"])
    (length,) = [
        n for n in ast.walk(original["restock"]) if isinstance(n, ast.Call) and _source(n.func) == "len"
    ]
    assert re.search(
        rf"^shop/views\.py:{length.lineno}:{length.col_offset + 1}: DJA504 len\(to_order\) evaluates the "
        r"queryset synchronously: use `await to_order.acount\(\)`$",
        migration.apply.stderr,
        re.MULTILINE,
    ), migration.apply.stderr
    # The run's summary counts what async-orm did: the two views it left on the async ORM, the one
    # place refused. product_by_sku, which async-views-to-sync then made sync, is that codemod's
    # rewrite (what async-orm said of it no longer holds, and is not shown).
    assert "\n  async-orm: 2 rewritten, 1 refused\n" in migration.apply.stderr, migration.apply.stderr


def _test_methods(path: Path) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    return {k: v for k, v in _functions(path).items() if k.split(".")[-1].startswith("test_")}


def test_tests_became_async_tests_on_the_async_client(migration: Migration):
    catalog = _test_methods(migration.migrated / "shop" / "tests" / "test_catalog.py")
    orders = _test_methods(migration.migrated / "orders" / "tests" / "test_orders.py")
    backoffice = _test_methods(migration.migrated / "backoffice" / "tests" / "test_backoffice.py")
    api = {
        **_test_methods(migration.migrated / "shop" / "tests" / "test_api.py"),
        **_test_methods(migration.migrated / "backoffice" / "tests" / "test_backoffice_api.py"),
    }
    original = {
        **_test_methods(migration.original / "shop" / "tests" / "test_catalog.py"),
        **_test_methods(migration.original / "orders" / "tests" / "test_orders.py"),
        **_test_methods(migration.original / "backoffice" / "tests" / "test_backoffice.py"),
    }
    original_api = {
        **_test_methods(migration.original / "shop" / "tests" / "test_api.py"),
        **_test_methods(migration.original / "backoffice" / "tests" / "test_backoffice_api.py"),
    }
    methods = {**catalog, **orders, **backoffice}
    assert set(methods) == set(original) and len(methods) == migration.before.django_ran
    assert set(api) == set(original_api) and len(api) == 8 + 6
    # Only the tests whose requests reach views async after the run convert (those left async, and
    # the back office's that sync-views-to-async made async): test modules are rewritten after the
    # views, under their new text (one run gives what the two-run recipe gave).
    made_async = {name for name, node in {**methods, **api}.items() if _is_async(node)}
    assert made_async == STILL_ASYNC_VIEW_TESTS and len(made_async) == 16 + 8
    for name, node in {**methods, **api}.items():
        if name not in made_async:  # the tests of views made sync (and one refused) are left as they were
            assert _same(node, {**original, **original_api}[name]), name
    for name in made_async & set(methods):
        source = _source(methods[name])
        assert "self.client" not in source and "self.async_client" in source, name
        assert "HTTP_" not in source, name
        assert not re.search(r"\.objects\.(create|get|count|filter)\(", source), f"sync ORM left in {name}"
    assert "headers={'x-request-id': 'req-42'}" in _source(
        catalog["UpstreamApiTests.test_dashboard_combines_three_services"]
    )
    assert "await self.async_client.aforce_login(self.user)" in _source(orders["AccountTests.test_empty_order_list"])
    # assertRedirects -> its checks spelled out (the Location resolved against the request path, as
    # Django does) plus an awaited check of the target.
    assert "urljoin(response.request['path'], response.url)" in _source(methods["AccountTests.test_orders_require_login"])
    # Reads `order.user`, a lazy relation (a query in an async test): refused, left exactly as it was.
    refused = "PlaceOrderTests.test_place_order_records_it_locally_and_upstream"
    assert _same(methods[refused], original[refused]) and refused not in made_async
    assert "order.user may load a related object" in migration.apply.stderr

    # pytest-django tests taking `client` become `async def` tests taking `async_client`, marked
    # `pytest.mark.asyncio` (the example declares pytest-asyncio), with `django_db(transaction=True)`
    # where they touch the database.
    for name in made_async & set(api):
        source = _source(api[name])
        assert "async_client" in source and "pytest.mark.asyncio" in source, name
        assert "HTTP_" not in source and not re.search(r"\bclient\.", source.replace("async_client", "")), (
            name
        )
        if "django_db" in _source(original_api[name]):
            # SQLite settings: the primary keys are reset as the rollback reset them
            assert "django_db(transaction=True, reset_sequences=True)" in source, name


def _gather_in_client(node: ast.AST) -> list[ast.Call]:
    """The ``asyncio.gather`` calls inside an ``async with httpx.AsyncClient(...)`` block of ``node``."""
    return [
        g
        for n in ast.walk(node)
        if isinstance(n, ast.AsyncWith) and _uses_async_client(n)
        for g in _gathers(n)
    ]


def _gathered_urls(gather: ast.Call) -> list[str]:
    """What a gather of ``client.get(URL, ...)`` calls fetches, in order."""
    assert [_source(a.func) for a in gather.args] == ["client.get"] * len(gather.args), _source(gather)
    return [_source(a.args[0]) for a in gather.args]


def _upstream(*paths: str) -> list[str]:
    return [f"settings.UPSTREAM_URL + '/{path}'" for path in paths]


def test_legacy_sync_views_waiting_on_several_calls_became_async_and_the_rest_stayed_sync(migration: Migration):
    """Issue 19: sync-views-to-async makes the back office's sync views of two independent calls or
    more async, and the rest of the same run finishes them (httpx, gather, render in a thread)."""
    original = _functions(migration.original / "backoffice" / "views.py")
    views = _functions(migration.migrated / "backoffice" / "views.py")
    assert not any(_is_async(node) for node in original.values())
    # partner_dashboard: three independent GETs, one gather of the three in one AsyncClient block.
    dashboard = views["partner_dashboard"]
    assert _is_async(dashboard) and not _calls_requests(dashboard)
    (gather,) = _gathers(dashboard)
    assert _gather_in_client(dashboard) == [gather]
    assert _gathered_urls(gather) == _upstream("rates", "stock", "reviews")
    # SupplierStatusView: both handlers async (Django wants one kind); get's two GETs gathered,
    # post's one POST awaited alone.
    get, post = views["SupplierStatusView.get"], views["SupplierStatusView.post"]
    assert _is_async(get) and _is_async(post) and not _calls_requests(get) and not _calls_requests(post)
    (gather,) = _gather_in_client(get)
    assert _gathers(get) == [gather] and _gathered_urls(gather) == _upstream("stock", "shipping")
    assert _uses_async_client(post) and not _gathers(post)
    assert [re.match(r"[\w.]+", a).group(0) for a in _awaited(post)] == ["client.post"]
    # stock_report: the two GETs gathered; the lazy queryset is built as before and handed to the
    # template, which is rendered (and the queryset evaluated) in a thread.
    report = views["stock_report"]
    assert _is_async(report) and not _calls_requests(report)
    (gather,) = _gather_in_client(report)
    assert _gathers(report) == [gather] and _gathered_urls(gather) == _upstream("stock", "recommendations")
    assert "low = Product.objects.filter(stock__lt=5).order_by('stock', 'sku')" in _source(report)
    (returned,) = [n for n in ast.walk(report) if isinstance(n, ast.Return)]
    assert isinstance(returned.value, ast.Await) and isinstance(returned.value.value, ast.Call)
    assert _source(returned.value.value.func) == "sync_to_async(render)"
    assert _source(returned.value.value.args[1]) == "'backoffice/stock_report.html'"
    assert "'products': low" in _source(returned.value.value.args[2])
    module = (migration.migrated / "backoffice" / "views.py").read_text()
    assert re.search(r"^from asgiref\.sync import sync_to_async$", module, re.MULTILINE)
    # promotions_feed: behind the project's own sync decorator: refused, exactly as it was, and the
    # run names it with its code where it is.
    feed = views["promotions_feed"]
    assert not _is_async(feed) and _same(feed, original["promotions_feed"])
    assert re.search(
        rf"^backoffice/views\.py:{original['promotions_feed'].lineno}:1: DJA602 `promotions_feed` stays sync: "
        r"has the decorator `audit_trail`, not known to accept an async view",
        migration.apply.stderr,
        re.MULTILINE,
    ), migration.apply.stderr
    assert _same(
        ast.parse((migration.migrated / "backoffice" / "decorators.py").read_text()),
        ast.parse((migration.original / "backoffice" / "decorators.py").read_text()),
    )
    # shipping_estimate: one GET, nothing to overlap: left exactly as it was, nothing said.
    assert _same(views["shipping_estimate"], original["shipping_estimate"])
    assert "shipping_estimate" not in migration.apply.stderr
    # The sync views left keep requests and its import; the summary counts the three and the one.
    assert re.search(r"^import requests$", module, re.MULTILINE)
    assert "\n  sync-views-to-async: 3 rewritten, 1 refused, 1 notes (-v shows them)\n" in migration.apply.stderr, (
        migration.apply.stderr
    )


def test_the_back_office_tests_follow_their_views(migration: Migration):
    """async-test-client, same run: the tests of the views made async move to the async client; the
    tests of the two left sync stay exactly as they were."""
    cases = _test_methods(migration.migrated / "backoffice" / "tests" / "test_backoffice.py")
    api = _test_methods(migration.migrated / "backoffice" / "tests" / "test_backoffice_api.py")
    original_cases = _test_methods(migration.original / "backoffice" / "tests" / "test_backoffice.py")
    original_api = _test_methods(migration.original / "backoffice" / "tests" / "test_backoffice_api.py")
    for name in ("BackofficeTests.test_promotions_feed_is_audited", "BackofficeTests.test_shipping_estimate"):
        assert not _is_async(cases[name]) and _same(cases[name], original_cases[name]), name
    for name in ("test_promotions_feed_is_audited", "test_shipping_estimate"):
        assert not _is_async(api[name]) and _same(api[name], original_api[name]), name
    post = _source(cases["BackofficeTests.test_restock_order_goes_upstream"])
    assert "response = await self.async_client.post('/backoffice/suppliers/', {'sku': 'MS-02', 'quantity': '20'})" in post
    assert "await self.async_client.get('/backoffice/stock-report/')" in _source(
        cases["BackofficeTests.test_stock_report_lists_the_products_running_low"]
    )
    dashboard = api["test_partner_dashboard"]
    assert _is_async(dashboard) and [a.arg for a in dashboard.args.args] == ["async_client"]
    assert "(await async_client.get('/backoffice/dashboard/')).json()" in _source(dashboard)
    # The test that makes a product: its create awaited, on a transactional database.
    report = _source(api["test_stock_report_with_nothing_low"])
    assert "await Product.objects.acreate(sku='KB-01'" in report
    assert "django_db(transaction=True, reset_sequences=True)" in report


def test_a_second_apply_changes_nothing(migration: Migration):
    check = _run([str(EXE), "apply", "--check", "."], migration.migrated)
    assert check.returncode == 0, check.stderr
    assert "would rewrite" not in check.stderr


def test_readme_preview_writes_nothing(migration: Migration):
    """README's first command: `dj-asyncify apply --diff examples/legacy_shop` previews, writes nothing."""
    snapshot = {p: p.read_bytes() for p in migration.original.rglob("*.py")}
    preview = _run([str(EXE), "apply", "--diff", "--no-cache", "legacy_shop"], migration.original.parent)
    assert preview.returncode == 0, preview.stderr
    assert "+++ legacy_shop/shop/views.py" in preview.stdout and "httpx.AsyncClient(verify=_HTTPX_SSL_CONTEXT)" in preview.stdout
    assert {p: p.read_bytes() for p in migration.original.rglob("*.py")} == snapshot


def _ruff(project: Path) -> list[str]:
    out = _run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--isolated",
            "--select",
            "F,ASYNC",
            "--output-format",
            "concise",
            ".",
        ],
        project,
    )
    assert out.returncode in (0, 1) and re.search(
        r"^(All checks passed!|Found \d+ errors?\.)", out.stdout, re.MULTILINE
    ), out.stdout + out.stderr
    return [line.split(" ")[1] for line in out.stdout.splitlines() if re.match(r"\S+\.py:\d+:\d+: ", line)]


def test_no_blocking_http_call_left_and_no_undefined_or_unused_name(migration: Migration):
    # Before: every bare requests call in an async view is a blocking call (ruff ASYNC210).
    assert _ruff(migration.original) == ["ASYNC210"] * 10
    # After: none left, and the import rewriting left no unused import or undefined name (pyflakes).
    assert _ruff(migration.migrated) == []
    # The back office was sync: ruff says nothing of it before; after, no async def of it calls
    # requests, and only its two views left sync still do.
    views = _functions(migration.migrated / "backoffice" / "views.py")
    assert {name for name, node in views.items() if _calls_requests(node)} == {"promotions_feed", "shipping_estimate"}
    assert not any(_calls_requests(node) for node in views.values() if _is_async(node))
