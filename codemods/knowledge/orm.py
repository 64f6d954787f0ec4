"""Django ORM facts: each async method with its sync twin, receiver, first version and effect.

Every codemod that reads, writes or converts Django database calls takes them from here. Versions
were checked against Django's release notes and source (``a``-prefixed methods arrived in 4.1 on
QuerySet, 4.2 on model instances and related managers, 5.0 for the async shortcuts and auth
functions, 5.1 for sessions, 5.2 for UserManager and permission checks; the cache's in 4.0).
"""

from __future__ import annotations

import dataclasses

Version = tuple[int, int]

# What a receiver is: a QuerySet or manager (``Model.objects``), a related manager
# (``order.items``), ``User.objects``, a model instance, a ``User`` instance, ``request.session``,
# a cache (``django.core.cache.cache``).
QUERYSET, RELATED, USER_MANAGER, INSTANCE, USER, SESSION, CACHE = (
    "queryset", "related-manager", "user-manager", "instance", "user", "session", "cache",
)
READ, WRITE = "read", "write"
# What an awaited call gives back (only where a codemod needs it): a model instance, an
# ``(instance, created)`` pair, anything else.
OBJECT, PAIR, OTHER = "object", "pair", "other"


@dataclasses.dataclass(frozen=True)
class Method:
    """One async ORM method: ``name`` (``aget``) on ``receiver``; its sync twin is ``sync``."""

    name: str
    receiver: str
    since: Version
    effect: str
    returns: str = OTHER

    @property
    def sync(self) -> str:
        return self.name[1:]


def _words(text: str) -> list[str]:
    return text.split()


def _table(receiver: str, since: Version, spec: str) -> dict[str, Method]:
    """``spec``: ``name:effect[:returns]`` words (effect r/w, returns o/p)."""
    out = {}
    for word in _words(spec):
        name, effect, *returns = word.split(":")
        kind = {"o": OBJECT, "p": PAIR}.get(returns[0] if returns else "", OTHER)
        out[name] = Method(name, receiver, since, READ if effect == "r" else WRITE, kind)
    return out


# Receiver kind -> async method name -> Method.
METHODS: dict[str, dict[str, Method]] = {
    QUERYSET: _table(
        QUERYSET, (4, 1),
        "aget:r:o acreate:w:o aget_or_create:w:p aupdate_or_create:w:p abulk_create:w abulk_update:w "
        "acount:r ain_bulk:r alatest:r:o aearliest:r:o afirst:r:o alast:r:o aaggregate:r aexists:r "
        "acontains:r aupdate:w adelete:w aexplain:r",
    ),
    RELATED: _table(RELATED, (4, 2), "aadd:w aremove:w aclear:w aset:w"),
    USER_MANAGER: _table(USER_MANAGER, (5, 2), "acreate_user:w:o acreate_superuser:w:o"),
    # arefresh_from_db writes the instance itself (its fields change under other readers).
    INSTANCE: _table(INSTANCE, (4, 2), "asave:w adelete:w arefresh_from_db:w"),
    USER: _table(
        USER, (5, 2),
        "ahas_perm:r ahas_perms:r ahas_module_perms:r aget_all_permissions:r aget_user_permissions:r "
        "aget_group_permissions:r",
    ),
    SESSION: _table(
        SESSION, (5, 1),
        "aget:r apop:w asetdefault:w aset_test_cookie:w atest_cookie_worked:r adelete_test_cookie:w "
        "aupdate:w ahas_key:r akeys:r avalues:r aitems:r aget_expiry_age:r aget_expiry_date:r "
        "aset_expiry:w aget_expire_at_browser_close:r aflush:w acycle_key:w aexists:r acreate:w "
        "asave:w adelete:w aload:r aset:w",
    ),
    CACHE: _table(
        CACHE, (4, 0),
        "aadd:w aget:r aset:w atouch:w adelete:w aget_many:r aget_or_set:w ahas_key:r aincr:w adecr:w "
        "aset_many:w adelete_many:w aclear:w aincr_version:w adecr_version:w",
    ),
}


def since_by_name(*receivers: str) -> dict[str, Version]:
    """Async method name -> first version, over ``receivers`` (a later receiver wins a name)."""
    return {name: m.since for r in receivers for name, m in METHODS[r].items()}


