"""async-orm: ``request.user`` in async code -> ``await request.auser()`` (Django 5.0+), only where the
settings run AuthenticationMiddleware and the function does not change the user; in one run with
async-views-to-sync, a view that becomes sync gets its ``request.user`` back."""

from __future__ import annotations

import pytest

from tests.async_orm_support import AUTH_MIDDLEWARE, CM, user_shop
from tests.harness import check_noop, check_transformed, rewrite

HEAD = "from django.http import JsonResponse\n\n\n"


def test_each_read_in_a_function_view_becomes_the_awaited_twin(tmp_path):
    check_transformed(
        CM,
        HEAD + "async def profile(request):\n"
        "    if request.user.is_authenticated:\n"
        "        name = request.user.username\n"
        "    else:\n"
        "        name = None\n"
        "    for _ in range(2):\n"
        "        audit(request.user)\n"
        "    user = request.user\n"
        "    return JsonResponse({'name': name, 'same': user == request.user})\n",
        HEAD + "async def profile(request):\n"
        "    if (await request.auser()).is_authenticated:\n"
        "        name = (await request.auser()).username\n"
        "    else:\n"
        "        name = None\n"
        "    for _ in range(2):\n"
        "        audit(await request.auser())\n"
        "    user = await request.auser()\n"
        "    return JsonResponse({'name': name, 'same': user == await request.auser()})\n",
        path=user_shop(tmp_path),
    )


def test_a_class_based_view_handler_reads_self_request_and_its_request_parameter(tmp_path):
    check_transformed(
        CM,
        "from django.views import View\n\n\nclass Profile(View):\n"
        "    async def get(self, request):\n"
        "        return JsonResponse({'a': self.request.user.pk, 'b': request.user.get_username()})\n",
        "from django.views import View\n\n\nclass Profile(View):\n"
        "    async def get(self, request):\n"
        "        return JsonResponse({'a': (await self.request.auser()).pk, 'b': (await request.auser()).get_username()})\n",
        path=user_shop(tmp_path),
    )


def test_a_decorated_view_is_rewritten_and_a_nested_sync_def_or_lambda_is_left(tmp_path):
    check_transformed(
        CM,
        "from django.contrib.auth.decorators import login_required\n\n\n@login_required\n"
        "async def view(request):\n"
        "    def name():\n        return request.user.username\n"
        "    later = lambda: request.user.pk\n"
        "    return request.user.email, name, later\n",
        "from django.contrib.auth.decorators import login_required\n\n\n@login_required\n"
        "async def view(request):\n"
        "    def name():\n        return request.user.username\n"
        "    later = lambda: request.user.pk\n"
        "    return (await request.auser()).email, name, later\n",
        path=user_shop(tmp_path),
    )


@pytest.mark.parametrize(
    "source",
    [
        "async def view(req):\n    return req.user.pk\n",  # not the request parameter's name
        "async def view(pk, request):\n    return request.user.pk\n",  # not the first parameter
        "async def view(request):\n    request = other()\n    return request.user.pk\n",  # rebound
        "def view(request):\n    return request.user.pk\n",  # sync: right as it is
        "class V:\n    async def get(self):\n        return request.user.pk\n",  # a global, no parameter
        "async def view(request):\n    return (await request.auser()).pk\n",  # done already
    ],
)
def test_what_is_not_the_request_user_of_an_async_function_is_left_alone(source, tmp_path):
    check_noop(CM, HEAD + source, None, path=user_shop(tmp_path))


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ("    request.user = other\n", "the function assigns request.user"),
        ("    del request.user\n", "the function deletes request.user"),
        ("    await alogin(request, other)\n", "the function calls alogin()"),
        ("    logout(request)\n", "the function calls logout()"),
    ],
)
def test_a_function_that_changes_the_user_keeps_its_reads(change, said, tmp_path):
    source = (
        "from django.contrib.auth import alogin, logout\n\n\nasync def view(request, other):\n"
        "    before = request.user.pk\n" + change + "    return before, request.user.pk\n"
    )
    out = rewrite(CM, source, path=user_shop(tmp_path))
    assert "auser" not in out.source
    msgs = [(d.code, d.message) for d in out.diagnostics if d.kind == "refused"]
    assert ("DJA516", f"`request.user` kept: {said}, and auser() keeps the user it cached") in msgs, msgs


@pytest.mark.parametrize(
    ("settings", "reason"),
    [
        (None, "settings module shop.settings not found"),
        ("SECRET_KEY = 'x'\n", "the settings do not set MIDDLEWARE"),
        ("MIDDLEWARE = ['django.contrib.sessions.middleware.SessionMiddleware']\n", "MIDDLEWARE in settings.py lacks it"),
        ("import base\nMIDDLEWARE = base.MIDDLEWARE\n", "settings.py sets MIDDLEWARE to no literal list"),
        (f"MIDDLEWARE = ['{AUTH_MIDDLEWARE}']\nMIDDLEWARE.remove('{AUTH_MIDDLEWARE}')\n",
         "settings.py changes MIDDLEWARE in a way not followed"),
        ("from shop.missing import *\n", "settings.py star-imports shop.missing, which cannot be read"),
    ],
)
def test_without_authentication_middleware_known_the_reads_stay_with_the_reason(settings, reason, tmp_path):
    out = check_noop(
        CM, HEAD + "async def view(request):\n    return request.user.pk, request.user.email\n",
        f"`request.user` kept: auser() is set by AuthenticationMiddleware, not known to run ({reason})",
        path=user_shop(tmp_path, settings),
    )
    assert [d.code for d in out.diagnostics if d.kind == "refused"] == ["DJA515"]


