"""What a test's project files say about its set-up: models, settings, pytest-django, bases, urlconfs.

async-test-client judges a test by more than its own file: the concrete fields and managers of
the models it uses, the settings' ``AUTHENTICATION_BACKENDS`` and ``AUTH_USER_MODEL``, whether
the project runs pytest-django, a ``conftest.py`` client fixture, the mixins and bases a test
class derives from, and the urlconf the requests go to. This module reads those files (with
``ast``, never importing them) and returns plain data; what the data means for the rewrite is
the codemod's business. Every read goes through the recorded-read functions of
``codemods.project`` (``read_text``, ``path_exists``, ``is_file``, ``glob``), so a cached result
is reused only while the files are unchanged.

A test's files are found from its folder: ``folder_of(path)``. Nothing here imports libcst (the
imports of the files read are the shared ``codemods.analysis.import_records``).
"""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

from codemods.analysis.import_records import ast_top_level_bindings
from codemods.knowledge.testing import (
    CONFTEST_ROOT_MARKERS,
    HTTP_HANDLERS,
    MANAGER_BASES,
    PATH_CONVERTERS,
    PYTEST_DJANGO_WORDS,
    RELATION_FIELDS,
    ROOT_MARKERS,
    SETTINGS_NAMING_FILES,
    SYNC_VIEW_PACKAGES,
)
from codemods.knowledge.views import SAFE_DECORATORS
from codemods.project import glob, is_file, path_exists, read_text
from codemods.project.dependencies import requirement_files
from codemods.project.parsed import parse_ast
from codemods.project.routes import is_include, route_kind, route_views


def folder_of(test_path: str) -> Path:
    """The folder the project files of the test at ``test_path`` are looked for from."""
    return Path(test_path).resolve().parent if test_path else Path.cwd()


def parse(text: str) -> ast.Module:
    """ast of a project file read from disk (models, bases), shared by the files of one run
    (``parsed.parse_ast``, by its text); the trees are never changed."""
    return parse_ast(text)


# --------------------------------------------------------------------------- models
def model_facts(folder: Path, qual: str) -> tuple[frozenset[str], frozenset[str] | None]:
    """(concrete fields, methods its ``objects`` manager defines) of the model class ``qual``
    (``shop.models.Product``, ``.models.Product``), read from its models module: ``shop/models.py``
    (or ``shop/models/__init__.py``) in ``folder`` or a parent; a relative module from ``folder``
    (and its parents for more dots). Only the class's own field assignments count. The managers
    are None when they cannot be seen (see ``manager_methods``); (empty, None) when the module
    cannot be found or read."""
    module, _, cls = qual.rpartition(".")
    dots = len(module) - len(module.lstrip("."))
    parts = module.lstrip(".").split(".")
    if dots:
        if dots - 2 >= len(folder.parents):
            return frozenset(), None
        roots = [folder.parents[dots - 2] if dots > 1 else folder]
    else:
        roots = [folder, *folder.parents]
    for root in roots:
        for cand in (root.joinpath(*parts).with_suffix(".py"), root.joinpath(*parts, "__init__.py")):
            try:
                text = read_text(cand)
            except (OSError, ValueError):
                continue
            return _class_fields(text, cls)
    return frozenset(), None


def _ast_name(node: ast.expr) -> str:
    return node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""


def manager_methods(tree: ast.Module, model: ast.ClassDef) -> frozenset[str] | None:
    """Methods the model's ``objects`` manager class defines (None: a manager that cannot be
    seen, e.g. declared by an abstract parent or built by a call not understood).
    ``Model.objects.acreate()`` runs ``QuerySet.create``, not an override on the manager."""
    if not all(_ast_name(b) == "Model" for b in model.bases):
        return None  # an abstract parent may declare the manager
    value: ast.expr | None = None
    for st in model.body:
        if isinstance(st, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "objects" for t in st.targets):
            value = st.value
    if value is None:
        return frozenset()
    if not isinstance(value, ast.Call):
        return None
    func = value.func
    if _ast_name(func) == "Manager" and not value.args:
        return frozenset()
    if isinstance(func, ast.Attribute) and func.attr == "as_manager":
        return frozenset()  # QuerySet methods: the a-twins call them too
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    cls = classes.get(func.id) if isinstance(func, ast.Name) else None
    if cls is None or not all(_ast_name(b) in MANAGER_BASES for b in cls.bases):
        return None
    return frozenset(st.name for st in cls.body if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)))


