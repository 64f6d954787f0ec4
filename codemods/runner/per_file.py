"""One file: which codemods could touch it (the cheap scan), then the transform, from text or from bytes."""

from __future__ import annotations

import ast
import dataclasses
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from codemods import candidates
from codemods.config import Settings
from codemods.project import (
    FileFacts,
    ProjectIndex,
    _wants,
    file_facts,
    recording_reads,
)
from codemods.registry import Codemod, Context, Diagnostic, all_codemods
from codemods.runner import limits
from codemods.runner.files import SourceError, decode, diff_text, encode, keep_line_endings, unified_diff
from codemods.runner.moot import drop_moot
from codemods.runner.positions import _positions
from codemods.runner.results import FileResult


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
            "facts": dict(vars(self.facts)),  # no deep copy: nothing changes a fact list after
            "candidates": self.candidates,
            "error": None if err is None else [str(err), err.line, err.col],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Scan:
        err = data["error"]
        facts = FileFacts(**data["facts"])
        return cls(facts, list(data["candidates"]), None if err is None else SourceError(*err))


def scan_text(source: str, codemods: Sequence[Codemod], path: str = "") -> Scan:
    """Project facts and candidate codemods of one file's text (text pre-checks, then ``ast``);
    ``path``: the file as the run shows it (what is a test module is read from it)."""
    if "\0" in source:
        return Scan(FileFacts(), [], _syntax_error(ValueError(), source))
    hits = [] if has_skip_file_comment(source) else [cm.name for cm in codemods if cm.precheck(source)]
    wants = _wants(source)
    if not hits and not any(wants):
        return Scan(file_facts(source, wants=wants), [])
    try:
        tree = _ast_parse(source)
    except (SyntaxError, ValueError) as exc:
        return Scan(FileFacts(), [], _syntax_error(exc, source))
    except RecursionError:
        return Scan(FileFacts(), [], SourceError(limits.RECURSION))
    structure = candidates.Facts(tree, path)
    facts = file_facts(source, tree, structure.statements, wants=wants)
    found = candidates.structural(hits, structure) if hits else []
    if found and limits.too_deep(tree):  # LibCST would take too long, or crash (see limits)
        return Scan(facts, [], SourceError(limits.TOO_DEEP))
    return Scan(facts, found)


def _candidates_after_change(source: str, later: Sequence[Codemod], path: str) -> set[str]:
    """After a codemod changed the code: which of the later codemods could touch the new text."""
    hits = [cm.name for cm in later if cm.precheck(source)]
    if not hits:
        return set()
    try:
        tree = _ast_parse(source)
    except (SyntaxError, ValueError):
        return set(hits)  # the compile check after the run reports it
    return set(candidates.structural(hits, candidates.Facts(tree, path)))


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
        try:
            outcome = _transform_source(source, path, settings, project, codemods, start)
        except RecursionError:
            outcome = Outcome(source, [], limits.RECURSION, parsed=True)
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
            scan = scan_text(source, chosen, path)
            if scan.error is not None:
                err = scan.error
                return Outcome(source, [], str(err), line=err.line, col=err.col)
            start = scan.candidates
        pending = set(start)
    if not pending:
        return Outcome(source, [])
    project = project or ProjectIndex()
    withdrawn: dict[str, dict[tuple[str, ...], Any]] = {}
    parsed: list[Any] = []  # the file's module, parsed once for every pass
    while True:
        run = _run_chain(source, path, settings, project, chosen, pending, explicit, withdrawn, parsed)
        if isinstance(run, Outcome):
            return run
        module, text, records, chain, ran, contexts = run
        try:
            more = _withdrawals(module, chosen, contexts, records)
        except Exception as exc:  # noqa: BLE001 - a codemod bug must not lose the file
            return Outcome(source, [], f"internal error in a verification: {type(exc).__name__}: {exc}; file left unchanged", parsed=True)
        if not more:
            break
        # Each pass withdraws at least one tentative rewrite more (those withdrawn are not made
        # again), so this ends: after at most one pass per tentative rewrite of the file.
        for name, found in more.items():
            withdrawn.setdefault(name, {}).update(found)
    if module is not None and len(chain) > 1:
        about_async = {cm.name for cm in chosen if cm.about_async_code}
        records = drop_moot(records, module, about_async) if about_async else records
    diagnostics = _positions(records, path, source, chain)
    if module is None:
        return Outcome(source, diagnostics)
    if text is None:
        text = module.code
    text = keep_line_endings(source, text)
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


