"""gather-awaits: shared receivers, test modules, shared knowledge and the effect-free policy."""

import ast

import pytest

from codemods import candidates
from tests.gather_awaits_support import (
    CM,
    _call,
    _notes,
    _outside_any_project,  # noqa: F401 (pytest fixtures used by name)
    _shop,
    check_noop,
    check_noop_as_is,
    check_transformed,
    check_transformed_as_is,
    rewrite,
)
from tests.harness import rewrite as rewrite_as_is


# --------------------------------------------------------------------------- shared receivers
@pytest.mark.parametrize(
    "run, reason",
    [
        ('a = await agent.run("Hi, I am Alice")\n    b = await agent.run("Who am I?")',
         "same receiver 'agent': agent.run() and agent.run() are calls on one object"),
        ("a = await self.store.load(k)\n    b = await self.store.load(j)", "same receiver 'self.store'"),
        ("a = await self.current_token()\n    b = await self.store.load(j)", "same receiver 'self'"),
        ("r = await worker.run_job(job.job_id)\n    info = await job.result_info()",
         "shared argument 'job' passed to worker.run_job(), which is not analysed here"),
        ("a = await fetch(items)\n    b = await count(items)", "shared argument 'items' passed to fetch()"),
        ("a = await client.get(u)\n    b = await client.get(v)", "same receiver 'client'"),
    ],
)
def test_calls_sharing_an_object_keep_their_order(run, reason):
    # ``client`` is a parameter of unknown type here: not a known HTTP client.
    check_noop(CM, f"async def f(self, agent, worker, job, k, j, items, client, u, v):\n    {run}\n", reason)


@pytest.mark.parametrize(
    "setup",
    [
        "    async with httpx.AsyncClient() as client:\n",
        "    client = httpx.AsyncClient()\n    if True:\n",
        "    client: httpx.AsyncClient = make()\n    if True:\n",
    ],
)
def test_get_on_a_known_httpx_client_is_gathered(setup):
    body = "        a = await client.get(u)\n        b = await client.get(v)\n"
    before = f"import asyncio\nimport httpx\n\n\nasync def f(u, v):\n{setup}{body}"
    after = before.replace(body, "        a, b = await asyncio.gather(client.get(u), client.get(v))\n")
    check_transformed(CM, before, after)


def test_client_bound_to_something_else_too_is_not_known():
    src = """\
    import httpx


    async def f(u, v, other):
        client = httpx.AsyncClient()
        if other:
            client = other
        a = await client.get(u)
        b = await client.get(v)
    """
    check_noop(CM, src, "same receiver 'client'")
    # a post on a known client is still a write
    check_noop(CM, "import httpx\nasync def f(u: httpx.AsyncClient):\n    a = await u.get(U)\n    b = await u.post(U)\n",
               "order-sensitive write: post()")


def test_callee_analysed_and_not_mutating_the_shared_object_is_gathered():
    # load() only reads the job it is given: the job's own method may run alongside.
    check_transformed(
        CM,
        """\
        import asyncio


        async def load(job):
            return job.job_id


        async def f(job):
            a = await load(job)
            b = await job.result()
        """,
        """\
        import asyncio


        async def load(job):
            return job.job_id


        async def f(job):
            a, b = await asyncio.gather(load(job), job.result())
        """,
    )
    # ... and one that changes it is not
    check_noop(
        CM,
        "async def load(job):\n    job.seen = True\n\nasync def f(job):\n    a = await load(job)\n    b = await job.result()\n",
        "shared argument 'job' passed to a function that mutates it",
    )


def test_immutable_arguments_and_modules_are_not_shared_state():
    check_transformed(
        CM,
        """\
        import asyncio
        import services
        from django.conf import settings


        async def f(uid: int, slug: "str"):
            a = await fetch_user(uid, slug, timeout=settings.TIMEOUT)
            b = await fetch_feed(uid, slug, timeout=settings.TIMEOUT)
            c = await services.load_a()
            d = await services.load_b()
        """,
        """\
        import asyncio
        import services
        from django.conf import settings


        async def f(uid: int, slug: "str"):
            a, b, c, d = await asyncio.gather(
                fetch_user(uid, slug, timeout=settings.TIMEOUT),
                fetch_feed(uid, slug, timeout=settings.TIMEOUT),
                services.load_a(),
                services.load_b(),
            )
        """,
    )
    # settings itself handed over is an object like any other
    check_noop(CM, "from django.conf import settings\nasync def f():\n    a = await g(settings)\n    b = await h(settings.X)\n",
               "shared argument 'settings' passed to g()")


