"""Django test facts: test case classes, test clients, login helpers, fixtures, auth backends."""

from __future__ import annotations

import re

# Django's own test case classes (django.test), by class name.
DJANGO_TEST_CASES = frozenset(
    {"SimpleTestCase", "TestCase", "TransactionTestCase", "LiveServerTestCase", "StaticLiveServerTestCase"}
)

# --------------------------------------------------------------------------- the test clients
# Request methods of Client and AsyncClient.
VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "trace"})
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
# SessionBase methods with an awaited ``a``-twin (Django 5.1+).
SESSION_TWINS = frozenset(
    {
        "save", "get", "pop", "setdefault", "update", "has_key", "keys", "values", "items", "flush",
        "cycle_key", "set_expiry", "get_expiry_age", "get_expiry_date", "get_expire_at_browser_close",
        "set_test_cookie", "test_cookie_worked", "delete_test_cookie", "delete", "exists", "create",
    }
)

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
# Files where the search for that evidence (going up from a test's folder) stops.
ROOT_MARKERS = ("pytest.ini", "pyproject.toml", "setup.cfg", "tox.ini", "manage.py", "setup.py")
# Files where the search for a conftest.py defining its own client fixture stops.
CONFTEST_ROOT_MARKERS = ("pytest.ini", "pyproject.toml", "setup.cfg", "tox.ini", "manage.py")
# Files that may name DJANGO_SETTINGS_MODULE, in the order they are looked at in a folder.
SETTINGS_NAMING_FILES = ("manage.py", "pytest.ini", "pyproject.toml", "setup.cfg", "tox.ini")

# --------------------------------------------------------------------------- ORM in test bodies
# Methods that, called on something not known to be a model/queryset, may still be the ORM.
ORM_ATTRS = frozenset(
    {
        "save", "delete", "refresh_from_db", "create", "get_or_create", "update_or_create",
        "bulk_create", "bulk_update", "create_user", "create_superuser", "count", "exists",
        "first", "last", "aggregate", "update", "in_bulk", "latest", "earliest", "add", "remove",
        "clear", "set",
    }
)
# What a queryset method returns, and which methods have awaited twins (Django 4.1+).
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
MANAGER_BASES = frozenset({"Manager", "BaseManager", "BaseUserManager", "UserManager"})
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

# --------------------------------------------------------------------------- URL resolution
# The handlers of a class-based view that must all be async for it to count as an async view.
HTTP_HANDLERS = ("get", "post", "put", "patch", "delete", "head", "trace")
# Django's path converters -> the regex each one matches.
PATH_CONVERTERS = {
    "int": "[0-9]+",
    "str": "[^/]+",
    "slug": "[-a-zA-Z0-9_]+",
    "uuid": "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
    "path": ".+",
}