def _class_fields(text: str, cls: str) -> tuple[frozenset[str], frozenset[str] | None]:
    try:
        tree = parse(text)
    except (SyntaxError, ValueError):
        return frozenset(), None
    out: set[str] = set()
    managers: frozenset[str] | None = None
    for node in tree.body:
        if not (isinstance(node, ast.ClassDef) and node.name == cls):
            continue
        managers = manager_methods(tree, node)
        for st in node.body:
            target = value = None
            if isinstance(st, ast.Assign) and len(st.targets) == 1:
                target, value = st.targets[0], st.value
            elif isinstance(st, ast.AnnAssign):
                target, value = st.target, st.value
            if not (isinstance(target, ast.Name) and isinstance(value, ast.Call)):
                continue
            f = value.func
            fname = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            if fname in ("ForeignKey", "OneToOneField"):
                out.add(target.id + "_id")
            elif fname.endswith("Field") and fname not in RELATION_FIELDS:
                out.add(target.id)
    return frozenset(out), managers


# --------------------------------------------------------------------------- classes of other modules
def ast_import_map(tree: ast.Module) -> dict[str, str]:
    """Local name -> imported dotted name (relative imports keep their leading dots)."""
    return {b.local: b.qualified() for b in ast_top_level_bindings(tree)}


def class_in(tree: ast.Module, name: str) -> ast.ClassDef | None:
    """The (last) module-level class ``name`` of ``tree``."""
    found = None
    for n in tree.body:
        if isinstance(n, ast.ClassDef) and n.name == name:
            found = n
    return found


class ClassReader:
    """Classes a test class derives from, read from the project's files (mixins, bases), with the
    import maps of the modules read; both cached for the file being rewritten."""

    def __init__(self) -> None:
        self._import_maps: dict[int, tuple[ast.Module, dict[str, str]]] = {}
        self._class_cache: dict[tuple[str, str], tuple[ast.ClassDef, ast.Module, Path] | None] = {}

    def imports_of(self, module: ast.Module) -> dict[str, str]:
        """``ast_import_map`` of ``module``, computed once."""
        key = id(module)
        if key not in self._import_maps:
            self._import_maps[key] = (module, ast_import_map(module))
        return self._import_maps[key][1]

    def read_class(
        self, qual: str, folder: Path, module: ast.Module, depth: int = 0
    ) -> tuple[ast.ClassDef, ast.Module, Path] | None:
        """The class ``qual`` names in ``module`` (of ``folder``): a class of that module (no dot)
        or one imported (``pkg.mod.Name``, ``..mod.Name``) from a project file found from
        ``folder`` up, following re-exports; with its module and folder. None: cannot be read."""
        if "." not in qual:
            found = class_in(module, qual)
            return (found, module, folder) if found is not None else None
        key = (str(folder), qual)
        if key in self._class_cache:
            return self._class_cache[key]
        self._class_cache[key] = None  # an import cycle reads as unreadable
        result = None
        mod, _, name = qual.rpartition(".")
        dots = len(mod) - len(mod.lstrip("."))
        parts = [p for p in mod.lstrip(".").split(".") if p]
        if not dots:
            roots = [folder, *folder.parents]
        elif dots == 1:
            roots = [folder]
        else:
            roots = [folder.parents[dots - 2]] if dots - 2 < len(folder.parents) else []
        for root in roots if depth < 8 else ():
            base = root.joinpath(*parts)
            cands = [base.with_suffix(".py"), base / "__init__.py"] if parts else [root / "__init__.py"]
            for cand in cands:
                try:
                    other = parse(read_text(cand))
                except (OSError, ValueError, SyntaxError):
                    continue
                found = class_in(other, name)
                if found is not None:
                    result = (found, other, cand.parent)
                else:
                    target = self.imports_of(other).get(name)
                    if target is not None and "." in target:
                        result = self.read_class(target, cand.parent, other, depth + 1)
                break
            else:
                continue
            break
        self._class_cache[key] = result
        return result


