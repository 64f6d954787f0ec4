"""The Django version a project declares: the lowest its Django requirement allows, and where it is.

``declared(root)`` reads, through the recorded reads of ``codemods.project``, the dependency files
of ``root`` in this order and takes the first that names Django with a lower bound: pyproject.toml
(``[project]`` dependencies and optional-dependencies, ``[dependency-groups]``, Poetry's
dependencies and groups, flit's old ``requires``), setup.cfg (``install_requires``, ``extras_require``), setup.py (the
requirement strings), requirements*.txt and requirements/*.txt, Pipfile, then the pins of
Pipfile.lock, poetry.lock and uv.lock. As django-upgrade reads it, the version is the lowest the
specifier allows: ``Django>=4.2,<5.0`` -> 4.2, ``django==5.1.3`` -> 5.1, ``Django~=4.2.0`` -> 4.2,
Poetry's ``^4.2`` -> 4.2; a requirement without a lower bound (``Django<5``, ``Django``) tells
nothing and the next file is read. A file that cannot be parsed is passed over with a
``Problem`` naming it and its line (``find`` returns them; the caller says so when it falls back).
Nothing here imports libcst.
"""

from __future__ import annotations

import configparser
import dataclasses
import json
import os
import re
import sys
from pathlib import Path

from codemods.problems import Problem
from codemods.project.dependencies import requirement_files
from codemods.project.reads import read_text

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the tomli backport
    import tomli as tomllib

# A Django requirement in requirement-ish text (a requirements line, a setup.cfg value, a string of
# setup.py): the name (not django-otp, not "Framework :: Django"), extras, then the specifier.
_REQUIREMENT = re.compile(
    r"(?<![\w.-])django(?![\w.-])\s*(?:\[[^\]]*\])?\s*\(?\s*"
    r"(?P<spec>(?:(?:===|==|!=|~=|<=|>=|<|>)\s*[\w.*+!-]+\s*,?\s*)+)",
    re.IGNORECASE,
)
_CLAUSE = re.compile(r"^(===|==|!=|~=|<=|>=|<|>|\^|~)?\s*v?(\d+)(?:\.(\d+))?[\w.*+!-]*$")
_LOCKS = ("Pipfile.lock", "poetry.lock", "uv.lock")


@dataclasses.dataclass(frozen=True)
class Found:
    """What the dependency files say: the version and the file (relative to the working folder
    when below it) that said it, or None; and the files that could not be read as what they are."""

    version: tuple[int, int] | None
    source: str | None
    problems: tuple[Problem, ...] = ()


def lowest(spec: str) -> tuple[int, int] | None:
    """The lowest (major, minor) a version specifier allows (PEP 440, and Poetry's ``^``/``~``/
    bare versions/``||``), or None when it has no lower bound (or cannot be read)."""
    best: tuple[int, int] | None = None
    for alternative in spec.split("||"):
        bound: tuple[int, int] | None = None
        for text in re.split(r",|\s+(?=[<>=!~^])", alternative.strip()):
            text = text.strip()
            if not text or text == "*":
                continue
            m = _CLAUSE.match(text)
            if m is None:
                return None
            op = m.group(1) or "=="
            if op in ("<", "<=", "!="):
                continue
            v = (int(m.group(2)), int(m.group(3) or 0))
            bound = v if bound is None else max(bound, v)
        if bound is None:
            return None  # this alternative allows anything below: no lower bound
        best = bound if best is None else min(best, bound)
    return best


def _shown(path: Path) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive than the working folder's
        return str(path)
    return str(path) if rel.startswith("..") else rel