AGENT_CLASS = """\
import asyncio


class Agent:
    def __init__(self):
        self.history = []

    async def run(self, prompt):
        known = list(self.history)
        await asyncio.sleep(0.01)
        self.history.append(prompt)
        return known
"""


AGENT = """\
import asyncio


async def chat(agent):
    first = await agent.run("Hello, I'm Alice")
    second = await agent.run("What is my name?")
    return first, second


async def main():
    return await chat(Agent())
"""


def test_two_calls_on_one_receiver_would_change_if_gathered():
    # sentry-sdk's pydantic-ai test: the second run of one agent sees the first one's message.
    check_noop(CM, AGENT, "same receiver 'agent'", path="chat.py")
    gathered = AGENT.replace(
        '    first = await agent.run("Hello, I\'m Alice")\n    second = await agent.run("What is my name?")\n',
        '    first, second = await asyncio.gather(agent.run("Hello, I\'m Alice"), agent.run("What is my name?"))\n',
    )
    assert gathered != AGENT
    assert _call(AGENT_CLASS + AGENT, "main") == ([], ["Hello, I'm Alice"])
    assert _call(AGENT_CLASS + gathered, "main") == ([], [])


# --------------------------------------------------------------------------- tests
TEST_RUNS = """\
from django.test import TestCase


async def _load(a, b):
    x = await fetch(a)
    y = await fetch(b)
    return x, y


async def test_two(a, b):
    x = await fetch(a)
    y = await fetch(b)
    await agent.run(a)
    z = await fetch(a)


class CheckSomething(TestCase):
    async def test_it(self):
        x = await fetch(1)
        y = await fetch(2)

    async def helper(self):
        x = await fetch(1)
        y = await fetch(2)
"""


def test_tests_are_left_alone_without_a_word():
    out = rewrite(CM, TEST_RUNS, path="app/tests/test_things.py")
    # only the helper outside tests is gathered; nothing is said about the tests' runs
    assert out.source.count("asyncio.gather(") == 1
    assert "    x, y = await asyncio.gather(fetch(a), fetch(b))\n    return x, y\n" in out.source
    assert [d for d in out.diagnostics if d.kind != "fixed"] == []
    # the same module outside a tests folder: functions named test_* are not tests there, a
    # TestCase's methods still are
    out = rewrite(CM, TEST_RUNS, path="app/checks.py")
    assert out.source.count("asyncio.gather(") == 2
    assert "async def test_two(a, b):\n    x, y = await asyncio.gather(fetch(a), fetch(b))\n" in out.source
    # what test_two's run is told (a plain function here); nothing about the TestCase's methods
    assert {d.line for d in out.diagnostics if d.kind != "fixed"} == {13, 14}


def test_a_test_module_of_tests_only_is_not_parsed():
    # The structural test (ast, before any LibCST parse) applies the same rule as the rewrite.
    only_tests = TEST_RUNS[TEST_RUNS.index("async def test_two"):]
    tree = ast.parse(only_tests)
    assert candidates.structural(["gather-awaits"], candidates.Facts(tree, "app/tests/test_things.py")) == []
    assert candidates.structural(["gather-awaits"], candidates.Facts(tree, "app/checks.py")) == ["gather-awaits"]
    assert candidates.structural(["gather-awaits"], candidates.Facts(ast.parse(TEST_RUNS), "app/tests/test_x.py")) == [
        "gather-awaits"
    ]  # its helper _load is no test


# --------------------------------------------------------------------------- shared knowledge
# gather-awaits reads its facts from codemods.knowledge; these pin the sets it derives (each as it
# held them before the move), so a change to a shared table that would change what it gathers
# fails here.
def _w(text):
    return frozenset(text.split())