def names(*receivers: str, effect: str | None = None, returns: str | None = None) -> frozenset[str]:
    """The async method names of ``receivers``, optionally only those of one effect/result."""
    return frozenset(
        name
        for r in receivers
        for name, m in METHODS[r].items()
        if (effect is None or m.effect == effect) and (returns is None or m.returns == returns)
    )


def sync_names(async_names: frozenset[str] | set[str]) -> frozenset[str]:
    """``aget`` -> ``get`` for each name."""
    return frozenset(n[1:] for n in async_names)


# Module-level async functions: qualified name -> (module of the sync twin, sync name, since, effect).
FUNCTIONS: dict[str, tuple[str, str, Version, str]] = {
    "django.shortcuts.aget_object_or_404": ("django.shortcuts", "get_object_or_404", (5, 0), READ),
    "django.shortcuts.aget_list_or_404": ("django.shortcuts", "get_list_or_404", (5, 0), READ),
    "django.db.models.aprefetch_related_objects": (
        "django.db.models", "prefetch_related_objects", (5, 0), READ),
    "django.db.models.query.aprefetch_related_objects": (
        "django.db.models.query", "prefetch_related_objects", (5, 0), READ),
    # aauthenticate counts as a write: a backend may update the user (it is no pure read).
    **{
        f"django.contrib.auth.a{n}": ("django.contrib.auth", n, (5, 0), READ if n == "get_user" else WRITE)
        for n in ("authenticate", "login", "logout", "get_user", "update_session_auth_hash")
    },
}

# QuerySet methods that return another QuerySet without touching the database.
LAZY_METHODS = frozenset(
    _words(
        "all filter exclude order_by select_related prefetch_related annotate alias values values_list only "
        "defer distinct using select_for_update reverse none extra dates datetimes union intersection "
        "difference complex_filter raw"
    )
)
# ... of which these yield dicts/tuples instead of model instances.
VALUES_METHODS = frozenset({"values", "values_list"})
# Model attributes that are managers on every model.
MANAGER_ATTRS = frozenset({"objects", "_default_manager", "_base_manager"})
# Base classes of managers, by class name (a class deriving from one is a manager).
MANAGER_BASES = frozenset({"Manager", "BaseManager", "BaseUserManager", "UserManager"})
# Model fields that relate to other rows: reading one may load a row lazily.
RELATION_FIELDS = frozenset(
    {
        "ForeignKey", "OneToOneField", "ManyToManyField", "ForeignObject", "GenericForeignKey",
        "GenericRelation", "ParentalKey", "ParentalManyToManyField", "TreeForeignKey",
    }
)
CONTRIB_USER = "django.contrib.auth.models.User"
# Concrete fields of django.contrib.auth's User (reading one never queries).
USER_FIELDS = frozenset(
    {
        "username", "first_name", "last_name", "email", "password", "is_staff", "is_active",
        "is_superuser", "date_joined", "last_login",
    }
)

