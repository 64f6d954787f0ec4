"""Facts about the whole set of files being processed, gathered before any file is rewritten.

Some refusals depend on other files: a view that another module awaits must stay async, a test
class may derive from a project base class defined elsewhere. The runner reads every file once
anyway; files whose text could hold such a fact are parsed with ``ast`` (cheap) and their facts
merged into one ``ProjectIndex`` that every codemod sees through ``ctx.project``.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import hashlib
import json
import os
import re
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path

DJANGO_TEST_CASES = frozenset(
    {"SimpleTestCase", "TestCase", "TransactionTestCase", "LiveServerTestCase", "StaticLiveServerTestCase"}
)
_SCHEDULERS = frozenset(
    {"gather", "create_task", "ensure_future", "run", "async_to_sync", "wait_for", "shield", "run_until_complete"}
)
_SCHEDULER_WORD = re.compile(r"\b(?:" + "|".join(sorted(_SCHEDULERS)) + r")\b")
_DEPENDENCY_FILES = ("pyproject.toml", "setup.cfg", "setup.py", "Pipfile")
_HTTPX2_REQUIREMENT = re.compile(r"(?im)^[\s\"'\[,-]*httpx2\b")


@dataclasses.dataclass
class FileFacts:
    """What one file contributes to the project index (JSON-serialisable, cached by content)."""

    awaited: list[str] = dataclasses.field(default_factory=list)
    classes: list[tuple[str, list[str]]] = dataclasses.field(default_factory=list)
    imports_httpx2: bool = False


def _last_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _wants(source: str) -> tuple[bool, bool]:
    wants_awaits = "await" in source or "async_to_sync" in source or "create_task" in source
    wants_classes = "class " in source and "Test" in source
    return wants_awaits, wants_classes


def wants_parse(source: str) -> bool:
    """Whether ``file_facts`` needs the syntax tree of this file (a cheap substring test)."""
    return any(_wants(source))


def file_facts(
    source: str,
    tree: ast.Module | None = None,
    statements: list[ast.stmt] | None = None,
    nodes: list[ast.AST] | None = None,
) -> FileFacts:
    """Facts from one file's text; never raises (a file that does not parse contributes nothing).

    ``tree``: its ``ast`` if already parsed; ``statements``/``nodes``: its statements / all its
    nodes if already collected (``codemods.candidates``). Awaits and scheduling calls need every
    node; classes only the statements, which are far fewer."""
    from codemods.candidates import statements as all_statements
    from codemods.candidates import walk

    facts = FileFacts()
    wants_awaits, wants_classes = _wants(source)
    facts.imports_httpx2 = "httpx2" in source and bool(re.search(r"^\s*(import|from)\s+httpx2\b", source, re.MULTILINE))
    if not (wants_awaits or wants_classes):
        return facts
    if tree is None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(source)
        except (SyntaxError, ValueError):
            return facts
    if wants_classes:
        for node in statements if statements is not None else all_statements(tree):
            if isinstance(node, ast.ClassDef):
                bases = [b for b in (_last_name(x) for x in node.bases) if b]
                facts.classes.append((node.name, bases))
    if not wants_awaits:
        return facts
    awaited: set[str] = set()
    if nodes is None:
        if _SCHEDULER_WORD.search(source):
            nodes = walk(tree)
        else:  # only awaits to find, and they live in async defs (elsewhere they do not compile)
            scope = statements if statements is not None else all_statements(tree)
            nodes = [n for d in scope if isinstance(d, ast.AsyncFunctionDef) for n in walk(d)]
    for node in nodes:
        if isinstance(node, ast.Await) and isinstance(node.value, ast.Call):
            name = _last_name(node.value.func)
            if name:
                awaited.add(name)
        elif isinstance(node, ast.Call):
            fname = _last_name(node.func)
            if fname in _SCHEDULERS:
                for arg in node.args:
                    inner = arg.func if isinstance(arg, ast.Call) else arg
                    name = _last_name(inner)
                    if name:
                        awaited.add(name)
    facts.awaited = sorted(awaited)
    return facts


@dataclasses.dataclass(frozen=True)
class ProjectIndex:
    """Merged facts. ``awaited_names``: last names of callables that are awaited or scheduled
    anywhere (``await view(r)``, ``gather(view(r))``, ``async_to_sync(view)``).
    ``test_base_classes``: class names deriving, directly or through project classes, from a
    Django test case. ``uses_httpx2``: the project imports httpx2 or lists it as a dependency."""

    awaited_names: frozenset[str] = frozenset()
    test_base_classes: frozenset[str] = DJANGO_TEST_CASES
    uses_httpx2: bool = False

    @classmethod
    def build(cls, facts: Iterable[FileFacts], dependency_text: str = "") -> ProjectIndex:
        awaited: set[str] = set()
        bases: dict[str, set[str]] = {}
        httpx2 = bool(_HTTPX2_REQUIREMENT.search(dependency_text))
        for f in facts:
            awaited.update(f.awaited)
            for name, parents in f.classes:
                bases.setdefault(name, set()).update(parents)
            httpx2 = httpx2 or f.imports_httpx2
        tests = set(DJANGO_TEST_CASES)
        changed = True
        while changed:
            changed = False
            for name, parents in bases.items():
                if name not in tests and parents & tests:
                    tests.add(name)
                    changed = True
        return cls(frozenset(awaited), frozenset(tests), httpx2)

    def digest(self) -> str:
        blob = json.dumps(
            [sorted(self.awaited_names), sorted(self.test_base_classes), self.uses_httpx2]
        ).encode()
        return hashlib.blake2b(blob, digest_size=12).hexdigest()


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
            chunks.append((root / name).read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
    return "\n".join(chunks)


# --------------------------------------------------------------------------- other files a codemod reads
# A codemod may read project files besides the one it rewrites (async-test-client reads models,
# settings, urlconfs, conftest.py, manage.py, the pytest configuration). Such reads go through the
# functions below, the one place where codemods touch the disk: each records what it saw (a
# content hash, whether a path exists, a folder's matching names) in the recordings open at the
# time. The runner opens one around each file's transform and stores the record with the cached
# result; the result is reused only while ``reads_current`` finds every recorded fact unchanged.
# The set of files depends on the file being rewritten (its folder, its imports), so it is
# recorded per file rather than guessed for the whole project.
_RECORDINGS: list[dict[str, str]] = []
_MISSING = "-"


@contextlib.contextmanager
def recording_reads() -> Iterator[dict[str, str]]:
    """Collect, in the dict yielded, every fact the read functions below observe meanwhile."""
    reads: dict[str, str] = {}
    _RECORDINGS.append(reads)
    try:
        yield reads
    finally:
        _RECORDINGS.pop()


def _note(key: str, value: str) -> None:
    for reads in _RECORDINGS:
        reads.setdefault(key, value)


def _hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def read_text(path: Path, errors: str = "strict") -> str:
    """``path.read_text(encoding="utf-8", errors=errors)``, recorded. Raises as it does
    (``OSError``; ``UnicodeDecodeError`` with ``errors="strict"``)."""
    key = "f:" + os.path.abspath(path)
    try:
        data = Path(path).read_bytes()
    except OSError:
        _note(key, _MISSING)
        raise
    _note(key, _hash(data))
    text = data.decode("utf-8", errors)
    return text.replace("\r\n", "\n").replace("\r", "\n")  # universal newlines, as read_text


def path_exists(path: Path) -> bool:
    """``path.exists()``, recorded."""
    found = Path(path).exists()
    _note("e:" + os.path.abspath(path), "1" if found else "0")
    return found


def is_file(path: Path) -> bool:
    """``path.is_file()``, recorded."""
    found = Path(path).is_file()
    _note("i:" + os.path.abspath(path), "1" if found else "0")
    return found


def glob(folder: Path, pattern: str) -> list[Path]:
    """``sorted(folder.glob(pattern))`` (one folder level), recorded as the names found."""
    found = sorted(Path(folder).glob(pattern))
    _note(f"g:{pattern}:" + os.path.abspath(folder), _hash("\0".join(p.name for p in found).encode()))
    return found


def _current(key: str) -> str:
    kind, _, rest = key.partition(":")
    if kind == "f":
        try:
            return _hash(Path(rest).read_bytes())
        except OSError:
            return _MISSING
    if kind == "e":
        return "1" if Path(rest).exists() else "0"
    if kind == "i":
        return "1" if Path(rest).is_file() else "0"
    if kind == "g":
        pattern, _, folder = rest.partition(":")
        return _hash("\0".join(p.name for p in sorted(Path(folder).glob(pattern))).encode())
    return ""  # unknown kind (a record from other code): never current


def reads_current(reads: dict[str, str], memo: dict[str, str]) -> bool:
    """Whether every fact in ``reads`` (from ``recording_reads``) still holds on disk.
    ``memo``: facts already checked in this run (many files read the same models module)."""
    for key, value in reads.items():
        if key not in memo:
            memo[key] = _current(key)
        if memo[key] != value:
            return False
    return True
