"""The index: what one file contributes (``FileFacts``, ``file_facts``) and the merged ``ProjectIndex``."""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import json
import re
import warnings
from collections.abc import Iterable, Mapping

from codemods.knowledge import http
from codemods.knowledge.testing import DJANGO_TEST_CASES
from codemods.project.awaited import _ASYNC_WORDS, _SCHEDULING_WORDS, _Awaited, _last_name
from codemods.project.class_bases import _class_bases, _held_names, _module_calls
from codemods.project.dependencies import imports_httpx2, lists_httpx2
from codemods.project.routes import _module_parts, _resolve_route, _routes, _wrapped, _wrapped_at_module_level


@dataclasses.dataclass
class FileFacts:
    """What one file contributes to the project index (JSON-serialisable, cached by content)."""

    awaited: list[str] = dataclasses.field(default_factory=list)
    classes: list[tuple[str, list[str]]] = dataclasses.field(default_factory=list)
    imports_httpx2: bool = False
    # Modules a urlconf routes views to, as written (see ``_routes``): dotted names, relative
    # ones with their leading dots, ``OWN_MODULE`` for views defined in the urlconf itself.
    routes: list[str] = dataclasses.field(default_factory=list)
    # Every ``class Name(...)`` statement with the names of its bases, from the text (see
    # ``_class_bases``): no parse needed, so every file with a class contributes.
    class_bases: list[tuple[str, list[str]]] = dataclasses.field(default_factory=list)
    # Classes whose own body has an ``async def`` that Django calls to answer a request (an HTTP
    # handler, ``dispatch``, ``http_method_not_allowed``; see ``_REQUEST_METHODS``).
    async_views: list[str] = dataclasses.field(default_factory=list)
    # ``(name, callee)``: a name given to a call that may wrap or register a view and is not known
    # to accept a sync view in place of an async one (see ``_wrapped``).
    wrapped: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    # Module-level containers and the names they hold, from the text (see ``_held_names``).
    held: list[tuple[str, list[str]]] = dataclasses.field(default_factory=list)
    # The file assigns a request's ``user`` (``request.user = ...``: a middleware of its own, or a
    # test giving a RequestFactory request its user), from the text: ``auser()`` would not see it.
    sets_request_user: bool = False


# ``request.user = ``, ``req.user = ``, ``setattr(request, "user", ...)`` on a line that is no comment.
_SETS_REQUEST_USER = re.compile(
    r"""(?m)^[^#\n]*(?:\b\w*req\w*\.user\s*=(?!=)|setattr\(\s*\w*req\w*\s*,\s*["']user["'])"""
)


def sets_request_user(source: str) -> bool:
    """Whether the text assigns a request's ``user`` (see ``FileFacts.sets_request_user``)."""
    # The pattern tried only at the start of the lines holding ".user" or "setattr(" (every match
    # starts at one): searched from every line start, it cost a millisecond a file.
    for needle in (".user", "setattr("):
        at = source.find(needle)
        while at != -1:
            start = max(source.rfind("\n", 0, at), -1) + 1
            if _SETS_REQUEST_USER.match(source, start) is not None:
                return True
            end = source.find("\n", at)
            at = -1 if end == -1 else source.find(needle, end)
    return False


def _wants(source: str) -> tuple[bool, bool, bool, bool]:
    wants_awaits = any(word in source for word in _ASYNC_WORDS)
    wants_classes = "class " in source and "Test" in source
    wants_routes = "urlpatterns" in source
    wants_views = "async def" in source and "class" in source
    return wants_awaits, wants_classes, wants_routes, wants_views