def test_knowledge_derivations_hold():
    from codemods.knowledge import effects, http, layout, runtime
    from codemods.knowledge import effects_gather as g
    from codemods.rules.gather_awaits import calls, project_callees

    assert g.ORM_WRITES == _w(
        "asave acreate aupdate adelete abulk_create abulk_update aget_or_create aupdate_or_create aadd aremove "
        "aset aclear arefresh_from_db acreate_user acreate_superuser aauthenticate alogin alogout "
        "aupdate_session_auth_hash acycle_key aflush apop aset_many adelete_many aincr adecr atouch "
        "aget_or_set aset_expiry aclear_expired aforce_login"
    )
    assert g.ORM_READS == _w(
        "aget afirst alast acount aexists aaggregate alatest aearliest acontains ain_bulk aexplain auser "
        "aget_object_or_404 aget_list_or_404"
    )
    assert g.ORM_READ_FUNCTIONS == {"django.shortcuts.aget_object_or_404", "django.shortcuts.aget_list_or_404"}
    assert g.SYNC_WRITES == _w("save create bulk_create bulk_update get_or_create update_or_create")
    assert g.WRITE_METHODS == _w("post put patch delete stream send")
    assert g.READ_HTTP == _w("GET HEAD OPTIONS")
    assert http.READ_METHODS == _w("get head options")
    assert http.ASYNC_CLIENT_CLASSES == {"httpx.AsyncClient", "httpx2.AsyncClient", "aiohttp.ClientSession"}
    assert calls.GENERIC_METHODS == g.POST_METHODS | g.ORM_READS | {"head", "options", "request"}
    assert effects.MUTATORS == _w("append extend update pop insert remove clear add discard setdefault popitem sort reverse")
    assert effects.IMMUTABLE_TYPES == _w(
        "int str float bool bytes complex uuid.UUID UUID decimal.Decimal Decimal datetime.date datetime.datetime "
        "date datetime"
    )
    assert runtime.COROUTINE_WRAPPERS == _w("wait_for shield ensure_future create_task")
    assert runtime.SYNC_TO_ASYNC_NAMES == {"sync_to_async", "database_sync_to_async"}
    # every builtin, a superset of the shared side-effect-free ones
    assert effects.SAFE_BUILTINS <= g.BUILTIN_NAMES == frozenset(dir(__import__("builtins")))
    # the project root: the packaging files and manage.py, in this order (not pytest.ini/tox.ini)
    assert project_callees.ROOT_MARKERS == ("pyproject.toml", "setup.py", "setup.cfg", "manage.py")
    assert set(project_callees.ROOT_MARKERS) < set(layout.ROOT_MARKERS)


@pytest.mark.parametrize(
    "path, test",
    [
        ("shop/conftest.py", False), ("conftest.py", False), ("tests/conftest.py", True),
        ("shop/tests.py", True), ("shop/test.py", True), ("shop/test_views.py", True),
        ("shop/views_test.py", True), ("shop/tests/helpers.py", True), ("shop/views.py", False), ("", False),
    ],
)
def test_test_module_rule_is_the_shared_one_without_conftest(path, test):
    import re
    from pathlib import Path

    from codemods.knowledge import layout
    from codemods.rules.gather_awaits.scopes import is_test_path

    # the rule as gather-awaits held it: a test file name, or a file under a tests/test folder
    parts = Path(path).parts
    own = bool(parts) and (
        re.match(r"^(test_.*|.*_tests?|tests?)\.py$", parts[-1]) is not None
        or any(p in ("tests", "test") for p in parts[:-1])
    )
    assert is_test_path(path) is own is test
    assert layout.is_test_module(parts, conftest=False) is test


# --------------------------------------------------------------------------- the effect-free policy
# Nothing declared here (the ``*_as_is`` functions): only what the analysis proves is gathered.
def _note(shown, why=""):
    because = f" ({why})" if why else ""
    return f"order kept: {shown} has unknown effects{because}; if none, list it in gather-awaits.effect-free"


CHARGE = """\
import billing
import mailer


async def checkout(token, email):
    charge = await billing.charge_card(token)
    receipt = await mailer.send_receipt(email)
    return charge, receipt
"""


def test_effect_free_charge_then_receipt_keeps_its_order():
    # Gathered before the policy: a failed charge then still sent the receipt.
    out = check_noop_as_is(CM, CHARGE, None)
    assert _notes(out) == [_note("billing.charge_card()"), _note("mailer.send_receipt()")]
    assert not [d for d in out.diagnostics if d.kind == "refused"]  # said with -v only