def test_no_settings_named_at_all_is_said(tmp_path):
    path = user_shop(tmp_path)
    (tmp_path / "manage.py").unlink()
    check_noop(
        CM, HEAD + "async def view(request):\n    return request.user.pk\n",
        "not known to run (no manage.py or pytest configuration names the settings module)", path=path,
    )


def test_middleware_added_with_plus_equals_to_a_list_that_has_it_is_known(tmp_path):
    settings = f"MIDDLEWARE = ['{AUTH_MIDDLEWARE}']\nMIDDLEWARE += ['x.Middleware']\n"
    check_transformed(
        CM, HEAD + "async def view(request):\n    return request.user.pk\n",
        HEAD + "async def view(request):\n    return (await request.auser()).pk\n",
        path=user_shop(tmp_path, settings),
    )


def test_below_django_5_0_it_names_the_version_that_has_auser(tmp_path):
    check_noop(
        CM, HEAD + "async def view(request):\n    return request.user.pk\n",
        "reading request.user raises SynchronousOnlyOperation here; its async twin request.auser() arrived in "
        "Django 5.0 (target is 4.2)",
        path=user_shop(tmp_path), target_django=(4, 2),
    )


def test_in_a_generator_expression_or_atomic_block_it_is_refused_as_other_orm_work(tmp_path):
    check_noop(
        CM, HEAD + "async def view(request, rows):\n    return list(request.user.pk + r for r in rows)\n",
        "`request.user` runs inside a generator expression", path=user_shop(tmp_path),
    )


def test_in_one_run_with_async_views_to_sync_the_pipeline_is_consistent(tmp_path):
    from codemods.config import Settings
    from codemods.project import ProjectIndex
    from codemods.registry import get
    from codemods.runner import transform_source

    src = HEAD + "async def whoami(request):\n    return JsonResponse({'name': request.user.username})\n"
    chosen = [get(CM), get("async-views-to-sync")]
    path = user_shop(tmp_path)
    both = transform_source(src, path, Settings(select=(CM, "async-views-to-sync"), target_django=(5, 2)),
                            ProjectIndex(), chosen)
    assert both.error is None
    # async-orm made it `await request.auser()`, the one await left; async-views-to-sync made the
    # view sync and gave it back request.user: the sync view reads the user as Django means it
    assert both.source == HEAD + "def whoami(request):\n    return JsonResponse({'name': request.user.username})\n"
    alone = transform_source(src, path, Settings(select=(CM,), target_django=(5, 2)), ProjectIndex(), [get(CM)])
    assert "async def whoami" in alone.source and "(await request.auser()).username" in alone.source
    again = transform_source(both.source, path, Settings(select=(CM, "async-views-to-sync"), target_django=(5, 2)),
                             ProjectIndex(), chosen)
    assert again.source == both.source


@pytest.mark.parametrize("imp", ["from rest_framework.views import APIView\n", "import adrf.views\n"])
def test_a_django_rest_framework_request_keeps_its_user(imp, tmp_path):
    pkg = imp.split()[1].split(".")[0]
    out = check_noop(
        CM, imp + "\n\nclass Me(APIView):\n    async def get(self, request):\n        return request.user.pk\n",
        f"`request.user` kept: the file imports {pkg}, whose request.user is not auser()'s user",
        path=user_shop(tmp_path),
    )
    assert [d.code for d in out.diagnostics if d.kind == "refused"] == ["DJA517"]


def test_a_project_file_that_assigns_a_request_user_keeps_the_reads(tmp_path):
    from codemods.project import ProjectIndex, file_facts

    test_text = "def test_me(rf, user):\n    request = rf.get('/')\n    request.user = user\n    assert view(request)\n"
    index = ProjectIndex.build({str(tmp_path / "shop/test_views.py"): file_facts(test_text)})
    assert index.request_user_set_in == (str(tmp_path / "shop/test_views.py"),)
    out = check_noop(
        CM, HEAD + "async def view(request):\n    return request.user.pk\n",
        "`request.user` kept: test_views.py assigns a request's user, which auser() would not give back",
        path=user_shop(tmp_path), project=index,
    )
    assert [d.code for d in out.diagnostics if d.kind == "refused"] == ["DJA518"]


@pytest.mark.parametrize(
    ("text", "sets"),
    [
        ("request.user = user\n", True),
        ("    req.user = SimpleLazyObject(lambda: get(req))\n", True),
        ("setattr(request, 'user', u)\n", True),
        ("if request.user == other:\n    pass\n", False),
        ("# request.user = user\n", False),
        ("self.user = user\n", False),
    ],
)
def test_which_texts_assign_a_request_user(text, sets):
    from codemods.project.index import sets_request_user

    assert sets_request_user(text) is sets
