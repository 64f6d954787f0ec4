"""async-views-to-sync: subclasses in other files, views whose async-ness is the point, test modules."""

from __future__ import annotations

import pytest

from codemods.project import ProjectIndex
from tests.async_views_to_sync_support import (
    CM,
    ROUTED_VIEW,
    ROUTED_VIEW_SYNC,
    V,
    check_noop,
    check_transformed,
)

# --------------------------------------------------------------------------- subclasses in other files
SUBCLASSED_VIEWS = '''\
from django.http import HttpResponse
from django.views import View


class ProductView(View):
    async def get(self, request):
        return HttpResponse("product")
'''


SUBCLASSED_VIEWS_SYNC = SUBCLASSED_VIEWS.replace("async def", "def")


SUBCLASS_REFUSAL = (
    "view class 'ProductView' left async: is subclassed by 'ProductApi' in shop/api_views.py, "
    "which has async request methods"
)


def _subclass_file(body: str, base: str = "ProductView", source: str = "from shop.views import ProductView") -> str:
    return f"from django.http import HttpResponse\n\n{source}\n\n\nclass ProductApi({base}):\n{body}"


def _run_project(tmp_path, monkeypatch, files: dict[str, str]) -> dict[str, list[str]]:
    """Run the codemod over a project (paths shown relative to it); messages per file name."""
    from codemods.config import Settings
    from codemods.runner import run

    monkeypatch.chdir(tmp_path)
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")
    for name, text in files.items():
        (tmp_path / "shop" / name).write_text(text)
    result = run([tmp_path / "shop"], Settings(select=(CM,), root=tmp_path, jobs=1), mode="apply")
    assert not result.failed
    for name, text in files.items():
        if name != "views.py":
            assert (tmp_path / "shop" / name).read_text() == text  # only the base module is ever rewritten here
    return {f.path.replace("\\", "/").rsplit("/", 1)[-1]: [d.message for d in f.diagnostics] for f in result.files}


