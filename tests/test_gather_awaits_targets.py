"""gather-awaits: other targets (assignments, returns...) and real Django modules."""

import asyncio

import pytest

from codemods.config import Settings
from codemods.project import ProjectIndex
from codemods.runner import transform_source
from tests.gather_awaits_support import (
    CM,
    _call,
    _notes,
    _outside_any_project,  # noqa: F401 (pytest fixtures used by name)
    check_noop,
    check_noop_as_is,
    check_transformed,
)


# --------------------------------------------------------------------------- other targets
def test_attribute_subscript_and_tuple_targets_are_assigned_in_order():
    check_transformed(
        CM,
        """\
        import asyncio
        import httpx
        async def f(self, client: httpx.AsyncClient, u: str, d, k):
            self.user = await fetch_user(u)
            d[k] = (await client.get(u)).json()
            x, y = await pair(u)
            return x, y
        """,
        """\
        import asyncio
        import httpx
        async def f(self, client: httpx.AsyncClient, u: str, d, k):
            _result, _result1, _result2 = await asyncio.gather(fetch_user(u), client.get(u), pair(u))
            self.user = _result
            d[k] = _result1.json()
            x, y = _result2
            return x, y
        """,
    )


@pytest.mark.parametrize(
    "run, reason",
    [
        ("d[k] = await f()\n    e = await g(d)", "data dependency on 'd'"),
        ("self.user = await f()\n    e = await self.render()", "data dependency on 'self'"),
        ("x, y = await f()\n    e = await g(y)", "data dependency on 'y'"),
        ("CACHE[k] = await load()\n    e = await g()", "writes into 'CACHE', which is not a local"),
    ],
)
def test_target_dependencies(run, reason):
    check_noop(CM, f"CACHE = {{}}\nasync def f(self, d, k):\n    {run}\n", reason)


SELF_STATE = """\
import asyncio


class View:
    user = None

    async def load(self):
        return "ann"

    async def greet(self):
        return f"hello {self.user}"

    async def get(self):
        self.user = await self.load()
        text = await self.greet()
        return text
"""


def test_attribute_target_read_by_a_later_method_would_change_if_gathered():
    check_noop(CM, SELF_STATE, "data dependency on 'self'")
    gathered = SELF_STATE.replace(
        "        self.user = await self.load()\n        text = await self.greet()\n",
        "        _user, text = await asyncio.gather(self.load(), self.greet())\n        self.user = _user\n",
    )
    ns: dict = {}
    outs = []
    for src in (SELF_STATE, gathered):
        exec(compile(src, "<view>", "exec"), ns)  # noqa: S102 - runs the code under test
        outs.append(asyncio.run(ns["View"]().get()))
    assert outs == ["hello ann", "hello None"]


@pytest.mark.parametrize(
    "call, reason",
    [
        ("asyncio.wait_for(client.post(u), 5)", "order-sensitive write: post()"),
        ("asyncio.shield(save_it(o))", "save_it() is defined here and it calls asave()"),
        ("client.get(next_url(o))", "shared argument 'o'"),
    ],
)
def test_calls_inside_the_awaited_call_count(call, reason):
    src = f"""\
    import asyncio
    async def save_it(o):
        await o.asave()

    def next_url(o):
        o.page += 1
        return o.url

    async def f(client, u, o):
        a = await {call}
        b = await fetch(o)
    """
    check_noop(CM, src, reason)


def test_ordinary_calls_in_arguments_are_not_taken_for_writes():
    check_transformed(
        CM,
        """\
        import asyncio
        import httpx
        async def f(client: httpx.AsyncClient, parts, ids):
            a = await client.get("/".join(parts), params={"ids": sorted(set(ids))})
            b = await asyncio.wait_for(client.get(str(len(ids))), 5)
        """,
        """\
        import asyncio
        import httpx
        async def f(client: httpx.AsyncClient, parts, ids):
            a, b = await asyncio.gather(
                client.get("/".join(parts), params={"ids": sorted(set(ids))}),
                asyncio.wait_for(client.get(str(len(ids))), 5),
            )
        """,
    )
    out = check_noop_as_is(
        CM, "import asyncio\nasync def f(c):\n    a = await asyncio.wait_for(send_mail(c), 5)\n    b = await c.get(U)\n", None
    )
    assert "example.send_mail() has unknown effects" in _notes(out)[0]


def test_helper_using_ordinary_calls_is_not_a_write():
    check_transformed(
        CM,
        """\
        import asyncio
        async def url_for(parts, lock):
            out = set(parts)
            return "/".join(sorted(out))

        async def f(client, parts, lock):
            a = await url_for(parts, lock)
            b = await client.get(U)
        """,
        """\
        import asyncio
        async def url_for(parts, lock):
            out = set(parts)
            return "/".join(sorted(out))

        async def f(client, parts, lock):
            a, b = await asyncio.gather(url_for(parts, lock), client.get(U))
        """,
    )


