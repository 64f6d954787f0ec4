"""Django test facts: test case classes, test clients, login helpers, fixtures, auth backends."""

from __future__ import annotations

import re

from codemods.knowledge import effects, http, layout, orm

# Django's own test case classes (django.test), by class name.
DJANGO_TEST_CASES = frozenset(
    {"SimpleTestCase", "TestCase", "TransactionTestCase", "LiveServerTestCase", "StaticLiveServerTestCase"}
)

# --------------------------------------------------------------------------- the test clients
# Request methods of Client and AsyncClient: every HTTP method Django knows.
VERBS = frozenset(http.METHODS)
# Login helpers of Client -> their awaited AsyncClient twins (Django 5.0+).
LOGIN = {"force_login": "aforce_login", "login": "alogin", "logout": "alogout"}
# Keyword arguments of a request that mean the same to both clients (anything else is a WSGI extra).
KNOWN_KW = frozenset({"path", "data", "content_type", "follow", "secure", "headers", "query_params"})
CLIENT_CLASSES = frozenset({"django.test.Client", "django.test.client.Client"})
ASYNC_CLIENT_CLASSES = frozenset({"django.test.AsyncClient", "django.test.client.AsyncClient"})
# Client attributes AsyncClient has with the same meaning: the cookie jar both send and update, and
# whether a view's exception is re-raised in the test.
SHARED_CLIENT_ATTRS = frozenset({"cookies", "raise_request_exception"})
# AsyncClient(headers=..., query_params=..., **defaults) stores them under WSGI names that an ASGI
# scope ignores (Django 5.2), so only these two carry over.
CLIENT_INIT_KW = frozenset({"enforce_csrf_checks", "raise_request_exception"})
# Headers AsyncRequestFactory puts in every scope itself (host, cookie) or with a body (content-*):
# a test's own value is appended, and ASGIRequest joins duplicates with "," ("testserver,example.com",
# a DisallowedHost), where Client's WSGI environ let it replace Django's.
ASGI_OWN_HEADERS = frozenset({"host", "cookie", "content-type", "content-length"})
# WSGI keys that look like headers but are the request's content type/length, not HTTP_ headers.
NOT_HEADER_KEYS = ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH")

# --------------------------------------------------------------------------- test responses
# A response's template context, under both names it goes by.
CONTEXT_ATTRS = ("context", "context_data")
# Keys of a rendered context that are lazy objects (they query when read).
LAZY_CONTEXT = frozenset({"user", "request", "perms"})
# What a test response carries as plain data (method calls on these do not query the database).
RESPONSE_DATA_ATTRS = frozenset(
    {
        "status_code", "content", "headers", "cookies", "charset", "reason_phrase", "templates",
        "redirect_chain", "url", "text", "json", "data", "streaming", "closed", "exc_info",
        "context", "context_data", "get", "has_header", "items", "getvalue", "streaming_content",
    }
)

# --------------------------------------------------------------------------- TestCase methods
# Assertions that need the sync client or run queries on the test's own thread.
QUERY_ASSERTS = frozenset({"assertNumQueries", "assertQuerySetEqual", "assertQuerysetEqual"})
# Assertions that compare their arguments by equality or identity (no query).
EQ_ASSERTS = frozenset(
    {
        "assertEqual", "assertNotEqual", "assertIs", "assertIsNot", "assertIsNone",
        "assertIsNotNone", "assertIn", "assertNotIn", "assertTrue", "assertFalse",
        "assertIsInstance", "assertNotIsInstance",
    }
)
# A response.context["key"] value may be a lazy queryset or a model instance: it may be compared in
# these assertions (equality and identity do not query), and a form's cached ``errors`` read.
CTX_ASSERTS = frozenset(
    {
        "assertEqual", "assertNotEqual", "assertIs", "assertIsNot", "assertIsNone", "assertIsNotNone",
        "assertIsInstance", "assertNotIsInstance", "assertFormError", "assertFormSetError",
    }
)
# TestCase helpers (not assertions) a test body may call without touching the database.
SAFE_SELF = frozenset({"fail", "subTest", "skipTest", "settings", "modify_settings"})
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
# TestCase attributes that hold or choose the client.
CLIENT_WORDS = frozenset({"client", "client_class", "async_client_class"})
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

