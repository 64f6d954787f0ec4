"""Test dependencies and data migrations: what a converted async test needs from the project to run.

An ``async def`` pytest test runs only under a plugin the project installs for its tests
(pytest-asyncio or anyio's): ``async_test_plugins`` says which ones the project's dependency
files declare, and whether pytest-asyncio's ``asyncio_mode = auto`` is configured. A
transactional test flushes the tables after it runs, emptying the rows data migrations created:
``data_migrations`` lists the migrations that may write rows. Both read the files through the
recorded reads of ``codemods.project``; nothing here imports libcst or the project.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path

from codemods.knowledge.layout import ROOT_MARKERS
from codemods.knowledge.testing import ASYNC_TEST_PLUGINS, ASYNCIO_AUTO_MODE, DATA_MIGRATION_OPERATIONS
from codemods.project.dependencies import requirement_files
from codemods.project.reads import glob, path_exists, read_text

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the tomli backport
    import tomli as tomllib

# Files that declare dependencies (requirements files are found by name below).
_DEPENDENCY_FILES = ("pyproject.toml", "setup.cfg", "setup.py", "tox.ini", "Pipfile")
# Files whose pytest configuration may set ``asyncio_mode``.
_PYTEST_CONFIG_FILES = ("pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg")


@dataclasses.dataclass(frozen=True)
class AsyncPlugins:
    """Which async pytest plugins (``ASYNC_TEST_PLUGINS`` names) the project declares, where, and
    whether pytest-asyncio runs unmarked async tests (``asyncio_mode = auto``)."""

    declared: frozenset[str]
    auto_mode: bool
    looked_in: tuple[str, ...]  # the files read, for the refusal's message


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_names(text: str) -> set[str]:
    """The distribution names a requirement-ish text (requirements lines, tox ``deps``, setup.cfg
    extras, quoted strings of setup.py) mentions, normalised."""
    out = set()
    for m in re.finditer(r"(?:^|[\s\"'\[,=;(])([A-Za-z][A-Za-z0-9._-]*)", text, re.MULTILINE):
        out.add(_normal(m.group(1)))
    return out


def _toml_names(text: str) -> set[str] | None:
    """Distribution names a pyproject.toml or Pipfile declares anywhere a dependency goes
    (``[project]`` dependencies and optional-dependencies, ``[dependency-groups]``, Poetry, PDM and
    Pipfile tables); None when the text is not TOML."""
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError):
        return None
    specs: list[str] = []
    names: list[str] = []
    project = data.get("project", {})
    specs += project.get("dependencies", [])
    for group in project.get("optional-dependencies", {}).values():
        specs += group
    for group in data.get("dependency-groups", {}).values():
        specs += [g for g in group if isinstance(g, str)]
    tool = data.get("tool", {})
    poetry = tool.get("poetry", {})
    for key in ("dependencies", "dev-dependencies"):
        names += list(poetry.get(key, {}))
    for group in poetry.get("group", {}).values():
        names += list(group.get("dependencies", {}))
    for group in tool.get("pdm", {}).get("dev-dependencies", {}).values():
        specs += group
    for key in ("packages", "dev-packages"):
        names += list(data.get(key, {}))
    out = {_normal(n) for n in names if isinstance(n, str)}
    for spec in specs:
        if isinstance(spec, str):
            m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", spec)
            if m:
                out.add(_normal(m.group(1)))
    return out


def project_folders(start: Path) -> list[Path]:
    """``start`` and its parents up to the first holding a root marker (all of them without one)."""
    out = []
    for d in (start, *start.parents):
        out.append(d)
        if any(path_exists(d / m) for m in ROOT_MARKERS):
            break
    return out


def async_test_plugins(start: Path) -> AsyncPlugins:
    """The async pytest plugins the dependency files from ``start`` up to the project root declare
    (requirements*.txt and requirements/*.txt included)."""
    found: set[str] = set()
    auto = False
    looked: list[str] = []
    for d in project_folders(start):
        names = list(_DEPENDENCY_FILES)
        names += requirement_files(d)
        for name in names:
            try:
                text = read_text(d / name, "replace")
            except OSError:
                continue
            looked.append(name)
            declared = _toml_names(text) if name in ("pyproject.toml", "Pipfile") else None
            if declared is None:
                declared = _requirement_names(text)
            found |= {p for p in ASYNC_TEST_PLUGINS if p in declared}
        for name in _PYTEST_CONFIG_FILES:
            try:
                text = read_text(d / name, "replace")
            except OSError:
                continue
            auto = auto or bool(ASYNCIO_AUTO_MODE.search(text))
    return AsyncPlugins(frozenset(found), auto, tuple(dict.fromkeys(looked)))


def data_migrations(start: Path) -> list[str]:
    """The migrations (``app/migrations/*.py`` and ``pkg/app/migrations/*.py`` below the project
    root found from ``start``) that run ``RunPython``/``RunSQL``: they may create rows, which a
    transactional test's flush removes. Paths relative to the root."""
    root = project_folders(start)[-1]
    out = []
    for pattern in ("*/migrations", "*/*/migrations"):
        for folder in glob(root, pattern):
            for f in glob(folder, "*.py"):
                try:
                    text = read_text(f, "replace")
                except OSError:
                    continue
                if any(re.search(rf"\b{op}\s*\(", text) for op in DATA_MIGRATION_OPERATIONS):
                    out.append(str(f.relative_to(root)))
    return out