@pytest.mark.parametrize(
    "first, second",
    [
        ("await self.async_client.aforce_login(self.user)", 'response = await self.async_client.get("/a/")'),
        ('a = await self.async_client.get("/a/")', 'b = await self.async_client.get("/b/")'),
        ('a = await async_client.get("/a/")', "b = await fetch(u)"),
    ],
)
def test_django_test_client_calls_keep_their_order(first, second):
    check_noop(CM, f"async def test_x(self, async_client, u):\n    {first}\n    {second}\n", "order-sensitive")


STREAM_READS = """\
import asyncio


async def feed(reader, data):
    for _ in range(3):  # arrives once the reads are waiting
        await asyncio.sleep(0)
    reader.feed_data(data)
    reader.feed_eof()


async def view(data):
    reader = asyncio.StreamReader()
    feeding = asyncio.ensure_future(feed(reader, data))
    head = await reader.readline()
    rest = await reader.read()
    await feeding
    return head, rest
"""


def test_stream_reads_would_change_if_gathered():
    check_noop(CM, STREAM_READS, "reads the next item of a stream")
    gathered = STREAM_READS.replace(
        "    head = await reader.readline()\n    rest = await reader.read()\n",
        "    head, rest = await asyncio.gather(reader.readline(), reader.read())\n",
    )
    assert _call(STREAM_READS, "view", b"GET\nbody") == (b"GET\n", b"body")
    with pytest.raises(RuntimeError, match="already waiting"):
        _call(gathered, "view", b"GET\nbody")


def test_queue_get_keeps_its_order():
    check_noop(CM, "async def f(q):\n    a = await q.get()\n    b = await q.get()\n", "next item of a queue")


# --------------------------------------------------------------------------- real Django modules
# Outcomes measured with the codemod before it learnt to skip work (lazy locals, untouched nodes
# handed back, subtrees that cannot matter left unvisited): the faster codemod must report the
# very same thing on real modules, and leave them as they were. Calls whose effects are not known
# keep their order with a note (the effect-free policy; before it, they were refused as writes
# by their names or left to other checks).
DJANGO_REFUSALS = {
    "contrib/auth/__init__.py": [
        (234, "note", "order-sensitive write: aset()"),
        (235, "note", "order-sensitive write: aset()"),
        (236, "note", "order-sensitive write: aset()"),
        (270, "note", "order-sensitive: asend() synchronises with other tasks"),
        (271, "note", "order-sensitive write: aflush()"),
        (345, "note", "order kept: module._aget_user_session_key() has unknown effects (it calls to_python())"),
        (371, "note", "order-sensitive write: acycle_key()"),
        (372, "note", "order-sensitive write: aset()"),
    ],
    "contrib/sessions/backends/db.py": [
        (143, "note", "order kept: self._aget_session() has unknown effects;"),
        (144, "note", "self.acreate_model_instance() has unknown effects (it is decorated with @cached_property"),
        (186, "note", "order-sensitive write: adelete()"),
    ],
    "core/handlers/asgi.py": [
        (184, "note", "self.send_response() has unknown effects (it uses async for content)"),
        (185, "note", "order kept: cannot tell what sync_to_async(error_response.close)(...) does"),
    ],
    "test/client.py": [(901, "note", "order-sensitive write: alogin()"), (903, "note", "order-sensitive write: asave()")],
    "core/cache/backends/base.py": [
        (371, "note", "order-sensitive write: aset()"),
        (372, "note", "order-sensitive write: adelete()"),
    ],
}


def _django_source(rel: str) -> str:
    import django

    if django.VERSION[:2] != (5, 2):
        pytest.skip("line numbers measured on Django 5.2")
    with open(f"{django.__path__[0]}/{rel}", encoding="utf-8") as f:
        return f.read()


def _run_module(source: str, style: str = "gather", declared: tuple[str, ...] = ()):
    from codemods.registry import get

    settings = Settings(select=(CM,), options={CM: {"style": style, "effect-free": list(declared)}})
    return transform_source(source, "module.py", settings, ProjectIndex(), [get(CM)])


@pytest.mark.parametrize("style", ["gather", "taskgroup"])
@pytest.mark.parametrize("rel", sorted(DJANGO_REFUSALS))
def test_real_django_modules_unchanged_with_the_same_diagnostics(rel, style):
    source = _django_source(rel)
    outcome = _run_module(source, style)
    assert outcome.error is None
    assert outcome.source == source
    got = [(d.line, d.kind, d.message) for d in outcome.diagnostics]
    assert len(got) == len(DJANGO_REFUSALS[rel])
    for (line, kind, message), (want_line, want_kind, want) in zip(got, DJANGO_REFUSALS[rel], strict=True):
        assert (line, kind) == (want_line, want_kind)
        assert want in message