def _as_view_in_django(tmp_path) -> str:
    """``ProductApi.as_view()`` in a fresh interpreter with real Django: "ok" or the error."""
    import subprocess
    import sys

    script = (
        "from django.core.exceptions import ImproperlyConfigured\n"
        "from shop.api_views import ProductApi\n"
        "try:\n    ProductApi.as_view()\nexcept ImproperlyConfigured as exc:\n    print(exc)\nelse:\n    print('ok')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], check=False, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


ASYNC_POST = "    async def post(self, request):\n        return HttpResponse(status=204)\n"


@pytest.mark.parametrize(
    "body",
    [
        ASYNC_POST,
        "    async def options(self, request):\n        return HttpResponse()\n",  # works only in an async view
        "    async def dispatch(self, request, *args, **kwargs):\n        return HttpResponse()\n",
    ],
)
def test_a_subclass_with_async_request_methods_in_another_file_keeps_the_base_async(tmp_path, monkeypatch, body):
    messages = _run_project(tmp_path, monkeypatch, {"views.py": SUBCLASSED_VIEWS, "api_views.py": _subclass_file(body)})
    assert (tmp_path / "shop" / "views.py").read_text() == SUBCLASSED_VIEWS
    assert messages["views.py"] == [SUBCLASS_REFUSAL]


def test_what_converting_under_an_async_subclass_would_do_in_django(tmp_path, monkeypatch):
    """The premise, with real Django: the base converted alone breaks the subclass's view."""
    _run_project(tmp_path, monkeypatch, {"views.py": SUBCLASSED_VIEWS, "api_views.py": _subclass_file(ASYNC_POST)})
    assert _as_view_in_django(tmp_path) == "ok"  # as the codemod left it
    (tmp_path / "shop" / "views.py").write_text(SUBCLASSED_VIEWS_SYNC)
    assert _as_view_in_django(tmp_path) == "ProductApi HTTP handlers must either be all sync or all async."


@pytest.mark.parametrize(
    "body",
    [
        "    def post(self, request):\n        return HttpResponse(status=204)\n",
        "    template_name = 'api.html'\n",
    ],
)
def test_a_subclass_without_async_request_methods_does_not_block(tmp_path, monkeypatch, body):
    messages = _run_project(tmp_path, monkeypatch, {"views.py": SUBCLASSED_VIEWS, "api_views.py": _subclass_file(body)})
    assert (tmp_path / "shop" / "views.py").read_text() == SUBCLASSED_VIEWS_SYNC
    assert messages["views.py"] == [
        "view class 'ProductView' handler 'get' made sync: it awaits nothing, so async bought nothing"
    ]
    assert _as_view_in_django(tmp_path) == "ok"  # its view is all sync now


def test_an_async_subclass_through_a_class_of_a_third_file_keeps_the_base_async(tmp_path, monkeypatch):
    mixins = (
        "from shop import views\n\n\n"
        "class TrackedProductView(  # counts visits\n    views.ProductView,\n):\n    tracked = True\n"
    )
    api = _subclass_file(ASYNC_POST, base="TrackedProductView", source="from shop.mixins import TrackedProductView")
    files = {"views.py": SUBCLASSED_VIEWS, "mixins.py": mixins, "api_views.py": api}
    messages = _run_project(tmp_path, monkeypatch, files)
    assert (tmp_path / "shop" / "views.py").read_text() == SUBCLASSED_VIEWS
    assert messages["views.py"] == [SUBCLASS_REFUSAL]
    assert _as_view_in_django(tmp_path) == "ok"


def test_the_whole_hierarchy_is_named_and_same_module_subclasses_still_convert(tmp_path, monkeypatch):
    views = SUBCLASSED_VIEWS + (
        "\n\nclass DetailView(ProductView):\n    async def post(self, request):\n        return HttpResponse('d')\n"
    )
    # Through the runner, a subclass in the same module is part of the family, not a blocker ...
    messages = _run_project(tmp_path, monkeypatch, {"views.py": views})
    assert (tmp_path / "shop" / "views.py").read_text() == views.replace("async def", "def")
    assert len(messages["views.py"]) == 2
    # ... and one in another file blocks the whole family: ProductApi derives from DetailView, so from
    # ProductView too, which comes first and is named in the reason of every class with async handlers.
    (tmp_path / "shop" / "views.py").write_text(views)
    (tmp_path / "shop" / "api_views.py").write_text(_subclass_file(ASYNC_POST, base="DetailView",
                                                                   source="from shop.views import DetailView"))
    from codemods.config import Settings
    from codemods.runner import run

    result = run([tmp_path / "shop"], Settings(select=(CM,), root=tmp_path, jobs=1), mode="apply")
    assert (tmp_path / "shop" / "views.py").read_text() == views
    (res,) = [f for f in result.files if f.path.endswith("views.py") and "api" not in f.path]
    assert [d.message for d in res.diagnostics] == [
        SUBCLASS_REFUSAL,
        SUBCLASS_REFUSAL.replace(
            "view class 'ProductView' left async: is subclassed",
            "view class 'DetailView' left async: 'ProductView' (same hierarchy) is "
            "subclassed",
        ),
    ]


def test_a_subclass_in_the_same_module_through_another_file_blocks(tmp_path, monkeypatch):
    """Special derives from ProductView through Tracked of mixins.py, so it is not in ProductView's
    family (whose handlers convert together): it blocks like a subclass in another file."""
    import os

    from codemods.project import file_facts

    monkeypatch.chdir(tmp_path)
    views = SUBCLASSED_VIEWS.replace("import View\n", "import View\n\nfrom shop import mixins\n") + (
        "\n\nclass Special(mixins.Tracked):\n"
        "    async def post(self, request):\n        return HttpResponse(status=204)\n"
    )
    mixins = "from shop.views import ProductView\n\n\nclass Tracked(ProductView):\n    pass\n"
    project = ProjectIndex.build(
        {os.path.abspath("shop/views.py"): file_facts(views), os.path.abspath("shop/mixins.py"): file_facts(mixins)}
    )
    check_noop(
        CM,
        views,
        "view class 'ProductView' left async: is subclassed by 'Special' in shop/views.py, "
        "which has async request methods",
        project=project,
        **V,
    )


# --------------------------------------------------------------------------- views whose async-ness is the point
@pytest.mark.parametrize(
    ("source", "reason"),
    [
        (
            ("import threading\nfrom django.http import HttpResponse\n\nasync def which_thread(request):\n"
            "    return HttpResponse(str(threading.current_thread().ident))\n"),
            ("view 'which_thread' left async: reads the current thread or thread-local state "
            "(`threading.current_thread`): as a sync view it would run in a worker thread"),
        ),
        ("from threading import get_ident\n\nasync def v(request):\n    return get_ident()\n",
         "reads the current thread or thread-local state (`get_ident`)"),
        ("import threading as t\n\nasync def v(request):\n    return t.get_native_id()\n",
         "(`t.get_native_id`)"),
        ("import threading\n\nasync def v(request):\n    return threading.main_thread() is None\n",
         "(`threading.main_thread`)"),
        ("async def v(request):\n    import threading\n    return threading.local()\n",
         "(`threading.local`)"),
        ("async def v(request):\n    from _thread import get_ident as gi\n    return gi()\n",
         "(`gi`)"),
        ("from asyncio import current_task\n\nasync def v(request):\n    return str(current_task())\n",
         "reads the running event loop or task (`current_task`)"),
        ("import asyncio\n\nasync def v(request):\n    return len(asyncio.all_tasks())\n",
         "reads the running event loop or task (`asyncio.all_tasks`)"),
        ("import asyncio\n\nasync def v(request):\n    return asyncio.get_event_loop().time()\n",
         "(`asyncio.get_event_loop`)"),
        ("import asyncio.events\n\nasync def v(request):\n    return asyncio.events.get_running_loop()\n",
         "(`asyncio.events.get_running_loop`)"),
        ("import contextvars\n\nasync def v(request):\n    return contextvars.copy_context()\n",
         "reads context variables (`contextvars.copy_context`)"),
        (("from contextvars import ContextVar\n\nrequest_id = ContextVar('rid')\n\n"
         "async def v(request):\n    return request_id.get()\n"),
         "reads a context variable of the module (`request_id`)"),
        ("import threading\n\n_state = threading.local()\n\nasync def v(request):\n    return _state.user\n",
         "reads thread-local state of the module (`_state`)"),
        (("import threading\n\nclass State(threading.local):\n    user = None\n\nstate = State()\n\n"
         "async def v(request):\n    return state.user\n"),
         "reads thread-local state of the module (`state`)"),
        ("from asgiref.local import Local\n\nlocal = Local()\n\nasync def v(request):\n    return local.x\n",
         "reads thread-local state of the module (`local`)"),
        ("import sys\n\nasync def v(request):\n    return sys._getframe(1).f_code.co_name\n",
         "reads the call stack (`sys._getframe`)"),
        ("import inspect\n\nasync def v(request):\n    return inspect.stack()[1]\n",
         "reads the call stack (`inspect.stack`)"),
        ("from asgiref.sync import async_to_sync\n\nasync def v(request):\n    return async_to_sync(f)()\n",
         "reads asgiref's sync/async bridging, which depends on the thread and loop it runs in (`async_to_sync`)"),
        ("from asgiref import sync\n\nasync def v(request):\n    return sync.ThreadSensitiveContext()\n",
         "(`sync.ThreadSensitiveContext`)"),
        # also next to the one DB call the view would otherwise be converted for
        (("import threading\n\nasync def v(request, pk):\n    p = await Product.objects.aget(pk=pk)\n"
         "    return (p.pk, threading.get_ident())\n"),
         "(`threading.get_ident`)"),
        # a class-based view's handler
        (("import threading\nfrom django.views import View\n\nclass V(View):\n    async def get(self, request):\n"
         "        return HttpResponse(threading.get_ident())\n"),
         "view class 'V' left async: handler 'get' reads the current thread"),
    ],
)
def test_views_reading_where_they_run_stay_async(source, reason):
    check_noop(CM, source, reason, **V)


@pytest.mark.parametrize(
    "source",
    [
        # the names are bound to something else: a module function, a parameter, a local
        "def current_thread():\n    return 1\n\nasync def v(request):\n    return current_thread()\n",
        "import threading\n\nasync def v(request, threading=None):\n    return threading.get_ident()\n",
        "from contextvars import ContextVar\n\nasync def v(request):\n    ContextVar = dict\n    return ContextVar()\n",
        # threading used elsewhere in the module, not by the view; other threading/sys names
        "import threading\n\nLOCK = threading.Lock()\n\nasync def v(request):\n    return 1\n",
        "import sys\n\nasync def v(request):\n    return sys.version_info\n",
        # an attribute named like a thread-local factory is not one
        "async def v(request):\n    return request.local\n",
    ],
)
def test_views_not_reading_where_they_run_convert(source):
    check_transformed(CM, source, source.replace("async def v", "def v"), **V)


THREAD_VIEWS = """\
import threading

from django.http import JsonResponse
from django.urls import path


async def which_thread(request):
    return JsonResponse({"view": threading.get_ident()})


urlpatterns = [path("t/", which_thread)]
"""


THREAD_SCRIPT = """\
import asyncio, json, threading
import django
from django.conf import settings
settings.configure(ROOT_URLCONF="views", ALLOWED_HOSTS=["*"], SECRET_KEY="x", MIDDLEWARE=[])
django.setup()
from django.test import AsyncClient


async def main():
    loop_thread = threading.get_ident()
    r = await AsyncClient().get("/t/")
    return r.json()["view"] == loop_thread


print(json.dumps(asyncio.run(main())))
"""


def test_real_django_a_view_made_sync_runs_in_another_thread(tmp_path):
    """The premise, with real Django under ASGI: the async view runs on the event loop's thread,
    the same view made sync (what the codemod would have written) in a worker thread."""
    import json
    import subprocess
    import sys

    def on_loop_thread(views: str) -> bool:
        (tmp_path / "views.py").write_text(views)
        (tmp_path / "run.py").write_text(THREAD_SCRIPT)
        proc = subprocess.run(
            [sys.executable, "run.py"], check=False, cwd=tmp_path, capture_output=True, text=True, timeout=120
        )
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout.strip().splitlines()[-1])

    assert on_loop_thread(THREAD_VIEWS) is True
    assert on_loop_thread(THREAD_VIEWS.replace("async def", "def")) is False
    check_noop(CM, THREAD_VIEWS, "view 'which_thread' left async: reads the current thread", path="app/views.py")


