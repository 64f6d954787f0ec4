"""The shared analysis (``codemods.analysis``): where two codemods' copies behaved differently, the
one implementation keeps both behaviours under a named parameter; these tests show each."""

from __future__ import annotations

import libcst as cst

from codemods.analysis import ImportTable
from codemods.analysis.unwrap import named_sync_to_async, thread_wrapped, wrapper_form
from codemods.knowledge import runtime


def _call(source: str, expr: str) -> tuple[cst.Call, ImportTable]:
    module = cst.parse_module(source)
    call = cst.parse_expression(expr)
    assert isinstance(call, cst.Call)
    return call, ImportTable(module)


def test_thread_wrappers_resolved_through_imports_or_by_name():
    imported = "from asgiref.sync import sync_to_async as s2a\nfrom channels.db import database_sync_to_async\n"
    call, imports = _call(imported, "s2a(f)(1)")
    assert wrapper_form(call, imports, set()) == runtime.SYNC_TO_ASYNC
    assert named_sync_to_async(call.func.func) is None  # by name, ``s2a`` is not one
    call, imports = _call("def sync_to_async(f): ...\n", "sync_to_async(f)(1)")
    assert wrapper_form(call, imports, set()) is None  # not asgiref's
    assert named_sync_to_async(call.func.func) == "sync_to_async"  # by name it is
    call, imports = _call(imported, "database_sync_to_async(f)(1)")
    assert wrapper_form(call, imports, set()) is None
    assert named_sync_to_async(call.func.func) == "database_sync_to_async"


def test_thread_wrapper_forms_chosen_by_the_caller():
    call, imports = _call("import asyncio\n", "asyncio.to_thread(f, 1)")
    wrapped = thread_wrapped(call, imports, set())
    assert wrapped is not None and wrapped.form == runtime.TO_THREAD
    assert thread_wrapped(call, imports, set(), forms=(runtime.SYNC_TO_ASYNC,)) is None
    call, imports = _call("from asgiref.sync import sync_to_async\n", "sync_to_async(*fs)(1)")
    assert wrapper_form(call, imports, set()) == runtime.SYNC_TO_ASYNC
    assert thread_wrapped(call, imports, set()) is None  # a wrapper, but its function is not plain


def test_fresh_names_numbered_after_an_underscore_or_glued():
    from codemods.analysis.fresh import fresh_name

    assert fresh_name("client", {"x"}) == "client"
    assert fresh_name("client", {"client", "client_1"}) == "client_2"
    assert fresh_name("tg", {"tg"}, {"tg1"}, glued=True) == "tg2"  # gather-awaits' style
    assert fresh_name("x1", {"x1"}, glued=True) == "x1_1"  # a base ending in a digit keeps the _


def test_parsed_files_kept_by_path_and_content():
    from codemods.project.parsed import FileCache, parse_ast

    computed: list[str] = []
    cache: FileCache[int] = FileCache(2)
    count = lambda text: computed.append(text) or len(text)
    assert cache.get("a.py", "x = 1", count) == 5 and cache.get("a.py", "x = 1", count) == 5
    assert cache.get("a.py", "x = 12", count) == 6  # edited: computed afresh
    assert cache.get("b.py", "x = 1", count) == 5  # another file, the oldest entry dropped
    assert cache.get("a.py", "x = 1", count) == 5
    assert computed == ["x = 1", "x = 12", "x = 1", "x = 1"]
    assert parse_ast("x = 1") is parse_ast("x = 1")


