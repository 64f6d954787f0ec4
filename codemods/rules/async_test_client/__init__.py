"""Turn Django tests that use the test client into async tests that use the async client.

What it does:
    Test methods (``test_*``) of Django test case classes (``SimpleTestCase``, ``TestCase``,
    ``TransactionTestCase``, ``LiveServerTestCase`` or a project subclass) that call
    ``self.client.<verb>(...)`` become ``async def``; each request becomes
    ``await self.async_client.<verb>(...)``, parenthesised where it is the value of an attribute,
    subscript or call. Also:

    - ``HTTP_X_FOO=v`` keywords -> ``headers={"x-foo": v}``; ``force_login``/``login``/``logout``
      -> awaited ``aforce_login``/``alogin``/``alogout`` (5.0+); ``login`` only when the settings
      (found as below) leave ``AUTHENTICATION_BACKENDS`` unset or list only Django's own backends.
    - Sync ORM in the test body -> awaited twins: ``Model.objects[.filter(...)...]`` ``.get``,
      ``create``, ``get_or_create``, ``update_or_create``, ``bulk_create``, ``count``, ``exists``,
      ``first``, ``last``, ``latest``, ``earliest``, ``aggregate``, ``update``, ``delete``,
      ``in_bulk``, ... -> ``await ....a<name>(...)`` (4.1+); ``obj.save()``/``delete()``/
      ``refresh_from_db()`` -> ``await obj.asave()`` ... (4.2+); contrib ``User.objects.create_user``
      -> ``acreate_user`` (5.2+); ``for x in qs`` and comprehensions -> ``async for``; ``list(qs)``
      -> ``[row async for row in qs]``. A model is a class imported from a ``models`` module; its
      concrete fields are read from that module's source (next to the test file or in a parent
      directory). An instance is a name bound from a model call or ORM result in the same test, or
      ``self.x`` bound so in ``setUp``/``setUpTestData`` (of the class or a base in the same file).
    - ``self.client.cookies``/``raise_request_exception`` -> the same attribute of the async client
      (both clients keep and send the cookie jar alike).
    - ``c = Client()`` built in the test -> ``AsyncClient()`` (imported next to ``Client``) with
      awaited requests; the ``Client`` import goes when nothing uses it any more.
    - ``s = self.client.session`` -> ``s = await self.async_client.asession()``, ``s[k] = v`` ->
      ``await s.aset(k, v)``, ``s.save()``/``get()``/``pop()``/``update()``/... -> awaited twins
      (5.1+).
    - ``assertRedirects(r, url)`` (``self.`` or pytest-django's) on a response that was not
      followed: its checks spelled out, as Django makes them: ``r.status_code`` against
      ``status_code`` (default 302); ``assertURLEqual`` of the ``Location`` resolved against the
      request's path (``urljoin(r.request["path"], r.url)``: Django resolves a relative one with
      ``PATH_INFO``, which AsyncClient responses lack) against ``url``; then, unless
      ``fetch_redirect_response=False``, an awaited GET of that path with the same client (its
      query string passed as data, encoded as Django encodes it) checked against
      ``target_status_code`` (default 200). ``urljoin`` (and pytest-django's ``assertURLEqual``, its
      ``assertRedirects`` import going when unused) are imported; a request passed inline is
      bound to ``redirect_response`` first. On a followed
      response it is left alone (Django checks the redirect chain).
    - ``override_settings``/``modify_settings``/``tag``/``unittest.skip*`` decorators stay.

    pytest-django: a module-level ``test_*`` function (or a method of a plain ``Test*`` class, no
    bases) taking the ``client`` fixture, or building ``Client()``, gets the same rewrites, takes
    ``async_client``, gets an async marker and, where it may touch the database (a ``django_db``
    mark on it, its class or module; the ``db``/``django_user_model`` fixtures; any fixture not
    known to be database-free, ``parametrize`` arguments excepted), ``django_db(transaction=True)``:
    on its own mark, or as a function mark copying the class/module mark's arguments (a mark that
    already has ``transaction=True`` stays as it is). Under plain ``django_db`` an async test's ORM
    calls and views run on another thread's connection and their writes leak into later tests.
    ``transaction=True`` flushes the tables after the test, which empties the rows data migrations
    created: where the project has migrations that run ``RunPython``/``RunSQL`` (``*/migrations/``
    and ``*/*/migrations/`` under the project root), ``serialized_rollback=True`` is added too, so
    pytest-django restores those rows before each such test; where the settings name only SQLite
    databases, ``reset_sequences=True`` too (SQLite's rollback reset the primary keys the test's
    rows get, a flush does not; other engines never reset them, so nothing changes there). A same-module fixture returning a
    model instance is known as one; ``django_user_model`` is contrib ``User`` when the settings
    (named by ``manage.py`` or the pytest configuration) do not set ``AUTH_USER_MODEL``.

    The async marker (option ``async-marker``, default ``auto``): pytest runs an ``async def`` test
    only through a plugin, so ``auto`` reads the project's dependency files (pyproject.toml's
    dependencies, optional-dependencies, dependency-groups and Poetry/PDM tables, Pipfile,
    requirements*.txt, requirements/*.txt, setup.cfg, setup.py, tox.ini, from the test's folder up
    to the project root): pytest-asyncio -> ``pytest.mark.asyncio`` (no marker when the pytest
    configuration sets ``asyncio_mode = auto``), else anyio -> ``pytest.mark.anyio`` (anyio's
    default ``anyio_backend`` is asyncio), else the test is refused (see below). Any other value is
    the marker to add (``none``: add nothing), trusted as the user's word; ``import pytest`` is
    added if needed.

    Django's own ``TestCase`` needs none of this: Django runs an async test method through
    ``async_to_sync`` on the test's thread, so its ORM calls share the test's transaction and the
    migrated rows stay (a real run shows it, in ``tests/test_async_test_client_trust.py``).

    Which tests (option ``only-async-views``, default true): a test converts only when every
    request it makes visibly reaches an async view, so the tests of sync views keep exercising
    the WSGI path they are served by. A request's URL is followed through the project's urlconf,
    read from disk: ``ROOT_URLCONF`` of the settings that ``manage.py`` or the pytest configuration
    names, or a literal ``@override_settings(ROOT_URLCONF=...)`` on the test or its class
    (``@pytest.mark.urls(...)`` for pytest), then ``path``/``re_path`` and ``include`` (of a
    module, a list, or a list the urlconf builds by name; with ``app_name``/``namespace``) in
    order; ``urlpatterns`` built by ``=``, ``+=``, ``+``, ``append``/``extend``, those under an
    ``if`` taken as present. URLs it follows: a literal path (query ignored; with
    ``follow=True`` a path without its slash reaches the slashed route when the settings install
    ``CommonMiddleware``), an f-string (its placeholders tried as ``1``, ``a``, ``a-1`` and a UUID:
    decided when every match is of one kind), ``reverse("ns:name")``/``reverse_lazy``, one of those
    ``+ "?query"``, or a name the test binds once to one of those (``url = reverse(...)``). An
    async view: an ``async def`` (under no decorator, or only Django's that keep it async), or a
    ``View`` subclass whose handlers are all ``async def``; a ``def``, a class with a sync handler,
    and Django's own views (``django.*``, e.g. ``LoginView``, ``include("django.conf.urls.i18n")``)
    are sync; a class's handlers are read from its project bases too (Django's mixins add none,
    its generic views sync ones). Re-exports (``from .api import view``), ``view = X.as_view()``
    and ``view = wrapper(...)(fn)`` bindings are followed (sync when ``fn`` is).

    - A test that reaches a sync view stays as it is, with a note (``-v``): ``left sync: "/x/"
      reaches shop.views.x, a sync view``. Not a refusal: there is nothing to fix.
    - A test whose URL cannot be followed to a view, or whose view's kind cannot be told, stays as
      it is with a warning (always shown: it may be a test of an async view left behind) naming the
      URL and why: the URL is computed (``self.url``, ``"%s" % x``, a loop's variable); no settings
      module is named; ``ROOT_URLCONF`` is not a string literal, or its module is not a project
      file; the path may go to an ``include()`` not followed (``include(router.urls)``, a module
      that is not a project file) or a pattern not understood (``i18n_patterns(...)``,
      ``+ static(...)``); no route matches it or is so named; the view is an installed package's,
      an instance, decorated by a decorator not known to keep it async, or a class whose bases
      are not read; ``ROOT_URLCONF`` is changed inside the test.
    - ``only-async-views = false`` converts every test it can, whatever views it reaches (the
      former default; the rewrite is the same either way).

    The views are read as the run leaves them: the runner rewrites test modules after the other
    files, under their new text (also with ``--check``/``--diff``), so a view that
    async-views-to-sync makes sync in the same run counts as sync, and its tests keep the sync client.
    Only the first URL of each request is followed: a redirect the test follows may reach a sync
    view.

Why:
    The async client exercises the ASGI request path, and async views run on the test's event loop.
    ``alogin`` calls each backend's ``aauthenticate``: a backend not derived from ``BaseBackend``
    lacks it, and ``ModelBackend.aauthenticate`` does not call an overridden ``authenticate``
    (``aforce_login`` authenticates nothing). AsyncClient sends ``host`` and ``cookie`` (and
    ``content-type``/``-length`` with a body) itself and appends the test's own, which ASGIRequest
    joins with ",": under Client the test's value replaced Django's.
    AsyncClient's ``**extra`` takes header names without ``HTTP_`` (else it sends a header literally
    named ``http-x-foo``), so the portable ``headers=`` form (Django 4.2+) is emitted. Sync ORM
    calls inside an async test raise ``SynchronousOnlyOperation``.

Example:
    Where the urlconf routes ``/`` and ``/x`` to async views (or with ``only-async-views = false``).

    Before::

        from django.contrib.auth.models import User
        from django.test import TestCase


        class T(TestCase):
            def test_home(self):
                u = User.objects.create(username="ann")
                r = self.client.get("/", HTTP_ACCEPT="application/json")
                self.assertEqual(self.client.get("/x").json(), {})
                self.assertEqual(User.objects.count(), 1)

    After::

        from django.contrib.auth.models import User
        from django.test import TestCase


        class T(TestCase):
            async def test_home(self):
                u = await User.objects.acreate(username="ann")
                r = await self.async_client.get("/", headers={"accept": "application/json"})
                self.assertEqual((await self.async_client.get("/x")).json(), {})
                self.assertEqual(await User.objects.acount(), 1)

    (``User`` is Django's, so its fields and manager are known; a project model's are read from
    its ``models`` module, as above.)

Refuses when:
    The test is left exactly as it was, with a diagnostic, when:

    - a decorator is not one of those above (``skipIfDBFeature`` wraps the test in a sync function
      that never awaits it; a mock decorator may not support coroutines);
    - it calls anything but builtins, ``self.assert*``, side-effect-free modules (``django.urls``,
      ``json``, ``datetime``, ``unittest.mock``, ...) and the rewritten ORM calls: project helpers
      and factories may touch the database;
    - it reads an instance attribute that is not a concrete field (a relation or property may
      lazy-load), ``self.x.y`` where ``self.x`` is not known to be an instance, or calls a method
      without an async twin on an instance;
    - a queryset is used other than by a rewritten method, ``for``, a list/set/dict comprehension or
      ``list()`` (``qs[0]``, ``len(qs)``, ``if qs``, ``x in qs``, a generator expression); an
      instance goes somewhere that may format it (``str(obj)``); a name is bound both to ORM results
      and other values;
    - a twin is called on ``Model.objects`` itself while that manager defines the sync method
      (``acreate`` runs ``QuerySet.create``, not the override) or cannot be seen (imported, or the
      model has an abstract parent; going through ``.all()``/``.filter()`` first is fine);
    - ``assertNumQueries``/``assertQuerySetEqual``; ``assertRedirects`` on a response not visibly
      from one client call, to a URL that is not a literal local path (with at most one query
      parameter: Django fetches them in the redirect's order), a simple f-string or ``reverse()``
      with plain arguments, or with computed ``status_code``/``target_status_code``/
      ``fetch_redirect_response``;
    - the client is used other than through a supported call (passed to a helper, ``session`` not
      bound to a name, nested functions, generator expressions), a session is read by key (``s["k"]`` raises
      where ``aget`` returns None) or used otherwise;
    - it reads ``response.client``, ``wsgi_request``, ``request`` (an ASGI scope under
      AsyncClient), ``streaming_content``/``getvalue()`` (an async iterator for an async view),
      ``context``/``context_data`` other than ``["key"]`` (``user``/``request``/``perms`` are lazy),
      or uses a context value other than comparing it in ``assertEqual``-like assertions,
      ``assertFormError`` or reading a form's ``errors`` (it may be a lazy queryset or instance);
    - ``client.login()`` while the settings cannot be found or read statically, or
      ``AUTHENTICATION_BACKENDS`` (there or overridden in the module) lists another backend;
    - ``HTTP_HOST``/``HTTP_COOKIE`` (or ``host``/``cookie``/``content-type``/``content-length`` in
      ``headers=``), ``headers=`` that is not a dict literal with string keys;
    - a method is called on an object the response carries other than its data (``r.view``, or a
      name bound from it; ``r.json()``, ``r.content``, ``r.headers``... are data);
    - ``**kwargs``, non-header WSGI extras, ``HTTP_*`` together with ``headers=``; ``Client()``
      with ``headers=``/``query_params=``/WSGI defaults (Django 5.2's AsyncClient ignores them);
    - the target Django lacks the API (``follow=``/login helpers 5.0, ``asession`` with the session
      twins 5.1, instance twins 4.2, queryset twins 4.1, ``acreate_user`` 5.2); the test is a
      generator;
    - the class or any base (mixins included: read from this file or, through its import, from a
      project file, re-exports followed) touches the client outside test methods (``setUp`` or a
      helper logging in, ``client_class``), a non-test method passes ``self`` to a callable or
      calls ``self.x()`` that none of those classes (nor unittest/Django) defines, or a base
      cannot be read (an installed package's mixin): ``self.async_client`` would not share that
      login/cookie state. ``setUp``/``setUpTestData`` are never touched;
    - pytest, ``async-marker = "auto"``: the project's dependency files list neither pytest-asyncio
      nor anyio ("add pytest-asyncio to your test dependencies (or set
      async-test-client.async-marker)"); the test would fail with "async def functions are not
      natively supported";
    - ``assertRedirects`` with ``msg_prefix=`` (the spelled-out checks do not keep its messages);
    - pytest, a test not transactional before: a request reaches (through the urlconf) a view whose
      module calls ``transaction.on_commit``: under plain ``django_db`` those callbacks never ran,
      the converted test's views commit on another thread's connection, so they would;
    - pytest: a fixture the test runs (by name, through another fixture, or autouse; defined in the
      module or a ``conftest.py`` up to the project root) takes ``client``: the login or cookies it
      gives the sync client would not reach ``async_client`` (a plugin's fixtures are not seen);
    - pytest: a ``client``/``async_client`` fixture is defined in the module or a ``conftest.py`` up
      to the project root; the ``client`` parameter is annotated; ``admin_client`` (no async twin); ``django_assert_num_queries``/
      ``django_assert_max_num_queries``/``django_capture_on_commit_callbacks`` (they watch the
      test's own thread); decorators that are not pytest marks; attribute reads (other than
      ``pk``/``id``) or method calls on a fixture not known to be an instance or database-free; a
      class/module ``django_db`` mark (or an opaque ``pytestmark``) whose arguments cannot be
      copied with ``transaction=True``.

    A ``client`` fixture is taken for pytest-django's only when the module is plainly a Django
    test (it imports Django, pytest-django or a model, has a ``django_db`` mark or takes another
    pytest-django fixture) and a dependency, pytest configuration, ``manage.py`` or ``conftest.py``
    file from its folder up to the project root names pytest-django, ``DJANGO_SETTINGS_MODULE`` or
    ``--ds``; otherwise the test is left alone silently (another plugin's client).

    What it proves and what it assumes: the marker's plugin, the data migrations, the models,
    settings, bases and urlconfs are read from the project's files (proved from them, never
    imported). It assumes that the project's installed test environment matches its dependency
    files, that no other transactional test of the project relies on data-migration rows without
    ``serialized_rollback`` (a converted test's flush runs before it too), that code the test
    calls behaves the same on the event loop's thread as on the test's (signal receivers, mocks
    patched by ``mock.patch`` context managers, thread-locals), that the views a pytest test reaches
    without the urlconf showing them (or through helpers in other modules) do not call
    ``transaction.on_commit`` (under pytest the views now commit, so those callbacks run), that
    a plugin's fixtures do not prepare the ``client`` fixture, and that a view answers an
    AsyncClient request as it answers a Client one.

    Model fields, managers, settings, base classes and urlconfs are read from disk at rewrite time (through
    ``codemods.project``, which records them: a cached result is reused only while they are unchanged).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from codemods.candidates import Facts, mentions_client
from codemods.registry import Codemod, Context, register
from codemods.rules.async_test_client.codes import CODES, PAGE

if TYPE_CHECKING:  # libcst is imported by transform only
    import libcst as cst


def candidate_tests(facts: Facts) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    """Tests async-test-client may act on, by the structural rule below (of a class whose tests
    all are, its first test), in no particular order; lazily, so that ``any`` stops at the first."""
    # Two walks look at tests. (1) Test methods of classes with a base (a Django test case,
    # or a project class that may derive from one): ``self.client``, ``Client()`` objects,
    # login helpers, state the class sets up on the client; so a class with a base and a
    # ``test*`` method (async too) where the class mentions a client anywhere (setUp, class
    # attributes, other methods included). (2) pytest tests, sync ``def test*`` at any depth
    # (classes without bases included): they act only when they take the ``client`` or
    # ``admin_client`` fixture, or call a name the module imports as django.test's
    # ``Client``; so a test taking a parameter so named, or, when some import of the file
    # (anywhere) takes ``Client`` or ``*`` from ``django.test...``, any test mentioning a
    # client. "Mentions a client": a name, attribute, parameter, keyword or imported name
    # containing "client" (any case), or a local name bound to an import of such a name
    # (``from django.test import Client as C``). A test of another library's client
    # (``client = Anthropic()``, sentry-sdk's ``Client``) in a pytest function is no
    # candidate: most test-heavy repositories are mostly those.
    aliases = facts.client_aliases()
    imports_client = any(
        isinstance(node, ast.ImportFrom)
        and not node.level
        and (node.module or "").startswith("django.test")
        and any(a.name in ("Client", "*") for a in node.names)
        for node in facts.statements
    )

    def pytest_candidate(fn: ast.AST) -> bool:
        if not isinstance(fn, ast.FunctionDef):
            return False  # an async test is already async: neither walk acts on it
        a = fn.args
        if any(p.arg in ("client", "admin_client") for p in (*a.posonlyargs, *a.args, *a.kwonlyargs)):
            return True
        return imports_client and mentions_client(fn, aliases)

    in_class: set[int] = set()
    for node in facts.statements:
        if isinstance(node, ast.ClassDef):
            tests = [
                s for s in node.body
                if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name.startswith("test")
            ]
            in_class.update(id(s) for s in tests)
            if tests and (node.bases or node.keywords) and mentions_client(node, aliases):
                yield tests[0]
            else:
                yield from (t for t in tests if pytest_candidate(t))
    for n in facts.statements:
        if isinstance(n, ast.FunctionDef) and n.name.startswith("test") and id(n) not in in_class and pytest_candidate(n):
            yield n


@register
class AsyncTestClient(Codemod):
    """The codemod as the registry knows it (the module docstring says what it does)."""

    name = "async-test-client"
    codes = CODES
    page = PAGE
    summary = "Django tests using the test client -> async tests using the async client"
    min_django = (3, 1)
    order = 40
    options: ClassVar[dict[str, Any]] = {"async-marker": "auto", "only-async-views": True}
    choices: ClassVar[dict[str, tuple[str, ...]]] = {}

    def precheck(self, source: str) -> bool:
        return "def test" in source and ("client." in source or "Client" in source)

    def candidate(self, facts: Facts) -> bool:
        return next(candidate_tests(facts), None) is not None

    def settle(self, source: str, ctx: Context) -> bool:
        # With only-async-views (the default) a test converts only when its requests reach async
        # views of the project's urlconf. When there is none to read (no settings module found,
        # ROOT_URLCONF not a literal ...) and nothing in the module names another one, no test of
        # it can convert: one warning for the module, at its first candidate test, and no parse.
        from codemods.rules.async_test_client.settle import module_urlconf_problem

        problem = module_urlconf_problem(source, ctx)
        if problem is None:
            return False
        try:
            tests = list(candidate_tests(Facts(ast.parse(source), ctx.path)))
        except (SyntaxError, ValueError, RecursionError):
            return False  # the parse reports it
        if tests:
            first = min(tests, key=lambda t: (t.lineno, t.col_offset))
            ctx.refuse_at(first.lineno, first.col_offset, problem)
        return True

    def transform(self, module: cst.Module, ctx: Context) -> cst.Module:
        from codemods.rules.async_test_client.classes import Classes
        from codemods.rules.async_test_client.imports import (
            add_async_client_import,
            add_from_import,
            add_pytest_import,
            drop_unused_client_import,
            drop_unused_name,
        )

        visitor = Classes(ctx, module)
        new = module.visit(visitor)
        if visitor.needs_pytest_import and "pytest" not in visitor.imports.names:
            new = add_pytest_import(new)
        if visitor.needs_async_import:
            new = add_async_client_import(new)
        if visitor.replaced_client:
            new = drop_unused_client_import(new)
        for source, name in sorted(visitor.needed_imports):
            if visitor.imports.names.get(name) != f"{source}.{name}":
                new = add_from_import(new, source, name)
        if ("pytest_django.asserts", "assertURLEqual") in visitor.needed_imports:
            new = drop_unused_name(new, "pytest_django.asserts", "assertRedirects")
        return new
