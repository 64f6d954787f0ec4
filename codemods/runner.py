"""The batch runner: finds files, decides cheaply which need a parse, rewrites them safely.

It knows nothing of click; ``codemods.cli`` is a thin layer over ``run``.

Per file, in two phases (every file's project facts must be known before any file is rewritten):

1. *Scan* (every file): read bytes -> decode with the file's own encoding (BOM, PEP 263 cookie)
   -> each selected codemod's text ``precheck`` -> only if a pre-check hit, or the project facts
   need it, one ``ast.parse`` -> project facts (``codemods.project``) and the structural candidate
   tests (``codemods.candidates``), which name the codemods that could touch the file.
2. *Rewrite* (candidates only): one LibCST parse, the candidate codemods in order over that tree
   (after a codemod changed the code, the later ones are re-checked on the new text), code
   generation -> the new text must compile -> encode as the original was -> atomic write by the
   main process (temporary file in the same folder, then rename, signals held off meanwhile),
   keeping the mode.

A file that cannot be read, decoded, parsed or safely rewritten is reported and left as it was.
Files are parsed only when a pre-check hit or project facts are needed: a syntax error in a file
no codemod could touch is reported only if the file was parsed for its facts.

Speed: libcst and the codemods are imported only when a file needs a scan or a rewrite. A cache
(one JSON file per settings and code version) keeps each file's scan and its result, reused only
for the same bytes (content hash), the same project facts (``ProjectIndex.digest``) and while the
other files the codemods read for it (``codemods.project.read_text`` and friends record them) are
unchanged; a file whose size and mtime are unchanged is not even read, one whose stat changed is
hashed and re-scanned only if its bytes changed. Scans and rewrites are spread over worker
processes, largest files first.

A result is its diagnostics and, for a file the codemods would change, the new bytes
(zlib-compressed, base64: about a quarter of the file), so that a ``--check`` or ``--diff`` re-run
with rewrites pending parses nothing: ``--check`` needs only "it changes" and the diagnostics,
``--diff`` is recomputed from the file's bytes (read again and checked against the hash the result
was made for) and the cached new bytes, with the current display path; ``apply`` writes the cached
bytes after the same check. The new bytes rather than the diff: they do not depend on the working
folder, and one entry serves all three modes. Results of files a run wrote are not kept: the next
run sees their new content.
"""

from __future__ import annotations

import ast
import codecs
import contextlib
import dataclasses
import fnmatch
import hashlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
import tokenize
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import codemods
from codemods import __version__, candidates
from codemods.config import DEFAULT_EXCLUDES, Settings
from codemods.project import (
    FileFacts,
    ProjectIndex,
    dependency_text,
    file_facts,
    reads_current,
    recording_reads,
    wants_parse,
)
from codemods.registry import Codemod, Context, Diagnostic, all_codemods

# progress(done, total, stage) with stage "scan" or "rewrite"
Progress = Callable[[int, int, str], None]


