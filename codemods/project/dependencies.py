"""Dependencies: the text of the project's dependency files, and whether the project uses httpx2."""

from __future__ import annotations

import re
from pathlib import Path

from codemods.project.reads import glob, read_regular

_DEPENDENCY_FILES = ("pyproject.toml", "setup.cfg", "setup.py", "Pipfile")
_HTTPX2_REQUIREMENT = re.compile(r"(?im)^[\s\"'\[,-]*httpx2\b")


def imports_httpx2(source: str) -> bool:
    """Whether a file's text imports httpx2 (``import httpx2``, ``from httpx2 import ...``)."""
    return "httpx2" in source and bool(re.search(r"^\s*(import|from)\s+httpx2\b", source, re.MULTILINE))


def lists_httpx2(dependency_text: str) -> bool:
    """Whether the dependency files' text (``dependency_text``) names httpx2 as a requirement."""
    return bool(_HTTPX2_REQUIREMENT.search(dependency_text))


def dependency_text(root: Path) -> str:
    """The text of the project's dependency files at ``root`` (requirements*.txt included)."""
    chunks = []
    names = list(_DEPENDENCY_FILES)
    try:
        names += sorted(p.name for p in root.glob("requirements*.txt"))
        names += sorted(f"requirements/{p.name}" for p in root.glob("requirements/*.txt"))
    except OSError:
        pass
    for name in names:
        try:
            chunks.append(read_regular(root / name).decode("utf-8", errors="replace"))
        except OSError:
            continue
    return "\n".join(chunks)


def requirement_files(folder: Path) -> list[str]:
    """The requirements files of ``folder``, relative to it: ``requirements*.txt`` and
    ``requirements/*.txt`` (recorded reads, for the codemods)."""
    return [p.name for p in glob(folder, "requirements*.txt")] + [
        f"requirements/{p.name}" for p in glob(folder / "requirements", "*.txt")
    ]
