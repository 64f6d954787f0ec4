"""Facts about the whole set of files being processed, gathered before any file is rewritten.

Some decisions depend on other files: a view that another module awaits must stay async, a test
class may derive from a project base class defined elsewhere, a module is a views module when a
urlconf routes to it, a view class must keep async handlers while a subclass elsewhere has async
ones. The runner reads every file once
anyway; files whose text could hold such a fact are parsed with ``ast`` (cheap) and their facts
merged into one ``ProjectIndex`` that every codemod sees through ``ctx.project``.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import hashlib
import json
import os
import re
import warnings
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

DJANGO_TEST_CASES = frozenset(
    {"SimpleTestCase", "TestCase", "TransactionTestCase", "LiveServerTestCase", "StaticLiveServerTestCase"}
)
# Calls that run, schedule or inspect a coroutine (function) given as an argument, by the last
# name of the callee: asyncio, asgiref, anyio and trio spellings.
_SCHEDULERS = frozenset(
    {
        "gather", "create_task", "ensure_future", "run", "async_to_sync", "wait_for", "shield",
        "run_until_complete", "wait", "as_completed", "run_coroutine_threadsafe", "start_soon", "start",
        "Task", "iscoroutinefunction", "iscoroutine",
    }
)
# Text that any file holding an await or a scheduling call contains; the words after "await" are
# the ones that may show scheduling outside an async def (then every node is looked at).
_SCHEDULING_WORDS = (
    "asyncio", "async_to_sync", "anyio", "trio", "gather", "ensure_future", "run_until_complete",
    "create_task", "start_soon", "as_completed", "coroutine",
)
_ASYNC_WORDS = ("await", *_SCHEDULING_WORDS)
# Methods that put their arguments into the receiver (``tasks.append(view(r))``).
_STORING = frozenset({"append", "extend", "add", "insert", "appendleft", "put", "put_nowait", "setdefault"})
_DEPENDENCY_FILES = ("pyproject.toml", "setup.cfg", "setup.py", "Pipfile")
_HTTPX2_REQUIREMENT = re.compile(r"(?im)^[\s\"'\[,-]*httpx2\b")


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


def _last_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _wants(source: str) -> tuple[bool, bool, bool, bool]:
    wants_awaits = any(word in source for word in _ASYNC_WORDS)
    wants_classes = "class " in source and "Test" in source
    wants_routes = "urlpatterns" in source
    wants_views = "async def" in source and "class" in source
    return wants_awaits, wants_classes, wants_routes, wants_views


def wants_parse(source: str) -> bool:
    """Whether ``file_facts`` needs the syntax tree of this file (a cheap substring test)."""
    return any(_wants(source))


def file_facts(
    source: str,
    tree: ast.Module | None = None,
    statements: list[ast.stmt] | None = None,
    nodes: list[ast.AST] | None = None,
) -> FileFacts:
    """Facts from one file's text; never raises (a file that does not parse contributes nothing).

    ``tree``: its ``ast`` if already parsed; ``statements``/``nodes``: its statements / all its
    nodes if already collected (``codemods.candidates``). Awaits and scheduling calls need every
    node (only those of async defs when no scheduling word is in the text); classes only the
    statements, which are far fewer; class bases only the text."""
    from codemods.candidates import statements as all_statements
    from codemods.candidates import walk

    facts = FileFacts()
    wants_awaits, wants_classes, wants_routes, wants_views = _wants(source)
    facts.imports_httpx2 = "httpx2" in source and bool(re.search(r"^\s*(import|from)\s+httpx2\b", source, re.MULTILINE))
    if "class" in source:
        facts.class_bases = _class_bases(source)
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
_REQUEST_METHODS = frozenset(
    {"get", "post", "put", "patch", "delete", "head", "options", "trace", "dispatch", "http_method_not_allowed"}
)
# A class statement, at the start of a line (``class`` is a compound statement: nothing precedes
# it on its line but indentation); group 1 its name; the match ends after the opening parenthesis.
_CLASS_HEAD = re.compile(r"(?:^|(?<=\r))[ \t\f]*class\s+(\w+)\s*\(", re.MULTILINE)
# The pieces of a bases list: comments and strings (skipped), brackets, numbers (skipped), names
# with a lookahead telling a qualifier (``views.``) or a keyword name (``metaclass=``).
_BASES_TOKEN = re.compile(
    r"#[^\r\n]*"
    r"|[rRbBuUfF]*(?:'''(?:\\.|[^\\])*?'''|\"\"\"(?:\\.|[^\\])*?\"\"\"|'(?:\\.|[^'\\\r\n])*'|\"(?:\\.|[^\"\\\r\n])*\")"
    r"|[()\[\]{}]|\d\w*|([^\W\d]\w*)(\s*\.|\s*=(?!=))?"
)
_BASES_LIMIT = 4000  # characters of a bases list looked at (a real one is far shorter)


def _class_bases(source: str) -> list[tuple[str, list[str]]]:
    """``FileFacts.class_bases``: for every class statement of the text, the names in its bases
    list that may be a base's last name: ``class A(views.Base, Mixin[T], metaclass=M)`` gives
    ``A: Base, M, Mixin, T``. From the text, so it needs no parse: class statements inside strings
    count too, and a name may be one that is no base. Extra names only ever add subclasses (more
    views kept async); every real base's last name is there."""
    out: list[tuple[str, list[str]]] = []
    for head in _CLASS_HEAD.finditer(source):
        names: set[str] = set()
        depth = 1
        end = min(len(source), head.end() + _BASES_LIMIT)
        for token in _BASES_TOKEN.finditer(source, head.end(), end):
            text = token.group()
            if text in "([{":
                depth += 1
            elif text in ")]}":
                depth -= 1
                if depth == 0:
                    break
            elif token.group(1) and not token.group(2):
                names.add(token.group(1))
        if names:
            out.append((head.group(1), sorted(names)))
    return out