def file_facts(
    source: str,
    tree: ast.Module | None = None,
    statements: list[ast.stmt] | None = None,
    nodes: list[ast.AST] | None = None,
    wants: tuple[bool, bool, bool, bool] | None = None,
) -> FileFacts:
    """Facts from one file's text; never raises (a file that does not parse contributes nothing).

    ``tree``: its ``ast`` if already parsed; ``statements``/``nodes``: its statements / all its
    nodes if already collected (``codemods.candidates``); ``wants``: ``_wants(source)`` if already
    known. Awaits and scheduling calls need every
    node (only those of async defs when no scheduling word is in the text); classes only the
    statements, which are far fewer; class bases only the text."""
    from codemods.candidates import statements as all_statements
    from codemods.candidates import walk

    facts = FileFacts()
    wants_awaits, wants_classes, wants_routes, wants_views = wants if wants is not None else _wants(source)
    facts.imports_httpx2 = imports_httpx2(source)
    facts.sets_request_user = sets_request_user(source)
    if "class" in source:
        facts.class_bases = _class_bases(source)
    facts.held = _held_names(source)
    if "(" in source:
        facts.wrapped = _wrapped_at_module_level(_module_calls(source))
    if not (wants_awaits or wants_classes or wants_routes or wants_views):
        return facts
    if tree is None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(source)
        except (SyntaxError, ValueError):
            return facts
    if statements is None:
        statements = all_statements(tree)
    if wants_classes:
        for node in statements:
            if isinstance(node, ast.ClassDef):
                bases = [b for b in (_last_name(x) for x in node.bases) if b]
                facts.classes.append((node.name, bases))
    if wants_views:
        facts.async_views = sorted(
            {
                node.name
                for node in statements
                if isinstance(node, ast.ClassDef)
                and any(isinstance(s, ast.AsyncFunctionDef) and s.name in _REQUEST_METHODS for s in node.body)
            }
        )
    if wants_routes:
        facts.routes = _routes(tree, statements)
        facts.wrapped = sorted({*map(tuple, facts.wrapped), *_wrapped(tree)})
    if not wants_awaits:
        return facts
    if nodes is None:
        if any(word in source for word in _SCHEDULING_WORDS):
            nodes = walk(tree)
        else:  # only awaits to find, and they live in async defs (elsewhere they do not compile)
            nodes = [n for d in statements if isinstance(d, ast.AsyncFunctionDef) for n in walk(d)]
    facts.awaited = sorted(_Awaited(statements).collect(nodes))
    return facts


# Methods of a class-based view whose result Django returns as the response: the HTTP handlers
# (``View.view_is_async`` checks all but ``options``; an async ``options`` works only in an async
# view all the same), and ``dispatch``/``http_method_not_allowed``, which it calls on the way. In a
# view whose handlers are sync, a coroutine from any of them is returned unawaited.
_REQUEST_METHODS = http.VIEW_RESPONSE_METHODS