@pytest.mark.parametrize(
    "setup, run, shown",
    [
        # an unknown third-party client: neither its class nor its methods are known
        ("from ratesdk import RatesClient\n", "a = await rates.fetch_rates(u)\n    b = await rates.fetch_fees(u)\n",
         "example.rates.fetch_rates()"),
        # a method on self.x: the object's type is unknown
        ("", "a = await self.api.get_rates()\n    b = await self.api.get_stock()\n", "self.api.get_rates()"),
        # a function of an installed package (not a project module): not read
        ("from django.contrib.auth import aget_user\n", "a = await aget_user(request)\n    b = await load(request)\n",
         "django.contrib.auth.aget_user()"),
        # an object built from an unknown class, reads by their names
        ("from ratesdk import RatesClient\n", "c = RatesClient()\n    a = await c.get_rates(u)\n    b = await c.get_stock(u)\n",
         "c.get_rates()"),
    ],
)
def test_effect_free_unknown_objects_keep_their_order(setup, run, shown):
    src = f"{setup}rates = None\n\n\nasync def f(self, request, u):\n    {run}"
    out = check_noop_as_is(CM, src, None)
    assert _notes(out)[0] == _note(shown)


def test_effect_free_known_reads_still_gather():
    check_transformed_as_is(
        CM,
        """\
        import asyncio
        import httpx
        from shop.models import Product


        async def dashboard(request, u, v):
            async with httpx.AsyncClient() as client:
                stock = await client.get(u)
                first = await Product.objects.filter(on_sale=True).afirst()
                rates = (await client.get(v, params={"q": str(len(u))})).json()
        """,
        """\
        import asyncio
        import httpx
        from shop.models import Product


        async def dashboard(request, u, v):
            async with httpx.AsyncClient() as client:
                stock, first, _rates = await asyncio.gather(
                    client.get(u),
                    Product.objects.filter(on_sale=True).afirst(),
                    client.get(v, params={"q": str(len(u))}),
                )
                rates = _rates.json()
        """,
    )


SERVICES_HTTP = """\
import logging

import httpx
from django.conf import settings

logger = logging.getLogger(__name__)


def _url(path: str) -> str:
    return f"{settings.UPSTREAM}/{path.strip('/')}"


async def fetch_json(client: httpx.AsyncClient, path: str):
    logger.debug("GET %s", path)
    response = await client.get(_url(path))
    response.raise_for_status()
    return response.json()


async def stock(client: httpx.AsyncClient):
    return await fetch_json(client, "stock")


async def rates(client: httpx.AsyncClient):
    data = await fetch_json(client, "rates")
    return {k: float(v) for k, v in data.items()}
"""


VIEW_CALLING_SERVICES = """\
import httpx

from shop import services


async def dashboard(request):
    async with httpx.AsyncClient() as client:
        stock = await services.stock(client)
        rates = await services.rates(client)
    return stock, rates
"""


def test_effect_free_project_functions_doing_http_gets_are_gathered(tmp_path):
    path = _shop(tmp_path, SERVICES_HTTP)
    after = VIEW_CALLING_SERVICES.replace(
        "        stock = await services.stock(client)\n        rates = await services.rates(client)\n",
        "        stock, rates = await asyncio.gather(services.stock(client), services.rates(client))\n",
    ).replace("from shop import services\n", "from shop import services\nimport asyncio\n", 1)
    check_transformed_as_is(CM, VIEW_CALLING_SERVICES, after, path=path)


@pytest.mark.parametrize(
    "old, new, why",
    [
        # one call in a helper it calls is unknown: the whole chain is
        ('    logger.debug("GET %s", path)\n', "    audit.record(path)\n", "it calls audit.record()"),
        # a POST is a proven write: a refusal of its own, not a note
        ("await client.get(_url(path))", "await client.post(_url(path))", None),
        # the client is a parameter of unknown type: its get() is not known to be HTTP
        ("async def fetch_json(client: httpx.AsyncClient, path: str):", "async def fetch_json(client, path: str):",
         "it calls client.get()"),
    ],
)
def test_effect_free_project_functions_doing_more_keep_their_order(tmp_path, old, new, why):
    services = SERVICES_HTTP.replace(old, new)
    if "audit" in new:
        services = "import audit\n" + services
    path = _shop(tmp_path, services)
    if why is None:
        check_noop_as_is(CM, VIEW_CALLING_SERVICES, "order-sensitive: stock() is defined in shop.services", path=path)
        return
    out = check_noop_as_is(CM, VIEW_CALLING_SERVICES, None, path=path)
    assert _notes(out)[0] == _note("shop.services.stock()", why)


CHARGE_GATHERED = CHARGE.replace(
    "    charge = await billing.charge_card(token)\n    receipt = await mailer.send_receipt(email)\n",
    "    charge, receipt = await asyncio.gather(billing.charge_card(token), mailer.send_receipt(email))\n",
).replace("import mailer\n", "import mailer\nimport asyncio\n")