OWN_MODULE = "<own module>"
_ROUTE_CALLS = frozenset({"path", "re_path", "url"})
_ERROR_HANDLERS = frozenset({"handler400", "handler403", "handler404", "handler500"})


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
        if t is ast.Import:
            for a in st.names:
                if a.asname:
                    imported[a.asname] = (a.name, a.name)
                else:
                    top = a.name.partition(".")[0]
                    imported[top] = (top, top)
        elif t is ast.ImportFrom:
            base = "." * st.level + (st.module or "")
            for a in st.names:
                if a.name != "*":
                    imported[a.asname or a.name] = (base, base + ("" if base.endswith(".") else ".") + a.name)
        elif t is ast.Assign or t is ast.AnnAssign:
            targets = st.targets if t is ast.Assign else [st.target]
            for target in targets:
                if isinstance(target, ast.Name) and st.value is not None:
                    values.setdefault(target.id, []).append(st.value)
                    if target.id in _ERROR_HANDLERS:
                        used.append(st.value)
    for node in walk(tree):
        if type(node) is ast.Call and _last_name(node.func) in _ROUTE_CALLS:
            used.extend(node.args[1:2])
            used.extend(kw.value for kw in node.keywords if kw.arg == "view")
    out: set[str] = set()
    seen: set[str] = set()
    stack = list(used)
    while stack:
        e = stack.pop()
        if isinstance(e, ast.Call) and _last_name(e.func) == "include":
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


_CONTAINERS = (ast.List, ast.Tuple, ast.Set)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp)


