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
      followed: ``fetch_redirect_response=False`` plus, after it, an awaited GET of the path Django
      would fetch (its query string passed as data, encoded as Django encodes it), checked against
      ``target_status_code`` (default 200). On a followed response it is left alone (no fetch).
      Django resolves a relative ``Location`` with the WSGI ``PATH_INFO`` that AsyncClient
      responses lack, so a test of a relative redirect fails after the rewrite.
    - ``override_settings``/``modify_settings``/``tag``/``unittest.skip*`` decorators stay.

    pytest-django: a module-level ``test_*`` function (or a method of a plain ``Test*`` class, no
    bases) taking the ``client`` fixture, or building ``Client()``, gets the same rewrites, takes
    ``async_client``, gets the marker of option ``async-marker`` (default ``pytest.mark.asyncio``;
    ``none`` adds nothing; ``import pytest`` is added if needed) and, where it may touch the
    database (a ``django_db`` mark on it, its class or module; the ``db``/``django_user_model``
    fixtures; any fixture not known to be database-free, ``parametrize`` arguments excepted),
    ``django_db(transaction=True)``: on its
    own mark, or as a function mark copying the class/module mark's arguments. Under plain
    ``django_db`` an async test's ORM calls and views run on another thread's connection and their
    writes leak into later tests; ``transaction=True`` flushes after the test (which also empties
    rows that data migrations created). A same-module fixture returning a model instance is known
    as one; ``django_user_model`` is contrib ``User`` when the settings (named by ``manage.py`` or
    the pytest configuration) do not set ``AUTH_USER_MODEL``.

    Option ``only-async-views`` (default false): rewrite only tests whose every request visibly
    reaches an async view (literal path, f-string with placeholders taken as ``1``, or
    ``reverse("ns:name")``, resolved through ``ROOT_URLCONF``'s ``path``/``re_path``/``include``
    read from disk, to an ``async def`` view or a ``View`` whose handlers are all async); other
    tests are left sync with a note. It only selects: the rewrite is the same either way.

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
    Before::

        class T(TestCase):
            def test_home(self):
                p = Product.objects.create(name="saw")
                r = self.client.get("/", HTTP_ACCEPT="application/json")
                self.assertEqual(self.client.get("/x").json(), {})
                self.assertEqual(Product.objects.count(), 1)

    After::

        class T(TestCase):
            async def test_home(self):
                p = await Product.objects.acreate(name="saw")
                r = await self.async_client.get("/", headers={"accept": "application/json"})
                self.assertEqual((await self.async_client.get("/x")).json(), {})
                self.assertEqual(await Product.objects.acount(), 1)

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
      with plain arguments, or with computed ``target_status_code``/``fetch_redirect_response``;
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

    Model fields, managers, settings, base classes and urlconfs are read from disk at rewrite time (through
    ``codemods.project``, which records them: a cached result is reused only while they are unchanged).
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import re
import sys
import urllib.parse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar

import libcst as cst

from codemods import project as _disk
from codemods.analysis import ImportTable, dotted_name, has_skip_comment, last_name, name_uses
from codemods.project import DJANGO_TEST_CASES
from codemods.registry import Codemod, Context, register

VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "trace"})
LOGIN = {"force_login": "aforce_login", "login": "alogin", "logout": "alogout"}
KNOWN_KW = frozenset({"path", "data", "content_type", "follow", "secure", "headers", "query_params"})
# Methods that, called on something not known to be a model/queryset, may still be the ORM.
ORM_ATTRS = frozenset(
    {
        "save", "delete", "refresh_from_db", "create", "get_or_create", "update_or_create",
        "bulk_create", "bulk_update", "create_user", "create_superuser", "count", "exists",
        "first", "last", "aggregate", "update", "in_bulk", "latest", "earliest", "add", "remove",
        "clear", "set",
    }
)
BAD_ASSERTS = frozenset({"assertNumQueries", "assertQuerySetEqual", "assertQuerysetEqual"})
LAZY_CONTEXT = frozenset({"user", "request", "perms"})
SAFE_SELF = frozenset({"fail", "subTest", "skipTest", "settings", "modify_settings"})

# --- ORM: what a queryset method returns, and which methods have awaited twins (Django 4.1+).
MANAGER_ATTRS = frozenset({"objects", "_default_manager"})
LAZY_QS = frozenset(
    {
        "all", "filter", "exclude", "order_by", "select_related", "prefetch_related", "distinct",
        "annotate", "alias", "using", "reverse", "none", "complex_filter",
    }
)
VALUES_QS = frozenset({"values", "values_list"})
QS_TWINS_INST = frozenset({"get", "create", "first", "last", "latest", "earliest"})
QS_TWINS_PAIR = frozenset({"get_or_create", "update_or_create"})
QS_TWINS_OTHER = frozenset(
    {"count", "exists", "contains", "aggregate", "update", "delete", "in_bulk", "bulk_update", "explain"}
)
USER_TWINS = frozenset({"create_user", "create_superuser"})  # UserManager, Django 5.2+
INSTANCE_TWINS = frozenset({"save", "delete", "refresh_from_db"})  # Django 4.2+
CONTRIB_USER = "django.contrib.auth.models.User"
USER_FIELDS = frozenset(
    {
        "username", "first_name", "last_name", "email", "password", "is_staff", "is_active",
        "is_superuser", "date_joined", "last_login",
    }
)
RELATION_FIELDS = frozenset(
    {
        "ForeignKey", "OneToOneField", "ManyToManyField", "ForeignObject", "GenericForeignKey",
        "GenericRelation", "ParentalKey", "ParentalManyToManyField", "TreeForeignKey",
    }
)
# Calls that never touch the database; anything else the test body calls may (a helper building
# fixtures, a factory), and then the test is left sync.
SAFE_BUILTINS = frozenset(
    {
        "len", "str", "int", "float", "bool", "list", "dict", "set", "tuple", "frozenset",
        "sorted", "reversed", "range", "enumerate", "zip", "isinstance", "min", "max", "sum", "any",
        "all", "abs", "round", "repr", "print", "type", "bytes", "iter", "next", "divmod", "chr",
        "ord", "format", "hex",
    }
)
SAFE_MODULES = (
    "json.", "datetime.", "decimal.", "uuid.", "re.", "urllib.parse.", "math.", "http.",
    "base64.", "string.", "textwrap.", "collections.", "itertools.", "operator.",
    "django.urls.", "django.utils.timezone.", "django.utils.http.", "django.utils.encoding.",
    "django.utils.html.", "django.utils.text.", "django.utils.dateparse.",
    "django.utils.datastructures.", "django.db.models.", "django.core.files.uploadedfile.",
    "django.core.files.base.", "django.http.", "io.", "os.path.", "pathlib.",
    # mocks patch module attributes for every thread; a mock *decorator* on the test still refuses
    "unittest.mock.", "mock.",
)
EQ_ASSERTS = frozenset(
    {
        "assertEqual", "assertNotEqual", "assertIs", "assertIsNot", "assertIsNone",
        "assertIsNotNone", "assertIn", "assertNotIn", "assertTrue", "assertFalse",
        "assertIsInstance", "assertNotIsInstance",
    }
)
DB_KINDS = frozenset({"qs", "values", "inst", "conflict", "ctx"})
# A response.context["key"] value may be a lazy queryset or a model instance: it may be compared in
# these assertions (equality and identity do not query), and a form's cached ``errors`` read.
CTX_ASSERTS = frozenset(
    {
        "assertEqual", "assertNotEqual", "assertIs", "assertIsNot", "assertIsNone", "assertIsNotNone",
        "assertIsInstance", "assertNotIsInstance", "assertFormError", "assertFormSetError",
    }
)
CONTEXT_ATTRS = ("context", "context_data")
# str methods: called on an UPPER_CASE module constant they are taken for string formatting.
STR_METHODS = frozenset(
    {
        "format", "join", "replace", "split", "rsplit", "strip", "lstrip", "rstrip", "lower", "upper",
        "startswith", "endswith", "encode", "splitlines", "partition", "removeprefix", "removesuffix",
    }
)
# What a test response carries as plain data (method calls on these do not query the database).
RESPONSE_DATA_ATTRS = frozenset(
    {
        "status_code", "content", "headers", "cookies", "charset", "reason_phrase", "templates",
        "redirect_chain", "url", "text", "json", "data", "streaming", "closed", "exc_info",
        "context", "context_data", "get", "has_header", "items", "getvalue", "streaming_content",
    }
)


# --------------------------------------------------------------------------- models
@dataclasses.dataclass(frozen=True)
class _Model:
    qual: str
    safe: frozenset[str]  # attributes an instance reads without a query (concrete fields)
    # Methods the class's ``objects`` manager defines itself (None: a manager this codemod cannot
    # see). ``Model.objects.acreate()`` runs ``QuerySet.create``, not an override on the manager.
    manager_methods: frozenset[str] | None = frozenset()

    @property
    def name(self) -> str:
        return self.qual.rsplit(".", 1)[1]


Kind = tuple[str, "_Model | None"]


def _is_model_qual(qual: str) -> bool:
    if qual.startswith("django.db."):
        return False
    parts = qual.lstrip(".").split(".")
    return len(parts) >= 2 and "models" in parts[:-1] and parts[-1][:1].isupper()


class _Models:
    """Model classes named through imports, with the concrete fields their files declare.

    ``shop.models.Product`` is looked up as ``shop/models.py`` (or ``shop/models/__init__.py``) in
    the test file's directory and its parents; ``.models.Product`` next to the test file. Only the
    class's own field assignments count (inherited fields are unknown, so reading them refuses)."""

    def __init__(self, imports: ImportTable, path: str) -> None:
        self.imports = imports
        self.dir = Path(path).resolve().parent if path else Path.cwd()
        self.cache: dict[str, _Model] = {}

    def contrib_user(self) -> _Model:
        if CONTRIB_USER not in self.cache:
            self.cache[CONTRIB_USER] = _Model(CONTRIB_USER, frozenset({"pk", "id"}) | USER_FIELDS, frozenset())
        return self.cache[CONTRIB_USER]

    def resolve(self, node: cst.BaseExpression, shadowed: set[str]) -> _Model | None:
        qual = self.imports.qualify(node, shadowed)
        if qual is None or not _is_model_qual(qual):
            return None
        if qual not in self.cache:
            fields, managers = self._fields(qual)
            self.cache[qual] = _Model(qual, frozenset({"pk", "id"}) | fields, managers)
        return self.cache[qual]

    def _fields(self, qual: str) -> tuple[frozenset[str], frozenset[str] | None]:
        if qual == CONTRIB_USER:
            return USER_FIELDS, frozenset()
        module, _, cls = qual.rpartition(".")
        dots = len(module) - len(module.lstrip("."))
        parts = module.lstrip(".").split(".")
        if dots:
            if dots - 2 >= len(self.dir.parents):
                return frozenset(), None
            roots = [self.dir.parents[dots - 2] if dots > 1 else self.dir]
        else:
            roots = [self.dir, *self.dir.parents]
        for root in roots:
            for cand in (root.joinpath(*parts).with_suffix(".py"), root.joinpath(*parts, "__init__.py")):
                try:
                    text = _disk.read_text(cand)
                except (OSError, ValueError):
                    continue
                return _class_fields(text, cls)
        return frozenset(), None


def _ast_name(node: ast.expr) -> str:
    return node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""


MANAGER_BASES = frozenset({"Manager", "BaseManager", "BaseUserManager", "UserManager"})


def _manager_methods(tree: ast.Module, model: ast.ClassDef) -> frozenset[str] | None:
    """Methods the model's ``objects`` manager class defines (see ``_Model.manager_methods``)."""
    if not all(_ast_name(b) == "Model" for b in model.bases):
        return None  # an abstract parent may declare the manager
    value: ast.expr | None = None
    for st in model.body:
        if isinstance(st, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "objects" for t in st.targets):
            value = st.value
    if value is None:
        return frozenset()
    if not isinstance(value, ast.Call):
        return None
    func = value.func
    if _ast_name(func) == "Manager" and not value.args:
        return frozenset()
    if isinstance(func, ast.Attribute) and func.attr == "as_manager":
        return frozenset()  # QuerySet methods: the a-twins call them too
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    cls = classes.get(func.id) if isinstance(func, ast.Name) else None
    if cls is None or not all(_ast_name(b) in MANAGER_BASES for b in cls.bases):
        return None
    return frozenset(st.name for st in cls.body if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)))


@functools.lru_cache(maxsize=512)
def _parse(text: str) -> ast.Module:
    """ast of a project file read from disk (models, bases), shared by the files of one run; the
    trees are never changed."""
    return ast.parse(text)


def _class_fields(text: str, cls: str) -> tuple[frozenset[str], frozenset[str] | None]:
    try:
        tree = _parse(text)
    except (SyntaxError, ValueError):
        return frozenset(), None
    out: set[str] = set()
    managers: frozenset[str] | None = None
    for node in tree.body:
        if not (isinstance(node, ast.ClassDef) and node.name == cls):
            continue
        managers = _manager_methods(tree, node)
        for st in node.body:
            target = value = None
            if isinstance(st, ast.Assign) and len(st.targets) == 1:
                target, value = st.targets[0], st.value
            elif isinstance(st, ast.AnnAssign):
                target, value = st.target, st.value
            if not (isinstance(target, ast.Name) and isinstance(value, ast.Call)):
                continue
            f = value.func
            fname = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            if fname in ("ForeignKey", "OneToOneField"):
                out.add(target.id + "_id")
            elif fname.endswith("Field") and fname not in RELATION_FIELDS:
                out.add(target.id)
    return frozenset(out), managers