def test_one_import_reader_for_libcst_and_ast_trees():
    import ast

    from codemods.analysis.names import ast_top_level_bindings, module_alias, top_level_bindings

    source = (
        "import asyncio.subprocess\nimport asyncio as aio\nimport a.b\nimport a.b as s\n"
        "from .m import f as g\nfrom . import h\nfrom x import *\n"
        "def inner():\n    import os\n"
    )
    lib, tree = top_level_bindings(cst.parse_module(source)), ast_top_level_bindings(ast.parse(source))
    assert lib == tree
    assert [b.qualified() for b in lib] == ["asyncio", "asyncio", "a", "a.b", ".m.f", ".h"]
    # ImportTable's spelling of a bare relative import (dotted_relative) differs; nothing compares it.
    assert ImportTable(cst.parse_module(source)).names["h"] == "..h" == lib[-1].qualified(dotted_relative=True)
    # ``import asyncio.subprocess`` binds ``asyncio`` but is not an import of asyncio itself.
    assert module_alias(lib, "asyncio") == "aio"


def test_one_binding_collector_each_codemod_filters_the_kinds():
    from codemods.analysis import bindings as b
    from codemods.analysis.bindings import collect_bindings, local_bindings
    from codemods.rules.async_test_client.env import Bindings

    func = cst.parse_module(
        "def f(p, *a):\n    x, (y, z) = v\n    [c for c in cs]\n    global p\n    import os.path\n"
        "    def g(): h = 1\n"
    ).body[0]
    assert isinstance(func, cst.FunctionDef)
    found = [(x.name, x.kind, x.path) for x in collect_bindings(func.body)]
    assert found == [
        ("x", b.ASSIGN, ((0, 2),)), ("y", b.ASSIGN, ((1, 2), (0, 2))), ("z", b.ASSIGN, ((1, 2), (1, 2))),
        ("c", b.COMPREHENSION, ()), ("p", b.GLOBAL, ()), ("os", b.IMPORT, ()), ("g", b.DEF, ()),
    ]  # fmt: skip
    # local_bindings: no comprehension target, ``global`` takes a parameter back out.
    assert local_bindings(func) == {"a", "x", "y", "z", "os", "g"}
    # async-test-client's value sources count the comprehension target and ignore ``global``.
    sources = Bindings()
    sources.add(func.body)
    assert set(sources.sources) == {"x", "y", "z", "c", "os", "g"}
    assert sources.sources["x"][0][0] == "pair0" and sources.sources["c"][0][0] == "iter"


def test_import_primitives_keep_each_codemods_spelling():
    from codemods.analysis.imports import is_docstring, without_aliases

    joined = cst.parse_statement('"a" "b"\n')
    assert is_docstring(joined) and not is_docstring(joined, concatenated=False)
    two = cst.parse_statement('"doc"; x = 1\n')
    assert not is_docstring(two) and is_docstring(two, alone=False)
    stmt = cst.parse_statement("from m import (\n    a,\n    b,\n)\n").body[0]
    assert isinstance(stmt, cst.ImportFrom) and not isinstance(stmt.names, cst.ImportStar)
    kept = [stmt.names[0]]
    code = lambda node: cst.Module([]).code_for_node(node)
    # async-test-client keeps the user's layout; requests-to-httpx writes one name without parentheses.
    assert code(without_aliases(stmt, kept, keep_layout=True)) == "from m import (\n    a,\n)"
    assert code(without_aliases(stmt, kept, keep_layout=False)) == "from m import a"


def test_urlconf_readers_share_route_calls_and_differ_on_view_keywords():
    import ast

    from codemods.project.routes import is_include, route_kind, route_views

    calls = [n for n in ast.walk(ast.parse(
        "urlpatterns = [path('a/', v), urls.re_path('b', view=w), url('c', x), reverse('d'), path('e/', include('m'))]"
    )) if isinstance(n, ast.Call)]  # fmt: skip
    assert [route_kind(c) for c in calls] == ["path", "re_path", "url", None, "path", None]
    # The project index takes a view= keyword too; async-test-client's urlconf the positional one only.
    assert [ast.unparse(v) for v in route_views(calls[1])] == ["w"] and route_views(calls[1], by_keyword=False) == []
    assert is_include(route_views(calls[4])[0]) and not is_include(route_views(calls[0])[0])
