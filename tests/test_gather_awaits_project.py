"""gather-awaits: callees of other project modules, taskgroup under requires-python, discarded results."""

import sys

import pytest

from codemods.config import Settings
from tests.gather_awaits_support import (
    CM,
    SERVICES_MUTATING,
    SERVICES_READING,
    VIEWS,
    _both,
    _call,
    _notes,
    _outside_any_project,  # noqa: F401 (pytest fixtures used by name)
    _shop,
    check_noop,
    check_noop_as_is,
    check_transformed,
    rewrite,
)
from tests.harness import rewrite as rewrite_as_is


@pytest.mark.parametrize(
    "imports, call, origin",
    [
        ("from shop.services import fill", "fill", "shop.services"),
        ("from shop.services import fill as put_in", "put_in", "shop.services"),
        ("from shop import services", "services.fill", "shop.services"),
        ("from . import services", "services.fill", ".services"),
        ("from .services import fill", "fill", ".services"),
        ("from ..shop.services import fill", "fill", "..shop.services"),
        ("import shop.services as s", "s.fill", "shop.services"),
        ("import shop.services", "shop.services.fill", "shop.services"),
    ],
)
def test_project_callee_mutating_a_shared_argument_is_refused(tmp_path, imports, call, origin):
    path = _shop(tmp_path)
    src = f"{imports}\n\n\nasync def view(cart):\n    a = await {call}(cart)\n    b = await size_of(cart)\n"
    check_noop(
        CM, src,
        f"shared argument 'cart' passed to a function that mutates it (fill() is defined in {origin})",
        path=path,
    )


def test_project_callee_reading_only_is_gathered(tmp_path):
    path = _shop(tmp_path, SERVICES_READING)
    check_transformed(
        CM,
        """\
        import asyncio
        from shop.services import fill, size


        async def view(cart):
            a = await fill(cart)
            b = await size(cart)
        """,
        """\
        import asyncio
        from shop.services import fill, size


        async def view(cart):
            a, b = await asyncio.gather(fill(cart), size(cart))
        """,
        path=path,
    )


def test_project_callee_mutating_an_unshared_argument_is_gathered(tmp_path):
    path = _shop(tmp_path)
    check_transformed(
        CM,
        """\
        import asyncio
        from shop import services


        async def view(cart, other):
            a = await services.fill(cart)
            b = await services.size(other)
        """,
        """\
        import asyncio
        from shop import services


        async def view(cart, other):
            a, b = await asyncio.gather(services.fill(cart), services.size(other))
        """,
        path=path,
    )


@pytest.mark.parametrize(
    "services, reason",
    [
        ("async def fill(o):\n    await o.asave()\n", "fill() is defined in shop.services and it calls asave()"),
        ("LOG = []\n\n\nasync def fill(o):\n    LOG.append(o)\n", "it mutates 'LOG', which it does not own"),
        ("def fill(o):\n    global N\n    N = o\n", "it assigns a global"),
        ("async def post_it(o):\n    await client.post(URL, json=o)\n\n\nasync def fill(o):\n    await post_it(o)\n",
         "fill() is defined in shop.services and it calls post_it(), and it calls post()"),
    ],
)
def test_project_callee_that_writes_is_ordered(tmp_path, services, reason):
    path = _shop(tmp_path, services)
    src = "from shop.services import fill\n\n\nasync def view(o, p):\n    a = await fill(o)\n    b = await fetch(p)\n"
    check_noop(CM, src, reason, path=path)


def test_effect_free_project_callee_calling_an_unknown_function_keeps_its_order(tmp_path):
    # Before the effect-free policy, send_receipt() was refused for its name; a name now decides
    # nothing: what fill() calls is unknown, so fill() keeps its order (said with -v).
    path = _shop(tmp_path, "from shop.mail import send_receipt\n\n\nasync def fill(o):\n    await send_receipt(o)\n")
    src = "from shop.services import fill\n\n\nasync def view(o, p):\n    a = await fill(o)\n    b = await fetch(p)\n"
    out = check_noop_as_is(CM, src, None, path=path)
    assert _notes(out)[0] == (
        "order kept: shop.services.fill() has unknown effects (it calls shop.mail.send_receipt()); "
        "if none, list it in gather-awaits.effect-free"
    )