# --------------------------------------------------------------------------- settings
_SETTING = re.compile(r"DJANGO_SETTINGS_MODULE[\"']?\s*[,=:]\s*[\"']?([\w.]+)")


def find_settings(start: Path) -> tuple[Path, str] | None:
    """(project root, settings module) as the first ``manage.py`` or pytest configuration file
    from ``start`` up names ``DJANGO_SETTINGS_MODULE``."""
    for d in (start, *start.parents):
        for name in SETTINGS_NAMING_FILES:
            try:
                text = read_text(d / name, "replace")
            except OSError:
                continue
            m = _SETTING.search(text)
            if m:
                return d, m.group(1)
    return None


def module_file(root: Path, dotted: str) -> Path | None:
    """The file of module ``dotted`` under ``root`` (``a/b.py`` or ``a/b/__init__.py``)."""
    parts = dotted.split(".")
    for cand in (root.joinpath(*parts).with_suffix(".py"), root.joinpath(*parts, "__init__.py")):
        if is_file(cand):
            return cand
    return None


def settings_module_files(root: Path, settings: str) -> list[Path]:
    """The settings module's file, or every file of a settings package."""
    f = module_file(root, settings)
    if f is None:
        return []
    return [f, *glob(f.parent, "*.py")] if f.name == "__init__.py" else [f]


def settings_files(test_path: str) -> list[Path]:
    """The files of the settings module found for the test at ``test_path`` (none: not found)."""
    found = find_settings(folder_of(test_path))
    return settings_module_files(*found) if found else []


def default_user_model(test_path: str) -> bool:
    """The project's settings (found as by ``find_settings``) do not set AUTH_USER_MODEL."""
    files = settings_files(test_path)
    return bool(files) and not any("AUTH_USER_MODEL" in read_text(f, "replace") for f in files)


_ENGINE = re.compile(r"""["']ENGINE["']\s*:\s*["']([\w.]+)["']""")


def sqlite_only(test_path: str) -> bool:
    """The settings (found as by ``find_settings``) name database engines, all of them SQLite's
    (False: another engine, or none named literally, e.g. ``dj_database_url``)."""
    engines = [m.group(1) for f in settings_files(test_path) for m in _ENGINE.finditer(read_text(f, "replace"))]
    return bool(engines) and all(e == "django.db.backends.sqlite3" for e in engines)


@dataclasses.dataclass(frozen=True)
class BackendsUnknown:
    """Why the settings' ``AUTHENTICATION_BACKENDS`` is not known to list only allowed backends.

    ``kind``: ``no-settings`` (nothing names the settings module), ``no-module`` (``where``: the
    settings module, not found), ``unreadable`` (``where``: a settings file), ``star-import``
    (``where`` star-imports module ``what``, which cannot be read), ``not-literal`` (``where``
    assigns something else than a list/tuple of strings), ``other-backend`` (``where`` lists
    ``what``), ``changed`` (``where`` changes it in another way)."""

    kind: str
    where: str = ""
    what: str = ""


