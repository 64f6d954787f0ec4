"""Which views a test's requests reach (through the project's urlconf), for option only-async-views."""

from __future__ import annotations

import dataclasses
import re

import libcst as cst

from codemods.analysis import ImportTable
from codemods.analysis.bindings import target_names
from codemods.knowledge.testing import COMMIT_HOOKS
from codemods.problems import Problem
from codemods.project import read_text
from codemods.project.test_setup import module_file
from codemods.project.urlconf import Route, Unread, UrlConf
from codemods.rules.async_test_client.common import code, code_full, is_true

# What an f-string's placeholders are tried as: a path is taken to reach a view when every sample
# that matches a route reaches views of one kind (``<int:pk>`` takes "1", ``<slug:s>`` "a-1", ...).
_SAMPLES = ("1", "a", "a-1", "00000000-0000-0000-0000-000000000000")
_REVERSE = ("django.urls.reverse", "django.urls.reverse_lazy", "django.urls.base.reverse")
_DYNAMIC = "not a literal path, f-string or reverse() of a literal name"


@dataclasses.dataclass
class Reach:
    """Where one request goes: ``route`` when the urlconf shows it, else ``why`` not."""

    shown: str  # the URL expression as written
    route: Route | None = None
    why: str = ""


def local_values(fn: cst.FunctionDef) -> dict[str, cst.BaseExpression]:
    """Names the test binds exactly once, by a plain ``name = value`` statement of its body (``url =
    reverse("shop:list")``), to that value; names bound any other way are left out."""
    counts: dict[str, int] = {}
    values: dict[str, cst.BaseExpression] = {}

    class _Bindings(cst.CSTVisitor):
        def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
            for n in target_names(node.target):
                counts[n] = counts.get(n, 0) + 1

        def visit_AugAssign(self, node: cst.AugAssign) -> None:
            for n in target_names(node.target):
                counts[n] = counts.get(n, 0) + 2

        def visit_For(self, node: cst.For) -> None:
            for n in target_names(node.target):
                counts[n] = counts.get(n, 0) + 2

        def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
            for n in target_names(node.target):
                counts[n] = counts.get(n, 0) + 2

        def visit_AsName(self, node: cst.AsName) -> None:
            for n in target_names(node.name):
                counts[n] = counts.get(n, 0) + 2

    fn.body.visit(_Bindings())
    for n in [p.name.value for p in fn.params.params]:
        counts[n] = counts.get(n, 0) + 2
    for st in fn.body.body:
        if isinstance(st, cst.SimpleStatementLine):
            for small in st.body:
                if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name):
                    values[small.targets[0].target.value] = small.value
    return {n: v for n, v in values.items() if counts.get(n) == 1}


def overridden_urlconf(decorators: list[cst.Decorator]) -> str | Problem | None:
    """The urlconf a decorator (``@override_settings(ROOT_URLCONF="x.urls")`` on the test or its
    class, or pytest-django's ``@pytest.mark.urls("x.urls")``) puts in place of the settings' one;
    a Problem when it is not a literal."""
    for d in decorators:
        if isinstance(d.decorator, cst.Call):
            if code_full(d.decorator.func).endswith("mark.urls") and d.decorator.args:  # pytest-django's
                first = d.decorator.args[0].value
                if isinstance(first, cst.SimpleString) and isinstance(first.evaluated_value, str):
                    return first.evaluated_value
                return Problem("view-unresolved", f"pytest.mark.urls({code(first)}) is not a string literal: cannot tell which views it reaches")
            for a in d.decorator.args:
                if a.keyword is not None and a.keyword.value == "ROOT_URLCONF":
                    if isinstance(a.value, cst.SimpleString) and isinstance(a.value.evaluated_value, str):
                        return a.value.evaluated_value
                    return Problem(
                        "view-unresolved", f"ROOT_URLCONF={code(a.value)} is not a string literal: cannot tell which views it reaches"
                    )
    return None