@pytest.mark.parametrize(
    "services, reason",
    [
        (SERVICES_MUTATING, "shared argument 'cart' passed to a function that mutates it (wrap() is defined here)"),
        ("async def fill(o):\n    await o.asave()\n",
         "wrap() is defined here and it calls fill() of shop.services, and it calls asave()"),
    ],
)
def test_module_helper_calling_a_project_function_gets_its_effects(tmp_path, services, reason):
    path = _shop(tmp_path, services)
    src = (
        "from shop import services\n\n\nasync def wrap(c):\n    return await services.fill(c)\n\n\n"
        "async def view(cart):\n    a = await wrap(cart)\n    b = await size_of(cart)\n"
    )
    check_noop(CM, src, reason, path=path)


def test_project_callee_named_as_a_write_is_judged_by_its_body(tmp_path):
    # As for a function of this module: found and read, its name no longer decides.
    path = _shop(tmp_path, "async def save_view(n):\n    return n + 1\n")
    check_transformed(
        CM,
        "import asyncio\nfrom shop.services import save_view\n\n\nasync def view(n: int):\n"
        "    a = await save_view(n)\n    b = await fetch(n)\n",
        "import asyncio\nfrom shop.services import save_view\n\n\nasync def view(n: int):\n"
        "    a, b = await asyncio.gather(save_view(n), fetch(n))\n",
        path=path,
    )


@pytest.mark.parametrize(
    "imports, call",
    [
        ("from shop.missing import fill", "fill"),  # no such module: unknown
        ("from shop.services import fill", "fill"),  # services.py defines no fill at the top level
        ("from shop.services import Cart", "Cart.fill"),  # a method: not resolved
        ("from json import fill", "fill"),  # the standard library is never looked up
    ],
)
def test_unresolved_project_callee_keeps_the_unknown_call_rules(tmp_path, imports, call):
    path = _shop(tmp_path, "class Cart:\n    @staticmethod\n    async def fill(c):\n        c.append(1)\n")
    # An unknown callee may change what it is given: the cart is not shared with another call.
    shared = f"import asyncio\n{imports}\n\n\nasync def view(cart):\n    a = await {call}(cart)\n    b = await size_of(cart)\n"
    check_noop(CM, shared, f"shared argument 'cart' passed to {call}(), which is not analysed here", path=path)
    # ... and with nothing shared, declared free of ordering effects, it is gathered
    before = shared.replace("view(cart)", "view(cart, other)").replace("size_of(cart)", "size_of(other)")
    after = before.replace(
        f"    a = await {call}(cart)\n    b = await size_of(other)\n",
        f"    a, b = await asyncio.gather({call}(cart), size_of(other))\n",
    )
    check_transformed(CM, before, after, path=path)
    # ... and, when not declared, an unknown callee keeps its order (a note, whatever its name)
    if imports.startswith("from json"):
        # json's functions compute values (knowledge.effects.PURE_STDLIB_MODULES): known free
        out = check_noop_as_is(CM, before, None, path=path)
        assert len(_notes(out)) == 1 and "shop.views.size_of() has unknown effects" in _notes(out)[0]
        return
    out = check_noop_as_is(CM, before, None, path=path)
    assert f"{call}() has unknown effects" in _notes(out)[0]


def test_project_callee_shadowed_by_a_local_is_not_looked_up(tmp_path):
    path = _shop(tmp_path)
    src = (
        "import asyncio\nfrom shop.services import fill\n\n\nasync def view(cart, fill):\n"
        "    a = await fill(cart)\n    b = await size_of(cart)\n"
    )
    # the parameter ``fill`` is unknown (not services.fill, which mutates the cart)
    out = check_noop(CM, src, "shared argument 'cart' passed to fill(), which is not analysed here", path=path)
    assert "in shop.services" not in " ".join(d.message for d in out.diagnostics)


def _run_project(root, cache, mode="check", **options):
    from codemods import runner

    settings = Settings(
        select=(CM,), options={CM: options}, cache_dir=cache, root=root, jobs=1, respect_gitignore=False
    )
    result = runner.run([root / "shop"], settings, mode=mode)
    (res,) = [f for f in result.files if f.path.endswith("views.py")]
    return result, res


