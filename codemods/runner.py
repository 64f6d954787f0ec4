"""The batch runner: finds files, decides cheaply which need a parse, rewrites them safely.

It knows nothing of click; ``codemods.cli`` is a thin layer over ``run``.

Per file: read bytes -> decode with the file's own encoding (BOM, PEP 263 cookie) -> text
pre-check of each selected codemod -> only if one says "maybe": one LibCST parse, the codemods in
order over that tree, code generation -> the new text must compile -> encode as the original was
-> atomic write (temporary file in the same folder, then rename), keeping the mode.
A file that cannot be read, decoded, parsed or safely rewritten is reported and left as it was.

Speed: libcst is imported only when a file needs a parse; results of files that did not change
are cached by content hash (with the settings and project facts), so an unchanged tree re-checks
without parsing; files needing a parse are spread over worker processes, largest first.
"""

from __future__ import annotations

import codecs
import concurrent.futures
import dataclasses
import difflib
import fnmatch
import hashlib
import io
import json
import multiprocessing
import os
import re
import subprocess
import tempfile
import tokenize
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from codemods import __version__
from codemods.config import DEFAULT_EXCLUDES, Settings
from codemods.project import FileFacts, ProjectIndex, dependency_text, file_facts
from codemods.registry import Codemod, Context, Diagnostic, all_codemods

Progress = Callable[[int, int], None]


@dataclasses.dataclass
class FileResult:
    path: str
    changed: bool = False
    diagnostics: list[Diagnostic] = dataclasses.field(default_factory=list)
    error: str | None = None
    diff: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "changed": self.changed,
            "error": self.error,
            "diagnostics": [d.to_json() for d in self.diagnostics],
        }


