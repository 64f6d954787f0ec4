"""Functions of other project modules a run calls: their files found and read from disk, and analysed.

A module imported from the project (``from shop.services import add_item``, ``from . import
services``) is looked for next to the file being rewritten, then in each folder above it up to the
project root; its file is read through ``codemods.project`` (recorded for the runner's cache) and
its facts computed like this module's (``facts.ModuleFacts``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import libcst as cst

from codemods import project as _disk
from codemods.analysis import dotted_name
from codemods.analysis.names import top_level_bindings
from codemods.knowledge.layout import PACKAGE_ROOT_MARKERS
from codemods.project.parsed import FileCache
from codemods.rules.gather_awaits.facts import Func, ModuleFacts

# Files whose presence marks the project root: a module imported without dots is looked for in
# the folder of the file being rewritten and its parents, up to the first one holding one of
# these (the root itself included). The packaging files and manage.py only, not the test
# runners' configuration files of ``layout.ROOT_MARKERS``: the modules are imported from where
# the packages are.
ROOT_MARKERS = PACKAGE_ROOT_MARKERS
# Facts of the project modules parsed lately, by (file, dotted name, content hash): the runner
# rewrites many files of one app that import the same services module.
_LOADED: FileCache[ModuleFacts | None] = FileCache(64)


def import_bindings(module: cst.Module) -> dict[str, tuple[int, tuple[str, ...]]]:
    """Local name -> (dots, dotted parts) of the module-level imports: ``import a.b`` binds
    ``a`` to ``(0, ("a",))``, ``import a.b as s`` binds ``s`` to ``(0, ("a", "b"))``,
    ``from .a import f`` binds ``f`` to ``(1, ("a", "f"))``. Imports inside ``if``/``try``
    blocks or functions are not resolved (the callee stays unknown)."""
    out: dict[str, tuple[int, tuple[str, ...]]] = {}
    for b in top_level_bindings(module):
        if b.name is not None:
            out[b.local] = (b.level, (*(b.module.split(".") if b.module else ()), b.name))
        else:
            out[b.local] = (0, tuple(b.module.split(".")) if b.alias else (b.local,))
    return out


class ProjectModules:
    """Top-level functions of the project modules this module imports, found on disk and
    analysed like this module's own functions. Files are read through ``codemods.project``
    (recorded: the runner's cached result for this file is dropped when one of them changes,
    appears or disappears), and only when a call of a run is looked up."""

    def __init__(self, module: cst.Module, path: str) -> None:
        self.module = module
        self.dir = Path(path).resolve().parent if path else Path.cwd()
        self._bindings: dict[str, tuple[int, tuple[str, ...]]] | None = None
        self._dirs: list[Path] | None = None
        self._modules: dict[tuple[int, tuple[str, ...]], ModuleFacts | None] = {}

    def callees(self, call: cst.Call, shadowed: set[str]) -> list[Func]:
        name = dotted_name(call.func)
        if name is None:
            return []
        parts = name.split(".")
        if parts[0] in shadowed:
            return []
        if self._bindings is None:
            self._bindings = import_bindings(self.module)
        bound = self._bindings.get(parts[0])
        if bound is None:
            return []
        level, base = bound
        full = (*base, *parts[1:])
        module, func = full[:-1], full[-1]
        if not module and not level:
            return []
        facts = self._load(level, module)
        if facts is None:
            return []
        return [fn for fn in facts.funcs.get(func, []) if fn.top_level]

    def _search_dirs(self) -> list[Path]:
        """Where an absolute import is looked for: the project root (and its ``src``), as Python
        finds it with the root on ``sys.path`` -- not a same-named module next to this file, which
        is not the one imported. Without a root found: this file's folder and each one above."""
        if self._dirs is None:
            self._dirs = []
            for folder in (self.dir, *self.dir.parents):
                self._dirs.append(folder)
                if any(_disk.path_exists(folder / marker) for marker in ROOT_MARKERS):
                    self._dirs = [folder, folder / "src"]
                    break
        return self._dirs

    def _load(self, level: int, parts: tuple[str, ...]) -> ModuleFacts | None:
        key = (level, parts)
        if key in self._modules:
            return self._modules[key]
        self._modules[key] = None
        if level == 0:
            if parts[0] in sys.stdlib_module_names:
                return None
            folders = self._search_dirs()
        elif level - 2 >= len(self.dir.parents):
            return None
        else:
            folders = [self.dir.parents[level - 2] if level > 1 else self.dir]
        dotted = "." * level + ".".join(parts)
        for folder in folders:
            candidates = (
                [folder.joinpath(*parts).with_suffix(".py"), folder.joinpath(*parts, "__init__.py")]
                if parts else [folder / "__init__.py"]
            )
            for cand in candidates:
                try:
                    text = _disk.read_text(cand)
                except (OSError, ValueError):
                    continue
                self._modules[key] = module_facts(str(cand), dotted, text)
                return self._modules[key]
        return None


def module_facts(path: str, dotted: str, text: str) -> ModuleFacts | None:
    """The facts of another module of the project (None if it does not parse)."""
    return _LOADED.get(path, text, lambda text: _module_facts(text, dotted, path), dotted)


def _module_facts(text: str, dotted: str, path: str) -> ModuleFacts | None:
    try:
        module = cst.parse_module(text)
    except Exception:  # noqa: BLE001 - LibCST raises more than its own errors on odd input
        return None
    facts = ModuleFacts()
    facts.module, facts.path = module, path
    module.visit(facts)
    facts.finish()
    for group in (*facts.funcs.values(), *facts.methods.values()):
        for fn in group:
            fn.origin = dotted
    return facts