TEST_MODULE_VIEWS = """\
from django.http import HttpResponse
from django.test import AsyncClient, SimpleTestCase, override_settings
from django.urls import path
from django.views import View


async def health(request):
    return HttpResponse("ok")


class Ping(View):
    async def get(self, request):
        return HttpResponse("pong")


urlpatterns = [path("health/", health), path("ping/", Ping.as_view())]


@override_settings(ROOT_URLCONF=__name__)
class MiddlewareRunsOnEventLoop(SimpleTestCase):
    async def test_async_view(self):
        response = await AsyncClient().get("/health/")
        self.assertEqual(response.status_code, 200)
"""


@pytest.mark.parametrize(
    "path",
    [
        "app/test_mw.py", "app/tests.py", "app/views_tests.py", "app/views_test.py", "conftest.py",
        "app/conftest.py", "tests/views.py", "tests/integrations/django/myapp/views.py", "app/tests/views.py",
        "wagtail/test/testapp/views.py", "test/urls.py",
    ],
)
def test_test_modules_are_left_alone_silently(path):
    from codemods.project import file_facts

    # routed to by a urlconf (here: its own urlpatterns, as with ROOT_URLCONF=__name__) or called views.py
    project = ProjectIndex.build({path: file_facts(TEST_MODULE_VIEWS)})
    assert project.routes_to(path)
    check_noop(CM, TEST_MODULE_VIEWS, None, path=path, project=project)