@dataclasses.dataclass(frozen=True)
class ProjectIndex:
    """Merged facts. ``awaited_names``: names of callables that may be views and are awaited,
    scheduled or run as coroutines anywhere (``await view(r)``, ``gather(view(r))``,
    ``async_to_sync(view)``, ``await super().get(r)``; see ``_Awaited``; methods called on a test
    or HTTP client do not count).
    ``test_base_classes``: class names deriving, directly or through project classes, from a
    Django test case. ``uses_httpx2``: the project imports httpx2 or lists it as a dependency.
    ``routed_modules``: dotted names of the modules urlconfs route views to (see ``_routes``);
    relative imports and views of the urlconf itself are resolved against the urlconf's absolute
    path, so such names start with the folders of that path (``home.me.proj.shop.api``); match
    them with ``routes_to``.
    ``async_subclasses``: class name -> ``(file, class)`` of every class with async request
    methods (``FileFacts.async_views``) deriving from a class of that name, directly or through
    classes of the project. Classes are matched by last name, every definition of a name
    merged (more subclasses, never fewer); files are the paths the facts were given under ("" when
    given without paths).
    ``awaited_in``: for each of ``awaited_names``, the files that await or schedule it (paths as
    given, "" when given without paths), for the diagnostic to name them.
    ``wrapped_in``: name -> ``(file, callee)`` of every call that may wrap or register a view of
    that name and is not known to accept a sync one (``FileFacts.wrapped``).
    ``request_user_set_in``: the files that assign a request's user (``FileFacts.sets_request_user``)."""

    awaited_names: frozenset[str] = frozenset()
    test_base_classes: frozenset[str] = DJANGO_TEST_CASES
    uses_httpx2: bool = False
    routed_modules: frozenset[str] = frozenset()
    async_subclasses: Mapping[str, tuple[tuple[str, str], ...]] = dataclasses.field(
        default_factory=dict, hash=False
    )
    awaited_in: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict, hash=False)
    wrapped_in: Mapping[str, tuple[tuple[str, str], ...]] = dataclasses.field(default_factory=dict, hash=False)
    request_user_set_in: tuple[str, ...] = ()

    @classmethod
    def build(
        cls, facts: Iterable[FileFacts] | Mapping[str, FileFacts], dependency_text: str = ""
    ) -> ProjectIndex:
        """``facts``: per file, best as a mapping path -> facts; without paths the routes written
        as relative imports (or to the urlconf's own views) cannot be resolved and are left out."""
        awaited: dict[str, set[str]] = {}
        bases: dict[str, set[str]] = {}
        routed: set[str] = set()
        base_names: dict[str, set[str]] = {}
        async_views: list[tuple[str, str]] = []
        wrapped: dict[str, set[tuple[str, str]]] = {}
        held: dict[str, set[str]] = {}
        httpx2 = lists_httpx2(dependency_text)
        user_set: set[str] = set()
        located: Iterable[tuple[str | None, FileFacts]] = (
            facts.items() if isinstance(facts, Mapping) else ((None, f) for f in facts)
        )
        for path, f in located:
            for name in f.awaited:
                awaited.setdefault(name, set()).add(path or "")
            for name, parents in f.classes:
                bases.setdefault(name, set()).update(parents)
            httpx2 = httpx2 or f.imports_httpx2
            if f.sets_request_user:
                user_set.add(path or "")
            for spec in f.routes:
                resolved = _resolve_route(spec, path)
                if resolved:
                    routed.add(resolved)
            for name, names in f.class_bases:
                base_names.setdefault(name, set()).update(names)
            async_views.extend((path or "", name) for name in f.async_views)
            for name, names in f.held:
                held.setdefault(name, set()).update(names)
            for name, callee in f.wrapped:
                wrapped.setdefault(name, set()).add((path or "", callee))
        # A container another file awaits from (``await HANDLERS[key](r)``) awaits what it holds.
        stack = [name for name in awaited if name in held]
        while stack:
            name = stack.pop()
            for inner in held.get(name, ()):
                if inner not in awaited and inner in held:
                    stack.append(inner)
                awaited.setdefault(inner, set()).update(awaited[name])
        tests = set(DJANGO_TEST_CASES)
        changed = True
        while changed:
            changed = False
            for name, parents in bases.items():
                if name not in tests and parents & tests:
                    tests.add(name)
                    changed = True
        subclasses: dict[str, set[tuple[str, str]]] = {}
        for where in async_views:
            seen: set[str] = set()
            stack = list(base_names.get(where[1], ()))
            while stack:
                ancestor = stack.pop()
                if ancestor not in seen:
                    seen.add(ancestor)
                    subclasses.setdefault(ancestor, set()).add(where)
                    stack.extend(base_names.get(ancestor, ()))
                    # ``from shop.views import ProductView as Base``: a base named by an alias
                    # derives from what it renames (``held``: extra names only add subclasses)
                    stack.extend(held.get(ancestor, ()))
        return cls(
            frozenset(awaited),
            frozenset(tests),
            httpx2,
            frozenset(routed),
            {name: tuple(sorted(found)) for name, found in sorted(subclasses.items())},
            {name: tuple(sorted(where)) for name, where in sorted(awaited.items())},
            {name: tuple(sorted(where)) for name, where in sorted(wrapped.items())},
            tuple(sorted(user_set)),
        )

    def routes_to(self, path: str) -> bool:
        """Whether a urlconf routes views to the module at ``path`` (a file path, relative to the
        working folder or absolute): its dotted name, or its last components (``shop.api`` for
        ``src/shop/api.py``: which folder is on ``sys.path`` is not known), is a routed module."""
        if not self.routed_modules:
            return False
        parts = _module_parts(path)
        return any(".".join(parts[i:]) in self.routed_modules for i in range(len(parts)))

    def digest(self) -> str:
        blob = json.dumps(
            [
                sorted(self.awaited_names),
                sorted(self.test_base_classes),
                self.uses_httpx2,
                sorted(self.routed_modules),
                sorted(self.async_subclasses.items()),
                sorted(self.awaited_in.items()),
                sorted(self.wrapped_in.items()),
                list(self.request_user_set_in),
            ]
        ).encode()
        return hashlib.blake2b(blob, digest_size=12).hexdigest()