@pytest.mark.parametrize(
    "declared",
    [["billing.charge_card", "mailer.send_receipt"], ["billing.*", "mailer.send_*"], "billing.charge_card,mailer.*"],
)
def test_effect_free_option_makes_declared_calls_gather(declared):
    # (not what anyone should declare for these two: the option is the user's word)
    check_transformed_as_is(CM, CHARGE, CHARGE_GATHERED, options={"effect-free": declared})
    out = check_noop_as_is(CM, CHARGE, None, options={"effect-free": ["billing.charge_card"]})
    assert _notes(out) == [_note("mailer.send_receipt()")]


def test_effect_free_option_names_methods_by_the_annotated_class():
    src = (
        "from billing.client import Client\n\n\nasync def f(api: Client, u: str):\n"
        "    a = await api.get_rates(u)\n    b = await api.get_fees(u)\n"
    )
    out = check_noop_as_is(CM, src, None, options={"effect-free": ["billing.client.Client.get_rates"]})
    assert _notes(out) == [_note("billing.client.Client.get_fees()")]
    # two calls on one object still keep their order (it may keep state between them)
    check_noop_as_is(CM, src, "same receiver 'api'", options={"effect-free": ["billing.client.Client.get_*"]})
    two = src.replace("api: Client, u: str", "api: Client, fees: Client, u: str").replace("await api.get_fees", "await fees.get_fees")
    check_transformed_as_is(
        CM, two,
        two.replace("    a = await api.get_rates(u)\n    b = await fees.get_fees(u)\n",
                    "    a, b = await asyncio.gather(api.get_rates(u), fees.get_fees(u))\n")
           .replace("import Client\n", "import Client\nimport asyncio\n"),
        options={"effect-free": ["billing.client.Client.get_*"]},
    )


def test_effect_free_declaration_does_not_cover_a_write_found(tmp_path):
    path = _shop(tmp_path, SERVICES_HTTP.replace("await client.get(_url(path))", "await client.post(_url(path))"))
    check_noop_as_is(CM, VIEW_CALLING_SERVICES, "order-sensitive: stock() is defined in shop.services",
                     path=path, options={"effect-free": ["shop.services.*"]})


def test_effect_free_declaration_covers_what_a_project_function_calls(tmp_path):
    services = "import audit\n" + SERVICES_HTTP.replace('    logger.debug("GET %s", path)\n', "    audit.record(path)\n")
    path = _shop(tmp_path, services)
    for declared in (["audit.record"], ["shop.services.stock", "shop.services.rates"]):
        out = rewrite_as_is(CM, VIEW_CALLING_SERVICES, path=path, options={"effect-free": declared})
        assert "await asyncio.gather(services.stock(client), services.rates(client))" in out.source, declared


def test_effect_free_option_from_config_and_cli_and_notes_with_verbose(tmp_path):
    import json

    from tests.test_cli import run

    (tmp_path / "views.py").write_text(CHARGE)
    quiet = run("apply", "--diff", "views.py", cwd=tmp_path)
    assert quiet.returncode == 0 and quiet.stdout == "" and "order kept" not in quiet.stderr
    loud = run("apply", "--diff", "-v", "views.py", cwd=tmp_path)
    assert "views.py:6:5: DJA210 " + _note("billing.charge_card()") + " [note]" in loud.stderr
    report = json.loads(run("apply", "--diff", "--report", "json", "views.py", cwd=tmp_path).stdout)
    assert [d["kind"] for d in report["files"][0]["diagnostics"]] == ["note", "note"]
    assert report["summary"]["noted_by_codemod"] == {"gather-awaits": 2} and report["summary"]["refused_by_codemod"] == {}
    cli = run("apply", "--diff", "-o", "gather-awaits.effect-free=billing.*,mailer.send_receipt", "views.py", cwd=tmp_path)
    assert cli.returncode == 0 and "+    charge, receipt = await asyncio.gather(" in cli.stdout
    (tmp_path / "pyproject.toml").write_text('[tool.dj-asyncify.gather-awaits]\neffect-free = ["billing.*", "mailer.*"]\n')
    config = run("apply", "--diff", "views.py", cwd=tmp_path)
    assert config.returncode == 0 and "+    charge, receipt = await asyncio.gather(" in config.stdout
    (tmp_path / "pyproject.toml").write_text('[tool.dj-asyncify.gather-awaits]\neffect-free = "billing.*"\n')
    bad = run("apply", "--diff", "views.py", cwd=tmp_path)
    assert bad.returncode == 2 and "gather-awaits.effect-free must be a list of strings" in bad.stderr