def test_project_callee_through_the_runner(tmp_path):
    root = tmp_path / "proj"
    _shop(root)
    (root / "shop/views.py").write_text(VIEWS)
    _, res = _run_project(root, None, mode="apply")
    assert not res.changed and (root / "shop/views.py").read_text() == VIEWS
    assert any("fill() is defined in shop.services" in d.message for d in res.diagnostics)
    (root / "shop/services.py").write_text(SERVICES_READING)
    _, res = _run_project(root, None, mode="apply")
    assert res.changed
    assert "    a, b = await asyncio.gather(fill(cart), size(cart))\n" in (root / "shop/views.py").read_text()


def test_cached_result_follows_the_callee_module(tmp_path):
    # The refusal is cached; editing the callee module must make the next run look again.
    from tests.test_project import _age

    root, cache = tmp_path / "proj", tmp_path / "cache"
    _shop(root, SERVICES_MUTATING)
    (root / "shop/views.py").write_text(VIEWS)
    _, first = _run_project(root, cache)
    assert not first.changed and any("shared argument 'cart'" in d.message for d in first.diagnostics)
    _age(cache)
    result, again = _run_project(root, cache)  # nothing changed: answered from the cache
    assert result.cached == 1 and again.diagnostics == first.diagnostics
    (root / "shop/services.py").write_text(SERVICES_READING)  # the caller's file is untouched
    _age(cache)
    result, after = _run_project(root, cache)
    assert result.cached == 0 and after.changed
    assert not [d for d in after.diagnostics if d.kind == "refused"]


def test_project_callee_mutation_would_change_if_gathered(tmp_path, monkeypatch):
    package = "gather_shop_behaviour"
    path = _shop(tmp_path, package=package)
    views = VIEWS.replace("shop.services", f"{package}.services")
    check_noop(CM, views, "shared argument 'cart' passed to a function that mutates it", path=path)
    gathered = views.replace(
        "    a = await fill(cart)\n    b = await size(cart)\n",
        "    a, b = await asyncio.gather(fill(cart), size(cart))\n",
    )
    assert gathered != views
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        assert _both(views, "import asyncio\n" + gathered) == ((1, 1), (1, 0))
    finally:
        for name in [m for m in sys.modules if m.startswith(package)]:
            del sys.modules[name]


# --------------------------------------------------------------------------- taskgroup and requires-python
TG_SRC = "async def g():\n    return 1\n\n\nasync def h():\n    return 2\n\n\nasync def f():\n    a = await g()\n    b = await h()\n"


@pytest.mark.parametrize(
    "pyproject",
    [
        '[project]\nname = "p"\nrequires-python = ">=3.10"\n',
        '[project]\nname = "p"\nrequires-python = ">=3.8, <4"\n',
        '[tool.poetry.dependencies]\npython = "^3.9"\n',
    ],
)
def test_taskgroup_refused_when_the_project_admits_python_before_3_11(tmp_path, pyproject):
    (tmp_path / "pyproject.toml").write_text(pyproject)
    check_noop(
        CM, TG_SRC, "style taskgroup needs Python 3.11+ (asyncio.TaskGroup), but requires-python",
        options={"style": "taskgroup"}, path=str(tmp_path / "app" / "views.py"),
    )
    # the default style is not concerned
    out = rewrite(CM, TG_SRC, path=str(tmp_path / "app" / "views.py"))
    assert "asyncio.gather(g(), h())" in out.source


@pytest.mark.parametrize(
    "pyproject",
    [
        None,
        '[tool.dj-asyncify.gather-awaits]\nstyle = "taskgroup"\n',
        '[project]\nname = "p"\nrequires-python = ">=3.11"\n',
        '[project]\nname = "p"\nrequires-python = "~=3.12"\n',
    ],
)
def test_taskgroup_emitted_when_python_3_11_is_required_or_nothing_is_known(tmp_path, pyproject):
    if pyproject is not None:
        (tmp_path / "pyproject.toml").write_text(pyproject)
    out = rewrite(CM, TG_SRC, options={"style": "taskgroup"}, path=str(tmp_path / "views.py"))
    assert "async with asyncio.TaskGroup() as tg:" in out.source
    assert not [d for d in out.diagnostics if d.kind == "refused"]