@pytest.mark.parametrize("path", ["app/views.py", "app/testing.py", "app/contest.py", "attests/views.py",
                                  "app/latest_tests_x.py", "testapp/views.py"])
def test_modules_named_like_but_not_test_modules_convert(path):
    from codemods.project import file_facts

    project = ProjectIndex.build({path: file_facts(TEST_MODULE_VIEWS)})
    out = check_transformed(
        CM, TEST_MODULE_VIEWS,
        TEST_MODULE_VIEWS.replace("async def health", "def health").replace("    async def get", "    def get"),
        path=path, project=project,
    )
    assert [d.message for d in out.diagnostics if d.kind == "fixed"] == [
        "view 'health' made sync: it awaits nothing, so async bought nothing",
        "view class 'Ping' handler 'get' made sync: it awaits nothing, so async bought nothing",
    ]


def test_test_folders_count_below_the_working_folder_only(tmp_path, monkeypatch):
    # a checkout that lives in a folder named `test`: run from inside it, its files are not tests
    from codemods.config import Settings
    from codemods.runner import run

    proj = tmp_path / "test" / "proj"
    (proj / "shop").mkdir(parents=True)
    (proj / "shop" / "views.py").write_text(ROUTED_VIEW)
    monkeypatch.chdir(proj)
    result = run([proj / "shop"], Settings(select=(CM,), root=proj, jobs=1), mode="apply")
    assert not result.failed
    assert (proj / "shop" / "views.py").read_text() == ROUTED_VIEW_SYNC


