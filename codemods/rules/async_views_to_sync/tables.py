"""The Django ORM, session, cache and runtime facts this codemod converts: async name -> since."""

from __future__ import annotations


def _names(text: str) -> list[str]:
    return text.split()


# method -> first Django version with it, per receiver kind ------------------------------------
_QS = dict.fromkeys(
    _names("aget acreate aget_or_create aupdate_or_create abulk_create abulk_update acount ain_bulk "
    "alatest aearliest afirst alast aaggregate aexists acontains aupdate adelete aexplain"),
    (4, 1),
)
QUERYSET_METHODS = {
    **_QS,
    **dict.fromkeys(_names("aadd aremove aclear aset"), (4, 2)),  # related managers
    **dict.fromkeys(_names("acreate_user acreate_superuser"), (5, 2)),  # UserManager
}
INSTANCE_METHODS = {
    **dict.fromkeys(_names("asave adelete arefresh_from_db"), (4, 2)),
    **dict.fromkeys(
        _names("ahas_perm ahas_perms ahas_module_perms aget_all_permissions aget_user_permissions "
        "aget_group_permissions"),
        (5, 2),
    ),
}
SESSION_METHODS = dict.fromkeys(
    _names("aget apop asetdefault aset_test_cookie atest_cookie_worked adelete_test_cookie aupdate ahas_key akeys "
    "avalues aitems aget_expiry_age aget_expiry_date aset_expiry aget_expire_at_browser_close aflush "
    "acycle_key aexists acreate asave adelete aload aset"),
    (5, 1),
)
CACHE_METHODS = dict.fromkeys(
    _names("aadd aget aset atouch adelete aget_many aget_or_set ahas_key aincr adecr aset_many adelete_many aclear "
    "aincr_version adecr_version"),
    (4, 0),
)
# Methods whose awaited result is a model instance (for ``obj = await ...; await obj.asave()``).
INSTANCE_RESULTS = frozenset(_names("aget acreate afirst alast alatest aearliest acreate_user acreate_superuser"))
PAIR_RESULTS = frozenset({"aget_or_create", "aupdate_or_create"})
# Module functions: qualified async name -> (module of the sync twin, sync name, since).
FUNCTIONS = {
    "django.shortcuts.aget_object_or_404": ("django.shortcuts", "get_object_or_404", (5, 0)),
    "django.shortcuts.aget_list_or_404": ("django.shortcuts", "get_list_or_404", (5, 0)),
    "django.db.models.aprefetch_related_objects": ("django.db.models", "prefetch_related_objects", (5, 0)),
    "django.db.models.query.aprefetch_related_objects": (
        "django.db.models.query", "prefetch_related_objects", (5, 0)),
    **{
        f"django.contrib.auth.a{n}": ("django.contrib.auth", n, (5, 0))
        for n in ("authenticate", "login", "logout", "get_user", "update_session_auth_hash")
    },
}
SYNC_TO_ASYNC = "asgiref.sync.sync_to_async"
LAZY_METHODS = frozenset(
    _names("all filter exclude order_by select_related prefetch_related annotate alias values values_list only defer "
    "distinct using select_for_update reverse none extra dates datetimes union intersection difference "
    "complex_filter raw")
)
MANAGER_ATTRS = frozenset({"objects", "_default_manager", "_base_manager"})
ASYNC_LIBS = ("asyncio", "anyio", "trio", "asgiref")
