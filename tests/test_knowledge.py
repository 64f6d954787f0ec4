"""The shared knowledge tables hold what the codemods held before they were merged, and the named
subsets each codemod derives from them stay what they were (a change here is a behaviour change:
it must be made on purpose, with the codemod tests that show it)."""

from __future__ import annotations

from codemods.knowledge import effects, http, layout, orm, runtime


def _l(text: str) -> list[str]:
    return text.split()


def _w(text: str) -> frozenset[str]:
    return frozenset(text.split())


def test_orm_versions_by_receiver():
    # async-views-to-sync's tables before the merge (method -> first Django version)
    qs = dict.fromkeys(
        _l("aget acreate aget_or_create aupdate_or_create abulk_create abulk_update acount ain_bulk alatest "
           "aearliest afirst alast aaggregate aexists acontains aupdate adelete aexplain"), (4, 1)
    )
    assert orm.since_by_name(orm.QUERYSET, orm.RELATED, orm.USER_MANAGER) == {
        **qs, **dict.fromkeys(_l("aadd aremove aclear aset"), (4, 2)),
        **dict.fromkeys(["acreate_user", "acreate_superuser"], (5, 2)),
    }
    assert list(orm.since_by_name(orm.QUERYSET)) == list(qs)  # order kept: diagnostics list them
    assert orm.since_by_name(orm.INSTANCE, orm.USER) == {
        **dict.fromkeys(_l("asave adelete arefresh_from_db"), (4, 2)),
        **dict.fromkeys(
            _l("ahas_perm ahas_perms ahas_module_perms aget_all_permissions aget_user_permissions "
               "aget_group_permissions"), (5, 2)),
    }
    assert set(orm.since_by_name(orm.SESSION)) == _w(
        "aget apop asetdefault aset_test_cookie atest_cookie_worked adelete_test_cookie aupdate ahas_key akeys "
        "avalues aitems aget_expiry_age aget_expiry_date aset_expiry aget_expire_at_browser_close aflush "
        "acycle_key aexists acreate asave adelete aload aset"
    )
    assert set(orm.since_by_name(orm.SESSION).values()) == {(5, 1)}
    assert set(orm.since_by_name(orm.CACHE)) == _w(
        "aadd aget aset atouch adelete aget_many aget_or_set ahas_key aincr adecr aset_many adelete_many aclear "
        "aincr_version adecr_version"
    )
    assert set(orm.since_by_name(orm.CACHE).values()) == {(4, 0)}


def test_orm_results_and_effects():
    assert orm.names(orm.QUERYSET, orm.USER_MANAGER, returns=orm.OBJECT) == _w(
        "aget acreate afirst alast alatest aearliest acreate_user acreate_superuser"
    )
    assert orm.names(orm.QUERYSET, returns=orm.PAIR) == {"aget_or_create", "aupdate_or_create"}
    # gather-awaits' ORM reads, less the request and shortcut ones it adds by name
    assert orm.names(orm.QUERYSET, effect=orm.READ) == _w(
        "aget afirst alast acount aexists aaggregate alatest aearliest acontains ain_bulk aexplain"
    )
    assert orm.names(orm.QUERYSET, orm.RELATED, orm.USER_MANAGER, orm.INSTANCE, effect=orm.WRITE) == _w(
        "asave acreate aupdate adelete abulk_create abulk_update aget_or_create aupdate_or_create aadd aremove "
        "aset aclear arefresh_from_db acreate_user acreate_superuser"
    )
    for table in orm.METHODS.values():
        for name, m in table.items():
            assert name == m.name and name.startswith("a") and m.sync == name[1:]
            assert m.effect in (orm.READ, orm.WRITE)


def test_orm_functions_and_querysets():
    assert {k: v[:3] for k, v in orm.FUNCTIONS.items()} == {
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
    assert orm.LAZY_METHODS == _w(
        "all filter exclude order_by select_related prefetch_related annotate alias values values_list only defer "
        "distinct using select_for_update reverse none extra dates datetimes union intersection difference "
        "complex_filter raw"
    )
    assert orm.VALUES_METHODS <= orm.LAZY_METHODS
    assert orm.MANAGER_ATTRS == {"objects", "_default_manager", "_base_manager"}


def test_http_method_subsets():
    assert http.METHODS == ("get", "post", "put", "patch", "delete", "head", "options", "trace")
    assert http.VIEW_IS_ASYNC_METHODS == ("get", "post", "put", "patch", "delete", "head", "trace")
    assert http.VIEW_RESPONSE_METHODS == {*http.METHODS, "dispatch", "http_method_not_allowed"}
    assert http.READ_METHODS | http.WRITE_METHODS | {"trace"} == set(http.METHODS)
    assert not http.READ_METHODS & http.WRITE_METHODS


def test_runtime_and_effects():
    assert runtime.SYNC_TO_ASYNC.rpartition(".")[2] in runtime.SYNC_TO_ASYNC_NAMES
    assert runtime.DATABASE_SYNC_TO_ASYNC.rpartition(".")[2] in runtime.SYNC_TO_ASYNC_NAMES
    assert effects.STORING - effects.MUTATORS == {"appendleft", "put", "put_nowait"}
    # requests-to-httpx's harmless builtins (before the merge) are a subset of the shared ones
    assert _w(
        "len str int float bool dict list tuple set isinstance print min max sorted sum any all range enumerate "
        "zip repr round abs"
    ) <= effects.SAFE_BUILTINS


def test_test_module_rule():
    f = layout.is_test_module
    assert f(("shop", "tests.py")) and f(("shop", "test_views.py")) and f(("shop", "views_tests.py"))
    assert f(("shop", "tests", "views.py")) and f(("test", "x.py"))
    assert not f(("shop", "views.py")) and not f(())
    # gather-awaits does not count conftest.py (it holds fixtures, not tests) unless in a tests folder
    assert f(("app", "conftest.py")) and not f(("app", "conftest.py"), conftest=False)
    assert f(("tests", "conftest.py"), conftest=False)
    # async-views-to-sync does not count a module named test.py
    assert f(("app", "test.py")) and not f(("app", "test.py"), test_py=False)
    assert layout.ROOT_MARKERS[:4] == layout.PACKAGE_ROOT_MARKERS == ("pyproject.toml", "setup.py", "setup.cfg", "manage.py")