def class_values(cls: cst.ClassDef) -> dict[str, cst.BaseExpression]:
    """``self.<name>`` -> its value, for the attributes a test class binds once and only where
    every test sees it: a class-level ``url = "/shop/"`` (or ``reverse_lazy(...)``) or one
    top-level ``self.url = ...`` statement of ``setUp``, with no other assignment to ``self.url``
    in the class (a test or helper rebinding it, or both places, and it is not followed)."""
    if not isinstance(cls.body, cst.IndentedBlock):
        return {}
    counts: dict[str, int] = {}
    values: dict[str, cst.BaseExpression] = {}

    class _SelfAssigns(cst.CSTVisitor):
        def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
            t = node.target
            if isinstance(t, cst.Attribute) and isinstance(t.value, cst.Name) and t.value.value == "self":
                counts[t.attr.value] = counts.get(t.attr.value, 0) + 1

        def visit_AugAssign(self, node: cst.AugAssign) -> None:
            t = node.target
            if isinstance(t, cst.Attribute) and isinstance(t.value, cst.Name) and t.value.value == "self":
                counts[t.attr.value] = counts.get(t.attr.value, 0) + 2

    for st in cls.body.body:
        if isinstance(st, cst.SimpleStatementLine):
            for small in st.body:
                if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name):
                    name = small.targets[0].target.value
                    counts[name] = counts.get(name, 0) + 1
                    values[name] = small.value
        elif isinstance(st, cst.FunctionDef):
            st.visit(_SelfAssigns())
            if st.name.value == "setUp":
                for line in st.body.body:
                    for small in line.body if isinstance(line, cst.SimpleStatementLine) else ():
                        if isinstance(small, cst.Assign) and len(small.targets) == 1:
                            t = small.targets[0].target
                            if isinstance(t, cst.Attribute) and isinstance(t.value, cst.Name) and t.value.value == "self":
                                values[t.attr.value] = small.value
    return {f"self.{n}": v for n, v in values.items() if counts.get(n) == 1}


def _slashed(urls: UrlConf, text: str, follow: bool) -> Route | Unread | None:
    """What ``text`` reaches, or, with ``follow=True`` where it matches nothing, the path with its
    slash does (CommonMiddleware's APPEND_SLASH redirect, followed)."""
    e = urls.match(text)
    path = text.split("?", 1)[0]
    if e is None and follow and not path.endswith("/") and urls.append_slash():
        return urls.match(path + "/")
    return e


def _by_path(urls: UrlConf, shown: str, texts: list[str], follow: bool = False) -> Reach:
    reached: list[Route | Unread] = []
    for text in texts:
        e = _slashed(urls, text, follow)
        if e is not None and all(e is not r for r in reached):
            reached.append(e)
    unread = next((e for e in reached if isinstance(e, Unread)), None)
    if unread is not None:
        return Reach(shown, why=f"it may go to {unread.what}, which is not read")
    routes = [e for e in reached if isinstance(e, Route)]
    if not routes:
        return Reach(shown, why="no route of the urlconf matches it")
    if len({r.is_async for r in routes}) > 1 or any(r.is_async is None for r in routes[1:]):
        return Reach(shown, why=f"it may reach {routes[0].label} or {routes[1].label}, by its values")
    return Reach(shown, routes[0])


