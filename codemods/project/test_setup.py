"""What a test's project files say about its set-up: models, settings, pytest-django, bases, urlconfs.

async-test-client judges a test by more than its own file: the concrete fields and managers of
the models it uses, the settings' ``AUTHENTICATION_BACKENDS`` and ``AUTH_USER_MODEL``, whether
the project runs pytest-django, a ``conftest.py`` client fixture, the mixins and bases a test
class derives from (the urlconf the requests go to: ``urlconf``). This module reads those files (with
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
from collections.abc import Iterator
from pathlib import Path

from codemods.analysis.import_records import ast_top_level_bindings
from codemods.knowledge.testing import (
    CONFTEST_ROOT_MARKERS,
    MANAGER_BASES,
    PYTEST_DJANGO_WORDS,
    RELATION_FIELDS,
    ROOT_MARKERS,
    SETTINGS_NAMING_FILES,
)
from codemods.project import glob, is_file, path_exists, read_text
from codemods.project.dependencies import requirement_files
from codemods.project.parsed import parse_ast


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
    text = _models_text(folder, qual)
    return _class_fields(text, qual.rpartition(".")[2]) if text is not None else (frozenset(), None)


def _models_text(folder: Path, qual: str) -> str | None:
    """The text of the module that defines ``qual``, found as ``model_facts`` says; None if none."""
    module = qual.rpartition(".")[0]
    dots = len(module) - len(module.lstrip("."))
    parts = module.lstrip(".").split(".")
    if dots:
        if dots - 2 >= len(folder.parents):
            return None
        roots = [folder.parents[dots - 2] if dots > 1 else folder]
    else:
        roots = [folder, *folder.parents]
    for root in roots:
        for cand in (root.joinpath(*parts).with_suffix(".py"), root.joinpath(*parts, "__init__.py")):
            try:
                return read_text(cand)
            except (OSError, ValueError):
                continue
    return None


@dataclasses.dataclass(frozen=True)
class ModelFacts:
    """What a model class's own body declares: concrete ``fields``; the methods of its ``objects``
    manager (``managers``, None: cannot be seen); ``relations``, the ForeignKey/OneToOneField
    names (reading one may load a row); ``many``, the ManyToManyField names (related managers);
    ``bases``, the last names of its bases (a class of a models module need not be a model)."""

    fields: frozenset[str]
    managers: frozenset[str] | None
    relations: frozenset[str]
    many: frozenset[str]
    bases: tuple[str, ...] = ()  # the last name of each base class


def model_class_facts(folder: Path, qual: str) -> ModelFacts | None:
    """``ModelFacts`` of the model class ``qual``, its module found as ``model_facts`` says; None
    when the module cannot be found, read or parsed, or does not define the class."""
    text = _models_text(folder, qual)
    return class_facts(text, qual.rpartition(".")[2]) if text is not None else None


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
    facts = class_facts(text, cls)
    return (facts.fields, facts.managers) if facts is not None else (frozenset(), None)


def class_facts(text: str, cls: str) -> ModelFacts | None:
    """``ModelFacts`` of class ``cls`` of the module ``text`` (None: no such class, or no parse)."""
    try:
        tree = parse(text)
    except (SyntaxError, ValueError):
        return None
    found: ModelFacts | None = None
    for node in tree.body:
        if not (isinstance(node, ast.ClassDef) and node.name == cls):
            continue
        out: set[str] = set()
        relations: set[str] = set()
        many: set[str] = set()
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
                relations.add(target.id)
            elif fname == "ManyToManyField":
                many.add(target.id)
            elif fname.endswith("Field") and fname not in RELATION_FIELDS:
                out.add(target.id)
        bases = tuple(_ast_name(base) for base in node.bases)
        found = ModelFacts(frozenset(out), manager_methods(tree, node), frozenset(relations), frozenset(many), bases)
    return found


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
    """Why the settings' ``AUTHENTICATION_BACKENDS`` is not known to list only allowed backends
    (or a list setting not known to hold a value: ``missing_from_list_setting``).

    ``kind``: ``no-settings`` (nothing names the settings module), ``no-module`` (``where``: the
    settings module, not found), ``unreadable`` (``where``: a settings file), ``star-import``
    (``where`` star-imports module ``what``, which cannot be read), ``not-literal`` (``where``
    assigns something else than a list/tuple of strings), ``other-backend`` (``where`` lists
    ``what``), ``changed`` (``where`` changes it in another way)."""

    kind: str
    where: str = ""
    what: str = ""


def settings_trees(test_path: str) -> Iterator[tuple[Path, str, ast.Module] | BackendsUnknown]:
    """Each file of the settings module found for ``test_path`` (star imports of project modules
    followed) as (file, text, tree), in the order read; a ``BackendsUnknown`` (its ``kind``:
    ``no-settings``, ``no-module``, ``unreadable``, ``star-import``) where one cannot be read,
    after which the caller knows no more."""
    found = find_settings(folder_of(test_path))
    if found is None:
        yield BackendsUnknown("no-settings")
        return
    root, settings = found
    todo = settings_module_files(root, settings)
    if not todo:
        yield BackendsUnknown("no-module", settings)
        return
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
            yield BackendsUnknown("unreadable", f.name)
            return
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
                if node.level:
                    sub = f.parent.joinpath(*(node.module or "").split(".")).with_suffix(".py")
                    target = sub if node.level == 1 and node.module else None
                else:
                    target = module_file(root, node.module or "")
                if target is None or not is_file(target):
                    yield BackendsUnknown("star-import", f.name, f"{node.module}")
                    return
                todo.append(target)
        yield f, text, tree


def _setting_names(tree: ast.Module, setting: str) -> list[ast.AST]:
    """Every mention of ``setting`` in a settings file: its name, or the name as a string."""
    return [
        n for n in ast.walk(tree)
        if (isinstance(n, ast.Name) and n.id == setting) or (isinstance(n, ast.Constant) and n.value == setting)
    ]


def _literal_strings(value: ast.expr) -> list[str] | None:
    """The strings of a list/tuple display of string constants (None: anything else)."""
    values = value.elts if isinstance(value, (ast.List, ast.Tuple)) else None
    if values is None or not all(isinstance(v, ast.Constant) and isinstance(v.value, str) for v in values):
        return None
    return [v.value for v in values]  # type: ignore[attr-defined]


def auth_backends_unknown(test_path: str, allowed: frozenset[str]) -> BackendsUnknown | None:
    """The first reason, in the order the settings files are read (star imports followed), why
    ``AUTHENTICATION_BACKENDS`` may list a backend outside ``allowed``; None: it is unset or lists
    only ``allowed`` ones."""
    for item in settings_trees(test_path):
        if isinstance(item, BackendsUnknown):
            return item
        f, text, tree = item
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
                values = _literal_strings(node.value)
                if values is None:
                    return BackendsUnknown("not-literal", f.name)
                other = [v for v in values if v not in allowed]
                if other:
                    return BackendsUnknown("other-backend", f.name, other[0])
                ok_nodes.add(id(node.targets[0]))
        if any(id(n) not in ok_nodes for n in _setting_names(tree, "AUTHENTICATION_BACKENDS")):
            return BackendsUnknown("changed", f.name)
    return None


def missing_from_list_setting(test_path: str, setting: str, wanted: str) -> BackendsUnknown | None:
    """Why the settings are not known to put ``wanted`` in the list setting ``setting`` (for
    ``MIDDLEWARE``: Django's default is empty); None: known. Known when every file that names it
    assigns it a literal list holding ``wanted`` (``+=`` of a literal list is allowed too) and
    one does. A reason as ``settings_trees`` gives, or ``kind`` ``unset`` (no file sets it),
    ``not-literal``/``changed`` (``where`` sets or changes it otherwise), ``missing`` (``where``
    assigns a list without it)."""
    assigned = False
    for item in settings_trees(test_path):
        if isinstance(item, BackendsUnknown):
            return item
        f, text, tree = item
        if setting not in text:
            continue
        ok_nodes: set[int] = set()
        for node in tree.body:
            target = node.target if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else None
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
            if not (isinstance(target, ast.Name) and target.id == setting) or node.value is None:  # type: ignore[attr-defined]
                continue
            values = _literal_strings(node.value)  # type: ignore[attr-defined]
            if values is None or (isinstance(node, ast.AugAssign) and not isinstance(node.op, ast.Add)):
                return BackendsUnknown("not-literal", f.name)
            if not isinstance(node, ast.AugAssign):
                if wanted not in values:
                    return BackendsUnknown("missing", f.name)
                assigned = True
            ok_nodes.add(id(target))
        if any(id(n) not in ok_nodes for n in _setting_names(tree, setting)):
            return BackendsUnknown("changed", f.name)
    return None if assigned else BackendsUnknown("unset")


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