def auth_backends_unknown(test_path: str, allowed: frozenset[str]) -> BackendsUnknown | None:
    """The first reason, in the order the settings files are read (star imports followed), why
    ``AUTHENTICATION_BACKENDS`` may list a backend outside ``allowed``; None: it is unset or lists
    only ``allowed`` ones."""
    found = find_settings(folder_of(test_path))
    if found is None:
        return BackendsUnknown("no-settings")
    root, settings = found
    todo = settings_module_files(root, settings)
    if not todo:
        return BackendsUnknown("no-module", settings)
    seen: set[Path] = set()
    while todo:
        f = todo.pop()
        if f in seen:
            continue
        seen.add(f)
        try:
            text = read_text(f, "replace")
            tree = ast.parse(text)
        except (OSError, ValueError, SyntaxError):
            return BackendsUnknown("unreadable", f.name)
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
                if node.level:
                    sub = f.parent.joinpath(*(node.module or "").split(".")).with_suffix(".py")
                    target = sub if node.level == 1 and node.module else None
                else:
                    target = module_file(root, node.module or "")
                if target is None or not is_file(target):
                    return BackendsUnknown("star-import", f.name, f"{node.module}")
                todo.append(target)
        if "AUTHENTICATION_BACKENDS" not in text:
            continue
        ok_nodes: set[int] = set()
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id == "AUTHENTICATION_BACKENDS"
            ):
                values = node.value.elts if isinstance(node.value, (ast.List, ast.Tuple)) else None
                if values is None or not all(
                    isinstance(v, ast.Constant) and isinstance(v.value, str) for v in values
                ):
                    return BackendsUnknown("not-literal", f.name)
                other = [v.value for v in values if v.value not in allowed]
                if other:
                    return BackendsUnknown("other-backend", f.name, other[0])
                ok_nodes.add(id(node.targets[0]))
        names = [
            n for n in ast.walk(tree)
            if (isinstance(n, ast.Name) and n.id == "AUTHENTICATION_BACKENDS")
            or (isinstance(n, ast.Constant) and n.value == "AUTHENTICATION_BACKENDS")
        ]
        if any(id(n) not in ok_nodes for n in names):
            return BackendsUnknown("changed", f.name)
    return None


# --------------------------------------------------------------------------- pytest-django
def uses_pytest_django(test_path: str) -> bool:
    """Whether a dependency or pytest configuration file, ``manage.py`` or a ``conftest.py``, from
    the test's folder up to the project root, names pytest-django, DJANGO_SETTINGS_MODULE or
    ``--ds``."""
    start = folder_of(test_path)
    for d in (start, *start.parents):
        names = ["conftest.py", "pytest.ini", "pyproject.toml", "setup.cfg", "tox.ini", "setup.py", "manage.py"]
        names += requirement_files(d)
        for name in names:
            try:
                text = read_text(d / name, "replace")
            except OSError:
                continue
            if PYTEST_DJANGO_WORDS.search(text):
                return True
        if any(path_exists(d / m) for m in ROOT_MARKERS):
            break
    return False


# ``def client(`` / ``def async_client(`` (async or not) at the start of a line.
CLIENT_FIXTURE_DEF = re.compile(r"^\s*(?:async\s+)?def\s+(?:async_)?client\s*\(", re.MULTILINE)


def client_fixture_conftest(test_path: str) -> str | None:
    """The ``conftest.py`` (from the test's folder up to the project root) that defines a
    ``client``/``async_client`` fixture of its own, if any."""
    start = folder_of(test_path)
    for d in (start, *start.parents):
        try:
            text = read_text(d / "conftest.py", "replace")
        except OSError:
            text = ""
        if CLIENT_FIXTURE_DEF.search(text):
            return str(d / "conftest.py")
        if any(path_exists(d / m) for m in CONFTEST_ROOT_MARKERS):
            break
    return None


@dataclasses.dataclass(frozen=True)
class FixtureDef:
    """A pytest fixture defined in a module: the fixtures it takes, whether it is autouse, where."""

    params: frozenset[str]
    autouse: bool
    where: str


