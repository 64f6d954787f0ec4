"""Effects: methods that mutate their receiver, builtins and modules whose calls have no effect
on anything the codemods reason about (the database, a response, the other calls of a run)."""

from __future__ import annotations

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