def test_nothing_to_gather_hands_back_the_same_module():
    # The runner generates code only for a module the codemods replaced.
    import libcst as cst

    from codemods.registry import Context, get

    module = cst.parse_module(_django_source("test/client.py"))
    ctx = Context("client.py", (5, 2), {"style": "gather"}, ProjectIndex(), CM)
    ctx.module = module
    assert get(CM).transform(module, ctx) is module
    assert [r[3] for r in ctx.records][:1] == ["order-sensitive write: alogin()"]


AUTH_GATHERED = """\
    stored_pk, stored_backend, stored_hash = await asyncio.gather(
        lookup_stored(SESSION_KEY, user._meta.pk.value_to_string(user)),
        lookup_stored(BACKEND_SESSION_KEY, backend),
        lookup_stored(HASH_SESSION_KEY, session_auth_hash),
    )
"""


# the function, and the call in its first argument (a method of an object of unknown type: its text)
AUTH_DECLARED = ("module.lookup_stored", "user._meta.pk.value_to_string")


AUTH_LOOKUPS = [
    "    await request.session.aset(",
    "    stored_pk = await lookup_stored(",
    "    stored_backend = await lookup_stored(",
    "    stored_hash = await lookup_stored(",
]


def test_real_django_module_with_a_run_gathered_as_before():
    # contrib/auth/__init__.py with its three session writes turned into calls whose effects are
    # unknown (``await request.session.alookup(...)``): they keep their order, with a note.
    django_source = _django_source("contrib/auth/__init__.py")
    source = django_source.replace(".aset(", ".alookup(")
    outcome = _run_module(source)
    assert outcome.error is None and outcome.source == source
    got = [(d.line, d.message) for d in outcome.diagnostics]
    assert [line for line, _ in got] == [234, 235, 236, 270, 271, 345, 371, 372]
    assert "request.session.alookup() has unknown effects" in got[0][1]
    # The same lines reading into names, through a function declared free of ordering effects
    # (option effect-free, by its qualified name): gathered, the import after the module's own
    # imports, everything else reported as before.
    source = django_source
    for new in AUTH_LOOKUPS[1:]:
        source = source.replace(AUTH_LOOKUPS[0], new, 1)
    assert _run_module(source).source == source  # not declared: its effects are unknown
    outcome = _run_module(source, declared=AUTH_DECLARED)
    assert outcome.error is None
    lines = source.splitlines(keepends=True)
    assert AUTH_GATHERED in outcome.source
    new_lines = outcome.source.splitlines(keepends=True)
    at = new_lines.index("import asyncio\n")
    assert new_lines[at - 1].startswith(("import ", "from ")) and not new_lines[at + 1].startswith(("import ", "from "))
    assert "".join(new_lines[:at] + new_lines[at + 1:]) == "".join(lines[:233]) + AUTH_GATHERED + "".join(lines[236:])
    got = [(d.line, d.kind, d.message) for d in outcome.diagnostics]
    assert [(line, kind) for line, kind, _ in got] == [
        (234, "fixed"), (270, "note"), (271, "note"), (345, "note"), (371, "note"), (372, "note")
    ]
    assert got[0][2] == "gathered 3 independent awaits"
    again = _run_module(outcome.source, declared=AUTH_DECLARED)
    assert again.source == outcome.source


def test_runs_found_in_async_defs_nested_in_sync_code_and_blocks():
    # Only the statements of async defs are searched for awaits: the search must still reach
    # an async def nested in a sync method, under if/match/while/else, and blocks inside it.
    check_transformed(
        CM,
        """\
        import asyncio
        async def f(x):
            return x
        async def g(x):
            return x
        class A:
            def make(self):
                if self:
                    pass
                else:
                    async def inner(u):
                        a = await f(u)
                        b = await g(u)
                        return a, b
                    return inner
        match A:
            case 1:
                while True:
                    async def other(u):
                        for i in u:
                            c = await f(i)
                            d = await g(i)
                        else:
                            await f(0)
                            await g(0)
        """,
        """\
        import asyncio
        async def f(x):
            return x
        async def g(x):
            return x
        class A:
            def make(self):
                if self:
                    pass
                else:
                    async def inner(u):
                        a, b = await asyncio.gather(f(u), g(u))
                        return a, b
                    return inner
        match A:
            case 1:
                while True:
                    async def other(u):
                        for i in u:
                            c, d = await asyncio.gather(f(i), g(i))
                        else:
                            await asyncio.gather(f(0), g(0))
        """,
    )
