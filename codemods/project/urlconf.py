"""The urlconf a test's requests go to, read from disk: which paths and names reach which views,
whether each view is async, and what could not be read.

async-test-client follows a test's request URLs through it (``UrlConf``): ROOT_URLCONF of the
settings ``test_setup.find_settings`` finds (or an override's module), its ``path``/``re_path``/
``include`` in Django's order, and each view's kind from its module's source (``ast``, never
imported; reads recorded through ``codemods.project``). No libcst here.
"""

from __future__ import annotations

import ast
import dataclasses
import re

from codemods.knowledge.testing import HTTP_HANDLERS, PATH_CONVERTERS, SYNC_VIEW_PACKAGES
from codemods.knowledge.views import SAFE_DECORATORS
from codemods.project import read_text
from codemods.project.routes import is_include, route_kind, route_views
from codemods.project.test_setup import (
    ast_import_map,
    find_settings,
    folder_of,
    module_file,
    settings_module_files,
)


def route_regex(route: str) -> str:
    """The regex of a ``path()`` route (its converters as ``PATH_CONVERTERS`` match them)."""
    out = []
    pos = 0
    for m in re.finditer(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>", route):
        out.append(re.escape(route[pos : m.start()]))
        out.append("(?:" + PATH_CONVERTERS.get(m.group("conv") or "str", "[^/]+") + ")")
        pos = m.end()
    out.append(re.escape(route[pos:]))
    return "".join(out)


@dataclasses.dataclass
class Route:
    """One view of the urlconf, and whether it is async (None: cannot tell, ``why`` says why)."""

    regex: str  # full, from the root urlconf, without the leading "/"
    anchored: bool  # path() endpoints match the whole path; a re_path() without "$" only its start
    name: str | None
    is_async: bool | None
    label: str
    why: str = ""


@dataclasses.dataclass
class Unread:
    """A part of the urlconf not read (an ``include()`` not followed, a pattern not understood):
    requests under ``regex`` (a prefix, without the leading "/") may reach any view there."""

    regex: str
    what: str  # e.g. 'include(router.urls) under "api/"'


def ast_imports(tree: ast.Module, module: str) -> dict[str, str]:
    """Local name -> qualified name for a module's top-level imports (``ast_import_map`` with the
    relative ones resolved against ``module``'s package)."""
    package = module.rsplit(".", 1)[0].split(".") if "." in module else []
    out: dict[str, str] = {}
    for local, target in ast_import_map(tree).items():
        rest = target.lstrip(".")
        level = len(target) - len(rest)
        if level:
            target = ".".join([*package[: len(package) - (level - 1)], rest])
        out[local] = target
    return out


def _pattern_items(value: ast.expr, lists: dict[str, list[ast.expr]]) -> list[ast.expr]:
    """The patterns of ``urlpatterns = [...] + other + static(...)``: list items in order, a list
    ``lists`` holds by name, and what is not a list (``static(...)``, ``router.urls``) as one
    item, recorded as not read."""
    if isinstance(value, (ast.List, ast.Tuple)):
        return list(value.elts)
    if isinstance(value, ast.Name) and value.id in lists:
        return list(lists[value.id])
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add):
        return _pattern_items(value.left, lists) + _pattern_items(value.right, lists)
    return [value]


def _module_lists(tree: ast.Module) -> dict[str, list[ast.expr]]:
    """The lists of patterns a urlconf builds at its top level, by name: ``x = [...]`` (an
    annotated one too, ``+ [...]`` and ``+ static(...)`` included), ``x += [...]``,
    ``x.append(p)``, ``x.extend([...])``; statements under an ``if`` are taken as run."""
    lists: dict[str, list[ast.expr]] = {}
    statements = list(tree.body)
    while statements:
        node = statements.pop(0)
        if isinstance(node, ast.If):  # routes added under a condition are taken as present
            statements[:0] = [*node.body, *node.orelse]
            continue
        call = node.value if isinstance(node, ast.Expr) else None
        if (
            isinstance(call, ast.Call) and call.args and isinstance(call.func, ast.Attribute)
            and call.func.attr in ("append", "extend") and isinstance(call.func.value, ast.Name)
            and call.func.value.id in lists
        ):
            arg = call.args[0]
            lists[call.func.value.id] += [arg] if call.func.attr == "append" else _pattern_items(arg, lists)
            continue
        target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else (
            node.target if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else None
        )
        if not isinstance(target, ast.Name) or getattr(node, "value", None) is None:
            continue
        items = _pattern_items(node.value, lists)  # type: ignore[union-attr]
        if isinstance(node, ast.AugAssign):
            lists.setdefault(target.id, []).extend(items)
        elif isinstance(node.value, (ast.List, ast.Tuple, ast.BinOp)) or target.id == "urlpatterns":  # type: ignore[union-attr]
            lists[target.id] = items
    return lists


