"""Urlconf routes: the modules a urlconf routes views to (``_routes``) as dotted names (``_resolve_route``),
and views given to wrappers (``_wrapped``).

What every urlconf reader shares is here too: which calls are routes (``route_kind``: ``path``,
``re_path``, ``url``, by their last name), their view arguments (``route_views``) and
``include(...)`` (``is_include``). async-test-client's urlconf reader (``urlconf.UrlConf``)
uses them and keeps what it does beyond (patterns, names, namespaces, whether a view is async).
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

from codemods.analysis.import_records import ast_statement_bindings
from codemods.knowledge.views import SAFE_DECORATORS
from codemods.project.awaited import _last_name

OWN_MODULE = "<own module>"
_ROUTE_CALLS = frozenset({"path", "re_path", "url"})
_ERROR_HANDLERS = frozenset({"handler400", "handler403", "handler404", "handler500"})


def route_kind(node: ast.AST) -> str | None:
    """``path``/``re_path``/``url`` when ``node`` calls one of them (``path(...)``,
    ``urls.path(...)``), else None."""
    if type(node) is ast.Call:
        kind = _last_name(node.func)
        if kind in _ROUTE_CALLS:
            return kind
    return None


def route_views(call: ast.Call, by_keyword: bool = True) -> list[ast.expr]:
    """The view arguments of a route call: the second positional one, and with ``by_keyword`` a
    ``view=`` keyword (async-test-client reads the positional one only)."""
    views = list(call.args[1:2])
    if by_keyword:
        views.extend(kw.value for kw in call.keywords if kw.arg == "view")
    return views


def is_include(expr: ast.expr) -> bool:
    """``include(...)`` (``urls.include(...)``): a nested urlconf, not a view."""
    return isinstance(expr, ast.Call) and _last_name(expr.func) == "include"


def _prefixes(base: str, dotted: str) -> list[str]:
    """``base`` and every longer dotted prefix of ``dotted`` (which starts with ``base``)."""
    out = [base]
    rest = dotted[len(base):].lstrip(".")
    sep = "" if base.endswith(".") else "."
    parts = rest.split(".") if rest else []
    out.extend(base + sep + ".".join(parts[: i + 1]) for i in range(len(parts)))
    return out


def _routes(tree: ast.Module, statements: list[ast.stmt]) -> list[str]:
    """Modules a urlconf routes to (``FileFacts.routes``), from the view argument of every
    ``path``/``re_path``/``url`` call and the ``handler404``-style assignments.

    A name there imported from elsewhere gives the module it came from and every longer prefix of
    the dotted expression, since an imported name may itself be a module: ``from shop import
    views`` + ``views.product`` gives ``shop``, ``shop.views`` and ``shop.views.product``;
    relative imports keep their dots (``.views``). A name the file binds itself gives
    ``OWN_MODULE`` and, when assigned, the names of its values. ``include(...)`` names urlconfs,
    not views, and is skipped. More modules than needed is harmless: a module listed here is only
    where function views are looked for, every other rule still applies."""
    from codemods.candidates import walk

    imported: dict[str, tuple[str, str]] = {}  # local name -> (module it came from, its dotted name)
    values: dict[str, list[ast.expr]] = {}
    used: list[ast.expr] = []
    for st in statements:
        t = type(st)
        if t is ast.Import or t is ast.ImportFrom:
            for b in ast_statement_bindings(st):
                # (the module the name came from, the dotted name it stands for)
                if b.name is not None:
                    imported[b.local] = ("." * b.level + b.module, b.qualified())
                else:
                    imported[b.local] = (b.qualified(), b.qualified())
        elif t is ast.Assign or t is ast.AnnAssign:
            targets = st.targets if t is ast.Assign else [st.target]
            for target in targets:
                if isinstance(target, ast.Name) and st.value is not None:
                    values.setdefault(target.id, []).append(st.value)
                    if target.id in _ERROR_HANDLERS:
                        used.append(st.value)
    for node in walk(tree):
        if route_kind(node) is not None:
            used.extend(route_views(node))
    out: set[str] = set()
    seen: set[str] = set()
    stack = list(used)
    while stack:
        e = stack.pop()
        if is_include(e):
            continue
        if isinstance(e, ast.Constant) and isinstance(e.value, str):  # handler404 = "shop.views.not_found"
            if e.value.replace(".", "").replace("_", "").isalnum() and not e.value.startswith("."):
                out.update(_prefixes(e.value.partition(".")[0], e.value))
            continue
        if isinstance(e, (ast.Name, ast.Attribute)):
            attrs: list[str] = []
            root: ast.expr = e
            while isinstance(root, ast.Attribute):
                attrs.append(root.attr)
                root = root.value
            if isinstance(root, ast.Name):
                name = root.id
                if name in imported:
                    base, full = imported[name]
                    out.update(_prefixes(base, ".".join([full, *reversed(attrs)])))
                else:
                    out.add(OWN_MODULE)
                    if name not in seen:
                        seen.add(name)
                        stack.extend(values.get(name, ()))
                continue
            stack.append(root)
            continue
        stack.extend(child for child in ast.iter_child_nodes(e) if isinstance(child, ast.expr))
    return sorted(out)


def _module_parts(path: str) -> list[str]:
    """The dotted-name components of the module at ``path``, from the top of its absolute path."""
    parts = list(Path(os.path.abspath(path)).parts[1:])
    if parts and parts[-1].endswith(".py"):
        parts[-1] = parts[-1][:-3]
    if parts and parts[-1] == "__init__":
        parts.pop()
    return parts


def _resolve_route(spec: str, path: str | None) -> str | None:
    """A ``FileFacts.routes`` entry of the urlconf at ``path`` as an absolute dotted name (None
    when it needs the path and there is none)."""
    if spec == OWN_MODULE:
        return ".".join(_module_parts(path)) if path is not None else None
    if not spec.startswith("."):
        return spec
    if path is None:
        return None
    rest = spec.lstrip(".")
    level = len(spec) - len(rest)
    package = list(Path(os.path.abspath(path)).parent.parts[1:])
    if level > 1:
        package = package[: len(package) - (level - 1)]
    return ".".join([*package, *rest.split(".")] if rest else package) or None


# Callables that take a view and give one that works whether the view is sync or async: the
# route calls themselves, ``include``, ``as_view``, ``functools.partial`` (Django unwraps it to
# tell a coroutine function) and Django's decorators that accept both (by last name).
_BOTH_KINDS = _ROUTE_CALLS | {"include", "as_view", "partial"} | {
    name.rpartition(".")[2] for name in SAFE_DECORATORS
}


def _wrapped(tree: ast.Module) -> list[tuple[str, str]]:
    """``FileFacts.wrapped`` of a urlconf: ``(name, callee)`` for every name given to a call that
    may wrap a view and is not known to accept a sync one as well as an async one
    (``path("", timed(views.product))``); last names (``views.product`` gives ``product``,
    ``ProductView.as_view()`` gives ``ProductView``). Other files: ``_wrapped_at_module_level``."""
    from codemods.candidates import walk

    out: set[tuple[str, str]] = set()
    for node in walk(tree):
        if type(node) is not ast.Call:
            continue
        callee = node.func
        while isinstance(callee, ast.Call):  # cache_page(60)(view): the decorator's name
            callee = callee.func
        name = _last_name(callee)
        if name is None or name in _BOTH_KINDS:
            continue
        for arg in [*node.args, *(kw.value for kw in node.keywords)]:
            if isinstance(arg, ast.Starred):
                arg = arg.value
            if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute) and arg.func.attr == "as_view":
                arg = arg.func.value
            given = _last_name(arg)
            if given is not None:
                out.add((given, name))
    return sorted(out)


def _wrapped_at_module_level(calls: list[tuple[str, list[str]]]) -> list[tuple[str, str]]:
    """``FileFacts.wrapped`` from the module-level calls of any file (``_module_calls``: where
    registries are filled, ``router.add("count", views.product_count)``): every name in the
    parentheses of a callee not in ``_BOTH_KINDS``."""
    return sorted({(name, callee) for callee, names in calls if callee not in _BOTH_KINDS for name in names})
