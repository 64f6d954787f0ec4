"""Discovery: the Python files under the given paths, minus excludes, virtualenvs, git-ignored files and links out."""

from __future__ import annotations

import fnmatch
import os
import re
import subprocess
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from codemods.config import DEFAULT_EXCLUDES, Settings
from codemods.runner.files import _within
from codemods.runner.results import FileResult, display_path

# git runs from the scanned repository, whose .git/config is not the user's: nothing configured
# there may run a program (check-ignore would run core.fsmonitor; no hook is wanted either).
_GIT_SAFE = ("-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null")


def real_roots(paths: Iterable[Path]) -> list[str]:
    """The real paths of the given paths: the files a run may write are in (or are) these."""
    return [os.path.realpath(p) for p in paths]


def discover(paths: Iterable[Path], settings: Settings) -> tuple[list[Path], list[FileResult]]:
    """Python files under ``paths`` minus default and configured excludes and git-ignored files.

    A file named explicitly is processed even if excluded; a missing path is an error result.
    Folders holding ``pyvenv.cfg`` (virtualenvs) are skipped; symlinked folders are not followed.
    A symbolic link found in a folder is followed only to a file inside the given paths: one that
    leads out is skipped (reported), one to a file also found under its own name is left out
    (the file is processed once)."""
    paths = list(paths)
    files: list[Path] = []
    errors: list[FileResult] = []
    roots = real_roots(paths)
    patterns = DEFAULT_EXCLUDES + tuple(settings.exclude)
    by_name = re.compile("|".join(fnmatch.translate(p) for p in patterns))
    path_patterns = [p.rstrip("/") for p in patterns if "/" in p.strip("/")] + [f"*/{p}" for p in patterns]
    by_path = re.compile("|".join(fnmatch.translate(p) for p in path_patterns))

    def excluded(folder: str, name: str) -> bool:
        return bool(by_name.match(name) or by_path.match(f"{folder}/{name}".replace(os.sep, "/")))

    for root in paths:
        if root.is_symlink() and not root.exists():
            errors.append(FileResult(str(root), error="broken symbolic link"))
        elif root.exists() and not root.is_dir():
            files.append(root)
        elif root.is_dir():
            walked = list(_walk(str(root), excluded))
            if settings.respect_gitignore and walked:
                # A folder named on the command line counts even if git ignores it; below it, git's rules hold.
                ignored = _git_ignored(str(root), walked)
                if str(root) not in ignored:
                    walked = [p for p in walked if p not in ignored]
            files.extend(_links_kept(walked, roots, errors))
        else:
            errors.append(FileResult(str(root), error="no such file or directory"))
    return files, errors


def _links_kept(walked: list[str], roots: list[str], skipped: list[FileResult]) -> list[Path]:
    """``walked`` without the symbolic links that lead out of ``roots`` (reported in ``skipped``)
    and those to a file that is itself in ``walked``."""
    links = [p for p in walked if os.path.islink(p)]
    if not links:
        return list(map(Path, walked))
    link_set = set(links)
    plain = {os.path.realpath(p) for p in walked if p not in link_set}
    out = []
    for p in walked:
        if p in link_set:
            real = os.path.realpath(p)
            if not _within(real, roots):
                skipped.append(FileResult(display_path(Path(p)), skipped="symbolic link to a file outside the given paths"))
                continue
            if real in plain:
                continue
            plain.add(real)
        out.append(Path(p))
    return out


def _walk(root: str, excluded: Callable[[str, str], bool]) -> Iterator[str]:
    """``.py`` files below ``root`` in sorted order, one ``scandir`` per folder."""
    try:
        with os.scandir(root) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError:
        return
    folders = []
    for entry in entries:
        name = entry.name
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            is_dir = False
        if is_dir:
            if not excluded(root, name):
                folders.append(entry.path)
        elif name.endswith(".py") and not excluded(root, name):
            yield entry.path
    for folder in folders:
        if os.path.exists(os.path.join(folder, "pyvenv.cfg")):
            continue
        yield from _walk(folder, excluded)


def _git_ignored(root: str, files: list[str]) -> set[str]:
    """Which of ``root`` and ``files`` git ignores (tracked files never are); empty without git or repository."""
    top = _git_top(Path(root))
    if top is None:
        return set()
    names = [root, *files]
    absolute = [os.path.abspath(n) for n in names]
    try:
        proc = subprocess.run(
            ["git", *_GIT_SAFE, "check-ignore", "--stdin", "-z"],
            input=b"\0".join(os.fsencode(a) for a in absolute) + b"\0",
            capture_output=True,
            cwd=top,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return set()
    if proc.returncode not in (0, 1):
        return set()
    ignored = {os.fsdecode(p) for p in proc.stdout.split(b"\0") if p}
    return {n for n, a in zip(names, absolute) if a in ignored}


def _git_top(folder: Path) -> Path | None:
    for candidate in (folder.resolve(), *folder.resolve().parents):
        if (candidate / ".git").exists():
            return candidate
    return None