def _toml_specs(data: dict) -> list[str]:
    """The Django specifiers of a pyproject.toml or Pipfile ("" for one without a version)."""
    specs: list[str] = []
    project = data.get("project", {})
    strings = list(project.get("dependencies", []))
    for group in project.get("optional-dependencies", {}).values():
        strings += group
    for group in data.get("dependency-groups", {}).values():
        strings += [g for g in group if isinstance(g, str)]
    flit = data.get("tool", {}).get("flit", {}).get("metadata", {})  # flit's metadata before PEP 621
    strings += list(flit.get("requires", []))
    for group in flit.get("requires-extra", {}).values():
        strings += group
    for s in strings:
        if isinstance(s, str):
            specs += [m.group("spec") for m in _REQUIREMENT.finditer(s)]
    tables = []
    poetry = data.get("tool", {}).get("poetry", {})
    tables += [poetry.get("dependencies", {}), poetry.get("dev-dependencies", {})]
    tables += [g.get("dependencies", {}) for g in poetry.get("group", {}).values() if isinstance(g, dict)]
    tables += [data.get("packages", {}), data.get("dev-packages", {})]  # Pipfile
    for table in tables:
        if not isinstance(table, dict):
            continue
        for name, value in table.items():
            if name.lower() != "django":
                continue
            if isinstance(value, dict):
                value = value.get("version", "")
            if isinstance(value, str):
                specs.append(value)
    return specs


def _lock_version(name: str, text: str) -> str | None:
    """The Django version a lock file pins, as a specifier (``==4.2.7``)."""
    if name == "Pipfile.lock":
        data = json.loads(text)
        for section in ("default", "develop"):
            entry = data.get(section, {}).get("django")
            if isinstance(entry, dict) and isinstance(entry.get("version"), str):
                return entry["version"]
        return None
    for package in tomllib.loads(text).get("package", []):
        if isinstance(package, dict) and str(package.get("name", "")).lower() == "django":
            version = package.get("version")
            return f"=={version}" if isinstance(version, str) else None
    return None


def _setup_cfg_specs(text: str) -> list[str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    values = []
    if parser.has_option("options", "install_requires"):
        values.append(parser.get("options", "install_requires"))
    if parser.has_section("options.extras_require"):
        values += [v for _, v in parser.items("options.extras_require")]
    return [m.group("spec") for v in values for m in _REQUIREMENT.finditer(v)]


def _text_specs(text: str, comments: bool) -> list[str]:
    """Django specifiers of requirements lines (``comments``: ``# ...`` dropped) or setup.py strings."""
    if comments:
        text = re.sub(r"(?m)(^|\s)#.*$", "", text)
    return [m.group("spec") for m in _REQUIREMENT.finditer(text)]


def _specs(name: str, text: str) -> list[str]:
    """The Django specifiers a file declares; raises ``ValueError`` (or a parser's error) when it
    cannot be read as what its name says."""
    if name in ("pyproject.toml", "Pipfile"):
        return _toml_specs(tomllib.loads(text))
    if name in _LOCKS:
        pinned = _lock_version(name, text)
        return [pinned] if pinned else []
    if name == "setup.cfg":
        return _setup_cfg_specs(text)
    return _text_specs(text, comments=name.endswith(".txt"))


def _why(name: str, exc: Exception) -> str:
    """The parser's complaint, with its line when it gives one."""
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON (line {exc.lineno}: {exc.msg})"
    if isinstance(exc, tomllib.TOMLDecodeError):
        return f"not valid TOML ({exc})"
    if isinstance(exc, configparser.Error):
        line = getattr(exc, "lineno", None)
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return f"not a valid setup.cfg (line {line}: {first})" if line else f"not a valid setup.cfg ({first})"
    return f"cannot be read ({exc})"


def find(root: Path) -> Found:
    """The Django version the dependency files of ``root`` declare (see the module docstring)."""
    names = ["pyproject.toml", "setup.cfg", "setup.py", *requirement_files(root), "Pipfile", *_LOCKS]
    problems: list[Problem] = []
    for name in names:
        path = root / name
        try:
            text = read_text(path, "replace")
        except OSError:
            continue
        if "django" not in text.lower():
            continue
        try:
            specs = _specs(path.name, text)
        except (ValueError, configparser.Error, AttributeError, TypeError) as exc:
            problems.append(Problem("unreadable-dependency-file", f"{_shown(path)}: {_why(path.name, exc)}"))
            continue
        versions = [v for v in (lowest(s) for s in specs) if v is not None]
        if versions:
            return Found(min(versions), _shown(path), tuple(problems))
    return Found(None, None, tuple(problems))


def declared(root: Path) -> tuple[int, int, str] | None:
    """(major, minor, the file that says so), or None when no dependency file of ``root`` bounds
    Django from below."""
    found = find(root)
    if found.version is None or found.source is None:
        return None
    return (*found.version, found.source)