class _Awaited:
    """Names of the callables a file awaits, schedules or runs as coroutines, as precise as the
    file allows: ``await view(r)``, ``await views.view(r)``, ``await super().get(r)``,
    ``await SomeView.as_view()(r)`` (``SomeView``), ``asyncio.run(view(r))``,
    ``gather(*[view(r) for r in rs])``, ``wait_for(fut=view(r))``, ``start_soon(view, r)``,
    ``c = view(r); await c``; an import alias counts under its imported name too.

    Not counted: methods called on a receiver that is a client, not a view: a name or ``self``
    attribute containing "client" (``self.async_client``, the ``async_client`` fixture), or one
    bound in the file to a call of a ``*Client*``/``*Session*`` class (``httpx.AsyncClient()``,
    ``async with ... as c``). Any other receiver counts, ``self.something`` included (it may hold
    a view instance: ``await self.view.get(request)``). Names are collected per file, not per
    scope: a binding anywhere in the file counts everywhere in it (more names, never fewer)."""

    def __init__(self, statements: list[ast.stmt]) -> None:
        self.aliases: dict[str, str] = {}
        self.stored: dict[str, list[ast.expr]] = {}
        self.clients: set[str] | None = None
        for st in statements:
            t = type(st)
            if t is ast.Assign:
                for target in st.targets:
                    self._bind(target, st.value)
            elif t is ast.AnnAssign or t is ast.AugAssign:
                if st.value is not None:
                    self._bind(st.target, st.value)
            elif t is ast.For or t is ast.AsyncFor:
                self._bind(st.target, st.iter)
            elif t is ast.With or t is ast.AsyncWith:
                for item in st.items:
                    if item.optional_vars is not None:
                        self._bind(item.optional_vars, item.context_expr)
            elif t is ast.ImportFrom:
                for a in st.names:
                    if a.asname and a.asname != a.name:
                        self.aliases[a.asname] = a.name

    @staticmethod
    def _key(node: ast.expr) -> str | None:
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
            return "self." + node.attr
        return None

    def _bind(self, target: ast.expr, value: ast.expr) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:  # the whole value for each name: more names, never fewer
                self._bind(elt.value if isinstance(elt, ast.Starred) else elt, value)
            return
        key = self._key(target)
        if key is not None:
            self.stored.setdefault(key, []).append(value)

    def collect(self, nodes: list[ast.AST]) -> set[str]:
        used: list[ast.expr] = []
        for node in nodes:
            t = type(node)
            if t is ast.Await:
                used.append(node.value)
            elif t is ast.Call:
                func = node.func
                if isinstance(func, ast.Name):
                    fname = self.aliases.get(func.id, func.id)
                elif isinstance(func, ast.Attribute):
                    fname = func.attr
                    if fname in _STORING:
                        key = self._key(func.value)
                        if key is not None:
                            self.stored.setdefault(key, []).extend(node.args)
                else:
                    continue
                if fname in _SCHEDULERS:
                    used.extend(node.args)
                    used.extend(kw.value for kw in node.keywords)
            elif t is ast.NamedExpr:
                self._bind(node.target, node.value)
            elif t is ast.comprehension:
                self._bind(node.target, node.iter)
        out: set[str] = set()
        seen: set[str] = set()
        for expr in used:
            self._names(expr, out, seen)
        return out

    def _is_client(self, recv: ast.expr) -> bool:
        if isinstance(recv, ast.Call):
            name = _last_name(recv.func) or ""
            return "Client" in name or "Session" in name
        key = self._key(recv)
        if key is None:
            return False
        if "client" in key.lower():
            return True
        if self.clients is None:
            self.clients = {
                k for k, values in self.stored.items()
                if any(isinstance(v, ast.Call) and self._is_client(v) for v in values)
            }
        return key in self.clients

    def _names(self, expr: ast.expr, out: set[str], seen: set[str]) -> None:
        """Add the names of the views ``expr`` may be, call or hold (see the class docstring)."""
        stack = [expr]
        while stack:
            e = stack.pop()
            t = type(e)
            if t is ast.Name:
                out.add(e.id)
                if e.id in self.aliases:
                    out.add(self.aliases[e.id])
                if e.id in self.stored and e.id not in seen:
                    seen.add(e.id)
                    stack.extend(self.stored[e.id])
            elif t is ast.Attribute:
                recv = e.value
                if e.attr == "as_view":  # SomeView.as_view(): the view is SomeView
                    name = _last_name(recv)
                    out.add(name if name else "as_view")
                    if isinstance(recv, ast.Name) and recv.id in self.aliases:
                        out.add(self.aliases[recv.id])
                elif not self._is_client(recv):
                    out.add(e.attr)
                    key = self._key(e)
                    if key is not None and key in self.stored and key not in seen:
                        seen.add(key)
                        stack.extend(self.stored[key])
            elif t is ast.Call:
                stack.append(e.func)
            elif t in _CONTAINERS:
                stack.extend(e.elts)
            elif t is ast.Starred or t is ast.NamedExpr or t is ast.Await:
                stack.append(e.value)
            elif t in _COMPREHENSIONS:
                stack.append(e.elt)
            elif t is ast.DictComp:
                stack.append(e.value)
            elif t is ast.Dict:
                stack.extend(v for v in e.values if v is not None)
            elif t is ast.IfExp:
                stack.extend((e.body, e.orelse))
            elif t is ast.BoolOp:
                stack.extend(e.values)
            elif t is ast.Subscript:
                stack.append(e.value)
            elif t is ast.Lambda:
                stack.append(e.body)


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
    classes of the processed paths. Classes are matched by last name, every definition of a name
    merged (more subclasses, never fewer); files are the paths the facts were given under ("" when
    given without paths)."""

    awaited_names: frozenset[str] = frozenset()
    test_base_classes: frozenset[str] = DJANGO_TEST_CASES
    uses_httpx2: bool = False
    routed_modules: frozenset[str] = frozenset()
    async_subclasses: Mapping[str, tuple[tuple[str, str], ...]] = dataclasses.field(
        default_factory=dict, hash=False
    )

    @classmethod
    def build(
        cls, facts: Iterable[FileFacts] | Mapping[str, FileFacts], dependency_text: str = ""
    ) -> ProjectIndex:
        """``facts``: per file, best as a mapping path -> facts; without paths the routes written
        as relative imports (or to the urlconf's own views) cannot be resolved and are left out."""
        awaited: set[str] = set()
        bases: dict[str, set[str]] = {}
        routed: set[str] = set()
        base_names: dict[str, set[str]] = {}
        async_views: list[tuple[str, str]] = []
        httpx2 = bool(_HTTPX2_REQUIREMENT.search(dependency_text))
        located: Iterable[tuple[str | None, FileFacts]] = (
            facts.items() if isinstance(facts, Mapping) else ((None, f) for f in facts)
        )
        for path, f in located:
            awaited.update(f.awaited)
            for name, parents in f.classes:
                bases.setdefault(name, set()).update(parents)
            httpx2 = httpx2 or f.imports_httpx2
            for spec in f.routes:
                resolved = _resolve_route(spec, path)
                if resolved:
                    routed.add(resolved)
            for name, names in f.class_bases:
                base_names.setdefault(name, set()).update(names)
            async_views.extend((path or "", name) for name in f.async_views)
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
        return cls(
            frozenset(awaited),
            frozenset(tests),
            httpx2,
            frozenset(routed),
            {name: tuple(sorted(found)) for name, found in sorted(subclasses.items())},
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
            ]
        ).encode()
        return hashlib.blake2b(blob, digest_size=12).hexdigest()


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


