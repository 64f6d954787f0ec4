"""The Python versions a project admits: the nearest pyproject.toml's requires-python, read as PEP 440.

Files are read through ``codemods.project.read_text`` (recorded: a cached result that depended on
the specifier is dropped when the pyproject.toml changes, appears or disappears).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from codemods import project as _disk

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib


def requires_python(start: Path) -> tuple[str, str] | None:
    """(specifier, where) from the nearest pyproject.toml at or above ``start``: PEP 621
    ``project.requires-python``, else Poetry's ``tool.poetry.dependencies.python``. Read through
    ``codemods.project`` (recorded)."""
    for folder in (start, *start.parents):
        path = folder / "pyproject.toml"
        try:
            text = _disk.read_text(path, "replace")
        except OSError:
            continue
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            return None
        spec = data.get("project", {}).get("requires-python")
        if spec is None:
            poetry = data.get("tool", {}).get("poetry", {}).get("dependencies", {})
            spec = poetry.get("python") if isinstance(poetry, dict) else None
        if not isinstance(spec, str):
            return None
        try:
            return spec, os.path.relpath(path)
        except ValueError:  # another drive than the working folder's
            return spec, str(path)
    return None


_CLAUSE = re.compile(r"^(===|==|!=|~=|<=|>=|<|>|\^|~)?\s*v?(\d+(?:\.\d+)*)(\.\*)?$")


def _pad(v: tuple[int, ...], n: int = 3) -> tuple[int, ...]:
    return (v + (0,) * n)[:n] if len(v) < n else v


def _clause_admits(op: str, v: tuple[int, ...], wild: bool, x: tuple[int, ...]) -> bool:
    if wild or op in ("^", "~", "~="):
        n = {"^": 1, "~": min(len(v), 2), "~=": len(v) - 1}.get(op, len(v))
        prefix = x[:n] == v[:n]
        if op in ("==", "==="):
            return prefix
        if op == "!=":
            return not prefix
        return prefix and _pad(x) >= _pad(v)
    a, b = _pad(x, max(3, len(v))), _pad(v, max(3, len(v)))
    return {
        "": a == b, "==": a == b, "===": a == b, "!=": a != b,
        ">=": a >= b, ">": a > b, "<=": a <= b, "<": a < b,
    }[op]


def admits_before(spec: str, limit: tuple[int, int]) -> bool | None:
    """Whether the version specifier admits a Python older than ``limit`` (None: cannot tell).
    PEP 440 operators, and Poetry's ``^``/``~``/``||``; pre-releases are ignored."""
    alternatives = []
    for alternative in spec.split("||"):
        clauses = []
        for text in re.split(r",|\s+(?=[<>=!~^])", alternative.strip()):
            text = text.strip()
            if not text or text == "*":
                continue
            m = _CLAUSE.match(text)
            if m is None or (m.group(1) == "~=" and "." not in m.group(2)):
                return None
            v = tuple(int(p) for p in m.group(2).split("."))
            clauses.append((m.group(1) or "", v, bool(m.group(3))))
        alternatives.append(clauses)
    # Versions worth trying: every minor release before the limit at its first and a late patch,
    # and every version the specifier names, with the patch right after it.
    points = {(major, minor, patch) for major, top in ((2, 7), (3, limit[1] - 1))
              for minor in range(top + 1) for patch in (0, 99)}
    for clauses in alternatives:
        for _, v, _ in clauses:
            p = _pad(v)
            points |= {p, (*p[:2], p[2] + 1)}
    points = {p for p in points if p[:2] < limit}
    return any(all(_clause_admits(op, v, wild, x) for op, v, wild in clauses)
               for clauses in alternatives for x in points)