@dataclasses.dataclass
class FileResult:
    path: str
    changed: bool = False
    diagnostics: list[Diagnostic] = dataclasses.field(default_factory=list)
    error: str | None = None
    diff: str | None = None
    # Where the error is, when it has a place (a syntax error, an undecodable byte).
    line: int | None = None
    col: int | None = None
    # Facts about other files the codemods read (``codemods.project.recording_reads``).
    reads: dict[str, str] | None = None

    def format_error(self) -> str:
        where = f"{self.path}:{self.line}:{self.col}" if self.line is not None else self.path
        return f"{where}: error: {self.error}"

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "changed": self.changed,
            "error": self.error,
            "line": self.line,
            "col": self.col,
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
    """A file's bytes cannot be turned into text (or back). ``line``/``col``: where, if known."""

    def __init__(self, message: str, line: int | None = None, col: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.col = col


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
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SourceError(f"cannot decode as {encoding}: {exc}", line, col) from None
    except LookupError as exc:
        raise SourceError(f"cannot decode as {encoding}: {exc}") from None
    return Decoded(text, encoding, bom)


def encode(text: str, decoded: Decoded) -> bytes:
    try:
        data = text.encode(decoded.encoding)
    except UnicodeEncodeError as exc:
        raise SourceError(f"rewritten text cannot be encoded as {decoded.encoding}: {exc}") from None
    return codecs.BOM_UTF8 + data if decoded.bom else data


# --------------------------------------------------------------------------- deciding cheaply
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


def _ast_parse(source: str) -> ast.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escapes etc.: not ours to report
        return ast.parse(source)


def _syntax_error(exc: SyntaxError | ValueError, source: str) -> SourceError:
    if isinstance(exc, SyntaxError):
        return SourceError(f"cannot parse: {exc.msg}", exc.lineno or 1, exc.offset or 1)
    if "\0" in source:
        offset = source.index("\0")
        line = source.count("\n", 0, offset) + 1
        return SourceError("cannot parse: the file contains null bytes", line, offset - source.rfind("\n", 0, offset))
    return SourceError(f"cannot parse: {exc}")


@dataclasses.dataclass
class Scan:
    """Phase 1 for one file: its project facts and the codemods that could touch it."""

    facts: FileFacts
    candidates: list[str]
    error: SourceError | None = None

    def to_json(self) -> dict[str, Any]:
        err = self.error
        return {
            "facts": dataclasses.asdict(self.facts),
            "candidates": self.candidates,
            "error": None if err is None else [str(err), err.line, err.col],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Scan:
        err = data["error"]
        facts = FileFacts(**data["facts"])
        return cls(facts, list(data["candidates"]), None if err is None else SourceError(*err))


def _nothing_to_scan(source: str) -> dict[str, Any]:
    """``scan_text(source).to_json()`` for a file no pre-check hit and no fact needs parsed (its
    facts come from the text alone: the httpx2 import, class bases)."""
    return {"facts": dataclasses.asdict(file_facts(source)), "candidates": [], "error": None}


def scan_text(source: str, codemods: Sequence[Codemod]) -> Scan:
    """Project facts and candidate codemods of one file's text (text pre-checks, then ``ast``)."""
    if "\0" in source:
        return Scan(FileFacts(), [], _syntax_error(ValueError(), source))
    hits = [] if has_skip_file_comment(source) else [cm.name for cm in codemods if cm.precheck(source)]
    if not hits and not wants_parse(source):
        return Scan(file_facts(source), [])
    try:
        tree = _ast_parse(source)
    except (SyntaxError, ValueError) as exc:
        return Scan(FileFacts(), [], _syntax_error(exc, source))
    structure = candidates.Facts(tree)
    facts = file_facts(source, tree, structure.statements)
    return Scan(facts, candidates.structural(hits, structure) if hits else [])


def _candidates_after_change(source: str, later: Sequence[Codemod]) -> set[str]:
    """After a codemod changed the code: which of the later codemods could touch the new text."""
    hits = [cm.name for cm in later if cm.precheck(source)]
    if not hits:
        return set()
    try:
        tree = _ast_parse(source)
    except (SyntaxError, ValueError):
        return set(hits)  # the compile check after the run reports it
    return set(candidates.structural(hits, tree))


# --------------------------------------------------------------------------- one file, in memory
@dataclasses.dataclass
class Outcome:
    source: str
    diagnostics: list[Diagnostic]
    error: str | None = None
    parsed: bool = False
    line: int | None = None
    col: int | None = None
    # Facts about other files the codemods read (``codemods.project.recording_reads``).
    reads: dict[str, str] = dataclasses.field(default_factory=dict)


def transform_source(
    source: str,
    path: str,
    settings: Settings,
    project: ProjectIndex | None = None,
    codemods: Sequence[Codemod] | None = None,
    *,
    start: Sequence[str] | None = None,
) -> Outcome:
    """Apply codemods to ``source``. Never raises for bad input: errors are returned.

    ``codemods=None``: the selected codemods that the text pre-checks and structural tests keep
    (``start``: their names, when the scan phase already worked them out); after a codemod
    changed the code, the later ones are re-checked on the new text. ``codemods`` given: exactly
    those, in that order (the test harness)."""
    with recording_reads() as reads:
        outcome = _transform_source(source, path, settings, project, codemods, start)
    outcome.reads = reads
    return outcome


def _transform_source(
    source: str,
    path: str,
    settings: Settings,
    project: ProjectIndex | None,
    codemods: Sequence[Codemod] | None,
    start: Sequence[str] | None,
) -> Outcome:
    explicit = codemods is not None
    chosen: list[Codemod] = list(codemods) if codemods is not None else selected_codemods(settings)
    pending: set[str] = {cm.name for cm in chosen}
    if not explicit:
        if start is None:
            scan = scan_text(source, chosen)
            if scan.error is not None:
                err = scan.error
                return Outcome(source, [], str(err), line=err.line, col=err.col)
            start = scan.candidates
        pending = set(start)
    if not pending:
        return Outcome(source, [])
    import libcst as cst

    project = project or ProjectIndex()
    module: Any = None
    text: str | None = source  # None: the code of ``module`` is not generated yet
    records: list[tuple[Any, Any, str, str, str]] = []
    ran: list[str] = []
    chain: list[Any] = []  # the parsed module, then each module a codemod returned changed
    for i, cm in enumerate(chosen):
        if cm.name not in pending or settings.target_django < cm.min_django:
            continue
        if module is None:
            try:
                module = cst.parse_module(source)
            except cst.ParserSyntaxError as exc:
                return Outcome(source, [], f"cannot parse: {_libcst_message(exc)}", True, exc.raw_line, exc.raw_column + 1)
            except Exception as exc:  # LibCST can raise other errors on odd input  # noqa: BLE001
                return Outcome(source, [], f"cannot parse: {exc}", parsed=True)
            chain.append(module)
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
        ran.append(cm.name)
        records.extend(ctx.records)
        if new_module is not module:
            module = new_module
            chain.append(module)
            # Later codemods not yet due may have become candidates if the code changed: that
            # needs the new text (one code generation); otherwise it waits for the end.
            later = [c for c in chosen[i + 1 :] if c.name not in pending]
            if later and not explicit:
                new_text = module.code
                if new_text != text:
                    text = new_text
                    pending |= _candidates_after_change(text, later)
            else:
                text = None
    diagnostics = _positions(records, path, source, chain)
    if module is None:
        return Outcome(source, diagnostics)
    if text is None:
        text = module.code
    if text != source:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                compile(text, path, "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as exc:
            names = ", ".join(ran)
            return Outcome(
                source,
                diagnostics,
                f"internal error ({names}): rewritten code does not compile ({exc}); file left unchanged",
                parsed=True,
            )
    return Outcome(text, diagnostics, parsed=True)


def _libcst_message(exc: Any) -> str:
    message = str(getattr(exc, "message", "") or "").strip()
    return message.splitlines()[0] if message else "syntax error"


def _positions(
    records: list[tuple[Any, Any, str, str, str]], path: str, source: str = "", chain: Sequence[Any] = ()
) -> list[Diagnostic]:
    """Turn (module, node, codemod, message, kind) into diagnostics with line and column.

    Positions are those of LibCST's PositionProvider (the syntactic start), found by one plain
    code generation per module that has a record, watching only the reported nodes. A codemod
    that ran after another one changed the code reports nodes of the changed module: their lines
    are mapped back to the file as it was read (``chain``: the parsed module, then each changed
    one), so every position points into the file the user ran the tool on, the ``-`` side of
    ``--diff``. A line inside code an earlier codemod rewrote maps to the start of that rewrite."""
    if not records:
        return []
    by_module: dict[int, tuple[Any, list[Any]]] = {}
    for module, node, *_ in records:
        by_module.setdefault(id(module), (module, []))[1].append(node)
    found: dict[int, tuple[int, int]] = {}
    step = {id(m): k for k, m in enumerate(chain)}
    texts: dict[int, list[str]] = {}
    maps: dict[int, dict[int, tuple[int, bool]]] = {}  # step k > 0: its lines -> lines of step k - 1

    def lines(k: int) -> list[str]:
        if k not in texts:
            texts[k] = (source if k == 0 else chain[k].code).splitlines()
        return texts[k]

    def back(k: int, line: int, col: int) -> tuple[int, int]:
        while k > 0:
            if k not in maps:
                maps[k] = _line_map(lines(k - 1), lines(k))
            line, same = maps[k].get(line, (line, False))
            col = col if same else 0
            k -= 1
        return line, col

    for module, nodes in by_module.values():
        k = step.get(id(module), 0)
        for node_id, (line, col) in node_positions(module, nodes).items():
            found[node_id] = back(k, line, col)
    out = []
    for _module, node, codemod, message, kind in records:
        line, col = found.get(id(node), (1, 0))
        out.append(Diagnostic(path, line, col + 1, codemod, message, kind))
    out.sort(key=lambda d: (d.line, d.col, d.codemod))
    return out


def _line_map(old: list[str], new: list[str]) -> dict[int, tuple[int, bool]]:
    """1-based line of ``new`` -> (line of ``old``, whether it is the same line): a line of a
    changed region maps to where that region starts in ``old``."""
    import difflib

    out: dict[int, tuple[int, bool]] = {}
    for tag, i1, _i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        for j in range(j1, j2):
            if tag == "equal":
                out[j + 1] = (i1 + (j - j1) + 1, True)
            else:
                out[j + 1] = (min(i1 + 1, max(len(old), 1)), False)
    return out


def node_positions(module: Any, nodes: Sequence[Any]) -> dict[int, tuple[int, int]]:
    """``id(node) -> (line, column)`` (1-based line, 0-based column) of the syntactic start of each
    node, as ``PositionProvider`` gives it, without that provider's per-node bookkeeping (which
    costs about 2.4 parses). Nodes not in ``module`` are left out."""
    from libcst import IndentedBlock
    from libcst._nodes.internal import CodegenState

    targets = {id(n) for n in nodes}
    # An IndentedBlock's syntactic start is that of its first statement.
    firsts = {id(n): id(n.body[0]) for n in nodes if isinstance(n, IndentedBlock) and n.body}
    watched = targets | set(firsts.values())
    offsets: dict[int, int] = {}
    syntactic: dict[int, int] = {}

    class _State(CodegenState):
        pos = 0

        def add_indent_tokens(self) -> None:
            self.tokens.extend(self.indent_tokens)
            self.pos += sum(map(len, self.indent_tokens))

        def add_token(self, value: str) -> None:
            self.tokens.append(value)
            self.pos += len(value)

        def before_codegen(self, node: Any) -> None:
            if id(node) in watched:
                offsets.setdefault(id(node), self.pos)

        @contextlib.contextmanager
        def record_syntactic_position(
            self, node: Any, *, start_node: Any = None, end_node: Any = None
        ) -> Iterator[None]:
            key = id(node)
            if key in watched:
                if start_node is not None and id(start_node) in syntactic:
                    syntactic[key] = syntactic[id(start_node)]
                elif start_node is None:
                    syntactic[key] = self.pos
            yield
            if key in watched and key not in syntactic and start_node is not None:
                syntactic[key] = syntactic.get(id(start_node), offsets.get(id(start_node), self.pos))

    state = _State(default_indent=module.default_indent, default_newline=module.default_newline)
    module._codegen(state)
    code = "".join(state.tokens)
    out: dict[int, tuple[int, int]] = {}
    for key in targets:
        offset = syntactic.get(key, offsets.get(key))
        if offset is None:
            continue
        before = code[:offset]
        line = before.count("\n") + before.count("\r") - before.count("\r\n") + 1
        start = max(before.rfind("\n"), before.rfind("\r")) + 1
        out[key] = (line, offset - start)
    return out


# --------------------------------------------------------------------------- file discovery
def discover(paths: Iterable[Path], settings: Settings) -> tuple[list[Path], list[FileResult]]:
    """Python files under ``paths`` minus default and configured excludes and git-ignored files.

    A file named explicitly is processed even if excluded; a missing path is an error result.
    Folders holding ``pyvenv.cfg`` (virtualenvs) are skipped; symlinked folders are not followed."""
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
            walked = list(_walk(str(root), excluded))
            if settings.respect_gitignore and walked:
                # A folder named on the command line counts even if git ignores it; below it, git's rules hold.
                ignored = _git_ignored(str(root), walked)
                if str(root) not in ignored:
                    walked = [p for p in walked if p not in ignored]
            files.extend(map(Path, walked))
        else:
            errors.append(FileResult(str(root), error="no such file or directory"))
    return files, errors


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
_HELD_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP} if hasattr(signal, "SIGHUP") else {signal.SIGINT}


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` all at once: a reader (or a Ctrl-C) sees old or new, never half.

    Interrupting signals are held off while the temporary file exists (delivered right after),
    so an interrupted run leaves neither a half-written file nor a stray temporary file."""
    import tempfile

    target = path.resolve()
    mode = target.stat().st_mode & 0o7777
    can_mask = hasattr(signal, "pthread_sigmask")
    old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD_SIGNALS) if can_mask else None
    try:
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
    finally:
        if old_mask is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)


def unified_diff(display: str, old: bytes, new: bytes) -> bytes:
    """A unified diff of the file's bytes (its own encoding, BOM and line endings), which
    ``patch -p0`` and ``git apply`` accept from the folder the paths are relative to."""
    import difflib

    name = os.fsencode(display)
    lines = difflib.diff_bytes(
        difflib.unified_diff, old.splitlines(keepends=True), new.splitlines(keepends=True), name, name
    )
    out = []
    for line in lines:
        out.append(line)
        if not line.endswith((b"\n", b"\r")):
            out.append(b"\n\\ No newline at end of file\n")
    return b"".join(out)


def diff_text(diff: bytes) -> str:
    """The diff as a str that encodes back to the same bytes (``surrogateescape``)."""
    return diff.decode("utf-8", "surrogateescape")


# --------------------------------------------------------------------------- one file, from bytes
def process_bytes(
    path: Path,
    display: str,
    data: bytes,
    settings: Settings,
    project: ProjectIndex,
    mode: str,
    start: Sequence[str] | None = None,
) -> tuple[FileResult, bytes | None, bool]:
    """Run the codemods on one file's bytes. Writes nothing: returns the result, the new bytes
    (whenever the file changes, in every mode: the caller writes them in ``mode="apply"`` and
    caches them otherwise) and whether a parse happened."""
    try:
        decoded = decode(data)
    except SourceError as exc:
        return FileResult(display, error=str(exc), line=exc.line, col=exc.col), None, False
    outcome = transform_source(decoded.text, display, settings, project, start=start)
    result = FileResult(display, diagnostics=outcome.diagnostics, error=outcome.error, line=outcome.line, col=outcome.col)
    result.reads = outcome.reads
    if outcome.error or outcome.source == decoded.text:
        return result, None, outcome.parsed
    try:
        new_data = encode(outcome.source, decoded)
    except SourceError as exc:
        result.error = str(exc)
        return result, None, outcome.parsed
    result.changed = True
    if mode == "diff":
        result.diff = diff_text(unified_diff(display, data, new_data))
    return result, new_data, outcome.parsed


# --------------------------------------------------------------------------- worker processes
_WORKER: dict[str, Any] = {}


def _init_worker(settings: Settings, mode: str) -> None:
    # Ctrl-C is the main process's business: it stops the pool; a worker never writes files.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER.clear()
    _WORKER.update(settings=settings, mode=mode)


def _scan_job(item: tuple[str, str]) -> tuple[str, dict[str, Any]]:
    key, text = item
    if "codemods" not in _WORKER:
        _WORKER["codemods"] = selected_codemods(_WORKER["settings"])
    return key, scan_text(text, _WORKER["codemods"]).to_json()


def _scan_failed(item: tuple[str, str], reason: str) -> tuple[str, dict[str, Any]]:
    return item[0], Scan(FileFacts(), [], SourceError(f"internal error: {reason}; file left unchanged")).to_json()


def _rewrite_failed(item: tuple[str, str, str, bytes, list[str], ProjectIndex], reason: str) -> tuple[Any, ...]:
    return item[0], FileResult(item[2], error=f"internal error: {reason}; file left unchanged"), None, False


def _rewrite_job(item: tuple[str, str, str, bytes, list[str], ProjectIndex]) -> tuple[str, FileResult, bytes | None, bool]:
    key, path, display, data, start, project = item
    res, new, parsed = process_bytes(Path(path), display, data, _WORKER["settings"], project, _WORKER["mode"], start)
    return key, res, new, parsed


class _Pool:
    """Worker processes, started on first use; ``map`` yields results as they come.

    A worker that dies (a crash in native code, the OOM killer) costs the file it was on: the
    pool is restarted, the remaining files run one at a time, and the one whose worker dies again
    gets ``failed(item, reason)`` as its result. The run never hangs on a dead worker."""

    def __init__(self, jobs: int, settings: Settings, mode: str) -> None:
        self.jobs, self.settings, self.mode = jobs, settings, mode
        self.executor: Any = None

    def _start(self) -> None:
        import concurrent.futures
        import multiprocessing

        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self.executor = concurrent.futures.ProcessPoolExecutor(
            self.jobs, mp_context=ctx, initializer=_init_worker, initargs=(self.settings, self.mode)
        )

    def map(
        self, func: Callable[[Any], Any], items: list[Any], failed: Callable[[Any, str], Any]
    ) -> Iterator[Any]:
        if not items:
            return
        if self.jobs <= 1 or len(items) < 2:
            if _WORKER.get("settings") is not self.settings or _WORKER.get("mode") != self.mode:
                _WORKER.clear()
                _WORKER.update(settings=self.settings, mode=self.mode)
            yield from map(func, items)
            return
        from concurrent.futures import as_completed
        from concurrent.futures.process import BrokenProcessPool

        pending = list(items)
        isolate = False  # after a worker died: one file at a time, to find the one that kills it
        while pending:
            if self.executor is None:
                self._start()
            batch = pending[:1] if isolate else pending
            futures: dict[Any, int] = {}
            broken = False
            for n, item in enumerate(batch):
                try:
                    futures[self.executor.submit(func, item)] = n
                except BrokenProcessPool:  # a worker died while the batch was being handed out
                    broken = True
                    break
            finished: set[int] = set()
            for future in as_completed(futures):
                n = futures[future]
                try:
                    result = future.result()
                except BrokenProcessPool:
                    broken = True
                    continue
                except Exception as exc:  # noqa: BLE001 - e.g. a result that cannot be pickled
                    result = failed(batch[n], f"{type(exc).__name__}: {exc}")
                finished.add(n)
                yield result
            pending = [item for n, item in enumerate(batch) if n not in finished] + pending[len(batch) :]
            if broken:
                self.close(abort=True)
                if isolate:
                    yield failed(pending.pop(0), "a worker process died while processing this file")
                isolate = True

    def close(self, *, abort: bool = False) -> None:
        if self.executor is None:
            return
        if abort:
            # Workers never write files: stopping them cannot leave anything half done.
            for proc in list(getattr(self.executor, "_processes", {}).values()):
                proc.terminate()
            self.executor.shutdown(wait=False, cancel_futures=True)
        else:
            self.executor.shutdown(wait=True)
        self.executor = None


# --------------------------------------------------------------------------- the cache
def _code_fingerprint() -> str:
    """Changes when the code of this package, subpackages included, changes (a cache made by
    other code is not used)."""
    here = Path(codemods.__file__).parent  # the whole package, wherever this module lives
    h = hashlib.blake2b(f"{__version__}|{sys.version}".encode(), digest_size=8)
    try:
        for path in sorted(here.rglob("*.py")):
            rel = path.relative_to(here).as_posix()
            if "__pycache__" not in rel:
                h.update(rel.encode() + b"\0" + path.read_bytes())
    except OSError:
        pass
    return h.hexdigest()


class _Cache:
    """Per file (by absolute path): stat, content hash, scan, and the last result (with the new
    bytes, packed, when the file would change) while it was not written.

    A stat is trusted only if the file's mtime is older than the cache by a safety margin (a file
    rewritten within the same clock tick keeps its mtime)."""

    MARGIN_NS = 2_000_000_000

    def __init__(self, folder: Path | None, settings: Settings) -> None:
        self.folder = folder
        self.prefix = f"v{__version__}-{settings.digest()}-"
        self.file = folder / f"{self.prefix}{_code_fingerprint()}.json" if folder else None
        self.entries: dict[str, Any] = {}
        self.written = 0
        self.dirty = False
        if self.file is not None:
            try:
                with open(self.file, "rb") as fh:
                    data = json.loads(fh.read())
                self.entries, self.written = data["entries"], int(data["written"])
            except (OSError, ValueError, KeyError, TypeError):
                self.entries, self.written = {}, 0

    @staticmethod
    def stat_key(st: os.stat_result) -> list[int]:
        # ctime changes on every write and on every utime() that puts an old mtime back.
        return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]

    def fresh_stat(self, entry: dict[str, Any] | None, st: os.stat_result) -> bool:
        return (
            entry is not None
            and entry.get("stat") == self.stat_key(st)
            and max(st.st_mtime_ns, st.st_ctime_ns) + self.MARGIN_NS < self.written
        )

    def save(self, seen: set[str] | frozenset[str] = frozenset()) -> None:
        """Write the cache (if anything changed), dropping entries of files that no longer exist."""
        if self.file is None or not self.dirty:
            return
        for key in [k for k in self.entries if k not in seen and not os.path.exists(k)]:
            del self.entries[key]
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            gitignore = self.file.parent / ".gitignore"
            if not gitignore.exists():
                gitignore.write_text("# Created by dj-asyncify.\n*\n", encoding="utf-8")
            tmp = self.file.with_suffix(f".{os.getpid()}.tmp")
            blob = json.dumps({"written": time.time_ns(), "entries": self.entries}, separators=(",", ":"))
            tmp.write_text(blob, encoding="utf-8")
            os.replace(tmp, self.file)
            for old in self.file.parent.glob(f"{self.prefix}*.json"):
                if old != self.file:
                    old.unlink()
        except OSError:
            pass  # a cache that cannot be written only costs time


def _pack(data: bytes) -> str:
    """New file bytes as cache text: zlib-compressed, base64."""
    import base64
    import zlib

    return base64.b64encode(zlib.compress(data, 6)).decode("ascii")


def _unpack(text: str) -> bytes | None:
    """``_pack``'s input back; None if the cache text is damaged."""
    import base64
    import binascii
    import zlib

    try:
        return zlib.decompress(base64.b64decode(text.encode("ascii"), validate=True))
    except (ValueError, binascii.Error, zlib.error):
        return None


# --------------------------------------------------------------------------- the run
_T0 = [time.perf_counter()]


def _timing(label: str) -> None:
    """With DJ_ASYNCIFY_TIMINGS set: seconds per phase on stderr (for benchmarks/bench_tool.py)."""
    if os.environ.get("DJ_ASYNCIFY_TIMINGS"):
        now = time.perf_counter()
        sys.stderr.write(f"[timing] {label}: {now - _T0[0]:.3f} s\n")
        _T0[0] = now


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


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _write(path: Path, new_data: bytes, res: FileResult) -> None:
    """Write the file's new bytes; on failure the result says so and the file counts as unchanged."""
    try:
        atomic_write(path, new_data)
    except OSError as exc:
        res.error = f"cannot write: {exc.strerror or exc}; file left unchanged"
        res.changed = False


def run(
    paths: Sequence[Path],
    settings: Settings,
    mode: str = "check",
    progress: Progress | None = None,
) -> RunResult:
    """Process every Python file under ``paths``. ``mode``: "apply", "diff" or "check"."""
    assert mode in ("apply", "diff", "check")
    _timing("start")
    files, results = discover(paths, settings)
    _timing("discover")
    cache = _Cache(settings.cache_dir, settings)
    jobs = settings.jobs or os.cpu_count() or 1
    pool = _Pool(jobs, settings, mode)
    try:
        return _run(files, results, settings, mode, progress, cache, pool)
    except BaseException:
        pool.close(abort=True)
        raise
    finally:
        pool.close()


def _run(
    files: list[Path],
    results: list[FileResult],
    settings: Settings,
    mode: str,
    progress: Progress | None,
    cache: _Cache,
    pool: _Pool,
) -> RunResult:
    codemods: list[Codemod] | None = None  # loaded only if a file needs a scan
    # 1. Stat every file; read those the cache cannot vouch for; scan what changed.
    known: dict[str, tuple[Path, str, bytes | None]] = {}  # key -> (path, display, bytes if read)
    to_scan: list[tuple[str, str]] = []
    for path in files:
        display = _display(path)
        key = os.path.abspath(path)
        entry = cache.entries.get(key)
        try:
            st = os.stat(path)
        except OSError:
            st = None
        if st is not None and cache.fresh_stat(entry, st) and "scan" in entry:
            known[key] = (path, display, None)
            continue
        data = _read(path)
        if isinstance(data, str):
            results.append(FileResult(display, error=data))
            continue
        digest = _digest(data)
        stat = cache.stat_key(st) if st is not None else None
        if entry is None or entry.get("hash") != digest or "scan" not in entry:
            entry = cache.entries[key] = {"hash": digest, "stat": stat}
            try:
                text = decode(data).text
            except SourceError as exc:
                entry["scan"] = Scan(FileFacts(), [], exc).to_json()
            else:
                if codemods is None:
                    codemods = selected_codemods(settings)
                # The ast work goes to the pool; the substring tests here decide if there is any.
                if "\0" in text or any(cm.precheck(text) for cm in codemods) or wants_parse(text):
                    to_scan.append((key, text))
                else:
                    entry["scan"] = _nothing_to_scan(text)
        elif entry.get("stat") != stat:
            entry["stat"] = stat
        cache.dirty = True
        known[key] = (path, display, data)

    _timing("read")
    if to_scan:
        to_scan.sort(key=lambda item: -len(item[1]))
        for done, (key, scanned) in enumerate(pool.map(_scan_job, to_scan, _scan_failed), 1):
            cache.entries[key]["scan"] = scanned
            if scanned["error"] and scanned["error"][0].startswith("internal error"):
                cache.entries[key]["hash"] = None  # not a fact about the file: try again next time
            if progress:
                progress(done, len(to_scan), "scan")

    scans = {key: Scan.from_json(cache.entries[key]["scan"]) for key in known}
    project = ProjectIndex.build({key: s.facts for key, s in scans.items()}, dependency_text(settings.root))
    project_digest = project.digest()
    _timing(f"scan ({len(to_scan)} files)")

    # 2. Decide per file: nothing to do, an error, a cached result, or a rewrite.
    work: list[tuple[str, str, str, bytes, list[str], ProjectIndex]] = []
    cached = 0
    read_memo: dict[str, str] = {}  # facts about other files, checked once per run
    for key, (path, display, data) in known.items():
        scan = scans[key]
        if scan.error is not None:
            err = scan.error
            results.append(FileResult(display, error=str(err), line=err.line, col=err.col))
            continue
        if not scan.candidates:
            results.append(FileResult(display))
            continue
        stored = cache.entries[key].get("result")
        if (
            stored is not None
            and stored.get("project") == project_digest
            and reads_current(stored.get("reads", {}), read_memo)
        ):
            diags = [Diagnostic(display, *d) for d in stored["diagnostics"]]
            if "new" not in stored:  # the file does not change
                results.append(FileResult(display, diagnostics=diags))
                cached += 1
                continue
            # The file would change: its new bytes are in the cache. A diff or a write needs the
            # old bytes too; they must still be the ones the result was made from.
            new_data = _unpack(stored["new"])
            if new_data is not None and mode != "check" and data is None:
                data = _read(path)
                if isinstance(data, str):
                    results.append(FileResult(display, error=data))
                    continue
            if new_data is not None and (data is None or _digest(data) == cache.entries[key]["hash"]):
                res = FileResult(display, changed=True, diagnostics=diags)
                if mode == "diff":
                    assert data is not None
                    res.diff = diff_text(unified_diff(display, data, new_data))
                elif mode == "apply":
                    _write(path, new_data, res)
                    del cache.entries[key]["result"]  # made for the old bytes
                    cache.dirty = True
                results.append(res)
                cached += 1
                continue
        if data is None:
            data = _read(path)
            if isinstance(data, str):
                results.append(FileResult(display, error=data))
                continue
        work.append((key, str(path), display, data, scan.candidates, project))

    # 3. Rewrite the candidates, largest first, in parallel when it pays.
    work.sort(key=lambda item: -len(item[3]))
    parsed = 0
    sources = {item[0]: item[3] for item in work}  # key -> the bytes the result is made from
    for done, (key, res, new_data, did_parse) in enumerate(pool.map(_rewrite_job, work, _rewrite_failed), 1):
        parsed += did_parse
        if new_data is not None and mode == "apply":
            _write(Path(known[key][0]), new_data, res)
        results.append(res)
        # A result is kept for the bytes it was made from (the entry's hash; bytes read late, after
        # a trusted stat, are checked). One that changes the file keeps its new bytes, except
        # after a write: the next run sees the new content anyway.
        entry = cache.entries[key]
        if not res.error and not (res.changed and mode == "apply") and _digest(sources[key]) == entry["hash"]:
            stored: dict[str, Any] = {
                "project": project_digest,
                "reads": res.reads or {},
                "diagnostics": [[d.line, d.col, d.codemod, d.message, d.kind] for d in res.diagnostics],
            }
            if res.changed:
                assert new_data is not None
                stored["new"] = _pack(new_data)
            entry["result"] = stored
            cache.dirty = True
        elif "result" in entry:
            del entry["result"]
            cache.dirty = True
        if progress:
            progress(done, len(work), "rewrite")
    _timing(f"rewrite ({len(work)} files)")
    cache.save(set(known))
    _timing("save cache")
    results.sort(key=lambda r: r.path)
    return RunResult(results, cached=cached, parsed=parsed)