def dependency_text(root: Path) -> str:
    """The text of the project's dependency files at ``root`` (requirements*.txt included)."""
    chunks = []
    names = list(_DEPENDENCY_FILES)
    try:
        names += sorted(p.name for p in root.glob("requirements*.txt"))
        names += sorted(f"requirements/{p.name}" for p in root.glob("requirements/*.txt"))
    except OSError:
        pass
    for name in names:
        try:
            chunks.append((root / name).read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
    return "\n".join(chunks)


# --------------------------------------------------------------------------- other files a codemod reads
# A codemod may read project files besides the one it rewrites (async-test-client reads models,
# settings, urlconfs, conftest.py, manage.py, the pytest configuration). Such reads go through the
# functions below, the one place where codemods touch the disk: each records what it saw (a
# content hash, whether a path exists, a folder's matching names) in the recordings open at the
# time. The runner opens one around each file's transform and stores the record with the cached
# result; the result is reused only while ``reads_current`` finds every recorded fact unchanged.
# The set of files depends on the file being rewritten (its folder, its imports), so it is
# recorded per file rather than guessed for the whole project.
_RECORDINGS: list[dict[str, str]] = []
_MISSING = "-"


@contextlib.contextmanager
def recording_reads() -> Iterator[dict[str, str]]:
    """Collect, in the dict yielded, every fact the read functions below observe meanwhile."""
    reads: dict[str, str] = {}
    _RECORDINGS.append(reads)
    try:
        yield reads
    finally:
        _RECORDINGS.pop()


def _note(key: str, value: str) -> None:
    for reads in _RECORDINGS:
        reads.setdefault(key, value)


def _hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def read_text(path: Path, errors: str = "strict") -> str:
    """``path.read_text(encoding="utf-8", errors=errors)``, recorded. Raises as it does
    (``OSError``; ``UnicodeDecodeError`` with ``errors="strict"``)."""
    key = "f:" + os.path.abspath(path)
    try:
        data = Path(path).read_bytes()
    except OSError:
        _note(key, _MISSING)
        raise
    _note(key, _hash(data))
    text = data.decode("utf-8", errors)
    return text.replace("\r\n", "\n").replace("\r", "\n")  # universal newlines, as read_text


def path_exists(path: Path) -> bool:
    """``path.exists()``, recorded."""
    found = Path(path).exists()
    _note("e:" + os.path.abspath(path), "1" if found else "0")
    return found


def is_file(path: Path) -> bool:
    """``path.is_file()``, recorded."""
    found = Path(path).is_file()
    _note("i:" + os.path.abspath(path), "1" if found else "0")
    return found


def glob(folder: Path, pattern: str) -> list[Path]:
    """``sorted(folder.glob(pattern))`` (one folder level), recorded as the names found."""
    found = sorted(Path(folder).glob(pattern))
    _note(f"g:{pattern}:" + os.path.abspath(folder), _hash("\0".join(p.name for p in found).encode()))
    return found


def _current(key: str) -> str:
    kind, _, rest = key.partition(":")
    if kind == "f":
        try:
            return _hash(Path(rest).read_bytes())
        except OSError:
            return _MISSING
    if kind == "e":
        return "1" if Path(rest).exists() else "0"
    if kind == "i":
        return "1" if Path(rest).is_file() else "0"
    if kind == "g":
        pattern, _, folder = rest.partition(":")
        return _hash("\0".join(p.name for p in sorted(Path(folder).glob(pattern))).encode())
    return ""  # unknown kind (a record from other code): never current


def reads_current(reads: dict[str, str], memo: dict[str, str]) -> bool:
    """Whether every fact in ``reads`` (from ``recording_reads``) still holds on disk.
    ``memo``: facts already checked in this run (many files read the same models module)."""
    for key, value in reads.items():
        if key not in memo:
            memo[key] = _current(key)
        if memo[key] != value:
            return False
    return True