# --------------------------------------------------------------------------- more of the same kind
# Each: a program the codemod would have changed silently, found by reading its rules.
def test_effect_free_a_method_found_by_name_does_not_prove_a_call_on_another_object():
    # A class of this module has an effect-free fetch_all(); api is some other object whose
    # fetch_all() may do anything: found by name only, it proves nothing (gathered before).
    src = (
        "class Local:\n    async def fetch_all(self):\n        return []\n\n\n"
        "async def view(api, other):\n    a = await api.fetch_all()\n    b = await other.fetch_all()\n"
    )
    out = check_noop_as_is(CM, src, None)
    assert _notes(out)[0] == _note("api.fetch_all()")
    # on self, the method of this module is the callee: proven
    own = (
        "import asyncio\nclass V:\n    async def fetch_all(self):\n        return []\n\n"
        "    async def fetch_some(self):\n        return [1]\n\n"
        "    async def get(self):\n        a = await self.fetch_all()\n        b = await self.fetch_some()\n"
    )
    check_transformed_as_is(
        CM, own, own.replace("        a = await self.fetch_all()\n        b = await self.fetch_some()\n",
                             "        a, b = await asyncio.gather(self.fetch_all(), self.fetch_some())\n"),
    )


def test_effect_free_a_parameter_named_like_a_module_function_is_not_that_function():
    # ``load`` is the caller's parameter, not the module's effect-free load() (gathered before).
    src = (
        "async def load():\n    return 1\n\n\n"
        "async def view(load, other):\n    a = await load()\n    b = await other()\n"
    )
    out = check_noop_as_is(CM, src, None)
    assert _notes(out)[0] == _note("load()")


def test_effect_free_module_attribute_call_is_not_a_same_named_method_here(tmp_path):
    # ``services.fetch_rates`` is the project function (read: an HTTP GET), not the method of a
    # class here that happens to share its name.
    path = _shop(tmp_path, SERVICES_HTTP.replace("async def stock(", "async def fetch_rates("))
    src = (
        "import asyncio\nimport httpx\n\nfrom shop import services\n\n\nclass Cache:\n"
        "    async def fetch_rates(self, client):\n        return await self.source.pull(client)\n\n\n"
        "async def view(request):\n    async with httpx.AsyncClient() as client:\n"
        "        a = await services.fetch_rates(client)\n        b = await services.rates(client)\n"
    )
    check_transformed_as_is(
        CM, src,
        src.replace("        a = await services.fetch_rates(client)\n        b = await services.rates(client)\n",
                    "        a, b = await asyncio.gather(services.fetch_rates(client), services.rates(client))\n"),
        path=path,
    )


@pytest.mark.parametrize(
    "helper, why",
    [
        # the decorator's wrapper runs at each call (it may record, retry, lock...)
        ("@audited\nasync def load(c):\n    return await c.get(U)\n", "it is decorated with @audited, whose wrapper is not read"),
        # awaits a future another task sets: waiting for it orders what follows
        ("async def load(c):\n    await READY\n    return await c.get(U)\n", "it awaits READY, which is not a call"),
        # a lock held around the read
        ("async def load(c):\n    async with LOCK:\n        return await c.get(U)\n", "it uses async with LOCK"),
        # the next items of a stream
        ("async def load(c):\n    return [x async for x in STREAM]\n", "it uses async for STREAM"),
    ],
)
def test_effect_free_what_a_helper_does_besides_calls_counts(helper, why):
    # Each helper was proven free before (only calls were judged): gathered.
    src = (
        f"import httpx\n\n\n{helper}\n\nasync def view(u):\n    async with httpx.AsyncClient() as c:\n"
        "        a = await load(c)\n        b = await c.get(u)\n"
    ).replace("(c):", "(c: httpx.AsyncClient):", 1)
    out = check_noop_as_is(CM, src, None)
    assert _notes(out)[0] == _note("example.load()", why)