def _is_fixture(d: ast.expr) -> tuple[bool, bool]:
    """(whether decorator ``d`` is ``pytest.fixture``/``fixture``, whether it says autouse=True)."""
    call = d if isinstance(d, ast.Call) else None
    target = call.func if call else d
    name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
    if name != "fixture":
        return False, False
    auto = any(
        k.arg == "autouse" and isinstance(k.value, ast.Constant) and k.value.value is True
        for k in (call.keywords if call else ())
    )
    return True, auto


def fixture_defs(tree: ast.Module, where: str) -> dict[str, FixtureDef]:
    """The fixtures a module defines at its top level (``@pytest.fixture`` functions; a
    ``name=`` argument renames one)."""
    out: dict[str, FixtureDef] = {}
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for d in node.decorator_list:
            is_fixture, auto = _is_fixture(d)
            if not is_fixture:
                continue
            name = node.name
            if isinstance(d, ast.Call):
                for k in d.keywords:
                    if k.arg == "name" and isinstance(k.value, ast.Constant) and isinstance(k.value.value, str):
                        name = k.value.value
            params = frozenset(a.arg for a in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs])
            out[name] = FixtureDef(params, auto, where)
    return out


def conftest_fixtures(test_path: str) -> dict[str, FixtureDef]:
    """The fixtures of the ``conftest.py`` files from the test's folder up to the project root
    (a nearer one wins, as in pytest)."""
    out: dict[str, FixtureDef] = {}
    start = folder_of(test_path)
    for d in (start, *start.parents):
        try:
            tree = parse(read_text(d / "conftest.py", "replace"))
        except (OSError, SyntaxError, ValueError):
            tree = None
        if tree is not None:
            for name, fx in fixture_defs(tree, str(d / "conftest.py")).items():
                out.setdefault(name, fx)
        if any(path_exists(d / m) for m in CONFTEST_ROOT_MARKERS):
            break
    return out


# --------------------------------------------------------------------------- urlconfs
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


def _pattern_items(value: ast.expr) -> list[ast.expr]:
    """The patterns of ``urlpatterns = [...] + [...] + static(...)``: list items in order, and what
    is not a list (``static(...)``, ``router.urls``) as one item, recorded as not read."""
    if isinstance(value, (ast.List, ast.Tuple)):
        return list(value.elts)
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add):
        return _pattern_items(value.left) + _pattern_items(value.right)
    return [value]


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
            self.entries.append(Unread(prefix, f"the urlconf {module}, not a readable project file"))
            return
        tree, imports = got
        patterns: list[ast.expr] = []
        found = False
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                if node.targets[0].id == "urlpatterns":
                    found = True
                    patterns = _pattern_items(node.value)
            elif (
                isinstance(node, ast.AugAssign)
                and isinstance(node.target, ast.Name)
                and node.target.id == "urlpatterns"
            ):
                patterns += _pattern_items(node.value)
        if not found:
            self.entries.append(Unread(prefix, f"{module}, which has no urlpatterns list"))
            return
        ns = namespace
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
        handlers = [
            st for st in node.body
            if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)) and st.name in HTTP_HANDLERS
        ]
        if any(isinstance(h, ast.FunctionDef) for h in handlers):
            return False, ""  # Django requires all handlers of one kind: a sync one makes it sync
        bases = [self._qualify(b, imports, module) or _short(b) for b in node.bases]
        if handlers and all(b.rpartition(".")[2] == "View" and b.startswith("django.") for b in bases):
            return True, ""
        if not handlers and bases and all(b.startswith(SYNC_VIEW_PACKAGES) for b in bases):
            return False, ""  # Django's generic views: sync handlers
        unread = next((b for b in bases if b.rpartition(".")[2] != "View"), bases[0] if bases else "")
        return None, f"its base {unread.rpartition('.')[2]} is not read" if unread else "no handlers"

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
                return Unread(e.regex, f"the pattern {e.regex!r}, not understood")
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