# --------------------------------------------------------------------------- kinds
class _Env:
    """What the names of one test body refer to: model classes, querysets, model instances."""

    def __init__(
        self,
        models: _Models,
        self_name: str | None,
        self_attrs: dict[str, Kind],
        shadowed: set[str],
        client_name: str | None = None,
        opaque: frozenset[str] = frozenset(),
    ) -> None:
        self.models = models
        self.self_name = self_name
        self.client_name = client_name  # pytest: the ``client`` fixture parameter
        self.opaque = opaque  # pytest fixtures whose values are unknown (maybe model instances)
        self.extra_clients: set[str] = set()  # names bound once to django.test.Client(...)
        self.client_ctors: dict[int, cst.Call] = {}  # id -> that Client(...) call
        self.client_targets: set[int] = set()  # the Name nodes they are assigned to
        self.sessions: set[str] = set()  # names bound once to <client>.session
        self.session_reads: dict[int, cst.Attribute] = {}  # id -> that <client>.session
        self.self_attrs = self_attrs
        self.shadowed = shadowed
        self.names: dict[str, Kind] = {}
        self.sources: dict[str, list[tuple[str, cst.BaseExpression | None]]] = {}
        self.assigns: list[tuple[cst.Name, cst.BaseExpression]] = []

    def kind(self, node: cst.BaseExpression) -> Kind | None:
        if isinstance(node, cst.Name):
            if node.value in self.names:
                return self.names[node.value]
            m = self.models.resolve(node, self.shadowed)
            return ("model", m) if m else None
        if isinstance(node, cst.Attribute):
            if isinstance(node.value, cst.Name) and node.value.value == self.self_name:
                return self.self_attrs.get(node.attr.value)
            vk = self.kind(node.value)
            if vk is not None:
                if vk[0] == "model" and node.attr.value in MANAGER_ATTRS:
                    return ("qs", vk[1])
                return None
            m = self.models.resolve(node, self.shadowed)
            return ("model", m) if m else None
        if isinstance(node, cst.Subscript):
            if _context_key(node) is not None:
                return ("ctx", None)
            vk = self.kind(node.value)
            return ("inst", vk[1]) if vk and vk[0] in ("instlist", "pair") else None
        if isinstance(node, cst.Call):
            func = node.func
            if isinstance(func, cst.Attribute):
                vk = self.kind(func.value)
                if vk is None or vk[0] not in ("qs", "values"):
                    return None
                meth = func.attr.value
                if meth in LAZY_QS:
                    return vk
                if meth in VALUES_QS:
                    return ("values", vk[1])
                if vk[0] == "values":
                    return None
                if meth in QS_TWINS_INST or meth in USER_TWINS:
                    return ("inst", vk[1])
                if meth in QS_TWINS_PAIR:
                    return ("pair", vk[1])
                if meth in ("bulk_create", "in_bulk"):
                    return ("instlist", vk[1])
                return None
            fk = self.kind(func)
            if fk is not None and fk[0] == "model":
                return ("inst", fk[1])
        return None

    def is_client(self, node: cst.BaseExpression) -> bool:
        if isinstance(node, cst.Name) and node.value in self.extra_clients:
            return True
        if self.client_name is not None:
            return isinstance(node, cst.Name) and node.value == self.client_name
        return _is_self_client(node, self.self_name)

    def find_clients(self) -> None:
        """``c = Client(...)`` statements (``c`` bound nowhere else) make ``c`` a client to rewrite."""
        for target, call in self.assigns:
            if not (isinstance(call, cst.Call) and self.is_client_class(call.func)):
                continue
            if len(self.sources.get(target.value, ())) == 1:
                self.extra_clients.add(target.value)
                self.client_ctors[id(call)] = call
                self.client_targets.add(id(target))

    def find_sessions(self) -> None:
        """``s = <client>.session`` (``s`` bound nowhere else): ``s`` is that client's session."""
        for target, attr in self.assigns:
            if not (isinstance(attr, cst.Attribute) and attr.attr.value == "session" and self.is_client(attr.value)):
                continue
            if len(self.sources.get(target.value, ())) == 1:
                self.sessions.add(target.value)
                self.session_reads[id(attr)] = attr
                self.client_targets.add(id(target))

    def is_client_class(self, node: cst.BaseExpression) -> bool:
        return self.models.imports.qualify(node, self.shadowed) in CLIENT_CLASSES

    def bind(self, body: cst.CSTNode, params: list[str], known: dict[str, Kind] | None = None) -> None:
        collector = _Bindings()
        body.visit(collector)
        self.sources = collector.sources
        self.assigns = collector.assigns
        self.shadowed = self.shadowed | set(collector.sources) | set(params)
        for p in params:
            collector.sources.setdefault(p, []).append(("other", None))
        known = known or {}
        for _ in range(4):
            new: dict[str, Kind] = {}
            for name, sources in collector.sources.items():
                kinds = {self._source_kind(how, expr) for how, expr in sources}
                if len(kinds) == 1:
                    (k,) = kinds
                    if k is not None:
                        new[name] = k
                elif any(k is not None and k[0] in DB_KINDS for k in kinds):
                    new[name] = ("conflict", None)
            for name, k in known.items():
                new[name] = k if len(collector.sources.get(name, ())) <= 1 else ("conflict", None)
            if new == self.names:
                break
            self.names = new

    def _source_kind(self, how: str, expr: cst.BaseExpression | None) -> Kind | None:
        if expr is None:
            return None
        k = self.kind(expr)
        if k is None:
            return None
        if how == "expr":
            return k
        if how == "iter":
            if k[0] in ("qs", "instlist"):
                return ("inst", k[1])
            return None
        if how == "pair0":
            return ("inst", k[1]) if k[0] == "pair" else None
        return None


