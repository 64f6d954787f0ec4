"""References to a view elsewhere in the project: any use but a urlconf route or an import.

A view made async returns a coroutine when called: a sync caller (another view, a test calling it
with a ``RequestFactory`` request, a subclass with sync handlers, a wrapper) would get a
coroutine in place of a response. So a view is converted only when every use of its name in the
project's Python files is its own ``def``/``class``, an import, or a route argument
(``path("x/", views.dash)``, ``SomeView.as_view()``). The search is over the text (word
boundaries, strings and comments left out line by line), each file read through
``codemods.project.reads`` so the cache sees every file it depended on, and the list of files
recorded too.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from codemods.project.reads import read_text, record_listing

# A route argument: after ``(`` or ``,`` (a module prefix allowed), before ``,`` or ``)``, or
# ``.as_view(...)`` there; on a line that calls path/re_path/url.
_ROUTE_LINE = re.compile(r"\b(?:path|re_path|url)\s*\(")
_IMPORT_LINE = re.compile(r"^\s*(?:from\s+\S+\s+)?import\s")


def _route_use(line: str, start: int, end: int) -> bool:
    before = line[:start].rstrip()
    while before.endswith("."):  # views.dash, shop.views.dash
        before = re.sub(r"[\w.]*\.$", "", before).rstrip()
    after = line[end:]
    m = re.match(r"\s*\.as_view\((?:[^()]|\([^()]*\))*\)", after)
    if m:
        after = after[m.end():]
    return bool(_ROUTE_LINE.search(line)) and before.endswith((",", "(")) and after.lstrip()[:1] in (",", ")", "")


def _holder(before: str) -> str:
    """The name just before a ``.``: ``views`` in ``x = shop.views``."""
    m = re.search(r"(\w+)\s*$", before)
    return m.group(1) if m else ""


def _code_part(line: str) -> str:
    """The line with string literals and a trailing comment blanked (same length)."""
    out = []
    quote = ""
    i = 0
    while i < len(line):
        ch = line[i]
        if quote:
            if ch == "\\":
                out.append("  ")
                i += 2
                continue
            if line.startswith(quote, i):
                out.append(" " * len(quote))
                i += len(quote)
                quote = ""
                continue
            out.append(" ")
        elif ch == "#":
            out.append(" " * (len(line) - i))
            break
        elif ch in "\"'":
            quote = line[i : i + 3] if line[i : i + 3] in ('"""', "'''") else ch
            out.append(" " * len(quote))
            i += len(quote)
            continue
        else:
            out.append(ch)
        i += 1
    return "".join(out)[: len(line)]


def other_uses(names: Iterable[str], files: Iterable[str], module: str) -> dict[str, tuple[str, int, str]]:
    """For each of ``names`` used in ``files`` other than by a definition of that name
    (``def``/``class``, in any file), an import or a urlconf route: its first such use, as
    (file, line, the line's code). One pass over the files for all the names. ``module``: the
    last name of the views' module (``views``): ``x.name`` is a use only where ``x`` is that
    module or a name a file imports it as (``Path.home()`` is no use of a view ``home``)."""
    wanted = sorted(set(names))
    if not wanted:
        return {}
    alternatives = "|".join(re.escape(n) for n in wanted)
    word = re.compile(rf"\b(?:{alternatives})\b")
    definition = re.compile(rf"^\s*(?:async\s+)?(?:def|class)\s+({alternatives})\b")
    out: dict[str, tuple[str, int, str]] = {}
    for path in files:
        try:
            text = read_text(Path(path), "replace")
        except OSError:
            continue
        if not any(n in text for n in wanted if n not in out):
            continue
        in_import = False  # inside the parentheses of a multi-line import
        holders = {module, *re.findall(rf"\b{re.escape(module)}\s+as\s+(\w+)", text)}
        for number, line in enumerate(text.splitlines(), 1):
            if in_import:
                in_import = ")" not in line
                continue
            if _IMPORT_LINE.match(line):
                in_import = "(" in line and ")" not in line
                continue
            if not word.search(line):
                continue
            code = _code_part(line)
            defined = definition.match(code)
            for m in word.finditer(code):
                name = m.group(0)
                if name in out or (defined and defined.group(1) == name and m.start() == defined.start(1)):
                    continue
                if code[: m.start()].endswith(".") and _holder(code[: m.start() - 1]) not in holders:
                    continue  # an attribute of something else
                if not _route_use(code, m.start(), m.end()):
                    out[name] = (path, number, line.strip())
        if len(out) == len(wanted):
            break
    return out


def listing(kind: str, top: str) -> list[str]:
    """The Python files of ``top``: the project's (``kind`` "p": ``whole.project_files``) or
    every one below the folder (``kind`` "w")."""
    if kind == "p":
        from codemods.project.whole import project_files

        return sorted(project_files(Path(top)))
    return sorted(os.path.join(d, f) for d, _, names in os.walk(top) for f in names if f.endswith(".py"))


def project_python_files(root: Path, also: str) -> list[str]:
    """The project's Python files (those of the folder of ``also`` when it is not below ``root``
    or the root holds no project), the listing recorded as read."""
    top = os.path.abspath(root)
    here = os.path.abspath(also)
    kind = "p"
    files = listing(kind, top) if here.startswith(top.rstrip(os.sep) + os.sep) else []
    if not files:
        kind, top = "w", os.path.dirname(here)
        files = listing(kind, top)
    record_listing(kind, top, files)
    return files


def shown(path: str, here: str) -> str:
    """A path for a diagnostic about the file ``here``: relative to the working folder when below
    it, else to the folder above the one both files share."""
    try:
        rel = os.path.relpath(path)
        if not rel.startswith(".."):
            return rel
        common = os.path.commonpath([os.path.dirname(os.path.abspath(p)) for p in (path, here)])
        return os.path.relpath(path, os.path.dirname(common))
    except ValueError:  # another drive
        return path