# --------------------------------------------------------------------------- login
# Django's backends whose aauthenticate does what their authenticate does (Django 5.x).
DJANGO_AUTH_BACKENDS = frozenset(
    {
        "django.contrib.auth.backends.ModelBackend",
        "django.contrib.auth.backends.AllowAllUsersModelBackend",
        "django.contrib.auth.backends.RemoteUserBackend",
        "django.contrib.auth.backends.AllowAllUsersRemoteUserBackend",
    }
)

# --------------------------------------------------------------------------- pytest-django
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
# Fixtures that observe the test's own thread or connection: under an async test the ORM runs in
# another thread, so what they see changes.
NO_ASYNC_FIXTURES = (
    "django_assert_num_queries", "django_assert_max_num_queries", "django_capture_on_commit_callbacks",
)
# Text in a dependency, pytest configuration, manage.py or conftest.py file that shows the project
# runs its tests with pytest-django.
PYTEST_DJANGO_WORDS = re.compile(r"pytest[-_]django|DJANGO_SETTINGS_MODULE|--ds\b")
# Files where the search for that evidence (going up from a test's folder) stops: a project root.
ROOT_MARKERS = layout.ROOT_MARKERS
# Files where the search for a conftest.py defining its own client fixture stops: the same but
# setup.py, above which that search always went on (a conftest.py further up still counts).
CONFTEST_ROOT_MARKERS = tuple(m for m in layout.ROOT_MARKERS if m != "setup.py")
# Files that may name DJANGO_SETTINGS_MODULE, in the order they are looked at in a folder.
SETTINGS_NAMING_FILES = ("manage.py", "pytest.ini", "pyproject.toml", "setup.cfg", "tox.ini")

# --------------------------------------------------------------------------- ORM in test bodies
# What async-test-client rewrites of the ORM (``codemods.knowledge.orm``), by sync name. Each
# subset below is derived from the shared tables; where it is smaller, the names left out are
# named with the reason (tests/test_async_test_client_setup.py pins the results).
def _sync(*receivers: str, returns: str | None = None) -> frozenset[str]:
    return orm.sync_names(orm.names(*receivers, returns=returns))


