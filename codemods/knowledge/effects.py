"""Effects: methods that mutate their receiver, builtins and modules whose calls have no effect
on anything the codemods reason about (the database, a response, the other calls of a run), and
calls known to touch no database though they do something else (``os.environ.get``, ``random``)."""

from __future__ import annotations

import builtins

# Methods of the builtin containers that change the container they are called on.
MUTATORS = frozenset(
    {"append", "extend", "update", "pop", "insert", "remove", "clear", "add", "discard", "setdefault",
     "popitem", "sort", "reverse"}
)
# Methods that put their arguments into the receiver (``tasks.append(view(r))``).
STORING = frozenset({"append", "extend", "add", "insert", "appendleft", "put", "put_nowait", "setdefault"})
# Builtins that compute a value from their arguments and touch nothing else (``print`` writes to
# stdout only). A codemod may use a subset; none may use more.
SAFE_BUILTINS = frozenset(
    {
        "len", "str", "int", "float", "bool", "list", "dict", "set", "tuple", "frozenset",
        "sorted", "reversed", "range", "enumerate", "zip", "isinstance", "min", "max", "sum", "any",
        "all", "abs", "round", "repr", "print", "type", "bytes", "iter", "next", "divmod", "chr",
        "ord", "format", "hex",
    }
)
# Standard-library modules whose functions compute values and touch no database and no network.
PURE_STDLIB_MODULES = (
    "json", "datetime", "decimal", "uuid", "re", "urllib.parse", "math", "http", "base64", "string",
    "textwrap", "collections", "itertools", "operator", "io", "os.path", "pathlib",
)
# Django modules of the same kind (URL reversing, time zones, text and HTML helpers, model field
# classes and expressions, file wrappers, request/response classes).
PURE_DJANGO_MODULES = (
    "django.urls", "django.utils.timezone", "django.utils.http", "django.utils.encoding",
    "django.utils.html", "django.utils.text", "django.utils.dateparse", "django.utils.datastructures",
    "django.db.models", "django.core.files.uploadedfile", "django.core.files.base", "django.http",
)
# Builtin exception classes: making one (``raise AssertionError(...)``) computes a value only.
BUILTIN_EXCEPTIONS = frozenset(
    n for n in dir(builtins) if isinstance(getattr(builtins, n), type) and issubclass(getattr(builtins, n), BaseException)
)
# Calls that touch no database, though they may do something else: read the environment, draw from
# the random generator, read the clock, write a log record, hash, skip or fail a test, override
# settings for a test, reverse a URL through Django's pre-2.0 module. What a codemod that only asks
# "may it query the database?" (async-test-client) may take; not effect-free for gather-awaits
# (the order of those other effects may matter: a seeded generator, a log). Modules (their
# functions and classes) by dotted name, and single functions by qualified name.
NO_DATABASE_MODULES = (
    "random", "time", "logging", "hashlib", "hmac", "secrets", "copy", "os.environ",
    "django.utils.crypto", "django.utils.translation", "django.core.signing", "django.core.urlresolvers",
)
NO_DATABASE_FUNCTIONS = frozenset({
    "os.getenv", "pytest.skip", "pytest.fail", "pytest.xfail", "pytest.approx",
    "django.test.override_settings", "django.test.modify_settings",
    "django.test.utils.override_settings", "django.test.utils.modify_settings",
    "django.contrib.auth.hashers.make_password", "django.contrib.auth.get_user_model",
    "django.shortcuts.reverse",  # django.urls.reverse, re-exported (not resolve_url/redirect: a model's URL)
})
# Builtins that touch no database besides ``SAFE_BUILTINS`` (``open`` reads or writes a file).
NO_DATABASE_BUILTINS = frozenset({"open", "id", "callable", "issubclass"})
# Loggers by their usual names: a call on one writes a log record, nothing else.
LOGGER_NAMES = frozenset({"logger", "log", "LOGGER", "LOG", "_logger", "_log", "logging"})
# str methods (used to tell string formatting from other calls).
STR_METHODS = frozenset(
    {
        "format", "join", "replace", "split", "rsplit", "strip", "lstrip", "rstrip", "lower", "upper",
        "startswith", "endswith", "encode", "splitlines", "partition", "removeprefix", "removesuffix",
    }
)
# Parameter annotations of values nothing can mutate: passing one to a call is harmless.
IMMUTABLE_TYPES = frozenset(
    {"int", "str", "float", "bool", "bytes", "complex", "uuid.UUID", "UUID", "decimal.Decimal", "Decimal",
     "datetime.date", "datetime.datetime", "date", "datetime"}
)