def test_cached_taskgroup_result_follows_requires_python(tmp_path):
    from tests.test_project import _age

    root, cache = tmp_path / "proj", tmp_path / "cache"
    _shop(root, pyproject='[project]\nname = "p"\nrequires-python = ">=3.10"\n')
    (root / "shop/views.py").write_text(TG_SRC)
    _, first = _run_project(root, cache, style="taskgroup")
    assert not first.changed and any("requires-python '>=3.10'" in d.message for d in first.diagnostics)
    _age(cache)
    assert _run_project(root, cache, style="taskgroup")[0].cached == 1
    (root / "pyproject.toml").write_text('[project]\nname = "p"\nrequires-python = ">=3.11"\n')
    _age(cache)
    result, res = _run_project(root, cache, style="taskgroup")
    assert result.cached == 0 and res.changed


@pytest.mark.parametrize(
    "spec, before",
    [
        (">=3.10", True), (">=3.11", False), (">3.10", True), ("~=3.10", True), ("~=3.11", False),
        ("==3.12.*", False), ("==3.10.4", True), (">=3.11.2", False), ("!=3.10.*, >=3.10", False),
        ("<3.13", True), ("^3.11", False), ("~3.10", True), (">=3.12 || ==3.9", True),
        ("python3", None),
    ],
)
def test_requires_python_specifiers(spec, before):
    from codemods.project.python_version import admits_before as _admits_before

    assert _admits_before(spec, (3, 11)) is before


# --------------------------------------------------------------------------- results thrown away
@pytest.mark.parametrize(
    "call",
    ["worker.run_job(job_id)", "agent.run(prompt)", "ping_all()", "stdio(server)",
     "asyncio.wait_for(agent.run(prompt), 5)"],
)
def test_bare_await_of_an_unknown_call_is_made_for_its_effect(call):
    # Its value is thrown away: it is awaited for what it does, which may be what the next
    # statement reads (arq's run_job then job.result_info(); two turns of one chat agent). Its
    # effects are unknown: it keeps its order (with a note; a refusal of its own before the
    # effect-free policy, which makes any unknown call keep its order).
    src = f"async def f(worker, job_id, agent, prompt, server, u):\n    await {call}\n    r = await fetch(u)\n"
    out = check_noop_as_is(CM, src, None)
    assert "has unknown effects" in _notes(out)[0]


def test_bare_awaits_of_known_reads_are_gathered():
    # A function of this module found to write nothing, an HTTP GET on a known httpx client,
    # an async ORM read, sleep(0): nothing to wait for but the value.
    check_transformed(
        CM,
        """\
        import asyncio
        import httpx


        async def warm(key):
            return key


        async def f(u, M):
            async with httpx.AsyncClient() as client:
                await warm("a")
                await client.head(u)
                await M.objects.aexists()
                await asyncio.sleep(0)
        """,
        """\
        import asyncio
        import httpx


        async def warm(key):
            return key


        async def f(u, M):
            async with httpx.AsyncClient() as client:
                await asyncio.gather(warm("a"), client.head(u), M.objects.aexists(), asyncio.sleep(0))
        """,
    )


# The classes stand for a library's (arq): run on their own, not shown to the codemod.
ARQ_CLASSES = """\
import asyncio


class Job:
    def __init__(self, job_id, results):
        self.job_id = job_id
        self.results = results

    async def result_info(self):
        return self.results.get(self.job_id)  # None while the job has not run


class Worker:
    def __init__(self, results):
        self.results = results

    async def run_job(self, job_id):
        await asyncio.sleep(0.01)
        self.results[job_id] = "done"
"""


ARQ_LIKE = """\
import asyncio


async def process(worker, job):
    await worker.run_job(job.job_id)
    info = await job.result_info()
    return info


async def main():
    results = {}
    return await process(Worker(results), Job("j1", results))
"""


def test_bare_await_run_before_a_read_would_change_if_gathered():
    # sentry-sdk's arq test: the job's result is read once run_job has run it.
    out = rewrite_as_is(CM, ARQ_LIKE, path="jobs.py")
    assert out.source == ARQ_LIKE
    assert any("worker.run_job() has unknown effects" in d.message for d in out.diagnostics)
    gathered = ARQ_LIKE.replace(
        "    await worker.run_job(job.job_id)\n    info = await job.result_info()\n",
        "    _, info = await asyncio.gather(worker.run_job(job.job_id), job.result_info())\n",
    )
    assert _call(ARQ_CLASSES + ARQ_LIKE, "main") == "done"
    assert _call(ARQ_CLASSES + gathered, "main") is None