# Managers a test reaches a model's rows through. ``_base_manager`` is left out: a call through it
# stays refused like any ORM call on something not known to be a queryset.
MANAGER_ATTRS = orm.MANAGER_ATTRS - {"_base_manager"}
# QuerySet methods that give a queryset of the same model's instances, followed by the kinds of a
# test body. Left out (a call of one refuses as a method without a twin this codemod uses):
# values/values_list (``VALUES_QS``, a queryset of rows that are no instances); only/defer
# (reading a deferred field of an instance queries); dates/datetimes (dates, not instances); raw
# (a RawQuerySet); union/intersection/difference (what may follow a combined queryset is
# restricted); select_for_update (needs the transaction of the thread running it); extra.
LAZY_QS = orm.LAZY_METHODS - orm.VALUES_METHODS - {
    "only", "defer", "dates", "datetimes", "raw", "union", "intersection", "difference",
    "select_for_update", "extra",
}
VALUES_QS = orm.VALUES_METHODS
QS_TWINS_INST = _sync(orm.QUERYSET, returns=orm.OBJECT)  # twins giving an instance
QS_TWINS_PAIR = _sync(orm.QUERYSET, returns=orm.PAIR)  # twins giving (instance, created)
# Other queryset twins; bulk_create (a list of instances) is left out: the scan knows it by name.
QS_TWINS_OTHER = _sync(orm.QUERYSET, returns=orm.OTHER) - {"bulk_create"}
USER_TWINS = _sync(orm.USER_MANAGER)  # UserManager, Django 5.2+
INSTANCE_TWINS = _sync(orm.INSTANCE)  # Django 4.2+
# Methods that, called on something not known to be a model/queryset, may still be the ORM: the
# sync names of queryset, related-manager, UserManager and instance twins. Left out: ``get``
# (every mapping has one: dict.get, response.get), ``contains`` and ``explain``; a call of
# them is judged like any other call.
ORM_ATTRS = _sync(orm.QUERYSET, orm.RELATED, orm.USER_MANAGER, orm.INSTANCE) - {"get", "contains", "explain"}
# SessionBase methods with an awaited ``a``-twin (Django 5.1+). Left out: ``set`` (``aset`` is the
# twin of ``s[key] = value``, which the codemod rewrites as a statement; there is no sync ``set``)
# and ``load`` (the session backends' own loader).
SESSION_TWINS = _sync(orm.SESSION) - {"set", "load"}
CONTRIB_USER = orm.CONTRIB_USER
USER_FIELDS = orm.USER_FIELDS
RELATION_FIELDS = orm.RELATION_FIELDS
MANAGER_BASES = orm.MANAGER_BASES
# Calls that never touch the database; anything else the test body calls may (a helper building
# fixtures, a factory), and then the test is left sync.
SAFE_BUILTINS = effects.SAFE_BUILTINS | effects.BUILTIN_EXCEPTIONS | effects.NO_DATABASE_BUILTINS
# Modules (as prefixes of qualified names) whose functions touch no database, the functions known
# to touch none (``os.getenv``, ``pytest.skip``, ``override_settings``: ``effects.NO_DATABASE_*``),
# and the mock modules: mocks patch module attributes for every thread; a mock *decorator* on the
# test still refuses.
SAFE_MODULES = (
    *(m + "." for m in (*effects.PURE_STDLIB_MODULES, *effects.PURE_DJANGO_MODULES, *effects.NO_DATABASE_MODULES)),
    *sorted(effects.NO_DATABASE_FUNCTIONS),
    "unittest.mock.", "mock.",
)

# --------------------------------------------------------------------------- URL resolution
# The handlers of a class-based view that must all be async for it to count as an async view.
HTTP_HANDLERS = http.VIEW_IS_ASYNC_METHODS
# Where a view's dotted name starting so means a sync view: Django ships no async views (checked
# up to 5.2: its generic, auth, admin, static and flatpages views are all plain functions/handlers).
SYNC_VIEW_PACKAGES = ("django.",)
# Django's path converters -> the regex each one matches.
PATH_CONVERTERS = {
    "int": "[0-9]+",
    "str": "[^/]+",
    "slug": "[-a-zA-Z0-9_]+",
    "uuid": "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
    "path": ".+",
}

# --------------------------------------------------------------------------- running async tests
# pytest runs an ``async def`` test only through a plugin ("async def functions are not natively
# supported" otherwise). The plugins async-test-client knows, by their distribution name as a
# project lists it among its dependencies (``_``/``-``/case aside), with the mark each needs.
# anyio's plugin ships with anyio itself; its default ``anyio_backend`` fixture is asyncio.
ASYNC_TEST_PLUGINS = {"pytest-asyncio": "pytest.mark.asyncio", "anyio": "pytest.mark.anyio"}
# pytest-asyncio's configuration that runs every async test without a mark.
ASYNCIO_AUTO_MODE = re.compile(r"(?m)^\s*asyncio_mode\s*=\s*[\"']?auto\b|--asyncio-mode[= ]auto\b")
# Migration operations that may write rows (data migrations): a transactional test's flush
# empties those rows, and later tests that expect them fail unless serialized_rollback restores them.
DATA_MIGRATION_OPERATIONS = ("RunPython", "RunSQL")
# Calls that defer work until the transaction commits: under pytest-django's plain ``django_db`` a
# sync test's views never commit, so the callbacks never run; a converted test's views run on
# another thread's connection, which commits, so they do.
COMMIT_HOOKS = ("on_commit",)
