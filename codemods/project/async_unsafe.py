"""Whether the project's runtime turns Django's async-unsafe check off (``DJANGO_ALLOW_ASYNC_UNSAFE``).

A project that sets the variable where it starts (its settings, ``manage.py``, ``asgi.py``,
``wsgi.py``) runs sync ORM calls in async code without ``SynchronousOnlyOperation``: async-orm
reports such a file and rewrites nothing there. Only those files count: a test module or a script
that sets it for itself says nothing about how the project serves requests. The files are found
from the rewritten file's folder up to the project root (the first folder with a root marker), and
through the settings module ``manage.py``/the pytest configuration names. Reads are recorded.
"""

from __future__ import annotations

import re
from pathlib import Path

from codemods.knowledge.layout import ROOT_MARKERS
from codemods.knowledge.orm import ASYNC_UNSAFE_ENV, RUNTIME_FILES
from codemods.project import is_file, read_text
from codemods.project.test_setup import find_settings, folder_of, settings_module_files

# ``os.environ["X"] = ...``, ``os.environ.setdefault("X", ...)``, ``os.putenv("X", ...)``, on a line
# that is no comment.
_SETS = re.compile(
    r"""(?m)^[^#\n]*["']""" + re.escape(ASYNC_UNSAFE_ENV) + r"""["']\s*(?:\]\s*=(?!=)|,)"""
)


def sets_async_unsafe(text: str) -> bool:
    """The module ``text`` sets ``DJANGO_ALLOW_ASYNC_UNSAFE`` in the environment."""
    return ASYNC_UNSAFE_ENV in text and _SETS.search(text) is not None


def async_unsafe_file(path: str) -> Path | None:
    """The first runtime file of the project of ``path`` that sets the variable, or None."""
    folder = folder_of(path)
    candidates: list[Path] = []
    for d in (folder, *folder.parents):
        candidates += [d / name for name in RUNTIME_FILES]
        if any(is_file(d / marker) for marker in ROOT_MARKERS):
            break
    found = find_settings(folder)
    if found is not None:
        settings = settings_module_files(*found)
        candidates += settings
        candidates += [f.parent / name for f in settings for name in RUNTIME_FILES]
    seen: set[Path] = set()
    for cand in candidates:
        if cand in seen:
            continue
        seen.add(cand)
        try:
            text = read_text(cand, "replace")
        except OSError:
            continue
        if sets_async_unsafe(text):
            return cand
    return None