def _short(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 40 else text[:37] + "..."


class UrlConf:
    """The project's urlconf read from disk (ROOT_URLCONF from the settings that manage.py or the
    pytest configuration names), as ``entries`` in Django's order: routes (which request paths and
    names reach which views) and the parts not read (``Unread``).

    ``problem`` says, in a few words, why there is no urlconf to read (no settings module named,
    ROOT_URLCONF unset or not a literal, its module not found or not parsed); then there are no
    entries. ``settings``/``root_urlconf`` are what was found."""

    def __init__(self, test_path: str, override: str | None = None) -> None:
        self.entries: list[Route | Unread] = []
        self.settings: str | None = None
        self.root_urlconf: str | None = None
        self.problem: str | None = None
        self.trees: dict[str, tuple[ast.Module, dict[str, str]] | None] = {}
        if override is not None:  # override_settings(ROOT_URLCONF=...): its module, from the test's folder up
            start = folder_of(test_path)
            self.root = next((d for d in (start, *start.parents) if module_file(d, override)), start)
            self.root_urlconf = override
            if self._tree(override) is None:
                self.problem = f"the urlconf {override} (override_settings) is not a readable project file"
                return
            self._load(override, "", "", 0)
            return
        found = find_settings(folder_of(test_path))
        if found is None:
            self.problem = "no manage.py or pytest configuration names the settings module"
            return
        self.root, self.settings = found
        self.root_urlconf = self._root_urlconf(self.settings)
        if self.root_urlconf is None:
            self.problem = f"ROOT_URLCONF is not a string literal in {self.settings}"
            return
        if self._tree(self.root_urlconf) is None:
            self.problem = f"the urlconf {self.root_urlconf} (ROOT_URLCONF) is not a readable project file"
            return
        self._load(self.root_urlconf, "", "", 0)

    def append_slash(self) -> bool:
        """Whether the settings install ``CommonMiddleware`` and leave ``APPEND_SLASH`` on: a path
        without its slash that matches no route is then redirected to the one with it."""
        if self.settings is None:
            return False
        texts = [read_text(f, "replace") for f in settings_module_files(self.root, self.settings)]
        return any("django.middleware.common.CommonMiddleware" in t for t in texts) and not any(
            re.search(r"^APPEND_SLASH\s*=\s*False", t, re.MULTILINE) for t in texts
        )

    @property
    def routes(self) -> list[Route]:
        return [e for e in self.entries if isinstance(e, Route)]

    def _root_urlconf(self, settings: str) -> str | None:
        for f in settings_module_files(self.root, settings):
            m = re.search(r"^ROOT_URLCONF\s*=\s*[\"']([\w.]+)[\"']", read_text(f, "replace"), re.MULTILINE)
            if m:
                return m.group(1)
        return None

    def _tree(self, module: str) -> tuple[ast.Module, dict[str, str]] | None:
        if module not in self.trees:
            f = module_file(self.root, module)
            try:
                tree = ast.parse(read_text(f)) if f else None
            except (SyntaxError, ValueError, OSError):
                tree = None
            self.trees[module] = (tree, ast_imports(tree, module)) if tree else None
        return self.trees[module]

    def _load(self, module: str, prefix: str, namespace: str, depth: int) -> None:
        got = self._tree(module)
        if got is None or depth > 8:
            self.entries.append(Unread(prefix, f"the urlconf {module} (not a readable project file)"))
            return
        tree, imports = got
        lists = _module_lists(tree)
        if "urlpatterns" not in lists:
            self.entries.append(Unread(prefix, f"{module} (no urlpatterns assigned at its top level)"))
            return
        patterns = lists["urlpatterns"]
        self._patterns(patterns, module, imports, prefix, namespace, depth, lists)

    def _patterns(
        self, patterns: list[ast.expr], module: str, imports: dict[str, str], prefix: str, ns: str, depth: int,
        lists: dict[str, list[ast.expr]],
    ) -> None:
        for p in patterns:
            kind = route_kind(p)
            if not (isinstance(p, ast.Call) and kind in ("path", "re_path") and len(p.args) >= 2
                    and isinstance(p.args[0], ast.Constant) and isinstance(p.args[0].value, str)):
                self.entries.append(Unread(prefix, f"{_short(p)} in {module}"))
                continue
            route = p.args[0].value
            if kind == "path":
                regex, anchored = route_regex(route), True
            else:
                regex = route.removeprefix("^")
                anchored = regex.endswith("$")
                regex = regex[:-1] if anchored else regex
            view = route_views(p, by_keyword=False)[0]
            name = next(
                (str(k.value.value) for k in p.keywords if k.arg == "name" and isinstance(k.value, ast.Constant)),
                None,
            )
            if isinstance(view, ast.Call) and is_include(view):
                target = view.args[0] if view.args else None
                sub = None
                if isinstance(target, ast.Name) and target.id in lists:  # include(_api_urlpatterns)
                    target = ast.List(elts=lists[target.id])
                if isinstance(target, (ast.List, ast.Tuple)):  # include([path(...), ...])
                    self._patterns(list(target.elts), module, imports, prefix + regex, ns, depth + 1, lists)
                    continue
                if isinstance(target, ast.Constant) and isinstance(target.value, str):
                    sub = target.value
                elif isinstance(target, (ast.Name, ast.Attribute)):
                    sub = self._qualify(target, imports, module)
                sub_ns = next(
                    (str(k.value.value) for k in view.keywords if k.arg == "namespace" and isinstance(k.value, ast.Constant)),
                    None,
                )
                if sub is not None and sub.startswith(SYNC_VIEW_PACKAGES) and self._tree(sub) is None:
                    # Django's own urlconf (django.conf.urls.i18n, ...): its views are Django's, sync
                    self.entries.append(Route(prefix + regex, False, None, False, f"the views of {sub}"))
                    continue
                if sub is None or self._tree(sub) is None:
                    self.entries.append(Unread(prefix + regex, f'{_short(view)} under "{route}"'))
                    continue
                sub_app = self._app_name(sub)
                nested = sub_ns or sub_app
                self._load(sub, prefix + regex, f"{ns}{nested}:" if nested else ns, depth + 1)
                continue
            if isinstance(view, (ast.Attribute, ast.Tuple)) and _short(view).endswith(".urls"):
                # admin.site.urls, router.urls, api.urls: an (urlpatterns, app, namespace) triple
                qual = self._qualify(view, imports, module) if isinstance(view, ast.Attribute) else None
                if qual is not None and qual.startswith(SYNC_VIEW_PACKAGES):
                    self.entries.append(Route(prefix + regex, False, None, False, f"the views of {qual}"))
                else:
                    self.entries.append(Unread(prefix + regex, f'{_short(view)} under "{route}"'))
                continue
            is_async, label, why = self._view_async(view, imports, module)
            self.entries.append(Route(prefix + regex, anchored, f"{ns}{name}" if name else None, is_async, label, why))

    def _app_name(self, module: str) -> str:
        got = self._tree(module)
        if got is None:
            return ""
        for node in got[0].body:
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id == "app_name"
                and isinstance(node.value, ast.Constant)
            ):
                return str(node.value.value)
        return ""

    @staticmethod
    def _qualify(node: ast.expr, imports: dict[str, str], module: str) -> str | None:
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        head = imports.get(node.id, f"{module}.{node.id}")
        return ".".join([head, *reversed(parts)])

    def _view_async(self, view: ast.expr, imports: dict[str, str], module: str) -> tuple[bool | None, str, str]:
        """(async?, the view's dotted name, why it cannot tell when async? is None)."""
        cbv = isinstance(view, ast.Call) and isinstance(view.func, ast.Attribute) and view.func.attr == "as_view"
        target = view.func.value if cbv else view  # type: ignore[union-attr]
        qual = self._qualify(target, imports, module)
        if qual is None or "." not in qual:
            return None, _short(view), "not a function or a class's as_view()"
        return self._view_kind(qual, cbv, 0)

    def _view_kind(self, qual: str, cbv: bool, depth: int) -> tuple[bool | None, str, str]:
        if qual.startswith(SYNC_VIEW_PACKAGES):
            return False, qual, ""
        mod, _, name = qual.rpartition(".")
        got = self._tree(mod)
        if got is None:
            return None, qual, "its module is not a project file"
        tree, imports = got
        for node in tree.body:
            if cbv and isinstance(node, ast.ClassDef) and node.name == name:
                is_async, why = self._class_kind(node, imports, mod)
                return is_async, qual, why
            if not cbv and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
                if isinstance(node, ast.FunctionDef):
                    return False, qual, ""
                for d in node.decorator_list:
                    dq = self._qualify(d.func if isinstance(d, ast.Call) else d, imports, mod)
                    if dq not in SAFE_DECORATORS:
                        return None, qual, f"decorated by @{_short(d)}"
                return True, qual, ""
        if name in imports and depth < 4:  # re-exported: ``from .api import view``
            return self._view_kind(imports[name], cbv, depth + 1)
        value = next(
            (n.value for n in reversed(tree.body) if isinstance(n, ast.Assign) and len(n.targets) == 1
             and isinstance(n.targets[0], ast.Name) and n.targets[0].id == name),
            None,
        )
        if value is None:
            return None, qual, f"not defined in {mod}"
        return self._assigned_kind(value, imports, mod, cbv, qual, depth)

    def _assigned_kind(
        self, value: ast.expr, imports: dict[str, str], mod: str, cbv: bool, qual: str, depth: int
    ) -> tuple[bool | None, str, str]:
        """A view bound by an assignment: ``view = other`` (followed), ``view = wrapper(...)(fn)``
        (sync when ``fn`` is a sync view: a wrapper of a sync function is one; async only when
        every wrapper is known to keep an async view async)."""
        wrappers: list[str] = []
        while isinstance(value, ast.Call) and value.args and not cbv:
            wrappers.append(self._qualify(value.func.func if isinstance(value.func, ast.Call) else value.func,
                                          imports, mod) or _short(value.func))
            value = value.args[0]
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "as_view":
            value, cbv = value.func.value, True  # view = SomeView.as_view()
        root = value
        while isinstance(root, ast.Attribute):
            root = root.value
        followed = isinstance(root, ast.Name) and (root is value or root.id in imports)  # not obj.attr
        inner = self._qualify(value, imports, mod) if followed else None
        if inner is None or depth >= 4:
            return None, qual, f"bound to {_short(value)}"
        is_async, _, why = self._view_kind(inner, cbv, depth + 1)
        if is_async and any(w not in SAFE_DECORATORS for w in wrappers):
            unknown = next(w for w in wrappers if w not in SAFE_DECORATORS)
            return None, qual, f"wrapped by {unknown.rpartition('.')[2]}()"
        return is_async, qual, why

    def _class_kind(self, node: ast.ClassDef, imports: dict[str, str], module: str) -> tuple[bool | None, str]:
        """Whether a view class is async as Django's ``View.view_is_async`` tells: all its handlers
        (its own and its bases', read from the project's files) async; sync when one is sync or it
        has none."""
        handlers: dict[str, bool] = {}
        unread = self._handlers(node, imports, module, handlers, 0)
        if False in handlers.values():
            return False, ""  # a sync handler: sync (or, mixed, a view Django refuses to build)
        if unread is not None:
            return None, f"its base {unread} is not read"
        return bool(handlers), ""

    def _handlers(
        self, node: ast.ClassDef, imports: dict[str, str], module: str, out: dict[str, bool], depth: int
    ) -> str | None:
        """Adds the handlers ``node`` defines or inherits (first definition wins, bases left to
        right) to ``out`` (name -> async); returns the first base whose handlers cannot be read."""
        for st in node.body:
            if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)) and st.name in HTTP_HANDLERS:
                out.setdefault(st.name, isinstance(st, ast.AsyncFunctionDef))
        for b in node.bases:
            qual = self._qualify(b, imports, module) or _short(b)
            last = qual.rpartition(".")[2]
            if qual.startswith(SYNC_VIEW_PACKAGES) and self._tree(qual.rpartition(".")[0]) is None:
                if last == "View" or last.endswith("Mixin"):
                    continue  # no handlers (View's options() is not counted)
                if last.endswith("View") and True not in out.values():
                    out.setdefault(f"{last}()", False)  # Django's generic views: sync handlers
                    continue
                return last
            mod, _, name = qual.rpartition(".")
            got = self._tree(mod) if mod else None
            cls = next((n for n in got[0].body if isinstance(n, ast.ClassDef) and n.name == name), None) if got else None
            if cls is None and got is not None and name in got[1]:  # re-exported
                qual = got[1][name]
                mod, _, name = qual.rpartition(".")
                got = self._tree(mod)
                cls = next((n for n in got[0].body if isinstance(n, ast.ClassDef) and n.name == name), None) if got else None
            if cls is None or got is None or depth > 6:
                return last
            unread = self._handlers(cls, got[1], mod, out, depth + 1)
            if unread is not None:
                return unread
        return None

    def match(self, path: str) -> Route | Unread | None:
        """The first entry request path ``path`` (query and fragment ignored) reaches: a route, or
        a part not read that it may reach; None when it matches nothing."""
        path = path.split("#", 1)[0].split("?", 1)[0]
        if not path.startswith("/"):
            return None
        path = path[1:]
        for e in self.entries:
            try:
                m = re.match(e.regex + (r"\Z" if isinstance(e, Route) and e.anchored else ""), path)
            except re.error:
                return Unread(e.regex, f"the pattern {e.regex!r} (not a regex Python reads)")
            if m:
                return e
        return None

    def by_path(self, path: str) -> Route | None:
        """The first route matching request path ``path``, when no part not read comes first."""
        e = self.match(path)
        return e if isinstance(e, Route) else None

    def by_name(self, name: str) -> Route | None:
        """The route named ``name`` (``"ns:name"`` with its namespaces)."""
        return next((r for r in self.routes if r.name == name), None)

    def unread(self) -> Unread | None:
        """The first part not read, if any (a name not found may be defined there)."""
        return next((e for e in self.entries if isinstance(e, Unread)), None)
