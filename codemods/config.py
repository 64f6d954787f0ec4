"""Settings for a run: defaults, then ``[tool.dj-asyncify]`` in the nearest pyproject.toml, then flags.

Example::

    [tool.dj-asyncify]
    select = ["requests-to-httpx", "gather-awaits"]
    skip = []
    target-django = "5.2"
    exclude = ["legacy/*"]
    jobs = 4
    max-file-size = 2097152  # bytes; larger files are skipped (0: no limit)
    ignore = ["DJA203", "DJA4"]  # diagnostic codes (or prefixes) not to print

    [tool.dj-asyncify.gather-awaits]
    style = "taskgroup"
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

DEFAULT_TARGET_DJANGO = (5, 2)
DEFAULT_EXCLUDES = (
    ".git",
    ".hg",
    ".svn",
    ".tox",
    ".nox",
    ".venv",
    "venv",
    ".eggs",
    "node_modules",
    "migrations",
    "build",
    "dist",
    "__pycache__",
    ".dj-asyncify-cache",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
)
# A Python file larger than this is skipped and reported (LibCST needs about 300 times a file's
# size in memory: a 20 MB generated module took 5.8 GB).
DEFAULT_MAX_FILE_SIZE = 2 * 1024 * 1024
_TOP_KEYS = {"select", "skip", "target-django", "exclude", "jobs", "cache", "max-file-size", "ignore"}


class ConfigError(Exception):
    """A bad setting: the message names where it came from."""


@dataclasses.dataclass(frozen=True)
class Settings:
    select: tuple[str, ...] | None = None  # None: every codemod
    skip: tuple[str, ...] = ()
    target_django: tuple[int, int] = DEFAULT_TARGET_DJANGO
    options: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    exclude: tuple[str, ...] = ()
    jobs: int = 0  # 0: CPU count
    cache_dir: Path | None = None  # None: no cache
    root: Path = Path(".")
    respect_gitignore: bool = True
    max_file_size: int = DEFAULT_MAX_FILE_SIZE  # bytes; 0: no limit
    # Diagnostic codes (or prefixes of them: "DJA2") not printed; what is rewritten stays the same.
    ignore: tuple[str, ...] = ()
    # Where target_django came from, for the summary: "--target-django", a pyproject.toml, a
    # dependency file that declares Django ("requirements/base.txt"), or "default" (and why).
    target_django_source: str = "default"

    def digest(self) -> str:
        """What makes results differ: codemod choice, target and options (not jobs, paths or the
        size limit, which decides which files are processed, not their results)."""
        blob = json.dumps(
            [self.select, self.skip, self.target_django, self.options], sort_keys=True, default=str
        ).encode()
        return hashlib.blake2b(blob, digest_size=12).hexdigest()


def parse_version(text: str, origin: str) -> tuple[int, int]:
    try:
        major, minor = str(text).split(".")[:2]
        return int(major), int(minor)
    except ValueError:
        raise ConfigError(f"{origin}: target-django must look like 5.2, not {text!r}") from None


def read_regular(path: Path) -> bytes:
    """A pyproject.toml's bytes, read as every project file is (regular files of sane size only);
    imported here, not at the top: ``codemods.project`` reads the config's defaults."""
    from codemods.project.reads import read_regular as read

    return read(path)


def _has_table(text: str) -> bool:
    """Whether the pyproject text has a ``[tool.dj-asyncify]`` table (unparsable TOML that names
    the tool counts: reading it then reports the error)."""
    if "dj-asyncify" not in text:
        return False
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return True
    tool = data.get("tool")
    return isinstance(tool, dict) and "dj-asyncify" in tool


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above ``start`` that has a [tool.dj-asyncify] table,
    else the nearest pyproject.toml at all (it marks the project root). A pyproject.toml that
    only mentions dj-asyncify (a dependency, a comment) has no table: it is not the config."""
    start = start.resolve()
    if start.is_file():
        start = start.parent
    first = None
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            first = first or candidate
            try:
                if _has_table(read_regular(candidate).decode("utf-8", errors="replace")):
                    return candidate
            except OSError:
                continue
    return first


def load_table(pyproject: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(read_regular(pyproject).decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{pyproject}: cannot read config: not UTF-8 (byte {exc.start})") from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{pyproject}: cannot read config: {exc}") from None
    tool = data.get("tool", {})
    table = tool.get("dj-asyncify", {}) if isinstance(tool, dict) else {}
    if not isinstance(table, dict):
        raise ConfigError(f"{pyproject}: tool.dj-asyncify must be a table, not {table!r}")
    check_table(table, str(pyproject))
    return table


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def check_table(table: dict[str, Any], origin: str) -> None:
    """Type-check the top-level settings of ``[tool.dj-asyncify]``; one-line errors naming the key."""
    for key in ("select", "skip", "exclude", "ignore"):
        if key in table and not _is_str_list(table[key]):
            what = {"exclude": "glob patterns", "ignore": "diagnostic codes"}.get(key, "codemod names")
            raise ConfigError(f'{origin}: {key} must be a list of {what} (e.g. {key} = ["..."]), not {table[key]!r}')
    jobs = table.get("jobs", 0)
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 0:
        raise ConfigError(f"{origin}: jobs must be a whole number, 0 or more (0: one per CPU), not {jobs!r}")
    target = table.get("target-django")
    if target is not None and not isinstance(target, (str, float)):
        raise ConfigError(f'{origin}: target-django must look like "5.2", not {target!r}')
    if "cache" in table and not isinstance(table["cache"], bool):
        raise ConfigError(f"{origin}: cache must be true or false, not {table['cache']!r}")
    size = table.get("max-file-size", 0)
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise ConfigError(f"{origin}: max-file-size must be a whole number of bytes, 0 or more (0: no limit), not {size!r}")


def merge_options(
    table: dict[str, Any], known: dict[str, dict[str, Any]], origin: str
) -> dict[str, dict[str, Any]]:
    """Per-codemod option tables from config, checked against each codemod's declared options."""
    options: dict[str, dict[str, Any]] = {}
    for key, value in table.items():
        if key in _TOP_KEYS:
            continue
        if key not in known:
            raise ConfigError(f"{origin}: unknown setting or codemod {key!r} in [tool.dj-asyncify]")
        if not isinstance(value, dict):
            raise ConfigError(f"{origin}: [tool.dj-asyncify.{key}] must be a table")
        for opt in value:
            if opt not in known[key]:
                raise ConfigError(
                    f"{origin}: codemod {key!r} has no option {opt!r} "
                    f"(it has: {', '.join(sorted(known[key])) or 'none'})"
                )
        options[key] = dict(value)
    return options


def default_cache_dir(root: Path) -> Path | None:
    env = os.environ.get("DJ_ASYNCIFY_CACHE_DIR")
    if env is not None:
        return Path(env) if env else None
    return root / ".dj-asyncify-cache"
