"""The whole project: its Python files (git's, or a walk) and their facts, cached by stat and content hash."""

from __future__ import annotations

import codecs
import fnmatch
import hashlib
import os
import re
import subprocess
import tokenize
from collections.abc import Iterable
from io import BytesIO
from pathlib import Path
from typing import Any, Protocol

from codemods.config import DEFAULT_EXCLUDES
from codemods.project.index import FileFacts, file_facts

# Every fact a rewrite depends on (who awaits a view, which urlconf routes to a module, which
# classes derive from a view class, which classes are test cases) comes from every Python file of
# the project, whatever paths were given: pre-commit passes only the staged files, and a caller in
# a file that was not staged breaks all the same. The project is the root the configuration was
# found at. Its files: in a git checkout, the tracked ones plus the untracked ones git does not
# ignore (a new caller not yet added still calls); else a walk of the root, when it is marked as
# a project's (``_ROOT_MARKERS``). Both leave out what discovery
# leaves out by default (virtualenvs, ``node_modules``, ``build`` ...), but not the user's
# ``exclude`` patterns: a file excluded from rewriting may still await a view.
_EXCLUDED = re.compile("|".join(fnmatch.translate(p) for p in DEFAULT_EXCLUDES))
_GIT = ("git", "-c", "core.fsmonitor=", "-c", "core.hooksPath=/dev/null")


def _kept(rel: str, venvs: dict[str, bool], root: str) -> bool:
    """Whether the root-relative ``rel`` lies in no default-excluded folder and no virtualenv."""
    parts = rel.split("/")
    if any(_EXCLUDED.match(part) for part in parts):
        return False
    folder = ""
    for part in parts[:-1]:
        folder = f"{folder}/{part}" if folder else part
        if folder not in venvs:
            venvs[folder] = os.path.exists(os.path.join(root, folder, "pyvenv.cfg"))
        if venvs[folder]:
            return False
    return True


def _git_files(root: str) -> list[str] | None:
    """``.py`` files git knows below ``root`` (tracked, and untracked but not ignored), absolute;
    None when ``root`` is not in a git work tree or git cannot say. The scanned repository's
    hooks and fsmonitor are turned off: listing files runs none of its code."""
    try:
        proc = subprocess.run(
            [*_GIT, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "*.py"],
            capture_output=True,
            cwd=root,
            timeout=60,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    venvs: dict[str, bool] = {}
    out = []
    for raw in dict.fromkeys(proc.stdout.split(b"\0")):  # a path both staged and changed comes once
        rel = os.fsdecode(raw)
        if rel.endswith(".py") and _kept(rel, venvs, root):
            out.append(os.path.join(root, rel))
    return out


def _walked_files(root: str) -> list[str]:
    """``.py`` files below ``root`` without git: default excludes and virtualenvs left out,
    symlinked folders not followed."""
    out: list[str] = []
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError:
            continue
        if folder != root and any(e.name == "pyvenv.cfg" for e in entries):
            continue  # a virtualenv
        for entry in entries:
            if _EXCLUDED.match(entry.name):
                continue
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if is_dir:
                stack.append(entry.path)
            elif entry.name.endswith(".py"):
                out.append(entry.path)
    return sorted(out)


# Files that mark a folder as a project's root: without git, only such a folder is walked (the
# root falls back to the working folder when no pyproject.toml is found: that may be a home
# folder, or "/").
_ROOT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", "manage.py")


def project_files(root: Path) -> list[str]:
    """Absolute paths of the project's Python files (see the comment at the top); none without
    git when ``root`` holds no project marker (``_ROOT_MARKERS``)."""
    top = os.path.abspath(root)
    found = _git_files(top)
    if found is not None:
        return found
    if not any(os.path.isfile(os.path.join(top, marker)) for marker in _ROOT_MARKERS):
        return []
    return _walked_files(top)


class _CacheLike(Protocol):
    entries: dict[str, Any]
    dirty: bool

    def fresh_stat(self, entry: dict[str, Any] | None, st: os.stat_result) -> bool: ...

    def stat_key(self, st: os.stat_result) -> list[int]: ...


def _text(data: bytes) -> str:
    """The file's text for its facts: its declared encoding (PEP 263, BOM), bad bytes replaced."""
    try:
        encoding = tokenize.detect_encoding(BytesIO(data).readline)[0]
        codecs.lookup(encoding)
    except (SyntaxError, LookupError):
        encoding = "utf-8"
    return data.decode(encoding, errors="replace")


def _entry_facts(entry: dict[str, Any]) -> dict[str, Any] | None:
    if "facts" in entry:
        return entry["facts"]
    if "scan" in entry:  # a file once processed: its scan holds its facts
        return entry["scan"]["facts"]
    return None


def other_facts(files: Iterable[str], cache: _CacheLike) -> dict[str, FileFacts]:
    """Facts of ``files`` (absolute paths, none of them being processed), from the cache while a
    file's stat or content hash is unchanged, else from its text (the ``ast`` fact pass only);
    stored in the cache entry of the file, as ``facts``. Unreadable files contribute nothing."""
    out: dict[str, FileFacts] = {}
    for key in files:
        entry = cache.entries.get(key)
        try:
            st = os.stat(key)
        except OSError:
            continue
        if entry is not None and cache.fresh_stat(entry, st):
            stored = _entry_facts(entry)
            if stored is not None:
                out[key] = FileFacts(**stored)
                continue
        try:
            with open(key, "rb") as fh:
                data = fh.read()
        except OSError:
            continue
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        stat = cache.stat_key(st)
        stored = _entry_facts(entry) if entry is not None and entry.get("hash") == digest else None
        if stored is None:
            stored = dict(vars(file_facts(_text(data)) if b"\0" not in data else FileFacts()))
            cache.entries[key] = {"hash": digest, "stat": stat, "facts": stored}
        else:
            entry["stat"] = stat
        cache.dirty = True
        out[key] = FileFacts(**stored)
    return out


def project_facts(root: Path, given: dict[str, FileFacts], cache: _CacheLike) -> dict[str, FileFacts]:
    """Facts of the project's files other than the ``given`` ones (absolute paths, being
    processed), by absolute path. Nothing when no given file lies below ``root`` (files given
    from elsewhere are not of this project; tests run the runner so)."""
    top = os.path.realpath(root)
    inside = {os.path.realpath(k) for k in given}
    if not any(p == top or p.startswith(top.rstrip(os.sep) + os.sep) for p in inside):
        return {}
    names = {os.path.basename(p) for p in inside}
    others = [
        f for f in project_files(Path(top))
        if f not in given and not (os.path.basename(f) in names and os.path.realpath(f) in inside)
    ]
    return other_facts(others, cache)