class _Bindings(cst.CSTVisitor):
    """name -> where its values come from, in one function body (comprehensions included)."""

    def __init__(self) -> None:
        self.sources: dict[str, list[tuple[str, cst.BaseExpression | None]]] = {}
        self.assigns: list[tuple[cst.Name, cst.BaseExpression]] = []  # ``name = value`` statements

    def _add(self, name: str, how: str, expr: cst.BaseExpression | None) -> None:
        self.sources.setdefault(name, []).append((how, expr))

    def _target(self, node: cst.BaseExpression, how: str, expr: cst.BaseExpression | None) -> None:
        if isinstance(node, cst.Name):
            self._add(node.value, how, expr)
        elif isinstance(node, (cst.Tuple, cst.List)):
            for i, el in enumerate(node.elements):
                if how == "expr" and i == 0 and len(node.elements) == 2:
                    self._target(el.value, "pair0", expr)
                else:
                    self._target(el.value, "other", None)
        elif isinstance(node, cst.StarredElement):
            self._target(node.value, "other", None)

    def visit_Assign(self, node: cst.Assign) -> None:
        for t in node.targets:
            self._target(t.target, "expr", node.value)
        if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
            self.assigns.append((node.targets[0].target, node.value))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._target(node.target, "expr" if node.value else "other", node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._target(node.target, "other", None)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._target(node.target, "expr", node.value)

    def visit_For(self, node: cst.For) -> None:
        self._target(node.target, "iter", node.iter)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._target(node.target, "iter", node.iter)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._target(node.asname.name, "other", None)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self._target(node.name.name, "other", None)

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            name = alias.asname.name if alias.asname else alias.name
            while isinstance(name, cst.Attribute):
                name = name.value
            if isinstance(name, cst.Name):
                self._add(name.value, "other", None)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                name = alias.asname.name if alias.asname else alias.name
                if isinstance(name, cst.Name):
                    self._add(name.value, "other", None)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self._add(node.name.value, "other", None)
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self._add(node.name.value, "other", None)
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False


def _is_self_client(node: cst.BaseExpression, self_name: str | None) -> bool:
    return (
        isinstance(node, cst.Attribute)
        and node.attr.value == "client"
        and isinstance(node.value, cst.Name)
        and node.value.value == self_name
    )


def _code(node: cst.CSTNode) -> str:
    text = cst.Module(body=[]).code_for_node(node)
    return text if len(text) <= 60 else text[:57] + "..."


def _context_key(node: cst.Subscript) -> str | None:
    """``key`` for ``<x>.context["key"]`` / ``<x>.context_data["key"]``."""
    value = node.value
    if isinstance(value, cst.Attribute) and value.attr.value in CONTEXT_ATTRS and len(node.slice) == 1:
        idx = node.slice[0].slice
        if isinstance(idx, cst.Index) and isinstance(idx.value, cst.SimpleString):
            key = idx.value.evaluated_value
            return key if isinstance(key, str) else None
    return None


def _code_full(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


def _str_literal(text: str) -> str:
    if '"' not in text and "\\" not in text and text.isprintable():
        return f'"{text}"'
    return repr(text)


def _is_plain_value(node: cst.BaseExpression) -> bool:
    """A literal, a name or an attribute chain, or a list/tuple of those: evaluating it twice is
    harmless."""
    if isinstance(node, (cst.SimpleString, cst.Integer)) or dotted_name(node) is not None:
        return True
    if isinstance(node, (cst.List, cst.Tuple)):
        return all(not isinstance(e, cst.StarredElement) and _is_plain_value(e.value) for e in node.elements)
    return False


def _root_name(node: cst.BaseExpression) -> str | None:
    while isinstance(node, (cst.Attribute, cst.Call, cst.Subscript)):
        node = node.func if isinstance(node, cst.Call) else node.value
    return node.value if isinstance(node, cst.Name) else None


class _Scan(cst.CSTVisitor):
    """Collects why a test body cannot be made async, whether it uses the client at all, and what
    the ORM rewrites are (awaited twins, ``async for``, ``list(qs)`` -> async comprehension)."""

    def __init__(self, env: _Env, target: tuple[int, int]) -> None:
        self.env = env
        self.self_name = env.self_name
        self.target = target
        self.reasons: list[str] = []
        self.client_calls = 0
        self.ok_client_attrs: set[int] = set()  # id() of self.client Attribute nodes used as calls
        self.depth_nested = 0
        self.nested_defs: list[str] = []  # names of the nested defs being visited
        self.ok_context: set[int] = set()
        self.ok: set[int] = set()  # expressions whose queryset/instance value is used safely
        self.handled: set[int] = set()  # method Attribute nodes whose call was judged in visit_Call
        self.twins: dict[int, str] = {}  # Call id -> awaited twin method name
        self.list_calls: set[int] = set()
        self.async_fors: set[int] = set()
        self.line: cst.SimpleStatementLine | None = None
        self.client_ctors: set[int] = set()
        self.default_client = False  # self.client / the client fixture (not only Client() objects)
        self.session_attrs: set[int] = set()  # <client>.session -> await <client>.asession()
        self.client_attrs: set[int] = set()  # <client>.cookies etc. -> <async client>.cookies
        self.session_sets: dict[int, tuple[cst.Name, cst.BaseExpression, cst.BaseExpression]] = {}
        self.requests: list[cst.Call] = []
        self.not_refs: set[int] = set()  # Name nodes that are attribute or keyword names
        self.bare = False  # the client used other than through a supported call
        self.logins = False  # client.login(): alogin() depends on the auth backends
        # statement line id -> (assertRedirects call id, expected url code, query data code, status code)
        self.redirects: dict[int, tuple[int, str, str | None, str]] = {}

    def _refuse(self, why: str) -> None:
        if self.nested_defs:
            why = f"in nested function {self.nested_defs[-1]}(): {why}"
        if why not in self.reasons:
            self.reasons.append(why)

    def _need(self, version: tuple[int, int], what: str) -> bool:
        if self.target < version:
            self._refuse(f"{what} needs Django {version[0]}.{version[1]}+")
            return False
        return True

    def _kind(self, node: cst.BaseExpression) -> Kind | None:
        return self.env.kind(node)

    # ---- scopes
    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.depth_nested += 1
        self.nested_defs.append(node.name.value)
        return True

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.depth_nested -= 1
        self.nested_defs.pop()

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        self.depth_nested += 1
        return True

    def leave_Lambda(self, node: cst.Lambda) -> None:
        self.depth_nested -= 1

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> bool:
        self.depth_nested += 1
        return True

    def leave_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self.depth_nested -= 1

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self.depth_nested += 1
        return True

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self.depth_nested -= 1

    def visit_Yield(self, node: cst.Yield) -> None:
        if self.depth_nested == 0:
            self._refuse("the test is a generator")

    # ---- places where a queryset or instance may stand without being evaluated
    def visit_Assign(self, node: cst.Assign) -> None:
        self.ok.add(id(node.value))
        for t in node.targets:
            self._store(t.target)
            target = t.target
            if (
                isinstance(target, cst.Subscript)
                and isinstance(target.value, cst.Name)
                and target.value.value in self.env.sessions
            ):
                self.ok.add(id(target.value))
                idx = target.slice[0].slice if len(target.slice) == 1 else None
                line = self.line
                if (
                    len(node.targets) != 1
                    or not isinstance(idx, cst.Index)
                    or line is None
                    or len(line.body) != 1
                    or line.body[0] is not node
                    or self.depth_nested
                ):
                    self._refuse(f"{_code(target)} = ... is not a plain statement of its own")
                elif self._need((5, 1), "session[key] = value as await session.aset()"):
                    self.session_sets[id(line)] = (target.value, idx.value, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self.ok.add(id(node.value))
        self._store(node.target)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self.ok.add(id(node.value))
        self._store(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._store(node.target)

    def _store(self, node: cst.BaseExpression) -> None:
        self.ok.add(id(node))
        if isinstance(node, cst.Attribute):
            self.ok.add(id(node.value))
            self.handled.add(id(node))
        elif isinstance(node, (cst.Tuple, cst.List)):
            for el in node.elements:
                self._store(el.value)
        elif isinstance(node, cst.StarredElement):
            self._store(node.value)

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self.line = node

    def visit_Expr(self, node: cst.Expr) -> None:
        self.ok.add(id(node.value))

    def visit_Comparison(self, node: cst.Comparison) -> None:
        left = node.left
        for target in node.comparisons:
            if not isinstance(target.operator, (cst.In, cst.NotIn)):
                for side in (left, target.comparator):
                    k = self._kind(side)
                    if k is not None and k[0] in ("inst", "ctx"):
                        self.ok.add(id(side))
            left = target.comparator

    def visit_For(self, node: cst.For) -> None:
        self._store(node.target)
        k = self._kind(node.iter)
        if k is None:
            return
        if k[0] == "instlist":
            self.ok.add(id(node.iter))
        elif k[0] in ("qs", "values"):
            self.ok.add(id(node.iter))
            if self.depth_nested:
                self._refuse("a queryset is iterated inside a nested function")
            elif self._need((4, 1), "async for over a queryset"):
                self.async_fors.add(id(node))

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._store(node.target)
        k = self._kind(node.iter)
        if k is None:
            return
        if k[0] == "instlist":
            self.ok.add(id(node.iter))
        elif k[0] in ("qs", "values"):
            self.ok.add(id(node.iter))
            if self.depth_nested:
                self._refuse(
                    "a queryset is iterated in a generator expression or nested function "
                    "(an async one would change its type)"
                )
            elif self._need((4, 1), "async for over a queryset"):
                self.async_fors.add(id(node))

    # ---- calls
    def visit_Call(self, node: cst.Call) -> None:
        self._check_use(node)
        func = node.func
        if isinstance(func, cst.Attribute) and self.env.is_client(func.value):
            self.ok_client_attrs.add(id(func.value))
            if not (isinstance(func.value, cst.Name) and func.value.value in self.env.extra_clients):
                self.default_client = True
            self.handled.add(id(func))
            verb = func.attr.value
            if self.depth_nested:
                self._refuse("the client is used inside a nested function, lambda or generator")
                self.client_calls += 1
                return
            if verb in VERBS:
                self._check_args(node)
                self.requests.append(node)
                self.client_calls += 1
            elif verb in LOGIN:
                self.logins = self.logins or verb == "login"
                if self.target < (5, 0):
                    self._refuse(f"client.{verb}() has an async twin only on Django 5.0+")
                self._ok_args(node, ("inst",))
                self.client_calls += 1
            else:
                self._refuse(f"client.{verb}() has no supported async rewrite")
            return
        if isinstance(func, cst.Attribute):
            self._method_call(node, func)
        else:
            self._plain_call(node, func)

    def _ok_args(self, node: cst.Call, kinds: tuple[str, ...]) -> None:
        todo = [a.value for a in node.args]
        while todo:
            value = todo.pop()
            if isinstance(value, (cst.List, cst.Tuple, cst.Set)) and "inst" in kinds:
                todo += [e.value for e in value.elements if not isinstance(e, cst.StarredElement)]
                continue
            k = self._kind(value)
            if k is not None and k[0] in kinds:
                self.ok.add(id(value))

    def _twin(self, node: cst.Call, twin: str, version: tuple[int, int], what: str) -> None:
        if self.depth_nested:
            self._refuse(f"{what} runs inside a nested function, lambda or generator")
        elif self._need(version, what):
            self.twins[id(node)] = twin

    def _method_call(self, node: cst.Call, func: cst.Attribute) -> None:
        name = func.attr.value
        recv = func.value
        rk = self._kind(recv)
        self.handled.add(id(func))
        if rk is not None and rk[0] in ("qs", "values"):
            self.ok.add(id(recv))
            self._ok_args(node, ("qs", "values", "inst"))
            model = rk[1]
            if name in LAZY_QS or name in VALUES_QS:
                return
            if name in QS_TWINS_INST or name in QS_TWINS_PAIR or name in QS_TWINS_OTHER or name == "bulk_create":
                if self._manager_override(recv, model, name):
                    return
                self._twin(node, "a" + name, (4, 1), f".{name}()")
            elif name in USER_TWINS and model is not None and model.qual == CONTRIB_USER:
                self._twin(node, "a" + name, (5, 2), f"User.objects.{name}()")
            else:
                self._refuse(f".{name}() on a queryset has no async twin this codemod uses")
            return
        if rk is not None and rk[0] == "inst":
            self.ok.add(id(recv))
            if name in INSTANCE_TWINS:
                self._twin(node, "a" + name, (4, 2), f"{_code(recv)}.{name}()")
            else:
                self._refuse(f"{_code(func)}() may run a query synchronously")
            return
        if rk is not None and rk[0] == "model":
            self.ok.add(id(recv))
            self._refuse(f"{_code(func)}() may run a query synchronously")
            return
        if isinstance(recv, cst.Name) and recv.value in self.env.sessions:
            self.ok.add(id(recv))
            if name in SESSION_TWINS:
                self._twin(node, "a" + name, (5, 1), f"session.{name}()")
            else:
                self._refuse(f"session.{name}() has no async twin")
            return
        if rk is not None and rk[0] == "ctx":
            self.ok.add(id(recv))
            if name != "non_field_errors":
                self._refuse(f"{_code(func)}() on a context value may run a query synchronously")
            return
        if isinstance(recv, cst.Name) and recv.value == self.self_name:
            if name == "assertRedirects":
                self._redirect(node)
            elif name in BAD_ASSERTS:
                self._refuse(f"{name} needs the sync client or runs queries synchronously")
            elif name in EQ_ASSERTS or name in CTX_ASSERTS:
                self._ok_args(node, ("inst",) if name not in CTX_ASSERTS else ("inst", "ctx"))
            elif not name.startswith("assert") and name not in SAFE_SELF:
                self._refuse(f"self.{name}() may touch the database synchronously")
            return
        if isinstance(recv, cst.Attribute) and recv.attr.value == "cookies" and self.env.is_client(recv.value):
            return  # the cookie jar (a SimpleCookie)
        origin = self._response_object(recv, 0)
        if origin is not None:
            self._refuse(
                f"{_code(func)}() calls a method of {origin} (an object the response carries, not its "
                "data), which may touch the database synchronously"
            )
            return
        if name in ORM_ATTRS:
            self._refuse(f"{_code(func)}() may touch the database synchronously")
            return
        root = _root_name(recv)
        dotted = dotted_name(recv) or ""
        if dotted.split(".")[0] in (self.self_name, *self.env.opaque) and not self.env.is_client(recv):
            self._refuse(f"{_code(func)}() may touch the database synchronously")
            return
        if isinstance(recv, cst.Name) and recv.value.isupper() and recv.value not in self.env.shadowed and name in STR_METHODS:
            return  # a str method of a module constant (MESSAGE.format())
        if root is not None and root not in self.env.names and root not in self.env.shadowed:
            qual = self.env.models.imports.qualify(func, self.env.shadowed)
            if qual is not None and not qual.startswith(SAFE_MODULES):
                self._refuse(f"{_code(func)}() may touch the database synchronously")

    def _manager_override(self, recv: cst.BaseExpression, model: _Model | None, name: str) -> bool:
        """Refuses ``Model.objects.<name>()`` when the manager may define ``<name>`` itself: its
        a-twin (proxied to the QuerySet) would not run that override."""
        if not (isinstance(recv, cst.Attribute) and recv.attr.value in MANAGER_ATTRS):
            return False
        methods = model.manager_methods if model is not None else None
        if methods is None:
            self._refuse(
                f"{_code(recv)} is a manager this codemod cannot see (a{name}() would skip an override "
                f"of {name}() on it)"
            )
            return True
        if name in methods:
            self._refuse(f"{_code(recv)} overrides {name}() (a{name}() would not run it)")
            return True
        return False

    def _plain_call(self, node: cst.Call, func: cst.BaseExpression) -> None:
        fk = self._kind(func)
        if fk is not None and fk[0] == "model":
            self.ok.add(id(func))
            self._ok_args(node, ("inst", "qs", "values"))
            return
        if not isinstance(func, cst.Name):
            return
        name = func.value
        if name in self.env.names or name in self.env.shadowed:
            self._refuse(f"{name}() is a local callable that may touch the database synchronously")
            return
        qual = self.env.models.imports.qualify(func, self.env.shadowed)
        if qual in CLIENT_CLASSES:
            if id(node) not in self.env.client_ctors or self.depth_nested:
                self._refuse(f"{name}() is used other than as `name = {name}(...)` in the test body")
                return
            for a in node.args:
                if a.star or (a.keyword is not None and a.keyword.value not in CLIENT_INIT_KW):
                    self._refuse(
                        f"{name}(...) passes default headers, query_params or WSGI defaults, which "
                        "AsyncClient ignores"
                    )
            self.client_ctors.add(id(node))
            return
        if qual is not None and qual.startswith("pytest_django.asserts."):
            assertion = qual.rsplit(".", 1)[1]
            if assertion == "assertRedirects":
                self._redirect(node)
            elif assertion in BAD_ASSERTS:
                self._refuse(f"{name} needs the sync client or runs queries synchronously")
            elif assertion in EQ_ASSERTS or assertion in CTX_ASSERTS:
                self._ok_args(node, ("inst",) if assertion not in CTX_ASSERTS else ("inst", "ctx"))
            return
        if qual is None:
            if name == "list" and len(node.args) == 1 and not node.args[0].keyword and not node.args[0].star:
                k = self._kind(node.args[0].value)
                if k is not None and k[0] in ("qs", "values"):
                    self.ok.add(id(node.args[0].value))
                    if self.depth_nested:
                        self._refuse("a queryset is listed inside a nested function")
                    elif self._need((4, 1), "list() of a queryset as an async comprehension"):
                        self.list_calls.add(id(node))
                    return
            if name in SAFE_BUILTINS:
                return
            self._refuse(f"{name}() may touch the database synchronously")
        elif not qual.startswith(SAFE_MODULES):
            self._refuse(f"{name}() may touch the database synchronously")

    def _redirect(self, node: cst.Call) -> None:
        """assertRedirects fetches the target with ``response.client`` (an un-awaited coroutine on an
        AsyncClient) unless the response was followed: pass ``fetch_redirect_response=False`` and
        fetch the same path (with the same query) with the async client afterwards."""
        names = ("response", "expected_url", "status_code", "target_status_code", "msg_prefix",
                 "fetch_redirect_response")
        args: dict[str, cst.BaseExpression] = {}
        for i, a in enumerate(node.args):
            if a.star:
                self._refuse("assertRedirects gets *args/**kwargs")
                return
            key = a.keyword.value if a.keyword is not None else names[i] if i < len(names) else "?"
            args[key] = a.value
        resp = args.get("response")
        followed = self._followed(resp) if resp is not None else None
        if followed is None:
            self._refuse(
                "assertRedirects on a response not visibly from one client call (cannot tell whether "
                "it fetches the target)"
            )
            return
        self.ok.add(id(resp))
        fetch = args.get("fetch_redirect_response")
        if followed or (fetch is not None and isinstance(fetch, cst.Name) and fetch.value == "False"):
            return  # Django does not fetch the target: the assertion works as it is
        if fetch is not None and not _is_true(fetch):
            self._refuse("assertRedirects with a computed fetch_redirect_response=")
            return
        target = args.get("target_status_code")
        if target is None:
            status = "200"
        elif isinstance(target, cst.Integer):
            status = target.value
        else:
            self._refuse("assertRedirects with a computed target_status_code=")
            return
        url = self._redirect_url(args.get("expected_url"))
        if url is None:
            return
        line = self.line
        if (
            self.depth_nested
            or line is None
            or len(line.body) != 1
            or not isinstance(line.body[0], cst.Expr)
            or line.body[0].value is not node
        ):
            self._refuse("assertRedirects is not a statement of its own in the test body")
            return
        self.redirects[id(line)] = (id(node), url[0], url[1], status)

    def _is_response(self, node: cst.BaseExpression) -> bool:
        """A client request's result: the call itself or a name bound only from one."""
        if isinstance(node, cst.Name):
            sources = self.env.sources.get(node.value, [])
            return any(
                how == "expr" and isinstance(expr, cst.Call) and self._is_response(expr) for how, expr in sources
            )
        return (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and self.env.is_client(node.func.value)
            and node.func.attr.value in VERBS
        )

    def _response_object(self, node: cst.BaseExpression, depth: int) -> str | None:
        """``r.view`` when ``node`` is (or is read from, or a name bound to) an attribute of a
        client response other than its data (status, content, headers, json(), ...)."""
        if depth > 8:
            return None
        if isinstance(node, cst.Attribute):
            if self._is_response(node.value):
                return None if node.attr.value in RESPONSE_DATA_ATTRS else _code(node)
            return self._response_object(node.value, depth + 1)
        if isinstance(node, cst.Subscript):
            return self._response_object(node.value, depth + 1)
        if isinstance(node, cst.Call):
            return self._response_object(node.func, depth + 1)
        if isinstance(node, cst.Name) and not self._is_response(node):
            for how, expr in self.env.sources.get(node.value, ()):
                if expr is not None and how in ("expr", "iter", "pair0"):
                    found = self._response_object(expr, depth + 1)
                    if found is not None:
                        return found
        return None

    def _followed(self, resp: cst.BaseExpression) -> bool | None:
        """Whether the response came from a client call with follow=True (None: cannot tell)."""
        call = resp
        if isinstance(resp, cst.Name):
            sources = self.env.sources.get(resp.value, [])
            if len(sources) != 1 or sources[0][0] != "expr":
                return None
            call = sources[0][1]
        if not (
            isinstance(call, cst.Call)
            and isinstance(call.func, cst.Attribute)
            and self.env.is_client(call.func.value)
            and call.func.attr.value in VERBS
        ):
            return None
        for a in call.args:
            if a.keyword is not None and a.keyword.value == "follow":
                if isinstance(a.value, cst.Name) and a.value.value in ("True", "False"):
                    return a.value.value == "True"
                return None
        return False

    def _redirect_url(self, expr: cst.BaseExpression | None) -> tuple[str, str | None] | None:
        """(path code, query-data code) of the page Django would fetch, or None (refused)."""
        if isinstance(expr, cst.SimpleString):
            text = expr.evaluated_value
            if not isinstance(text, str) or not text.startswith("/") or text.startswith("//"):
                self._refuse("assertRedirects to a URL that is not a literal local path")
                return None
            path, _, query = text.split("#", 1)[0].partition("?")
            if not query:
                return _str_literal(path), None
            pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
            if len(pairs) != 1:
                self._refuse(
                    "assertRedirects to a URL with several query parameters (Django fetches them in "
                    "the order of the actual redirect)"
                )
                return None
            (key, value), = pairs
            return _str_literal(path), "{" + _str_literal(key) + ": " + _str_literal(value) + "}"
        if isinstance(expr, cst.FormattedString) and expr.prefix.lower() == "f":
            first = expr.parts[0] if expr.parts else None
            texts = [p.value for p in expr.parts if isinstance(p, cst.FormattedStringText)]
            simple = all(
                isinstance(p, cst.FormattedStringText)
                or (
                    dotted_name(p.expression) is not None
                    and p.format_spec is None
                    and p.conversion is None
                )
                for p in expr.parts
            )
            if (
                simple
                and isinstance(first, cst.FormattedStringText)
                and first.value.startswith("/")
                and not first.value.startswith("//")
                and not any(c in t for t in texts for c in "?{}\\")
            ):
                return _code_full(expr), None
        if isinstance(expr, cst.Call):
            qual = self.env.models.imports.qualify(expr.func, self.env.shadowed)
            if qual == "django.urls.reverse" and all(
                not a.star and _is_plain_value(a.value) for a in expr.args
            ):
                return _code_full(expr), None
        self._refuse(
            "assertRedirects to a URL that is not a literal path, a simple f-string or reverse() "
            "with plain arguments (it would be evaluated twice)"
        )
        return None

    def _check_args(self, node: cst.Call) -> None:
        has_headers = any(a.keyword is not None and a.keyword.value == "headers" for a in node.args)
        has_http = False
        for a in node.args:
            if a.star:
                self._refuse("a client call passes *args/**kwargs")
                continue
            if a.keyword is None:
                continue
            kw = a.keyword.value
            if kw.startswith("HTTP_") and kw not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                has_http = True
                if _header_key(kw) in ASGI_OWN_HEADERS:
                    self._refuse(_own_header(kw))
            elif kw == "follow":
                if not (isinstance(a.value, cst.Name) and a.value.value == "False") and self.target < (5, 0):
                    self._refuse("follow= on AsyncClient needs Django 5.0+")
            elif kw == "headers":
                if self.target < (4, 2):
                    self._refuse("headers= needs Django 4.2+")
                self._check_headers(a.value)
            elif kw not in KNOWN_KW:
                self._refuse(f"WSGI extra {kw}= means something else to AsyncClient")
        if has_http:
            if has_headers:
                self._refuse("a client call mixes HTTP_* keywords and headers=")
            if self.target < (4, 2):
                self._refuse("HTTP_* keywords need headers= (Django 4.2+)")

    def _check_headers(self, value: cst.BaseExpression) -> None:
        if not isinstance(value, cst.Dict):
            self._refuse(
                f"headers={_code(value)} is not a dict literal (a host, cookie or content header in it "
                "would be joined with AsyncClient's own instead of replacing it)"
            )
            return
        for el in value.elements:
            key = el.key if isinstance(el, cst.DictElement) else None
            text = key.evaluated_value if isinstance(key, cst.SimpleString) else None
            if not isinstance(text, str):
                self._refuse(f"headers= has a key that is not a literal string ({_code(el)})")
            elif text.lower().replace("_", "-") in ASGI_OWN_HEADERS:
                self._refuse(_own_header(text))

    # ---- reads
    def _check_use(self, node: cst.BaseExpression) -> None:
        if id(node) in self.ok:
            return
        k = self._kind(node)
        if k is None or k[0] not in DB_KINDS:
            return
        if k[0] == "conflict":
            self._refuse(f"{_code(node)} is bound both to ORM results and to other values")
        elif k[0] == "inst":
            self._refuse(f"{_code(node)} (a model instance) is used where it may run a query synchronously")
        elif k[0] == "ctx":
            self._refuse(
                f"{_code(node)} is used other than compared in an assertion (a context value may be a "
                "lazy queryset or model instance)"
            )
        else:
            self._refuse(f"{_code(node)} (a queryset) is used where it may be evaluated synchronously")

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self.not_refs.add(id(node.keyword))

    def visit_Name(self, node: cst.Name) -> None:
        if id(node) in self.not_refs:
            return
        if self.env.is_client(node) and id(node) not in self.ok_client_attrs and id(node) not in self.env.client_targets:
            self.bare = True
        self._check_use(node)
        if node.value in self.env.sessions and id(node) not in self.ok and id(node) not in self.env.client_targets:
            self._refuse(
                f"session {node.value} is used other than by key assignment, save() or another "
                "method with an async twin (reading a key would load it synchronously)"
            )

    def visit_Subscript(self, node: cst.Subscript) -> None:
        self._check_use(node)
        vk = self._kind(node.value)
        if vk is not None and vk[0] in ("qs", "values"):
            self.ok.add(id(node.value))
            self._refuse(f"{_code(node)} evaluates a queryset synchronously")
        elif vk is not None and vk[0] == "instlist":
            self.ok.add(id(node.value))
        key = _context_key(node)
        if key is not None and key not in LAZY_CONTEXT:
            self.ok_context.add(id(node.value))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.not_refs.add(id(node.attr))
        if self.env.is_client(node) and id(node) not in self.ok_client_attrs:
            self.bare = True
        self._check_use(node)
        attr = node.attr.value
        if attr in SHARED_CLIENT_ATTRS and self.env.is_client(node.value):
            # Client and AsyncClient keep these the same way (ClientMixin / RequestFactory)
            self.ok_client_attrs.add(id(node.value))
            self.handled.add(id(node))
            if self.depth_nested:
                self._refuse("the client is used inside a nested function, lambda or generator")
            self.client_attrs.add(id(node))
            return
        if id(node) in self.env.session_reads:
            self.ok_client_attrs.add(id(node.value))
            self.handled.add(id(node))
            if self.depth_nested:
                self._refuse("the client's session is read inside a nested function")
            elif self._need((5, 1), "client.session as await client.asession()"):
                self.session_attrs.add(id(node))
            return
        if isinstance(node.value, cst.Name) and node.value.value in self.env.sessions and attr == "session_key":
            self.ok.add(id(node.value))
            return
        vk = self._kind(node.value)
        if vk is not None:
            if vk[0] == "conflict":
                self._check_use(node.value)
                return
            self.ok.add(id(node.value))
            if id(node) in self.handled or vk[0] in ("model", "instlist", "pair"):
                return
            if vk[0] == "ctx":
                if attr != "errors":
                    self._refuse(
                        f"{_code(node)} reads a context value that may be a lazy queryset or model "
                        "instance"
                    )
                return
            if vk[0] == "inst":
                model = vk[1]
                if model is None or attr not in model.safe:
                    self._refuse(
                        f"{_code(node)} may load a related object or run a query synchronously "
                        "(only concrete fields of the model are read in an async test)"
                    )
                return
            self._refuse(f"{_code(node)} on a queryset may evaluate it synchronously")
            return
        if attr == "getvalue" and self._is_response(node.value):
            self._refuse(
                f"{_code(node)}: an async view's streaming content is an async iterator under "
                "AsyncClient (Client consumed it into a sync one)"
            )
        if id(node) in self.handled:
            return
        if attr in CONTEXT_ATTRS and id(node) not in self.ok_context:
            self._refuse(
                "response.context is read other than by a plain key (its lazy user/request may "
                "query the database synchronously)"
            )
        elif attr in MANAGER_ATTRS:
            self._refuse(f"{_code(node)} is not a manager of a model this codemod can resolve")
        elif attr == "wsgi_request":
            self._refuse("response.wsgi_request does not exist on AsyncClient responses")
        elif attr == "streaming_content":
            self._refuse(
                f"{_code(node)}: an async view's streaming content is an async iterator under "
                "AsyncClient (Client consumed it into a sync one)"
            )
        elif attr == "request" and self._is_response(node.value):
            self._refuse(f"{_code(node)} is an ASGI scope under AsyncClient (a WSGI environ under Client)")
        elif attr == "client" and not _is_self_client(node, self.self_name):
            self._refuse("response.client would be the async client")
        elif isinstance(node.value, cst.Name) and node.value.value in self.env.opaque and attr not in ("pk", "id"):
            self._refuse(
                f"{_code(node)} may load a related object synchronously (fixture "
                f"{node.value.value} is not known to be a model instance)"
            )
        elif (
            isinstance(node.value, cst.Attribute)
            and isinstance(node.value.value, cst.Name)
            and node.value.value.value == self.self_name
            and node.value.attr.value not in ("client", "async_client")
            and attr not in ("pk", "id")
        ):
            self._refuse(
                f"{_code(node)} may load a related object synchronously ({_code(node.value)} is not "
                "known to be a model instance created in setUp/setUpTestData)"
            )


# Decorators that keep an async test async (Django's TestContextDecorator wraps coroutines; the
# unittest skips either raise SkipTest or return the function). skipIfDBFeature/
# skipUnlessDBFeature wrap it in a sync function whose coroutine is never awaited: not here.
ASYNC_SAFE_DECORATORS = frozenset(
    {
        "django.test.override_settings", "django.test.utils.override_settings",
        "django.test.modify_settings", "django.test.utils.modify_settings",
        "django.test.tag", "django.test.utils.tag",
        "unittest.skip", "unittest.skipIf", "unittest.skipUnless",
    }
)
# Client attributes AsyncClient has with the same meaning: the cookie jar both send and update, and
# whether a view's exception is re-raised in the test.
SHARED_CLIENT_ATTRS = frozenset({"cookies", "raise_request_exception"})
CLIENT_CLASSES = frozenset({"django.test.Client", "django.test.client.Client"})
ASYNC_CLIENT_CLASSES = frozenset({"django.test.AsyncClient", "django.test.client.AsyncClient"})
# AsyncClient(headers=..., query_params=..., **defaults) stores them under WSGI names that an ASGI
# scope ignores (Django 5.2), so only these two carry over.
CLIENT_INIT_KW = frozenset({"enforce_csrf_checks", "raise_request_exception"})


# Headers AsyncRequestFactory puts in every scope itself (host, cookie) or with a body (content-*):
# a test's own value is appended, and ASGIRequest joins duplicates with "," ("testserver,example.com",
# a DisallowedHost), where Client's WSGI environ let it replace Django's.
ASGI_OWN_HEADERS = frozenset({"host", "cookie", "content-type", "content-length"})


def _own_header(name: str) -> str:
    return (
        f"{name} sets a header AsyncClient always sends itself (host, cookie, content-type/-length): "
        "the two values would be joined instead of the test's replacing Django's"
    )


def _header_key(kw: str) -> str:
    return kw[5:].lower().replace("_", "-")


class _Names(cst.CSTVisitor):
    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)


def _fresh_name(node: cst.CSTNode, base: str = "row") -> str:
    v = _Names()
    node.visit(v)
    name, i = base, 1
    while name in v.names:
        name, i = f"{base}_{i}", i + 1
    return name


class _Rewrite(cst.CSTTransformer):
    def __init__(self, env: _Env, scan: _Scan, fresh: str, async_class: str = "AsyncClient") -> None:
        self.env = env
        self.scan = scan
        self.async_class = async_class
        self.fresh = fresh

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        session_set = self.scan.session_sets.get(id(original_node))
        if session_set is not None:
            name, key, value = session_set
            call = cst.Call(
                func=cst.Attribute(value=name, attr=cst.Name("aset")),
                args=[
                    cst.Arg(key, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
                    cst.Arg(value),
                ],
            )
            return updated_node.with_changes(body=[cst.Expr(cst.Await(expression=call))])
        plan = self.scan.redirects.get(id(original_node))
        if plan is None:
            return updated_node
        _, path, data, status = plan
        expr = updated_node.body[0]
        assert isinstance(expr, cst.Expr) and isinstance(expr.value, cst.Call)
        call = expr.value
        args = list(call.args)
        false = cst.Name("False")
        for i, a in enumerate(args):
            if a.keyword is not None and a.keyword.value == "fetch_redirect_response":
                args[i] = a.with_changes(value=false)
                break
        else:
            no_space = cst.SimpleWhitespace("")
            if args[-1].comma is cst.MaybeSentinel.DEFAULT:
                args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
            args.append(
                cst.Arg(
                    keyword=cst.Name("fetch_redirect_response"),
                    value=false,
                    equal=cst.AssignEqual(whitespace_before=no_space, whitespace_after=no_space),
                )
            )
        first = updated_node.with_changes(body=[expr.with_changes(value=call.with_changes(args=args))])
        target = path + (", " + data if data else "")
        if self.env.client_name is not None:
            check = f"assert (await async_client.get({target})).status_code == {status}"
        else:
            me = self.env.self_name
            check = f"{me}.assertEqual((await {me}.async_client.get({target})).status_code, {status})"
        return cst.FlattenSentinel([first, cst.parse_statement(check + "\n")])

    def leave_For(self, original_node: cst.For, updated_node: cst.For) -> cst.For:
        if id(original_node) in self.scan.async_fors:
            return updated_node.with_changes(asynchronous=cst.Asynchronous())
        return updated_node

    def leave_CompFor(self, original_node: cst.CompFor, updated_node: cst.CompFor) -> cst.CompFor:
        if id(original_node) in self.scan.async_fors:
            return updated_node.with_changes(asynchronous=cst.Asynchronous())
        return updated_node

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if id(original_node) in self.scan.client_ctors:
            return updated_node.with_changes(func=cst.Name(self.async_class))
        twin = self.scan.twins.get(id(original_node))
        if twin is not None:
            assert isinstance(updated_node.func, cst.Attribute)
            func = updated_node.func.with_changes(attr=cst.Name(twin))
            if isinstance(func.value, cst.Await) and not func.value.lpar:
                func = func.with_changes(value=_paren(func.value))
            return cst.Await(expression=updated_node.with_changes(func=func))
        if id(original_node) in self.scan.list_calls:
            var = cst.Name(self.fresh)
            return cst.ListComp(
                elt=var,
                for_in=cst.CompFor(
                    target=var, iter=updated_node.args[0].value, asynchronous=cst.Asynchronous()
                ),
                lpar=list(updated_node.lpar),
                rpar=list(updated_node.rpar),
            )
        func = updated_node.func
        if isinstance(func, cst.Attribute) and self.env.is_client(func.value):
            verb = func.attr.value
            new_verb = LOGIN.get(verb, verb)
            args = list(updated_node.args)
            if verb in VERBS:
                args = self._headers(args)
            value = func.value
            if isinstance(value, cst.Attribute):
                value = value.with_changes(attr=cst.Name("async_client"))
            elif value.value not in self.env.extra_clients:
                value = cst.Name("async_client")
            new_func = func.with_changes(value=value, attr=cst.Name(new_verb))
            return cst.Await(expression=updated_node.with_changes(func=new_func, args=args))
        if isinstance(updated_node.func, cst.Await) and not updated_node.func.lpar:
            return updated_node.with_changes(func=_paren(updated_node.func))
        return updated_node

    def _headers(self, args: list[cst.Arg]) -> list[cst.Arg]:
        http = [
            a for a in args
            if a.keyword is not None and a.keyword.value.startswith("HTTP_")
            and a.keyword.value not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH")
        ]
        if not http:
            return args
        elements = [
            cst.DictElement(cst.SimpleString(repr(_header_key(a.keyword.value)).replace("'", '"')), a.value)
            for a in http
        ]
        http_ids = {id(a) for a in http}
        out: list[cst.Arg] = []
        placed = False
        for a in args:
            if id(a) in http_ids:
                if not placed:
                    out.append(a.with_changes(keyword=cst.Name("headers"), value=cst.Dict(elements)))
                    placed = True
                continue
            out.append(a)
        if id(args[-1]) in http_ids and id(out[-1]) not in {id(a) for a in args}:
            out[-1] = out[-1].with_changes(comma=args[-1].comma)
        return out

    def _async_client_expr(self, value: cst.BaseExpression) -> cst.BaseExpression:
        if isinstance(value, cst.Attribute):
            return value.with_changes(attr=cst.Name("async_client"))
        if isinstance(value, cst.Name) and value.value not in self.env.extra_clients:
            return cst.Name("async_client")
        return value

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        if id(original_node) in self.scan.client_attrs:
            return updated_node.with_changes(value=self._async_client_expr(updated_node.value))
        if id(original_node) in self.scan.session_attrs:
            func = cst.Attribute(value=self._async_client_expr(updated_node.value), attr=cst.Name("asession"))
            return cst.Await(expression=cst.Call(func=func))
        if isinstance(updated_node.value, cst.Await) and not updated_node.value.lpar:
            return updated_node.with_changes(value=_paren(updated_node.value))
        return updated_node

    def leave_Subscript(self, original_node: cst.Subscript, updated_node: cst.Subscript) -> cst.Subscript:
        if isinstance(updated_node.value, cst.Await) and not updated_node.value.lpar:
            return updated_node.with_changes(value=_paren(updated_node.value))
        return updated_node


def _paren(node: cst.Await) -> cst.Await:
    return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


class _SelfAssigns(cst.CSTVisitor):
    """``self.x = value`` (and augmented or unpacking stores, with no value) in one method."""

    def __init__(self, me: str) -> None:
        self.me = me
        self.assigns: list[tuple[str, cst.BaseExpression | None]] = []

    def walk(self, body: cst.BaseSuite) -> None:
        """Statements only (an assignment to ``self.x`` is a statement; a walrus cannot target an
        attribute), which is far cheaper than visiting every expression."""
        todo: list[cst.CSTNode] = [body]
        while todo:
            node = todo.pop()
            if isinstance(node, cst.SimpleStatementLine):
                for small in node.body:
                    if isinstance(small, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
                        small.visit(self)
            elif isinstance(node, (cst.IndentedBlock, cst.SimpleStatementSuite)):
                todo.extend(node.body)
            elif isinstance(node, (cst.FunctionDef, cst.ClassDef)):
                continue
            elif isinstance(node, cst.BaseCompoundStatement):
                if isinstance(node, cst.For):
                    self._target(node.target, None)
                elif isinstance(node, cst.With):
                    for item in node.items:
                        if item.asname is not None:
                            self._target(item.asname.name, None)
                todo.extend(
                    child for child in node.children
                    if isinstance(child, (cst.BaseSuite, cst.BaseCompoundStatement, cst.If, cst.Else,
                                          cst.ExceptHandler, cst.ExceptStarHandler, cst.Finally))
                )
            elif isinstance(node, (cst.Else, cst.ExceptHandler, cst.ExceptStarHandler, cst.Finally)):
                todo.append(node.body)

    def _target(self, node: cst.BaseExpression, value: cst.BaseExpression | None) -> None:
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == self.me:
            self.assigns.append((node.attr.value, value))
        elif isinstance(node, (cst.Tuple, cst.List)):
            for el in node.elements:
                self._target(el.value, None)

    def visit_Assign(self, node: cst.Assign) -> None:
        for t in node.targets:
            self._target(t.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._target(node.target, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._target(node.target, None)

    def visit_For(self, node: cst.For) -> None:
        self._target(node.target, None)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._target(node.asname.name, None)


# --------------------------------------------------------------------------- client set-up outside tests
# TestCase methods a set-up may call on ``self`` (Django's and unittest's own: no client use).
TESTCASE_METHODS = frozenset(
    {
        "setUp", "tearDown", "setUpClass", "tearDownClass", "setUpTestData", "addCleanup",
        "addClassCleanup", "enterContext", "enterClassContext", "doCleanups", "subTest", "skipTest",
        "fail", "id", "shortDescription", "settings", "modify_settings", "captureOnCommitCallbacks",
        "addTypeEqualityFunc", "asyncSetUp", "asyncTearDown", "_pre_setup", "_post_teardown",
        "_fixture_setup", "_fixture_teardown", "debug", "run",
    }
)
# Methods that run while the test is set up (a helper only a test calls blocks that test itself).
CLIENT_WORDS = frozenset({"client", "client_class", "async_client_class"})
# Builtins that may get ``self`` without reaching its client.
SELF_SAFE_CALLS = frozenset(
    {"super", "isinstance", "type", "id", "getattr", "hasattr", "setattr", "vars", "repr", "str"}
)


def _ast_dotted(node: ast.expr) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Subscript):  # Generic[...]
        return _ast_dotted(node.value)
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])


def _ast_import_map(tree: ast.Module) -> dict[str, str]:
    """Local name -> imported dotted name (relative imports keep their leading dots)."""
    out: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            for a in node.names:
                out[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            for a in node.names:
                if a.name != "*":
                    out[a.asname or a.name] = f"{base}.{a.name}" if not base.endswith(".") else base + a.name
    return out


def _class_in(tree: ast.Module, name: str) -> ast.ClassDef | None:
    found = None
    for n in tree.body:
        if isinstance(n, ast.ClassDef) and n.name == name:
            found = n
    return found


def _class_client_use(cls: ast.ClassDef, defined: set[str], self_calls: list[tuple[str, str]]) -> str | None:
    """Why ``cls`` itself (not its bases) may set up the client outside its test methods; records
    its methods in ``defined`` and the ``self.x()`` calls they make in ``self_calls``."""
    for st in cls.body:
        is_fn = isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef))
        if is_fn and st.name.startswith("test"):
            continue
        if is_fn:
            defined.add(st.name)
        for n in ast.walk(st):
            if (isinstance(n, ast.Attribute) and n.attr in CLIENT_WORDS) or (
                isinstance(n, ast.Name) and n.id in CLIENT_WORDS - {"client"}
            ):
                where = f"{st.name}()" if is_fn else "its class attributes"
                return f"class {cls.name} sets up or customises the client outside the tests (in {where})"
        if not is_fn or not st.args.args:
            continue
        me = st.args.args[0].arg
        for n in ast.walk(st):
            if not isinstance(n, ast.Call):
                continue
            func = n.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == me:
                self_calls.append((f"{cls.name}.{st.name}", func.attr))
            if isinstance(func, ast.Attribute) and func.attr in ("addCleanup", "addClassCleanup"):
                continue  # runs after the tests
            passed = [*n.args, *(k.value for k in n.keywords)]
            if any(isinstance(a, ast.Name) and a.id == me for a in passed) and _ast_dotted(func) not in SELF_SAFE_CALLS:
                callee = _ast_dotted(func) or ast.unparse(func)
                return (
                    f"{cls.name}.{st.name}() passes {me} to {callee}(), which may log in with "
                    f"{me}.client"
                )
    return None


# Django's backends whose aauthenticate does what their authenticate does (Django 5.x).
DJANGO_AUTH_BACKENDS = frozenset(
    {
        "django.contrib.auth.backends.ModelBackend",
        "django.contrib.auth.backends.AllowAllUsersModelBackend",
        "django.contrib.auth.backends.RemoteUserBackend",
        "django.contrib.auth.backends.AllowAllUsersRemoteUserBackend",
    }
)
_LOGIN = "client.login() as alogin() (it runs each backend's aauthenticate())"


def _auth_backends_refusal(test_path: str, test_source: str) -> str | None:
    if "AUTHENTICATION_BACKENDS" in test_source:
        return f"{_LOGIN}: this module overrides AUTHENTICATION_BACKENDS"
    found = _Urls._find_settings(Path(test_path).resolve().parent if test_path else Path.cwd())
    if found is None:
        return f"{_LOGIN}: no manage.py or pytest configuration names the settings, so AUTHENTICATION_BACKENDS is unknown"
    root, settings = found
    todo = _settings_module_files(root, settings)
    if not todo:
        return f"{_LOGIN}: settings module {settings} not found"
    seen: set[Path] = set()
    while todo:
        f = todo.pop()
        if f in seen:
            continue
        seen.add(f)
        try:
            text = _disk.read_text(f, "replace")
            tree = ast.parse(text)
        except (OSError, ValueError, SyntaxError):
            return f"{_LOGIN}: settings file {f.name} cannot be read"
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
                if node.level:
                    sub = f.parent.joinpath(*(node.module or "").split(".")).with_suffix(".py")
                    target = sub if node.level == 1 and node.module else None
                else:
                    target = _module_file(root, node.module or "")
                if target is None or not _disk.is_file(target):
                    return f"{_LOGIN}: settings {f.name} star-imports {node.module}, which cannot be read"
                todo.append(target)
        if "AUTHENTICATION_BACKENDS" not in text:
            continue
        ok_nodes: set[int] = set()
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id == "AUTHENTICATION_BACKENDS"
            ):
                values = node.value.elts if isinstance(node.value, (ast.List, ast.Tuple)) else None
                if values is None or not all(
                    isinstance(v, ast.Constant) and isinstance(v.value, str) for v in values
                ):
                    return f"{_LOGIN}: AUTHENTICATION_BACKENDS in {f.name} is not a literal list"
                other = [v.value for v in values if v.value not in DJANGO_AUTH_BACKENDS]
                if other:
                    return (
                        f"{_LOGIN}: AUTHENTICATION_BACKENDS lists {other[0]} (only Django's own "
                        "backends are known to authenticate alike in aauthenticate)"
                    )
                ok_nodes.add(id(node.targets[0]))
        names = [
            n for n in ast.walk(tree)
            if (isinstance(n, ast.Name) and n.id == "AUTHENTICATION_BACKENDS")
            or (isinstance(n, ast.Constant) and n.value == "AUTHENTICATION_BACKENDS")
        ]
        if any(id(n) not in ok_nodes for n in names):
            return f"{_LOGIN}: AUTHENTICATION_BACKENDS is changed in {f.name} in a way not read statically"
    return None


class _Classes(cst.CSTTransformer):
    def __init__(self, ctx: Context, module: cst.Module) -> None:
        self.ctx = ctx
        self.bases = ctx.project.test_base_classes
        # Module-level imports only (a function's own imports shadow names through its bindings):
        # an ImportTable of just those lines skips walking every function body.
        self.imports = ImportTable(
            cst.Module(
                body=[
                    st for st in module.body
                    if isinstance(st, cst.SimpleStatementLine)
                    and any(isinstance(x, (cst.Import, cst.ImportFrom)) for x in st.body)
                ]
            )
        )
        self.models = _Models(self.imports, ctx.path)
        self.module_classes = {
            st.name.value: st for st in module.body if isinstance(st, cst.ClassDef)
        }
        self.needs_pytest_import = False
        self._pending_import = False
        async_names = [n for n, q in self.imports.names.items() if q in ASYNC_CLIENT_CLASSES]
        self.async_class: str | None = async_names[0] if async_names else (
            None if "AsyncClient" in self.imports.names else "AsyncClient"
        )
        self.async_import_needed = not async_names
        self.needs_async_import = False
        self.urls: _Urls | None = None
        self._overridden: str | None = None
        self._user_model_default: bool | None = None
        self.module = module
        self.module_marks = _pytestmark(module.body, self.imports)
        self.fixtures = self._module_fixtures(module)
        self._module_ast: ast.Module | None = None
        self._login_why: str | None = None
        self._pytest_django: bool | None = None
        self.replaced_client = False  # some Client() became AsyncClient()
        self._import_maps: dict[int, tuple[ast.Module, dict[str, str]]] = {}
        self._class_cache: dict[tuple[str, str], tuple[ast.ClassDef, ast.Module, Path] | None] = {}

    def _shared_client_state(self, cls: cst.ClassDef) -> str | None:
        """Why the sync client may carry state (login, cookies, custom class) into the tests: the
        class or any base (mixins included, read from this file or, through its import, from the
        project's files) touches the client outside test methods or passes ``self`` to a callable
        (which may log in with ``self.client``), a method calls ``self.x()`` that none of those
        classes defines, or a base cannot be read."""
        if self._module_ast is None:
            try:
                self._module_ast = ast.parse(self.module.code)
            except (SyntaxError, ValueError):
                return "this module cannot be parsed by ast (its client setup cannot be checked)"
        here = Path(self.ctx.path).resolve().parent if self.ctx.path else Path.cwd()
        tree = self._module_ast
        node = _class_in(tree, cls.name.value)
        if node is None:
            return None
        defined: set[str] = set()
        self_calls: list[tuple[str, str]] = []
        todo: list[tuple[ast.ClassDef, ast.Module, Path]] = [(node, tree, here)]
        visited: set[tuple[str, str]] = set()
        while todo:
            current, module, folder = todo.pop()
            if (str(folder), current.name) in visited:
                continue
            visited.add((str(folder), current.name))
            why = _class_client_use(current, defined, self_calls)
            if why:
                return why
            imports = self._imports_of(module)
            for b in current.bases:
                name = _ast_dotted(b)
                if name is None:
                    return f"class {current.name} has a computed base class (its setUp may log in with self.client)"
                head, _, rest = name.partition(".")
                qual = imports[head] + ("." + rest if rest else "") if head in imports else name
                if qual == "object" or qual.startswith(("django.", "unittest.")):
                    continue
                found = self._read_class(qual, folder, module)
                if found is None:
                    if "." not in qual and qual in DJANGO_TEST_CASES:
                        continue  # Django's, not imported by name (a snippet)
                    return (
                        f"base class {name} is defined in another file this codemod cannot read; its "
                        "setUp or helpers may log in with self.client"
                    )
                todo.append(found)
        for meth, called in self_calls:
            if called not in defined and called not in TESTCASE_METHODS and not called.startswith("assert"):
                return (
                    f"{meth}() calls self.{called}(), which neither the class nor a base this codemod "
                    "can read defines (it may log in with self.client)"
                )
        return None

    def _imports_of(self, module: ast.Module) -> dict[str, str]:
        key = id(module)
        if key not in self._import_maps:
            self._import_maps[key] = (module, _ast_import_map(module))
        return self._import_maps[key][1]

    def _read_class(
        self, qual: str, folder: Path, module: ast.Module, depth: int = 0
    ) -> tuple[ast.ClassDef, ast.Module, Path] | None:
        """The class ``qual`` names in ``module`` (of ``folder``): a class of that module (no dot)
        or one imported (``pkg.mod.Name``, ``..mod.Name``) from a project file found from
        ``folder`` up, following re-exports; with its module and folder. None: cannot be read."""
        if "." not in qual:
            found = _class_in(module, qual)
            return (found, module, folder) if found is not None else None
        key = (str(folder), qual)
        if key in self._class_cache:
            return self._class_cache[key]
        self._class_cache[key] = None  # an import cycle reads as unreadable
        result = None
        mod, _, name = qual.rpartition(".")
        dots = len(mod) - len(mod.lstrip("."))
        parts = [p for p in mod.lstrip(".").split(".") if p]
        if not dots:
            roots = [folder, *folder.parents]
        elif dots == 1:
            roots = [folder]
        else:
            roots = [folder.parents[dots - 2]] if dots - 2 < len(folder.parents) else []
        for root in roots if depth < 8 else ():
            base = root.joinpath(*parts)
            cands = [base.with_suffix(".py"), base / "__init__.py"] if parts else [root / "__init__.py"]
            for cand in cands:
                try:
                    other = _parse(_disk.read_text(cand))
                except (OSError, ValueError, SyntaxError):
                    continue
                found = _class_in(other, name)
                if found is not None:
                    result = (found, other, cand.parent)
                else:
                    target = self._imports_of(other).get(name)
                    if target is not None and "." in target:
                        result = self._read_class(target, cand.parent, other, depth + 1)
                break
            else:
                continue
            break
        self._class_cache[key] = result
        return result

    def leave_ClassDef(self, original_node: cst.ClassDef, updated_node: cst.ClassDef) -> cst.ClassDef:
        if not any(last_name(b.value) in self.bases for b in original_node.bases):
            return updated_node
        if has_skip_comment(original_node) or not isinstance(updated_node.body, cst.IndentedBlock):
            return updated_node
        body = []
        changed = False
        shared = self._shared_client_state(original_node)
        attrs: list[dict[str, Kind]] = []  # computed once, when a test needs them

        def self_attrs() -> dict[str, Kind]:
            if not attrs:
                attrs.append(self._self_attrs(original_node))
            return attrs[0]

        for orig, new in zip(original_node.body.body, updated_node.body.body):
            if isinstance(orig, cst.FunctionDef):
                repl = self._method(orig, shared, self_attrs)
                changed = changed or repl is not orig
                body.append(repl)
            else:
                body.append(new)
        if not changed:
            return updated_node
        return updated_node.with_changes(body=updated_node.body.with_changes(body=body))

    def _self_attrs(self, cls: cst.ClassDef) -> dict[str, Kind]:
        """``self.x``/``cls.x`` that every method of the class (and of its bases in this file)
        binds to one model's instances."""
        found: dict[str, set[Kind | None]] = {}
        seen: set[str] = set()
        todo = [cls]
        while todo:
            current = todo.pop()
            if current.name.value in seen:
                continue
            seen.add(current.name.value)
            self._self_assigns(current, found)
            for b in current.bases:
                base = self.module_classes.get(last_name(b.value) or "")
                if base is not None:
                    todo.append(base)
        out: dict[str, Kind] = {}
        for attr, kinds in found.items():
            if len(kinds) == 1:
                (k,) = kinds
                if k is not None:
                    out[attr] = k
        return out

    def _self_assigns(self, cls: cst.ClassDef, found: dict[str, set[Kind | None]]) -> None:
        for st in cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ():
            if not isinstance(st, cst.FunctionDef) or not st.params.params:
                continue
            me = st.params.params[0].name.value
            v = _SelfAssigns(me)
            v.walk(st.body)
            if not v.assigns:
                continue
            env = _Env(self.models, None, {}, set())
            env.bind(st.body, [p.name.value for p in st.params.params])
            for attr, value in v.assigns:
                k = env.kind(value) if value is not None else None
                found.setdefault(attr, set()).add(k if k is not None and k[0] == "inst" else None)

    def _method(
        self, fn: cst.FunctionDef, shared: str | None, self_attrs: Callable[[], dict[str, Kind]]
    ) -> cst.FunctionDef:
        if not fn.name.value.startswith("test") or fn.asynchronous is not None:
            return fn
        if has_skip_comment(fn) or not fn.params.params:
            return fn
        self_name = fn.params.params[0].name.value
        if shared and re.search(
            rf"\b{re.escape(self_name)}\.client\.(?:{'|'.join(sorted(VERBS | LOGIN.keys()))})\s*\(",
            cst.Module(body=[]).code_for_node(fn.body),
        ):
            # requests through self.client: refused whatever else the test does (cheap path)
            self.ctx.report(fn, "not made async: " + shared + " (self.async_client would not share it)")
            return fn
        env = _Env(self.models, self_name, self_attrs(), set())
        env.bind(fn.body, [p.name.value for p in fn.params.params])
        env.find_clients()
        env.find_sessions()
        scan = _Scan(env, self.ctx.target_django)
        fn.body.visit(scan)
        if scan.client_calls == 0:
            return fn
        if scan.bare:
            scan.reasons.append("the client is used other than through a supported call")
        for d in fn.decorators:
            if not self._async_safe_decorator(d):
                scan.reasons.insert(
                    0, f"decorator @{_code(d.decorator)} is not known to support async tests"
                )
        if shared and scan.default_client:
            scan.reasons.insert(0, shared + " (self.async_client would not share it)")
        if scan.logins and self._login_refusal():
            scan.reasons.append(self._login_refusal() or "")
        self._async_class_check(scan)
        if scan.reasons:
            self.ctx.report(fn, "not made async: " + "; ".join(scan.reasons))
            return fn
        only = self._only_async_views(scan)
        if only:
            self.ctx.report(fn, "left sync: " + only)
            return fn
        if scan.client_ctors:
            self.needs_async_import = self.async_import_needed
            self.replaced_client = True
        fresh = _fresh_name(fn) if scan.list_calls else "row"
        new_body = fn.body.visit(_Rewrite(env, scan, fresh, self.async_class or ""))
        self.ctx.fixed(fn, "test now uses the async test client")
        return fn.with_changes(body=new_body, asynchronous=cst.Asynchronous())


    def _login_refusal(self) -> str | None:
        """Why ``client.login()`` -> ``alogin()`` may not be equivalent: ``alogin`` calls
        ``aauthenticate`` on every configured backend, which a backend not derived from Django's
        ``BaseBackend`` lacks and which ``ModelBackend`` implements apart from ``authenticate``
        (a subclass overriding only ``authenticate`` is bypassed). Fine only when the settings
        leave ``AUTHENTICATION_BACKENDS`` unset or list Django's own backends."""
        if self._login_why is None:
            self._login_why = _auth_backends_refusal(self.ctx.path, self.module.code) or ""
        return self._login_why or None

    def _default_user_model(self) -> bool:
        """The project's settings (found as for only-async-views) do not set AUTH_USER_MODEL."""
        if self._user_model_default is None:
            files = _settings_files(self.ctx.path)
            self._user_model_default = bool(files) and not any(
                "AUTH_USER_MODEL" in _disk.read_text(f, "replace") for f in files
            )
        return self._user_model_default

    def _is_pytest_django_client(self, fixtures: list[str], marks: list[_Mark]) -> bool:
        """A ``client`` fixture is taken for pytest-django's only when the module is plainly a
        Django test (it imports Django, pytest-django or a model; the test or its class/module
        has a ``django_db`` mark; or it takes another pytest-django fixture) and the project
        uses pytest-django (its dependency or pytest configuration files, or a conftest.py, from
        the test's folder up to the project root, name pytest-django, DJANGO_SETTINGS_MODULE or
        ``--ds``). Another plugin's ``client`` (pytest-chalice, pytest-flask) is left alone."""
        djangoish = (
            any(q.startswith(("django.", "pytest_django")) or _is_model_qual(q) for q in self.imports.names.values())
            or any(m.name == "pytest.mark.django_db" for m in [*marks, *self.module_marks])
            or any(f in PYTEST_DJANGO_FIXTURES for f in fixtures)
        )
        return djangoish and self._project_uses_pytest_django()

    def _project_uses_pytest_django(self) -> bool:
        if self._pytest_django is None:
            self._pytest_django = False
            start = Path(self.ctx.path).resolve().parent if self.ctx.path else Path.cwd()
            for d in (start, *start.parents):
                names = ["conftest.py", "pytest.ini", "pyproject.toml", "setup.cfg", "tox.ini", "setup.py", "manage.py"]
                names += [p.name for p in _disk.glob(d, "requirements*.txt")]
                names += [f"requirements/{p.name}" for p in _disk.glob(d / "requirements", "*.txt")]
                for name in names:
                    try:
                        text = _disk.read_text(d / name, "replace")
                    except OSError:
                        continue
                    if PYTEST_DJANGO_WORDS.search(text):
                        self._pytest_django = True
                        return True
                if any(_disk.path_exists(d / m) for m in ROOT_MARKERS):
                    break
        return self._pytest_django

    def _client_fixture_overridden(self) -> str | None:
        """Where a ``client``/``async_client`` fixture other than pytest-django's is defined: this
        module or a conftest.py from the test's directory up to the project root."""
        if self._overridden is None:
            self._overridden = ""
            pattern = re.compile(r"^\s*(?:async\s+)?def\s+(?:async_)?client\s*\(", re.MULTILINE)
            if pattern.search(self.module.code):
                self._overridden = "this module"
            else:
                start = Path(self.ctx.path).resolve().parent if self.ctx.path else Path.cwd()
                for d in (start, *start.parents):
                    try:
                        text = _disk.read_text(d / "conftest.py", "replace")
                    except OSError:
                        text = ""
                    if pattern.search(text):
                        self._overridden = str(d / "conftest.py")
                        break
                    if any(_disk.path_exists(d / m) for m in ("pytest.ini", "pyproject.toml", "setup.cfg", "tox.ini", "manage.py")):
                        break
        return self._overridden or None

    def _only_async_views(self, scan: _Scan) -> str | None:
        """With option only-async-views: why this test does not (visibly) request only async views."""
        value = self.ctx.option("only-async-views")
        if not (value is True or str(value).lower() in ("true", "1", "yes")):
            return None
        if self.urls is None:
            self.urls = _Urls(self.ctx.path)
        if self.urls.error:
            return f"only-async-views: {self.urls.error}"
        for call in scan.requests:
            code, route = _request_url(call, self.imports, scan.env.shadowed, self.urls)
            if route is None:
                return f"only-async-views: {code} does not resolve to a view in the urlconf"
            if route.is_async is not True:
                return f"only-async-views: {code} reaches {route.label}, not an async view"
        return None

    def _async_safe_decorator(self, d: cst.Decorator) -> bool:
        expr = d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator
        return self.imports.qualify(expr) in ASYNC_SAFE_DECORATORS

    def _async_class_check(self, scan: _Scan) -> None:
        if scan.client_ctors and self.async_class is None:
            scan.reasons.append("the name AsyncClient is bound to something else in this module")
        for call_id in scan.client_ctors:
            func = scan.env.client_ctors[call_id].func
            if not isinstance(func, cst.Name) or self.imports.names.get(func.value) not in CLIENT_CLASSES:
                scan.reasons.append("Client is not imported by name from django.test")
                break

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False  # test methods are analysed from their class; module-level ones in leave_Module

    # ------------------------------------------------------------------ pytest-django
    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        body = []
        changed = False
        for orig, new in zip(original_node.body, updated_node.body):
            repl = new
            if isinstance(orig, cst.FunctionDef) and orig.name.value.startswith("test"):
                repl = self._pytest_fn(orig, None, [])
            elif (
                isinstance(orig, cst.ClassDef)
                and orig.name.value.startswith("Test")
                # plain classes only: a unittest.TestCase (or unknown) base would never await the test
                and all(dotted_name(b.value) == "object" and not b.keyword for b in orig.bases)
                and isinstance(orig.body, cst.IndentedBlock)
                and not has_skip_comment(orig)
            ):
                repl = self._pytest_class(orig)
            changed = changed or repl is not orig and repl is not new
            body.append(repl)
        if not changed:
            return updated_node
        return updated_node.with_changes(body=body)

    def _pytest_class(self, cls: cst.ClassDef) -> cst.ClassDef:
        assert isinstance(cls.body, cst.IndentedBlock)
        marks = [*_decorator_marks(cls.decorators, self.imports), *_pytestmark(cls.body.body, self.imports)]
        self_attrs = self._self_attrs(cls)
        body = []
        changed = False
        for st in cls.body.body:
            if isinstance(st, cst.FunctionDef) and st.name.value.startswith("test"):
                repl = self._pytest_fn(st, self_attrs, marks)
                changed = changed or repl is not st
                body.append(repl)
            else:
                body.append(st)
        return cls.with_changes(body=cls.body.with_changes(body=body)) if changed else cls

    def _module_fixtures(self, module: cst.Module) -> dict[str, Kind]:
        """Fixtures of this module that return one model's instance (``return Model.objects.create()``)."""
        out: dict[str, Kind] = {}
        for st in module.body:
            if not isinstance(st, cst.FunctionDef) or not any(
                (self.imports.qualify(d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator) or "")
                == "pytest.fixture"
                for d in st.decorators
            ):
                continue
            body = st.body.body if isinstance(st.body, cst.IndentedBlock) else ()
            last = body[-1] if body else None
            if not (isinstance(last, cst.SimpleStatementLine) and isinstance(last.body[0], cst.Return)):
                continue
            value = last.body[0].value
            if value is None or "yield" in cst.Module(body=[]).code_for_node(st):
                continue
            env = _Env(self.models, None, {}, set())
            env.bind(st.body, [p.name.value for p in st.params.params])
            k = env.kind(value)
            if k is not None and k[0] == "inst":
                out[st.name.value] = k
        return out

    def _pytest_fn(
        self, fn: cst.FunctionDef, self_attrs: dict[str, Kind] | None, outer_marks: list[_Mark]
    ) -> cst.FunctionDef:
        in_class = self_attrs is not None
        params = list(fn.params.params)
        if fn.asynchronous is not None or has_skip_comment(fn) or (in_class and not params):
            return fn
        names = [p.name.value for p in params]
        fixtures = names[1:] if in_class else names
        code = cst.Module(body=[]).code_for_node(fn.body)
        uses_client = ("client" in fixtures and "client." in code) or any(
            n + "(" in code for n, q in self.imports.names.items() if q in CLIENT_CLASSES
        )
        if not uses_client:
            if "admin_client" in fixtures:
                self.ctx.report(fn, "not made async: the admin_client fixture has no async twin")
            return fn
        fn_marks = _decorator_marks(fn.decorators, self.imports)
        if "client" in fixtures and not self._is_pytest_django_client(fixtures, [*fn_marks, *outer_marks]):
            return fn  # not (visibly) pytest-django's client: another plugin's, not a Django test
        reasons: list[str] = []
        client_param = next((p for p in params[1 if in_class else 0:] if p.name.value == "client"), None)
        if client_param is not None and client_param.annotation is not None:
            ann = client_param.annotation.annotation
            if self.imports.qualify(ann) not in CLIENT_CLASSES:
                reasons.append(f"the client fixture is annotated {_code(ann)}, not django.test.Client")
            else:
                reasons.append(f"the client fixture is annotated {_code(ann)}, which async_client is not")
        if fn.params.star_arg is not cst.MaybeSentinel.DEFAULT or fn.params.star_kwarg or fn.params.kwonly_params:
            reasons.append("the test takes */** or keyword-only parameters")
        if "client" in fixtures:
            overridden = self._client_fixture_overridden()
            if overridden:
                reasons.append(f"{overridden} defines its own client/async_client fixture")
        for bad in ("admin_client", "async_client", *NO_ASYNC_FIXTURES):
            if bad in fixtures:
                reasons.append(f"the {bad} fixture cannot be used from an async test as it is")
        if "async_client" in _all_names(fn.body):
            reasons.append("the name async_client is already used in the test")
        pytest_local = self.imports.locals_for("pytest")
        if "pytest" in self.imports.names and "pytest" not in pytest_local:
            reasons.append("the name pytest is bound to something else in this module")
        for d in fn.decorators:
            if not any(m.decorator is d for m in fn_marks) and not self._async_safe_decorator(d):
                reasons.append(
                    f"decorator @{_code(d.decorator)} is not a pytest mark (it may not support async tests)"
                )
        known: dict[str, Kind] = {}
        opaque = set()
        plain = _parametrized([*fn_marks, *outer_marks, *self.module_marks])
        for f in fixtures:
            if f in plain:
                continue
            if f in self.fixtures:
                known[f] = self.fixtures[f]
            elif f == "django_user_model":
                if self._default_user_model():
                    known[f] = ("model", self.models.contrib_user())
                else:
                    known[f] = ("model", _Model("django_user_model.Model", frozenset({"pk", "id"}), None))
            elif f == "admin_user" and self._default_user_model():
                known[f] = ("inst", self.models.contrib_user())
            elif f not in PLAIN_FIXTURES:
                opaque.add(f)
        self_name = names[0] if in_class else None
        env = _Env(
            self.models, self_name, self_attrs or {}, set(),
            client_name="client" if "client" in fixtures else "",
            opaque=frozenset(opaque),
        )
        env.bind(fn.body, names, known)
        env.find_clients()
        env.find_sessions()
        scan = _Scan(env, self.ctx.target_django)
        fn.body.visit(scan)
        if scan.client_calls == 0:
            return fn
        if scan.bare:
            scan.reasons.append("the client is used other than through a supported call")
        self._async_class_check(scan)
        self._pending_import = False
        decorators, why = self._pytest_marks(fn, fn_marks, outer_marks, [f for f in fixtures if f not in plain])
        if why:
            reasons.append(why)
        reasons += scan.reasons
        if scan.logins and self._login_refusal():
            reasons.append(self._login_refusal() or "")
        if reasons:
            self.ctx.report(fn, "not made async: " + "; ".join(reasons))
            return fn
        only = self._only_async_views(scan)
        if only:
            self.ctx.report(fn, "left sync: " + only)
            return fn
        if scan.client_ctors:
            self.needs_async_import = self.async_import_needed
            self.replaced_client = True
        fresh = _fresh_name(fn) if scan.list_calls else "row"
        new_body = fn.body.visit(_Rewrite(env, scan, fresh, self.async_class or ""))
        new_params = [
            p.with_changes(name=cst.Name("async_client")) if p.name.value == "client" and (i or not in_class) else p
            for i, p in enumerate(params)
        ]
        self.needs_pytest_import = self.needs_pytest_import or self._pending_import
        self.ctx.fixed(fn, "test now uses the async_client fixture")
        return fn.with_changes(
            body=new_body,
            asynchronous=cst.Asynchronous(),
            params=fn.params.with_changes(params=new_params),
            decorators=decorators,
        )

    def _pytest_marks(
        self, fn: cst.FunctionDef, fn_marks: list[_Mark], outer: list[_Mark], fixtures: list[str]
    ) -> tuple[list[cst.Decorator], str | None]:
        """The test's decorators with the async marker and ``django_db(transaction=True)``: the
        two together, right after the test's existing pytest marks (at the top without any), the
        marker directly above an existing ``django_db`` mark."""
        decorators = list(fn.decorators)
        marker = str(self.ctx.option("async-marker") or "").strip()
        all_marks = [*fn_marks, *outer, *self.module_marks]
        added: list[cst.Decorator] = []
        if marker and marker.lower() != "none":
            try:
                marker_expr = cst.parse_expression(marker)
            except (cst.ParserSyntaxError, ValueError):
                return decorators, f"async-marker {marker!r} is not an expression"
            if not any(m.name == marker for m in all_marks):
                added.append(cst.Decorator(decorator=marker_expr))
                if marker.split(".")[0] == "pytest":
                    self._pending_import = True
        mark_at = [i for i, d in enumerate(decorators) if any(m.decorator is d for m in fn_marks)]
        after_marks = mark_at[-1] + 1 if mark_at else 0

        def place(at: int) -> list[cst.Decorator]:
            return [*decorators[:at], *added, *decorators[at:]]

        if "transactional_db" in fixtures or "live_server" in fixtures:
            return place(after_marks), None
        own = next((m for m in fn_marks if m.name == "pytest.mark.django_db"), None)
        outer_db = next(
            (m for m in [*outer, *self.module_marks] if m.name == "pytest.mark.django_db"), None
        )
        touches_db = own is not None or outer_db is not None or any(
            f not in PLAIN_FIXTURES or f in ("db", "django_user_model") for f in fixtures if f != "client"
        )
        if not touches_db:
            return place(after_marks), None
        if own is not None:
            new = _with_transaction(own.expr)
            if new is None:
                return decorators, f"cannot add transaction=True to @{_code(own.expr)}"
            i = decorators.index(own.decorator)
            if new is not own.expr:
                decorators[i] = own.decorator.with_changes(decorator=new)
            return place(i), None
        if outer_db is not None:
            new = _with_transaction(outer_db.expr)
            if new is None or (new is not outer_db.expr and not _portable(outer_db.expr)):
                return decorators, (
                    f"the class/module mark {_code(outer_db.expr)} would need transaction=True "
                    "(async tests under plain django_db leak their writes)"
                )
            if new is not outer_db.expr:
                added.append(cst.Decorator(decorator=new))
            return place(after_marks), None
        added.append(cst.Decorator(decorator=cst.parse_expression("pytest.mark.django_db(transaction=True)")))
        self._pending_import = True
        return place(after_marks), None


@dataclasses.dataclass(frozen=True)
class _Mark:
    name: str  # qualified, e.g. pytest.mark.django_db
    expr: cst.BaseExpression
    decorator: cst.Decorator | None = None


# Fixtures that hold no database objects of their own (anything else may be a model instance).
PLAIN_FIXTURES = frozenset(
    {
        "client", "settings", "db", "transactional_db", "rf", "async_rf", "caplog", "capsys",
        "capfd", "tmp_path", "tmpdir", "monkeypatch", "mailoutbox", "request", "django_user_model",
        "live_server", "mocker", "recwarn", "capsysbinary", "tmp_path_factory",
    }
)
# pytest-django's fixtures (besides client): a test taking one is a Django test.
PYTEST_DJANGO_FIXTURES = frozenset(
    {
        "db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback", "rf",
        "async_rf", "admin_client", "admin_user", "settings", "django_user_model",
        "django_username_field", "live_server", "mailoutbox", "django_mail_patch_dns",
        "django_assert_num_queries", "django_assert_max_num_queries",
        "django_capture_on_commit_callbacks", "async_client", "django_db_blocker", "django_db_setup",
    }
)
PYTEST_DJANGO_WORDS = re.compile(r"pytest[-_]django|DJANGO_SETTINGS_MODULE|--ds\b")
ROOT_MARKERS = ("pytest.ini", "pyproject.toml", "setup.cfg", "tox.ini", "manage.py", "setup.py")
# Fixtures that observe the test's own thread or connection: under an async test the ORM runs in
# another thread, so what they see changes.
NO_ASYNC_FIXTURES = (
    "django_assert_num_queries", "django_assert_max_num_queries", "django_capture_on_commit_callbacks",
)


def _parametrized(marks: list[_Mark]) -> set[str]:
    """Argument names that ``pytest.mark.parametrize`` fills with plain values (not ``indirect``)."""
    out: set[str] = set()
    for m in marks:
        if m.name != "pytest.mark.parametrize" or not isinstance(m.expr, cst.Call) or not m.expr.args:
            continue
        if any(a.keyword is not None and a.keyword.value == "indirect" for a in m.expr.args):
            continue
        first = m.expr.args[0].value
        items = [e.value for e in first.elements] if isinstance(first, (cst.List, cst.Tuple)) else [first]
        for item in items:
            if isinstance(item, cst.SimpleString) and isinstance(item.evaluated_value, str):
                out.update(n.strip() for n in item.evaluated_value.split(",") if n.strip())
    return out


def _mark_of(expr: cst.BaseExpression, imports: ImportTable) -> str | None:
    target = expr.func if isinstance(expr, cst.Call) else expr
    qual = imports.qualify(target)
    return qual if qual is not None and qual.startswith("pytest.mark.") else None


def _decorator_marks(decorators: Sequence[cst.Decorator], imports: ImportTable) -> list[_Mark]:
    out = []
    for d in decorators:
        name = _mark_of(d.decorator, imports)
        if name is not None:
            out.append(_Mark(name, d.decorator, d))
    return out


def _pytestmark(body: Sequence[cst.CSTNode], imports: ImportTable) -> list[_Mark]:
    out: list[_Mark] = []
    for st in body:
        if not isinstance(st, cst.SimpleStatementLine):
            continue
        for small in st.body:
            if not (
                isinstance(small, cst.Assign)
                and any(isinstance(t.target, cst.Name) and t.target.value == "pytestmark" for t in small.targets)
            ):
                continue
            value = small.value
            items = [e.value for e in value.elements] if isinstance(value, (cst.List, cst.Tuple)) else [value]
            for item in items:
                name = _mark_of(item, imports)
                if name is not None:
                    out.append(_Mark(name, item))
                else:  # opaque: it may hold a plain django_db mark
                    out.append(_Mark("pytest.mark.django_db", cst.Name("pytestmark")))
    return out


def _transaction_arg() -> cst.Arg:
    no_space = cst.SimpleWhitespace("")
    return cst.Arg(
        keyword=cst.Name("transaction"),
        value=cst.Name("True"),
        equal=cst.AssignEqual(whitespace_before=no_space, whitespace_after=no_space),
    )


def _is_true(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "True"


def _with_transaction(expr: cst.BaseExpression) -> cst.BaseExpression | None:
    """``mark`` / ``mark(...)`` with ``transaction=True``; the same node if it already has it; None
    if the arguments are not plain keywords."""
    if isinstance(expr, cst.Name):
        return None  # an opaque pytestmark
    if not isinstance(expr, cst.Call):
        return cst.Call(func=expr, args=[_transaction_arg()])
    args = list(expr.args)
    for i, a in enumerate(args):
        if a.star or a.keyword is None:
            return None
        if a.keyword.value == "transaction":
            if _is_true(a.value):
                return expr
            args[i] = a.with_changes(value=cst.Name("True"))
            return expr.with_changes(args=args)
    if args and args[-1].comma is cst.MaybeSentinel.DEFAULT:
        args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    args.append(_transaction_arg())
    return expr.with_changes(args=args)


def _portable(expr: cst.BaseExpression) -> bool:
    """A class/module mark whose text means the same inside a test function (literal arguments)."""
    if not isinstance(expr, cst.Call):
        return True
    return all(
        isinstance(a.value, (cst.Name, cst.SimpleString, cst.Integer, cst.List, cst.Tuple, cst.Set))
        and (not isinstance(a.value, cst.Name) or a.value.value in ("True", "False", "None"))
        for a in expr.args
    )


def _all_names(node: cst.CSTNode) -> set[str]:
    v = _Names()
    node.visit(v)
    return v.names


class _AddAsyncClient(cst.CSTTransformer):
    """Adds ``AsyncClient`` to the module-level ``from django.test import ... Client ...``."""

    def __init__(self) -> None:
        self.done = False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def leave_ImportFrom(self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom) -> cst.ImportFrom:
        if (
            self.done
            or updated_node.relative
            or updated_node.module is None
            or dotted_name(updated_node.module) not in ("django.test", "django.test.client")
            or isinstance(updated_node.names, cst.ImportStar)
            or not any(dotted_name(a.name) == "Client" for a in updated_node.names)
        ):
            return updated_node
        self.done = True
        names = list(updated_node.names)
        new = cst.ImportAlias(name=cst.Name("AsyncClient"), comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        if isinstance(names[0].comma, cst.Comma) and not isinstance(names[0].comma.whitespace_after, cst.SimpleWhitespace):
            new = new.with_changes(comma=names[0].comma)  # parenthesised, one name a line
        return updated_node.with_changes(names=[new, *names])


def _add_async_client_import(module: cst.Module) -> cst.Module:
    adder = _AddAsyncClient()
    new = module.visit(adder)
    if adder.done:
        return new
    return _add_import(module, cst.parse_statement("from django.test import AsyncClient\n"))


class _DropClient(cst.CSTTransformer):
    """Drops ``Client`` (or its alias) from module-level ``from django.test[.client] import``
    when nothing reads that name any more."""

    def __init__(self, used: set[str]) -> None:
        self.used = used

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom | cst.RemovalSentinel:
        if (
            updated_node.relative
            or updated_node.module is None
            or dotted_name(updated_node.module) not in ("django.test", "django.test.client")
            or isinstance(updated_node.names, cst.ImportStar)
        ):
            return updated_node
        names = list(updated_node.names)
        keep = [
            a for a in names
            if not (
                dotted_name(a.name) == "Client"
                and (a.asname.name.value if a.asname and isinstance(a.asname.name, cst.Name) else "Client")
                not in self.used
            )
        ]
        if len(keep) == len(names):
            return updated_node
        if not keep:
            return cst.RemoveFromParent()
        if names[-1] is not keep[-1]:
            keep[-1] = keep[-1].with_changes(comma=names[-1].comma)
        return updated_node.with_changes(names=keep)


def _drop_unused_client_import(module: cst.Module) -> cst.Module:
    return module.visit(_DropClient(name_uses(module)))


def _import_tops(st: cst.CSTNode) -> list[str] | None:
    """Top-level module names a module-level import line imports ('.' for relative ones)."""
    if not isinstance(st, cst.SimpleStatementLine) or not st.body:
        return None
    small = st.body[0]
    if isinstance(small, cst.Import):
        return [(dotted_name(a.name) or "").split(".")[0] for a in small.names]
    if isinstance(small, cst.ImportFrom):
        return ["."] if small.relative else [(dotted_name(small.module) or "").split(".")[0] if small.module else "."]
    return None


def _add_pytest_import(module: cst.Module) -> cst.Module:
    """``import pytest`` where isort would put it: in the leading imports' third-party group
    (one importing django or pytest-something), after its plain imports that sort before it and
    before its from-imports; else as a group of its own after the standard-library group."""
    line = cst.parse_statement("import pytest\n")
    body = list(module.body)
    groups: list[list[int]] = []
    for i, st in enumerate(body):
        tops = _import_tops(st)
        if tops is None:
            if isinstance(st, cst.SimpleStatementLine) and i == 0 and isinstance(st.body[0], cst.Expr):
                continue  # the docstring
            break
        if tops == ["__future__"]:
            continue
        if not groups or any(isinstance(ln, cst.EmptyLine) and not ln.comment for ln in st.leading_lines):
            groups.append([])
        groups[-1].append(i)
    if not groups:
        return _add_import(module, line)
    third = next(
        (g for g in groups if any(t == "django" or t.startswith("pytest") for i in g for t in _import_tops(body[i]) or ())),
        None,
    )
    if third is not None:
        at = third[0]
        for i in third:
            small = body[i].body[0]  # type: ignore[attr-defined]
            if isinstance(small, cst.Import) and (dotted_name(small.names[0].name) or "") < "pytest":
                at = i + 1
        if at == third[0]:
            first = body[at]
            body.insert(at, line.with_changes(leading_lines=first.leading_lines))
            body[at + 1] = first.with_changes(leading_lines=[])
        else:
            body.insert(at, line)
        return module.with_changes(body=body)
    std = [g for g in groups if all(t in sys.stdlib_module_names for i in g for t in _import_tops(body[i]) or ())]
    if not std:  # first-party imports only: third-party goes above them
        first = body[groups[0][0]]
        body.insert(groups[0][0], line.with_changes(leading_lines=first.leading_lines))
        body[groups[0][0] + 1] = first.with_changes(leading_lines=[cst.EmptyLine()])
        return module.with_changes(body=body)
    body.insert(std[-1][-1] + 1, line.with_changes(leading_lines=[cst.EmptyLine()]))
    return module.with_changes(body=body)


def _add_import(module: cst.Module, line: cst.BaseStatement) -> cst.Module:
    body = list(module.body)
    i = 0
    while i < len(body):
        st = body[i]
        if isinstance(st, cst.SimpleStatementLine) and (
            (isinstance(st.body[0], cst.Expr) and isinstance(st.body[0].value, cst.SimpleString) and i == 0)
            or (isinstance(st.body[0], cst.ImportFrom) and dotted_name(st.body[0].module or cst.Name("x")) == "__future__")
        ):
            i += 1
            continue
        break
    if i < len(body):
        first = body[i]
        is_import = isinstance(first, cst.SimpleStatementLine) and isinstance(first.body[0], (cst.Import, cst.ImportFrom))
        if is_import:
            body.insert(i, line.with_changes(leading_lines=first.leading_lines))
            body[i + 1] = first.with_changes(leading_lines=[])
        else:
            body.insert(i, line.with_changes(leading_lines=first.leading_lines))
            body[i + 1] = first.with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine()])
    else:
        body.append(line)
    return module.with_changes(body=body)


# --------------------------------------------------------------------------- only-async-views
SESSION_TWINS = frozenset(
    {
        "save", "get", "pop", "setdefault", "update", "has_key", "keys", "values", "items", "flush",
        "cycle_key", "set_expiry", "get_expiry_age", "get_expiry_date", "get_expire_at_browser_close",
        "set_test_cookie", "test_cookie_worked", "delete_test_cookie", "delete", "exists", "create",
    }
)
HTTP_HANDLERS = ("get", "post", "put", "patch", "delete", "head", "trace")
_CONVERTERS = {
    "int": "[0-9]+",
    "str": "[^/]+",
    "slug": "[-a-zA-Z0-9_]+",
    "uuid": "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
    "path": ".+",
}


def _route_regex(route: str) -> str:
    out = []
    pos = 0
    for m in re.finditer(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>", route):
        out.append(re.escape(route[pos : m.start()]))
        out.append("(?:" + _CONVERTERS.get(m.group("conv") or "str", "[^/]+") + ")")
        pos = m.end()
    out.append(re.escape(route[pos:]))
    return "".join(out)


@dataclasses.dataclass
class _Route:
    regex: str  # full, from the root urlconf, without the leading "/"
    anchored: bool  # path() endpoints match the whole path; a re_path() without "$" only its start
    name: str | None
    is_async: bool | None
    label: str


def _module_file(root: Path, dotted: str) -> Path | None:
    parts = dotted.split(".")
    for cand in (root.joinpath(*parts).with_suffix(".py"), root.joinpath(*parts, "__init__.py")):
        if _disk.is_file(cand):
            return cand
    return None


def _settings_module_files(root: Path, settings: str) -> list[Path]:
    """The settings module's file, or every file of a settings package."""
    f = _module_file(root, settings)
    if f is None:
        return []
    return [f, *_disk.glob(f.parent, "*.py")] if f.name == "__init__.py" else [f]


def _settings_files(test_path: str) -> list[Path]:
    found = _Urls._find_settings(Path(test_path).resolve().parent if test_path else Path.cwd())
    return _settings_module_files(*found) if found else []


def _ast_imports(tree: ast.Module, module: str) -> dict[str, str]:
    """Local name -> qualified name for a module's top-level imports (``_ast_import_map`` with the
    relative ones resolved against ``module``'s package)."""
    package = module.rsplit(".", 1)[0].split(".") if "." in module else []
    out: dict[str, str] = {}
    for local, target in _ast_import_map(tree).items():
        rest = target.lstrip(".")
        level = len(target) - len(rest)
        if level:
            target = ".".join([*package[: len(package) - (level - 1)], rest])
        out[local] = target
    return out


class _Urls:
    """Which request paths reach an async view: the project's urlconf read from disk (ROOT_URLCONF
    from the settings that manage.py or the pytest configuration names). Only a selection filter:
    whatever it answers, the rewrite itself stays correct."""

    def __init__(self, test_path: str) -> None:
        self.routes: list[_Route] = []
        self.error: str | None = None
        self.trees: dict[str, tuple[ast.Module, dict[str, str]] | None] = {}
        found = self._find_settings(Path(test_path).resolve().parent if test_path else Path.cwd())
        if found is None:
            self.error = "no manage.py or pytest configuration names the settings module"
            return
        self.root, settings = found
        urlconf = self._root_urlconf(settings)
        if urlconf is None:
            self.error = f"ROOT_URLCONF not found in {settings}"
            return
        self._load(urlconf, "", "", 0)

    @staticmethod
    def _find_settings(start: Path) -> tuple[Path, str] | None:
        setting = re.compile(r"DJANGO_SETTINGS_MODULE[\"']?\s*[,=:]\s*[\"']?([\w.]+)")
        for d in (start, *start.parents):
            for name in ("manage.py", "pytest.ini", "pyproject.toml", "setup.cfg", "tox.ini"):
                try:
                    text = _disk.read_text(d / name, "replace")
                except OSError:
                    continue
                m = setting.search(text)
                if m:
                    return d, m.group(1)
        return None

    def _root_urlconf(self, settings: str) -> str | None:
        for f in _settings_module_files(self.root, settings):
            m = re.search(r"^ROOT_URLCONF\s*=\s*[\"']([\w.]+)[\"']", _disk.read_text(f, "replace"), re.MULTILINE)
            if m:
                return m.group(1)
        return None

    def _tree(self, module: str) -> tuple[ast.Module, dict[str, str]] | None:
        if module not in self.trees:
            f = _module_file(self.root, module)
            try:
                tree = ast.parse(_disk.read_text(f)) if f else None
            except (SyntaxError, ValueError, OSError):
                tree = None
            self.trees[module] = (tree, _ast_imports(tree, module)) if tree else None
        return self.trees[module]

    def _load(self, module: str, prefix: str, namespace: str, depth: int) -> None:
        got = self._tree(module)
        if got is None or depth > 8:
            return
        tree, imports = got
        patterns: list[ast.expr] = []
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                target = node.targets[0].id
                if target == "urlpatterns" and isinstance(node.value, (ast.List, ast.Tuple)):
                    patterns = list(node.value.elts)
            elif (
                isinstance(node, ast.AugAssign)
                and isinstance(node.target, ast.Name)
                and node.target.id == "urlpatterns"
                and isinstance(node.value, (ast.List, ast.Tuple))
            ):
                patterns += node.value.elts
        ns = namespace
        for p in patterns:
            if not (isinstance(p, ast.Call) and len(p.args) >= 2 and isinstance(p.args[0], ast.Constant)):
                continue
            kind = p.func.attr if isinstance(p.func, ast.Attribute) else getattr(p.func, "id", "")
            route = str(p.args[0].value)
            if kind == "path":
                regex, anchored = _route_regex(route), True
            elif kind == "re_path":
                regex = route.removeprefix("^")
                anchored = regex.endswith("$")
                regex = regex[:-1] if anchored else regex
            else:
                continue
            view = p.args[1]
            name = next(
                (str(k.value.value) for k in p.keywords if k.arg == "name" and isinstance(k.value, ast.Constant)),
                None,
            )
            if isinstance(view, ast.Call) and getattr(view.func, "id", getattr(view.func, "attr", "")) == "include":
                target = view.args[0] if view.args else None
                sub = None
                if isinstance(target, ast.Constant) and isinstance(target.value, str):
                    sub = target.value
                elif isinstance(target, (ast.Name, ast.Attribute)):
                    sub = self._qualify(target, imports, module)
                sub_ns = next(
                    (str(k.value.value) for k in view.keywords if k.arg == "namespace" and isinstance(k.value, ast.Constant)),
                    None,
                )
                if sub is not None:
                    sub_app = self._app_name(sub)
                    nested = sub_ns or sub_app
                    self._load(sub, prefix + regex, f"{ns}{nested}:" if nested else ns, depth + 1)
                continue
            is_async, label = self._view_async(view, imports, module)
            self.routes.append(_Route(prefix + regex, anchored, f"{ns}{name}" if name else None, is_async, label))

    def _app_name(self, module: str) -> str:
        got = self._tree(module)
        if got is None:
            return ""
        for node in got[0].body:
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id == "app_name"
                and isinstance(node.value, ast.Constant)
            ):
                return str(node.value.value)
        return ""

    @staticmethod
    def _qualify(node: ast.expr, imports: dict[str, str], module: str) -> str | None:
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        head = imports.get(node.id, f"{module}.{node.id}")
        return ".".join([head, *reversed(parts)])

    def _view_async(self, view: ast.expr, imports: dict[str, str], module: str) -> tuple[bool | None, str]:
        cbv = isinstance(view, ast.Call) and isinstance(view.func, ast.Attribute) and view.func.attr == "as_view"
        target = view.func.value if cbv else view  # type: ignore[union-attr]
        qual = self._qualify(target, imports, module)
        if qual is None or "." not in qual:
            return None, ast.unparse(view)
        mod, _, name = qual.rpartition(".")
        got = self._tree(mod)
        if got is None:
            return None, qual
        for node in got[0].body:
            if cbv and isinstance(node, ast.ClassDef) and node.name == name:
                handlers = [
                    st for st in node.body
                    if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)) and st.name in HTTP_HANDLERS
                ]
                plain_view = all(
                    (b.attr if isinstance(b, ast.Attribute) else getattr(b, "id", "")) == "View" for b in node.bases
                )
                return bool(handlers) and plain_view and all(
                    isinstance(h, ast.AsyncFunctionDef) for h in handlers
                ), qual
            if not cbv and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
                return isinstance(node, ast.AsyncFunctionDef), qual
        return None, qual

    def by_path(self, path: str) -> _Route | None:
        path = path.split("#", 1)[0].split("?", 1)[0]
        if not path.startswith("/"):
            return None
        path = path[1:]
        for r in self.routes:
            try:
                m = re.match(r.regex + (r"\Z" if r.anchored else ""), path)
            except re.error:
                return None
            if m:
                return r
        return None

    def by_name(self, name: str) -> _Route | None:
        return next((r for r in self.routes if r.name == name), None)