def test_effect_free_async_for_over_a_queryset_and_a_declared_decorator_are_known():
    src = (
        "import asyncio\nimport httpx\nfrom shop.models import Product\nfrom shop.deco import traced\n\n\n"
        "@traced\nasync def skus():\n    return [p.sku async for p in Product.objects.filter(on_sale=True).order_by(\"sku\")]\n\n\n"
        "async def view(u):\n    async with httpx.AsyncClient() as c:\n        a = await skus()\n        b = await c.get(u)\n"
    )
    after = src.replace("        a = await skus()\n        b = await c.get(u)\n", "        a, b = await asyncio.gather(skus(), c.get(u))\n")
    check_transformed_as_is(CM, src, after, options={"effect-free": ["shop.deco.traced"]})
    out = check_noop_as_is(CM, src, None)
    assert "it is decorated with @traced" in _notes(out)[0]


@pytest.mark.parametrize(
    "made",
    ["httpx.AsyncClient(event_hooks={'request': [record]})", "httpx.AsyncClient(auth=TokenAuth())",
     "httpx.AsyncClient(transport=Recording())", "httpx.AsyncClient(**options)"],
)
def test_effect_free_a_client_running_code_of_its_own_is_not_known(made):
    # Its hooks, auth flow or transport run around every request (gathered before).
    src = f"import httpx\n\n\nasync def view(u, v):\n    async with {made} as client:\n        a = await client.get(u)\n        b = await client.get(v)\n"
    out = check_noop_as_is(CM, src, None)
    assert _notes(out) == [_note("client.get()"), _note("client.get()")]


def test_effect_free_a_client_with_basic_auth_is_known():
    # what requests-to-httpx emits for a Session's auth tuple
    src = "import httpx\n\n\nasync def view(u, v, user, pw):\n    async with httpx.AsyncClient(auth=(user, pw)) as client:\n        a = await client.get(u)\n        b = await client.get(v)\n"
    after = src.replace("        a = await client.get(u)\n        b = await client.get(v)\n",
                        "        a, b = await asyncio.gather(client.get(u), client.get(v))\n").replace("import httpx\n", "import httpx\nimport asyncio\n")
    check_transformed_as_is(CM, src, after)


def test_effect_free_an_absolute_import_is_read_from_the_project_root(tmp_path):
    # ``from helpers import load`` in shop/views.py imports the root's helpers.py (the root is
    # on sys.path), not shop/helpers.py: the function read must be the one called (the one next
    # to the file was read before, and proved free a function that is not the callee).
    path = _shop(tmp_path, SERVICES_HTTP)
    (tmp_path / "shop" / "helpers.py").write_text("async def load(c):\n    return 1\n")
    (tmp_path / "helpers.py").write_text("import audit\n\n\nasync def load(c):\n    return await audit.pull(c)\n")
    src = "from helpers import load\n\n\nasync def view(c, d):\n    a = await load(c)\n    b = await load(d)\n"
    out = check_noop_as_is(CM, src, None, path=path)
    assert _notes(out)[0] == _note("helpers.load()", "it calls audit.pull()")


def test_effect_free_a_module_client_rebound_through_global_is_not_known():
    # Some function rebinds the module's client to anything (gathered before: only the module's
    # own statements were read).
    src = (
        "import httpx\n\nclient = httpx.AsyncClient()\n\n\ndef record_requests(transport):\n"
        "    global client\n    client = transport\n\n\n"
        "async def view(u, v):\n    a = await client.get(u)\n    b = await client.get(v)\n"
    )
    out = check_noop_as_is(CM, src, None)
    assert _notes(out)[0] == _note("example.client.get()")
    kept = src.replace("    global client\n    client = transport\n", "    return transport\n")
    check_transformed_as_is(
        CM, kept,
        kept.replace("    a = await client.get(u)\n    b = await client.get(v)\n",
                     "    a, b = await asyncio.gather(client.get(u), client.get(v))\n")
            .replace("import httpx\n", "import httpx\nimport asyncio\n"),
    )


def test_effect_free_self_method_from_a_base_elsewhere_is_not_another_class_method():
    # View.load() comes from a base class of another module; Other.load() here is free, but is
    # not what self.load() runs (gathered before).
    src = (
        "from billing.views import BillingView\n\n\nclass Other:\n    async def load(self):\n        return 1\n\n\n"
        "class View(BillingView):\n    async def get(self, request):\n        a = await self.load()\n"
        "        b = await self.load_more()\n\n    async def load_more(self):\n        return 2\n"
    )
    out = check_noop_as_is(CM, src, None)
    assert _notes(out)[0] == _note("self.load()")