# --------------------------------------------------------------------------- sync ORM in async code
# QuerySet methods that give an iterator only ``async for`` can take: sync name -> async name, since.
ITERATORS: dict[str, tuple[str, Version]] = {"iterator": ("aiterator", (4, 1))}
# QuerySets iterate asynchronously (``async for``) from this version on.
ASYNC_ITERATION_SINCE: Version = (4, 1)
# Lazy methods whose result has no ``__aiter__`` (a RawQuerySet): not followed as a queryset.
NOT_ASYNC_ITERABLE = frozenset({"raw"})
# Lazy methods that say which relations a queryset loads with its rows.
LOADING_METHODS = frozenset({"select_related", "prefetch_related"})
# Module-level sync functions that run queries, by qualified name -> the async name in the same
# module (``FUNCTIONS`` holds its version). Left out: ``get_user`` and ``update_session_auth_hash``
# (rarely called in views; not asked for yet) and ``prefetch_related_objects``.
SYNC_FUNCTIONS = {
    f"{module}.{sync}": qual.rpartition(".")[2]
    for qual, (module, sync, _, _) in FUNCTIONS.items()
    if sync in ("get_object_or_404", "get_list_or_404", "authenticate", "login", "logout")
}
# What a sync query call reads back, for the names bound to it: the sync twins of methods that
# give an instance (``get``), an (instance, created) pair, and the shortcut giving an instance.
SYNC_INSTANCE_FUNCTIONS = frozenset({"django.shortcuts.get_object_or_404"})
# Calls that evaluate a queryset they are given synchronously (a template renders it, a serializer
# iterates it): by qualified name; and classes whose name ends so (DRF and the like).
SYNC_CONSUMERS = frozenset(
    {
        "django.shortcuts.render", "django.template.loader.render_to_string",
        "django.template.response.TemplateResponse", "django.template.response.SimpleTemplateResponse",
        "django.core.serializers.serialize", "django.core.paginator.Paginator",
    }
)
SYNC_CONSUMER_SUFFIXES = ("Serializer",)
# Builtins that evaluate a queryset, each with the awaited call that gives what the code wants
# (not always the same value: refused, with the fix named).
EVALUATING_BUILTINS = {"len": "await qs.acount()", "bool": "await qs.aexists()"}
# Builtins that iterate a queryset they are given at once (``list`` is rewritten, these refused).
ITERATING_BUILTINS = frozenset(
    _words("tuple set frozenset sorted sum any all max min enumerate zip reversed dict")
)
# Bases of classes a models module may define that are no models (choices, enums, plain data).
NOT_MODEL_BASES = frozenset(
    _words("TextChoices IntegerChoices Choices Enum IntEnum StrEnum IntFlag Flag object NamedTuple TypedDict")
    + _words("Manager BaseManager QuerySet Exception Protocol")
)
# The environment variable that turns Django's async-unsafe check off, and the files of a
# project's runtime that may set it (besides its settings module).
ASYNC_UNSAFE_ENV = "DJANGO_ALLOW_ASYNC_UNSAFE"
RUNTIME_FILES = ("manage.py", "asgi.py", "wsgi.py")

# ``request.user``: a lazy object whose first read loads the session's user with a sync query
# (SynchronousOnlyOperation in async code); its awaited twin ``request.auser()`` arrived in Django
# 5.0. Both are set by this middleware (a project without it has neither).
REQUEST_USER_ATTR, REQUEST_USER_TWIN = "user", "auser"
REQUEST_USER_SINCE: Version = (5, 0)
AUTH_MIDDLEWARE = "django.contrib.auth.middleware.AuthenticationMiddleware"
# Packages whose request object wraps Django's and has a ``user`` of its own (its authenticators'
# user, token auth included): their ``request.auser()`` would be the session's user instead.
OTHER_REQUEST_PACKAGES = ("rest_framework", "adrf")
# Calls that set ``request.user`` anew: ``auser()`` keeps the user it cached before, so a function
# that calls one (or assigns ``request.user``) keeps its ``request.user`` reads.
USER_CHANGING_FUNCTIONS = frozenset(
    f"django.contrib.auth.{n}" for n in ("login", "logout", "alogin", "alogout")
)
# django.core.paginator.AsyncPaginator / AsyncPage arrived in Django 6.0 (checked in its source:
# the same constructor; awaited methods for what Paginator gives as properties and methods).
ASYNC_PAGINATOR_SINCE: Version = (6, 0)
PAGINATOR = "django.core.paginator.Paginator"
ASYNC_PAGINATOR = "django.core.paginator.AsyncPaginator"
# Paginator property -> the AsyncPaginator method (awaited, no arguments) that gives its value.
PAGINATOR_PROPERTIES = {"count": "acount", "num_pages": "anum_pages", "page_range": "apage_range"}
# Paginator method -> its AsyncPaginator twin (awaited, the same arguments); these give a page.
PAGINATOR_METHODS = {"page": "apage", "get_page": "aget_page"}
# Page method -> its AsyncPage twin (awaited, no arguments).
PAGE_METHODS = {
    n: "a" + n
    for n in _words(
        "has_next has_previous has_other_pages next_page_number previous_page_number start_index end_index"
    )
}
# Page attributes an AsyncPage has as they are; ``object_list``: the page's queryset (a slice,
# iterated with ``async for``), or the page itself, iterated with ``async for`` too.
PAGE_ATTRS = frozenset({"number"})
PAGE_OBJECT_LIST = "object_list"