def test_the_r6_repro_end_to_end(tmp_path, monkeypatch):
    """A thread-reading view refused with a diagnostic, a test module's view left alone without one."""
    from codemods.config import Settings
    from codemods.runner import run

    app = tmp_path / "app"
    app.mkdir()
    views = (
        "import threading\n\nfrom django.http import HttpResponse\n\n\nasync def which_thread(request):\n"
        "    return HttpResponse(str(threading.current_thread().ident))\n"
    )
    (app / "views.py").write_text(views)
    (app / "test_mw.py").write_text(TEST_MODULE_VIEWS)
    monkeypatch.chdir(tmp_path)
    result = run([tmp_path / "app"], Settings(select=(CM,), root=tmp_path, jobs=1), mode="apply")
    assert not result.failed and not result.changed
    assert (app / "views.py").read_text() == views
    assert (app / "test_mw.py").read_text() == TEST_MODULE_VIEWS
    messages = {f.path.replace("\\", "/").rsplit("/", 1)[-1]: [d.message for d in f.diagnostics] for f in result.files}
    assert messages["test_mw.py"] == []
    assert len(messages["views.py"]) == 1
    assert messages["views.py"][0].startswith(
        "view 'which_thread' left async: reads the current thread or thread-local state "
        "(`threading.current_thread`)"
    )


def test_test_module_rule_is_layouts_without_test_py():
    """The rule is codemods.knowledge.layout's, ``test.py`` not counted, and any file judged by its
    name less ``.py`` (as this codemod did before the rule moved there)."""
    from codemods.rules.async_views_to_sync.finding import is_test_module

    expected = {
        "shop/tests.py": True, "shop/test_views.py": True, "shop/views_test.py": True,
        "shop/views_tests.py": True, "shop/conftest.py": True, "shop/tests/views.py": True,
        "test/views.py": True, "shop/test.py": False, "shop/views.py": False, "shop/testing.py": False,
        "shop/contest.py": False, "shop/attests.py": False,
        # names not ending in .py (a file named on the command line)
        "tests": True, "conftest": True, "shop/test_script": True, "shop/test_views.pyi": True,
        "shop/test": False, "shop/views_test.pyi": False, "shop/views": False,
        "": False, ".": False,
    }
    assert {p: is_test_module(p) for p in expected} == expected


def test_view_facts_come_from_the_shared_tables():
    from codemods.knowledge import http, orm
    from codemods.knowledge.views import HANDLERS
    from codemods.rules.async_views_to_sync.kinds import INSTANCE_RESULTS, PAIR_RESULTS
    from codemods.rules.async_views_to_sync.plan import METHODS

    assert set(HANDLERS) == set(http.METHODS)
    # a "queryset" receiver takes every manager's methods; an "instance" a user's
    assert set(METHODS["queryset"]) == orm.names(orm.QUERYSET, orm.RELATED, orm.USER_MANAGER)
    assert set(METHODS["instance"]) == orm.names(orm.INSTANCE, orm.USER)
    assert INSTANCE_RESULTS == {"aget", "acreate", "afirst", "alast", "alatest", "aearliest", "acreate_user",
                                "acreate_superuser"}
    assert PAIR_RESULTS == {"aget_or_create", "aupdate_or_create"}