@dataclasses.dataclass
class RunResult:
    files: list[FileResult]
    cached: int = 0
    parsed: int = 0

    @property
    def changed(self) -> list[FileResult]:
        return [f for f in self.files if f.changed]

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.error]

    def counts_by_codemod(self, kind: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for f in self.files:
            for d in f.diagnostics:
                if d.kind == kind:
                    counts[d.codemod] = counts.get(d.codemod, 0) + 1
        return dict(sorted(counts.items()))

    def to_json(self) -> dict[str, Any]:
        return {
            "summary": {
                "scanned": len(self.files),
                "changed": len(self.changed),
                "unchanged": len(self.files) - len(self.changed) - len(self.failed),
                "failed": len(self.failed),
                "refused_by_codemod": self.counts_by_codemod("refused"),
                "fixed_by_codemod": self.counts_by_codemod("fixed"),
            },
            "files": [f.to_json() for f in self.files],
        }


class SourceError(Exception):
    """A file's bytes cannot be turned into text (or back)."""


# --------------------------------------------------------------------------- encodings
@dataclasses.dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    bom: bool


def decode(data: bytes) -> Decoded:
    """Text of a Python file as Python itself would read it, without touching line endings."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        raise SourceError(f"cannot decode: {exc}") from None
    bom = encoding == "utf-8-sig"
    if bom:
        encoding = "utf-8"
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise SourceError(f"cannot decode as {encoding}: {exc}") from None
    return Decoded(text, encoding, bom)


def encode(text: str, decoded: Decoded) -> bytes:
    try:
        data = text.encode(decoded.encoding)
    except UnicodeEncodeError as exc:
        raise SourceError(f"rewritten text cannot be encoded as {decoded.encoding}: {exc}") from None
    return codecs.BOM_UTF8 + data if decoded.bom else data


# --------------------------------------------------------------------------- one file, in memory
@dataclasses.dataclass
class Outcome:
    source: str
    diagnostics: list[Diagnostic]
    error: str | None = None
    parsed: bool = False


def selected_codemods(settings: Settings) -> list[Codemod]:
    chosen = []
    for cm in all_codemods():
        if settings.select is not None and cm.name not in settings.select:
            continue
        if cm.name in settings.skip:
            continue
        chosen.append(cm)
    return chosen


def has_skip_file_comment(source: str) -> bool:
    """True if a line of the file is the comment ``# dj-asyncify: skip-file`` (alone on its line)."""
    if "dj-asyncify: skip-file" not in source:
        return False
    return any(
        line.lstrip().startswith("#") and line.strip().lstrip("#").strip() == "dj-asyncify: skip-file"
        for line in source.splitlines()
    )


def candidates(source: str, codemods: Sequence[Codemod]) -> list[Codemod]:
    """The codemods whose text pre-check says this file may hold something for them."""
    if has_skip_file_comment(source):
        return []
    return [cm for cm in codemods if cm.precheck(source)]


def transform_source(
    source: str,
    path: str,
    settings: Settings,
    project: ProjectIndex | None = None,
    codemods: Sequence[Codemod] | None = None,
) -> Outcome:
    """Apply the selected codemods to ``source``. Never raises for bad input: errors are returned."""
    if codemods is None:
        codemods = candidates(source, selected_codemods(settings))
    if not codemods:
        return Outcome(source, [])
    import libcst as cst

    project = project or ProjectIndex()
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        return Outcome(source, [], f"cannot parse: {_syntax_message(exc)}", parsed=True)
    except Exception as exc:  # LibCST can raise other errors on odd input  # noqa: BLE001
        return Outcome(source, [], f"cannot parse: {exc}", parsed=True)
    records: list[tuple[Any, Any, str, str, str]] = []
    for cm in codemods:
        if settings.target_django < cm.min_django:
            continue
        options = {**cm.options, **settings.options.get(cm.name, {})}
        ctx = Context(path, settings.target_django, options, project, cm.name)
        ctx.module = module
        try:
            new_module = cm.transform(module, ctx)
        except Exception as exc:  # noqa: BLE001 - a codemod bug must not lose the file
            return Outcome(
                source,
                [],
                f"internal error in {cm.name}: {type(exc).__name__}: {exc}; file left unchanged",
                parsed=True,
            )
        records.extend(ctx.records)
        module = new_module
    new_source = module.code
    diagnostics = _positions(records, path)
    if new_source != source:
        try:
            compile(new_source, path, "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as exc:
            names = ", ".join(cm.name for cm in codemods)
            return Outcome(
                source,
                diagnostics,
                f"internal error ({names}): rewritten code does not compile ({exc}); file left unchanged",
                parsed=True,
            )
    return Outcome(new_source, diagnostics, parsed=True)


def _syntax_message(exc: Any) -> str:
    lines = str(exc).strip().splitlines()
    return f"line {exc.raw_line}, column {exc.raw_column}: {lines[0] if lines else 'syntax error'}"


def _positions(records: list[tuple[Any, Any, str, str, str]], path: str) -> list[Diagnostic]:
    """Turn (module, node, codemod, message, kind) into diagnostics with line and column.

    Positions are computed once per module that has a record (PositionProvider is costly)."""
    if not records:
        return []
    from libcst.metadata import MetadataWrapper, PositionProvider

    by_module: dict[int, Any] = {}
    out = []
    for module, node, codemod, message, kind in records:
        positions = by_module.get(id(module))
        if positions is None:
            wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
            positions = by_module[id(module)] = wrapper.resolve(PositionProvider)
        pos = positions.get(node)
        line, col = (pos.start.line, pos.start.column + 1) if pos is not None else (1, 1)
        out.append(Diagnostic(path, line, col, codemod, message, kind))
    out.sort(key=lambda d: (d.line, d.col, d.codemod))
    return out


# --------------------------------------------------------------------------- file discovery
def discover(paths: Iterable[Path], settings: Settings) -> tuple[list[Path], list[FileResult]]:
    """Python files under ``paths`` minus default and configured excludes and git-ignored files.

    A file named explicitly is processed even if excluded; a missing path is an error result."""
    files: list[Path] = []
    errors: list[FileResult] = []
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
            walked: list[str] = []
            for dirpath, dirnames, filenames in os.walk(root):
                dirnames[:] = sorted(
                    d
                    for d in dirnames
                    if not excluded(dirpath, d) and not os.path.exists(os.path.join(dirpath, d, "pyvenv.cfg"))
                )
                walked.extend(
                    os.path.join(dirpath, name)
                    for name in sorted(filenames)
                    if name.endswith(".py") and not excluded(dirpath, name)
                )
            if settings.respect_gitignore and walked:
                # A folder named on the command line counts even if git ignores it; below it, git's rules hold.
                ignored = _git_ignored(str(root), walked)
                if str(root) not in ignored:
                    walked = [p for p in walked if p not in ignored]
            files.extend(map(Path, walked))
        else:
            errors.append(FileResult(str(root), error="no such file or directory"))
    return files, errors


def _git_ignored(root: str, files: list[str]) -> set[str]:
    """Which of ``root`` and ``files`` git ignores (tracked files never are); empty without git or repository."""
    top = _git_top(Path(root))
    if top is None:
        return set()
    names = [root, *files]
    absolute = [os.path.abspath(n) for n in names]
    try:
        proc = subprocess.run(
            ["git", "check-ignore", "--stdin", "-z"],
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


# --------------------------------------------------------------------------- writing
def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` all at once: a reader (or a Ctrl-C) sees old or new, never half."""
    target = path.resolve()
    mode = target.stat().st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".dj-asyncify.tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def unified_diff(display: str, old: str, new: str) -> str:
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), display, display
    )
    out = []
    for line in lines:
        out.append(line)
        if not line.endswith(("\n", "\r")):
            out.append("\n\\ No newline at end of file\n")
    return "".join(out)


# --------------------------------------------------------------------------- one file, on disk
_WORKER: dict[str, Any] = {}


def _init_worker(settings: Settings, project: ProjectIndex, mode: str) -> None:
    _WORKER.update(settings=settings, project=project, mode=mode)


def _work(item: tuple[str, str, bytes]) -> tuple[FileResult, bool]:
    path, display, data = item
    return process_bytes(Path(path), display, data, _WORKER["settings"], _WORKER["project"], _WORKER["mode"])


def process_bytes(
    path: Path, display: str, data: bytes, settings: Settings, project: ProjectIndex, mode: str
) -> tuple[FileResult, bool]:
    """Run the codemods on one file's bytes; write (``mode="apply"``) or diff (``"diff"``).

    Returns the result and whether a parse happened."""
    try:
        decoded = decode(data)
    except SourceError as exc:
        return FileResult(display, error=str(exc)), False
    outcome = transform_source(decoded.text, display, settings, project)
    result = FileResult(display, diagnostics=outcome.diagnostics, error=outcome.error)
    if outcome.error or outcome.source == decoded.text:
        return result, outcome.parsed
    try:
        new_data = encode(outcome.source, decoded)
    except SourceError as exc:
        result.error = str(exc)
        return result, outcome.parsed
    result.changed = True
    if mode == "diff":
        result.diff = unified_diff(display, decoded.text, outcome.source)
    elif mode == "apply":
        try:
            atomic_write(path, new_data)
        except OSError as exc:
            result.error = f"cannot write: {exc.strerror or exc}; file left unchanged"
            result.changed = False
    return result, outcome.parsed


# --------------------------------------------------------------------------- the run
def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def _read(path: Path) -> bytes | str:
    try:
        return path.read_bytes()
    except PermissionError:
        return "permission denied"
    except IsADirectoryError:
        return "is a directory"
    except FileNotFoundError:
        return "broken symbolic link" if path.is_symlink() else "no such file"
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"


class _Cache:
    """Results of files that did not change, keyed by content hash, settings and project facts."""

    def __init__(self, folder: Path | None, settings: Settings) -> None:
        self.file = folder / f"v{__version__}-{settings.digest()}.json" if folder else None
        self.entries: dict[str, Any] = {}
        self.dirty = False
        if self.file is not None:
            try:
                self.entries = json.loads(self.file.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                self.entries = {}

    def save(self) -> None:
        if self.file is None or not self.dirty:
            return
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            gitignore = self.file.parent / ".gitignore"
            if not gitignore.exists():
                gitignore.write_text("# Created by dj-asyncify.\n*\n", encoding="utf-8")
            tmp = self.file.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(self.entries), encoding="utf-8")
            os.replace(tmp, self.file)
        except OSError:
            pass  # a cache that cannot be written only costs time


def run(
    paths: Sequence[Path],
    settings: Settings,
    mode: str = "check",
    progress: Progress | None = None,
) -> RunResult:
    """Process every Python file under ``paths``. ``mode``: "apply", "diff" or "check"."""
    assert mode in ("apply", "diff", "check")
    files, results = discover(paths, settings)
    cache = _Cache(settings.cache_dir, settings)
    codemods: list[Codemod] | None = None  # loaded on the first file the cache cannot answer

    # 1. Read everything once, gather project facts (cached by content).
    contents: list[tuple[Path, str, bytes, str]] = []
    facts: list[FileFacts] = []
    for path in files:
        display = _display(path)
        data = _read(path)
        if isinstance(data, str):
            results.append(FileResult(display, error=data))
            continue
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        entry = cache.entries.get(os.path.abspath(path))
        if entry is None or entry.get("hash") != digest:
            entry = {"hash": digest}
            try:
                text = decode(data).text
                entry["facts"] = dataclasses.asdict(file_facts(text))
                if codemods is None:
                    codemods = selected_codemods(settings)
                entry["candidate"] = bool(candidates(text, codemods))
            except SourceError:
                entry["facts"] = dataclasses.asdict(FileFacts())
                entry["candidate"] = True  # let the worker report the decoding error
            cache.entries[os.path.abspath(path)] = entry
            cache.dirty = True
        facts.append(FileFacts(**entry["facts"]))
        contents.append((path, display, data, digest))
    project = ProjectIndex.build(facts, dependency_text(settings.root))
    project_digest = project.digest()

    # 2. Decide per file: nothing to do, cached, or work.
    work: list[tuple[str, str, bytes]] = []
    cached = 0
    for path, display, data, digest in contents:
        entry = cache.entries[os.path.abspath(path)]
        if not entry["candidate"]:
            results.append(FileResult(display))
            continue
        stored = entry.get("result")
        if stored is not None and stored.get("project") == project_digest:
            results.append(FileResult(display, diagnostics=[Diagnostic(**d) for d in stored["diagnostics"]]))
            cached += 1
            continue
        work.append((str(path), display, data))

    # 3. Parse and rewrite the candidates, in parallel when it pays.
    total = len(work)
    done = 0
    parsed = 0
    work.sort(key=lambda item: -len(item[2]))
    jobs = settings.jobs or os.cpu_count() or 1
    jobs = max(1, min(jobs, total // 4))

    def _collect(res: FileResult, did_parse: bool) -> None:
        nonlocal done, parsed
        done += 1
        parsed += did_parse
        results.append(res)
        if not res.changed and not res.error:
            path = os.path.abspath(res_path_by_display[res.path])
            cache.entries[path]["result"] = {
                "project": project_digest,
                "diagnostics": [d.to_json() for d in res.diagnostics],
            }
            cache.dirty = True
        if progress:
            progress(done, total)

    res_path_by_display = {display: path for path, display, _ in work}
    if jobs == 1:
        for item in work:
            _collect(*process_bytes(Path(item[0]), item[1], item[2], settings, project, mode))
    else:
        ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
        with concurrent.futures.ProcessPoolExecutor(
            max_workers=jobs, mp_context=ctx, initializer=_init_worker, initargs=(settings, project, mode)
        ) as pool:
            for res, did_parse in pool.map(_work, work, chunksize=1):
                _collect(res, did_parse)
    cache.save()
    results.sort(key=lambda r: r.path)
    return RunResult(results, cached=cached, parsed=parsed)