def _request_url(call: cst.Call, imports: ImportTable, shadowed: set[str], urls: _Urls) -> tuple[str, _Route | None]:
    """The route a client request reaches, as far as its URL argument shows (literal path, f-string
    with placeholders taken as ``1``, ``reverse("name")``)."""
    arg = next((a.value for a in call.args if a.keyword is None or a.keyword.value == "path"), None)
    if arg is None:
        return "?", None
    code = _code(arg)
    if isinstance(arg, cst.SimpleString) and isinstance(arg.evaluated_value, str):
        return code, urls.by_path(arg.evaluated_value)
    if isinstance(arg, cst.FormattedString):
        text = "".join(p.value if isinstance(p, cst.FormattedStringText) else "1" for p in arg.parts)
        return code, urls.by_path(text)
    if (
        isinstance(arg, cst.Call)
        and imports.qualify(arg.func, shadowed) in ("django.urls.reverse", "django.urls.reverse_lazy")
        and arg.args
        and isinstance(arg.args[0].value, cst.SimpleString)
    ):
        name = arg.args[0].value.evaluated_value
        return code, urls.by_name(name) if isinstance(name, str) else None
    return code, None


@register
class AsyncTestClient(Codemod):
    name = "async-test-client"
    summary = "Django tests using the test client -> async tests using the async client"
    min_django = (3, 1)
    order = 40
    options: ClassVar[dict[str, Any]] = {"async-marker": "pytest.mark.asyncio", "only-async-views": False}
    choices: ClassVar[dict[str, tuple[str, ...]]] = {}

    def precheck(self, source: str) -> bool:
        return "def test" in source and ("client." in source or "Client" in source)

    def transform(self, module: cst.Module, ctx: Context) -> cst.Module:
        visitor = _Classes(ctx, module)
        new = module.visit(visitor)
        if visitor.needs_pytest_import and "pytest" not in visitor.imports.names:
            new = _add_pytest_import(new)
        if visitor.needs_async_import:
            new = _add_async_client_import(new)
        if visitor.replaced_client:
            new = _drop_unused_client_import(new)
        return new