def reach(call: cst.Call, imports: ImportTable, shadowed: set[str], urls: UrlConf,
          local: dict[str, cst.BaseExpression] | None = None) -> Reach:
    """Where the client request ``call`` goes, as far as its URL argument shows: a literal path,
    an f-string (placeholders tried as ``_SAMPLES``), ``reverse("name")`` (``reverse_lazy``), one
    of those plus a literal string, or a name the test binds once to one of those (``local``)."""
    arg = next((a.value for a in call.args if a.keyword is None or a.keyword.value == "path"), None)
    if arg is None:
        return Reach("?", why="no URL argument")
    shown = code(arg)
    key = code_full(arg) if isinstance(arg, (cst.Name, cst.Attribute)) else None
    if local and key in local:
        arg = local[key]
    if urls.problem is not None:
        return Reach(shown, why=urls.problem)
    if isinstance(arg, cst.BinaryOperation) and isinstance(arg.operator, cst.Add) and isinstance(arg.right, cst.SimpleString):
        arg = arg.left  # reverse("shop:list") + "?page=2"
    follow = any(a.keyword is not None and a.keyword.value == "follow" and is_true(a.value) for a in call.args)
    if isinstance(arg, cst.SimpleString) and isinstance(arg.evaluated_value, str):
        return _by_path(urls, shown, [arg.evaluated_value], follow)
    if isinstance(arg, cst.FormattedString) and arg.parts and isinstance(arg.parts[0], cst.FormattedStringExpression):
        rest = "".join(p.value if isinstance(p, cst.FormattedStringText) else "1" for p in arg.parts[1:])
        head = arg.parts[0].expression
        if rest[:1] in ("", "?", "#") and isinstance(head, cst.Call):  # f"{reverse('x')}?next=/"
            return dataclasses.replace(reach(cst.Call(func=call.func, args=[cst.Arg(head)]), imports, shadowed, urls), shown=shown)
        return Reach(shown, why="its path starts with a computed value")
    if isinstance(arg, cst.FormattedString):
        texts = [
            "".join(p.value if isinstance(p, cst.FormattedStringText) else s for p in arg.parts) for s in _SAMPLES
        ]
        return _by_path(urls, shown, texts, follow)
    if isinstance(arg, cst.Call) and imports.qualify(arg.func, shadowed) in _REVERSE:
        first = arg.args[0].value if arg.args and arg.args[0].keyword is None else None
        name = first.evaluated_value if isinstance(first, cst.SimpleString) else None
        if not isinstance(name, str):
            return Reach(shown, why="reverse() of a name not written literally")
        route = urls.by_name(name)
        if route is not None:
            return Reach(shown, route)
        unread = urls.unread()
        if unread is not None:
            return Reach(shown, why=f"no route read is named {name!r}; {unread.what} is unread")
        return Reach(shown, why=f"no route of the urlconf is named {name!r}")
    return Reach(shown, why=_DYNAMIC)


def views_problem(
    requests: list[cst.Call], imports: ImportTable, shadowed: set[str], urls: UrlConf,
    local: dict[str, cst.BaseExpression] | None = None,
) -> tuple[bool, Problem] | None:
    """Why these requests do not (visibly) reach only async views of ``urls``: ``(True, note)`` when
    one reaches a sync view (a test of the WSGI path: it stays sync, nothing to act on), else
    ``(False, warning)`` when which view one reaches, or its kind, cannot be told; None when all
    reach async views."""
    reached = [reach(call, imports, shadowed, urls, local) for call in requests]
    for r in reached:
        if r.route is not None and r.route.is_async is False:
            return True, Problem(
                "sync-view", f"left sync: {r.shown} reaches {r.route.label}, a sync view (only-async-views = false converts it)"
            )
    for r in reached:
        if r.route is None:
            return False, Problem("view-unresolved", f"{r.shown}: view unknown ({r.why})")
        if r.route.is_async is None:
            return False, Problem(
                "view-kind-unknown", f"{r.shown} reaches {r.route.label}: cannot tell whether it is async ({r.route.why})"
            )
    return None


def commit_hook_view(requests: list[cst.Call], imports: ImportTable, shadowed: set[str], urls: UrlConf) -> str | None:
    """The first view these requests visibly reach (through ``urls``) whose module calls a commit
    hook (``COMMIT_HOOKS``, e.g. ``transaction.on_commit``), as ``view (file)``; None if none is seen."""
    if urls.problem is not None:
        return None
    for call in requests:
        route = reach(call, imports, shadowed, urls).route
        if route is None or "." not in route.label:
            continue
        module = route.label.rpartition(".")[0]
        f = module_file(urls.root, module)
        try:
            text = read_text(f, "replace") if f is not None else ""
        except OSError:
            continue
        if any(re.search(rf"\b{hook}\s*\(", text) for hook in COMMIT_HOOKS):
            return f"{route.label} ({f.name if f else module})"
    return None