def _withdrawals(
    module: Any, chosen: Sequence[Codemod], contexts: dict[str, Context], records: list[Any]
) -> dict[str, dict[tuple[str, ...], Any]]:
    """Per codemod, its tentative rewrites of this pass that the rest of the run did not finish
    (``Codemod.verify``: def path -> Problem), to withdraw; only those not withdrawn before, so
    that every further pass withdraws something new."""
    out: dict[str, dict[tuple[str, ...], Any]] = {}
    if module is None:
        return out
    for cm in chosen:
        ctx = contexts.get(cm.name)
        if ctx is not None and ctx.tentative:
            found = cm.verify(module, ctx, records)
            found = {k: v for k, v in found.items() if k in ctx.tentative and k not in ctx.withdrawn}
            if found:
                out[cm.name] = found
    return out


def _run_chain(
    source: str,
    path: str,
    settings: Settings,
    project: ProjectIndex,
    chosen: Sequence[Codemod],
    pending: set[str],
    explicit: bool,
    withdrawn: dict[str, dict[tuple[str, ...], Any]],
    parsed: list[Any],
) -> Outcome | tuple[Any, str | None, list[Any], list[Any], list[str], dict[str, Context]]:
    """One pass of the codemods over the file: (final module or None, its text if known, records,
    chain of modules, codemods that ran, their contexts), or an ``Outcome`` for an error."""
    import libcst as cst

    pending = set(pending)
    contexts: dict[str, Context] = {}
    module: Any = None
    text: str | None = source  # None: the code of ``module`` is not generated yet
    records: list[tuple[Any, Any, str, str, str, str]] = []
    ran: list[str] = []
    chain: list[Any] = []  # the parsed module, then each module a codemod returned changed
    for i, cm in enumerate(chosen):
        if cm.name not in pending or settings.target_django < cm.min_django:
            continue
        options = {**cm.options, **settings.options.get(cm.name, {})}
        ctx = Context(path, settings.target_django, options, project, cm.name)
        ctx.withdrawn = withdrawn.get(cm.name, {})
        ctx.root = settings.root
        contexts[cm.name] = ctx
        try:
            settled = len(chain) <= 1 and cm.settle(source, ctx)  # the code is still the file as read
        except Exception as exc:  # noqa: BLE001 - a codemod bug must not lose the file
            return Outcome(source, [], f"internal error in {cm.name}: {type(exc).__name__}: {exc}; file left unchanged")
        if settled:
            ran.append(cm.name)
            records.extend(ctx.records)
            continue
        if module is None and parsed:
            module = parsed[0]
            chain.append(module)
        if module is None:
            try:
                module = cst.parse_module(source)
                parsed.append(module)
            except cst.ParserSyntaxError as exc:
                return Outcome(source, [], f"cannot parse: {_libcst_message(exc)}", True, exc.raw_line, exc.raw_column + 1)
            except RecursionError:
                raise  # a fact about the file's depth, not about its syntax (see transform_source)
            except Exception as exc:  # LibCST can raise other errors on odd input  # noqa: BLE001
                return Outcome(source, [], f"cannot parse: {exc}", parsed=True)
            chain.append(module)
        ctx.module = module
        try:
            new_module = cm.transform(module, ctx)
        except RecursionError:
            raise  # the file is too deep for the limit, the codemod is not broken
        except Exception as exc:  # noqa: BLE001 - a codemod bug must not lose the file
            return Outcome(
                source,
                [],
                f"internal error in {cm.name}: {type(exc).__name__}: {exc}; file left unchanged",
                parsed=True,
            )
        ran.append(cm.name)
        records.extend(ctx.records)
        if new_module is not module and new_module.deep_equals(module):
            # A transformer that changed nothing may still return rebuilt nodes: equal fields are
            # equal code, and comparing (identical subtrees short-circuit) is far cheaper than
            # generating the code of a test module to find it unchanged.
            new_module = module
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
                    pending |= _candidates_after_change(text, later, path)
            else:
                text = None
    return module, text, records, chain, ran, contexts


def _libcst_message(exc: Any) -> str:
    message = str(getattr(exc, "message", "") or "").strip()
    return message.splitlines()[0] if message else "syntax error"


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
