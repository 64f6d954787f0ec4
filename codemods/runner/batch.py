"""The run itself: discover, stat and read, scan in the pool, build the project index, rewrite (test modules last), cache."""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import shutil
import stat as stat_mode
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from codemods.config import Settings
from codemods.knowledge.layout import is_test_module
from codemods.project import (
    FileFacts,
    ProjectIndex,
    dependency_text,
    file_facts,
    project_facts,
    reads_current,
)
from codemods.project.reads import overlaid
from codemods.registry import Diagnostic
from codemods.runner import limits, signals
from codemods.runner.cache import _Cache, _pack, _unpack, reads_safe
from codemods.runner.discovery import discover, real_roots
from codemods.runner.files import (
    ChangedMeanwhile,
    Skip,
    SourceError,
    WriteRefused,
    _read,
    atomic_write,
    decode,
    diff_text,
    unified_diff,
)
from codemods.runner.per_file import Scan
from codemods.runner.pool import _Pool, _rewrite_failed, _rewrite_job, _scan_failed, _scan_job
from codemods.runner.results import FileResult, RunResult, display_path

# progress(done, total, stage) with stage "scan" or "rewrite"
Progress = Callable[[int, int, str], None]


_T0 = [time.perf_counter()]


def _timing(label: str) -> None:
    """With DJ_ASYNCIFY_TIMINGS set: seconds per phase on stderr (for benchmarks/bench_tool.py)."""
    if os.environ.get("DJ_ASYNCIFY_TIMINGS"):
        now = time.perf_counter()
        sys.stderr.write(f"[timing] {label}: {now - _T0[0]:.3f} s\n")
        _T0[0] = now


# The scan jobs go to the workers in chunks of about this many bytes of source (a file larger
# than this alone): one hand-over per file would cost more than most files' scans.
SCAN_CHUNK_BYTES = 128 * 1024


def path_kind(path: str) -> str:
    """What the codemods read from a file's path as the run shows it, as a short key: whether it is
    a test module, with and without conftest.py (a cached scan is reused only for the same key)."""
    parts = Path(path).parts
    return "".join("t" if is_test_module(parts, conftest=c) else "-" for c in (False, True))


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _read_or_report(path: Path, display: str, limit: int, results: list[FileResult]) -> bytes | None:
    """The file's bytes; else None, with its result (skipped, or the read error) in ``results``."""
    data = _read(path, limit)
    if isinstance(data, Skip):
        results.append(FileResult(display, skipped=data.reason))
        return None
    if isinstance(data, str):
        results.append(FileResult(display, error=data))
        return None
    return data


def _write(path: Path, new_data: bytes, res: FileResult, old_data: bytes, inside: list[str]) -> None:
    """Write the file's new bytes (made from ``old_data``) if the file still holds ``old_data``
    and may be written (see ``atomic_write``); on failure the result says so, the file counts as
    unchanged and the rewrites it reported are not counted (they were not made)."""
    try:
        atomic_write(path, new_data, expected=old_data, inside=inside)
        return
    except ChangedMeanwhile:
        res.error = "changed while processing; file left unchanged"
    except WriteRefused as exc:
        res.error = f"cannot write: {exc}; file left unchanged"
    except OSError as exc:
        res.error = f"cannot write: {exc.strerror or exc}; file left unchanged"
    res.changed = False
    res.diagnostics = [d for d in res.diagnostics if d.kind != "fixed"]


def _compiles(new_data: bytes, display: str) -> bool:
    """Whether cached new bytes decode and compile, as fresh ones must before they are written."""
    try:
        text = decode(new_data).text
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with limits.bounded():
                compile(text, display, "exec", dont_inherit=True)
    except (SourceError, SyntaxError, ValueError, RecursionError, limits.TimeLimitExceeded):
        return False
    return True


def _reads_roots(paths: Sequence[Path], settings: Settings) -> list[str]:
    """Where the files a cached result depended on may be: the project root and the given paths."""
    roots = [settings.root, *paths]
    return sorted({os.path.abspath(r) for r in roots} | set(real_roots(roots)))


def run(
    paths: Sequence[Path],
    settings: Settings,
    mode: str = "check",
    progress: Progress | None = None,
) -> RunResult:
    """Process every Python file under ``paths``. ``mode``: "apply", "diff" or "check"."""
    assert mode in ("apply", "diff", "check")
    with signals.handled():  # SIGTERM/SIGHUP raise here, and end the run as Ctrl-C does
        _timing("start")
        files, results = discover(paths, settings)
        _timing("discover")
        cache = _Cache(settings.cache_dir, settings)
        jobs = settings.jobs or os.cpu_count() or 1
        pool = _Pool(jobs, settings, mode)
        where = (real_roots(paths), _reads_roots(paths, settings))
        try:
            return _run(files, results, settings, mode, progress, cache, pool, where)
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
    where: tuple[list[str], list[str]],
) -> RunResult:
    inside, reads_roots = where  # what may be written; where the files a result read may be
    limit = settings.max_file_size
    # 1. Stat every file; read those the cache cannot vouch for; scan what changed.
    known: dict[str, tuple[Path, str, bytes | None]] = {}  # key -> (path, display, bytes if read)
    to_scan: list[tuple[str, str, bytes]] = []
    for path in files:
        display = display_path(path)
        key = os.path.abspath(path)
        entry = cache.entries.get(key)
        try:
            st = os.stat(path)
        except OSError:
            st = None
        if (
            st is not None
            and stat_mode.S_ISREG(st.st_mode)
            and not (limit and st.st_size > limit)
            and cache.fresh_stat(entry, st)
            and "scan" in entry
            and entry.get("where") == path_kind(display)
        ):
            known[key] = (path, display, None)
            continue
        data = _read(path, limit)
        if isinstance(data, Skip):
            results.append(FileResult(display, skipped=data.reason))
            continue
        if isinstance(data, str):
            results.append(FileResult(display, error=data))
            continue
        digest = _digest(data)
        stat = cache.stat_key(st) if st is not None else None
        # The scan and the result depend on what the path as shown says (whether it is a test
        # module): a run from another folder that changes that scans again.
        where = path_kind(display)
        if entry is None or entry.get("hash") != digest or "scan" not in entry or entry.get("where") != where:
            entry = cache.entries[key] = {"hash": digest, "stat": stat, "where": where}
            to_scan.append((key, display, data))  # decoded and pre-checked by the scan job
        elif entry.get("stat") != stat:
            entry["stat"] = stat
        cache.dirty = True
        known[key] = (path, display, data)

    _timing("read")
    if to_scan:
        to_scan.sort(key=lambda item: -len(item[2]))
        jobs = pool.map_small(_scan_job, to_scan, _scan_failed, lambda item: len(item[2]), SCAN_CHUNK_BYTES)
        for done, (key, scanned) in enumerate(jobs, 1):
            cache.entries[key]["scan"] = scanned
            if scanned["candidates"] and scanned["error"] is None:
                pool.warm(scanned["candidates"])
            if scanned["error"] and scanned["error"][0].startswith(limits.RETRY_PREFIXES):
                cache.entries[key]["hash"] = None  # not a fact about the file: try again next time
            if progress:
                progress(done, len(to_scan), "scan")

    scans = {key: Scan.from_json(cache.entries[key]["scan"]) for key in known}
    _timing(f"scan ({len(to_scan)} files)")
    # The facts of the rest of the project too (see codemods.project.whole), cached the same way.
    # Only a file some codemod may touch needs them (its rewrite, or its cached result, which is
    # checked against them): a pre-commit run of files no codemod applies to reads no other file.
    facts = {key: s.facts for key, s in scans.items()}
    if any(s.candidates and s.error is None for s in scans.values()):
        facts.update(project_facts(settings.root, facts, cache))
        project = ProjectIndex.build(facts, dependency_text(settings.root))
    else:
        project = ProjectIndex()
    _timing("project facts")

    # 2-3. Decide per file and rewrite: the test modules async-test-client (or requests-to-httpx)
    # may act on last, under the run's rewrites of the rest (see ``_waits_for_views``).
    pool.before_rewrites()
    state = _Phase(known, scans, results, settings, mode, progress, cache, pool, inside, reads_roots)
    later = {
        key for key in known
        if _waits_for_views(scans[key].candidates) and _tested_later(key, settings.root, scans[key].facts, project)
    }
    first = [key for key in known if key not in later]
    new = state.rewrite(first, project, {})
    if new:  # the facts of the rewritten files, from their new text (see codemods.project.reads.overlaid)
        for key, data in new.items():
            try:
                facts[key] = file_facts(decode(data).text)
            except SourceError:
                pass
        project = ProjectIndex.build(facts, dependency_text(settings.root))
    state.rewrite([key for key in known if key in later], project, new)
    _timing(f"rewrite ({state.rewritten} files)")
    cache.save(set(known))
    _timing("save cache")
    results.sort(key=lambda r: r.path)
    return RunResult(results, cached=state.cached, parsed=state.parsed)


# What a test module's rewrite depends on in the rest of the run: async-test-client follows the
# views as the run leaves them, so a file it may act on waits for the rest. So does one
# requests-to-httpx may act on: it runs before async-test-client and rewrites the file's imports,
# which could make async-test-client due there (kept on the safe side).
_VIEW_READERS = frozenset({"async-test-client", "requests-to-httpx"})


def _waits_for_views(candidates: Sequence[str]) -> bool:
    return not _VIEW_READERS.isdisjoint(candidates)


def _tested_later(key: str, root: Path, facts: FileFacts, project: ProjectIndex) -> bool:
    """Whether the file is test code, rewritten after the rest: a test module by its path (relative
    to the project root when under it), or one defining a class derived from a test case."""
    try:
        rel = os.path.relpath(key, os.path.abspath(root))
    except ValueError:  # another drive
        rel = os.pardir
    parts = Path(key if rel.startswith("..") else rel).parts
    tests = project.test_base_classes
    return is_test_module(parts) or any(tests.intersection(bases) for _, bases in facts.class_bases)


# In this process: the overlay last loaded (see ``_shared``), by the file it was shared through.
_SHARED: dict[str, dict[str, bytes]] = {}


@contextlib.contextmanager
def _shared(texts: dict[str, bytes]) -> Iterator[str]:
    """The overlay ``texts`` in a private temporary file, for the worker processes to load once
    each (sent with every file to rewrite, it would cost its size per file). Removed after."""
    folder = tempfile.mkdtemp(prefix="dj-asyncify-run-")
    path = os.path.join(folder, "overlay")
    try:
        with open(path, "wb") as fh:
            marshal.dump(texts, fh)
        _SHARED.clear()
        _SHARED[path] = texts  # this process (-j1), and workers forked from now on, have it already
        yield path
    finally:
        _SHARED.clear()
        shutil.rmtree(folder, ignore_errors=True)


def _overlaid_job(item: tuple[str, Any]) -> tuple[str, FileResult, bytes | None, bool]:
    """``_rewrite_job`` with the run's earlier rewrites (shared through the file ``item[0]``, see
    ``_shared``) in place of those files on disk."""
    path, inner = item
    texts = _SHARED.get(path)
    if texts is None:
        with open(path, "rb") as fh:
            texts = marshal.load(fh)
        _SHARED.clear()
        _SHARED[path] = texts
    with overlaid(texts):
        return _rewrite_job(inner)


def _overlaid_failed(item: tuple[str, Any], error: str) -> tuple[Any, ...]:
    return _rewrite_failed(item[1], error)


class _Phase:
    """Steps 2 and 3 of a run for some of its files: decide per file (nothing to do, an error, a
    cached result, a rewrite), then rewrite. Called twice: the test modules after the rest, under
    the new bytes of the files rewritten before (``rewrite``'s ``texts``), so that one run gives
    what two runs would (see ``codemods.project.reads.overlaid`` for why the cache stays right)."""

    def __init__(
        self,
        known: dict[str, tuple[Path, str, bytes | None]],
        scans: dict[str, Scan],
        results: list[FileResult],
        settings: Settings,
        mode: str,
        progress: Progress | None,
        cache: _Cache,
        pool: _Pool,
        inside: list[str],
        reads_roots: list[str],
    ) -> None:
        self.known, self.scans, self.results, self.mode, self.progress = known, scans, results, mode, progress
        self.cache, self.pool, self.inside, self.reads_roots = cache, pool, inside, reads_roots
        self.limit = settings.max_file_size
        self.cached = self.parsed = self.rewritten = 0

    def rewrite(self, keys: list[str], project: ProjectIndex, texts: dict[str, bytes]) -> dict[str, bytes]:
        """Process the files ``keys`` with ``project`` and under ``texts`` (key -> new bytes of
        files rewritten earlier in the run); return the new bytes of those that change (written,
        with ``apply``; would be, otherwise), the overlay for the files after them."""
        new: dict[str, bytes] = {}
        overlay = {os.path.realpath(key): data for key, data in texts.items()}
        with overlaid(overlay):  # the cached results' reads are checked under it too
            work = self._decide(keys, project, new)
        self._rewrite(work, project, overlay, new)
        return {**texts, **new}

    def _decide(
        self, keys: list[str], project: ProjectIndex, new: dict[str, bytes]
    ) -> list[tuple[str, str, str, bytes, list[str], ProjectIndex]]:
        """Report the files with nothing to do, an error or a cached result (the new bytes of a
        cached one that changes the file go in ``new``); return the rest, to rewrite."""
        # 2. Decide per file: nothing to do, an error, a cached result, or a rewrite.
        known, scans, results, cache, mode, limit = self.known, self.scans, self.results, self.cache, self.mode, self.limit
        project_digest = project.digest()
        work: list[tuple[str, str, str, bytes, list[str], ProjectIndex]] = []
        read_memo: dict[str, str] = {}  # facts about other files, checked once per phase
        for key in keys:
            path, display, data = known[key]
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
                and reads_safe(stored.get("reads", {}), self.reads_roots, limit)
                and reads_current(stored.get("reads", {}), read_memo)
            ):
                diags = [Diagnostic(display, *d) for d in stored["diagnostics"]]
                if "new" not in stored:  # the file does not change
                    results.append(FileResult(display, diagnostics=diags))
                    self.cached += 1
                    continue
                # The file would change: its new bytes are in the cache. A diff or a write needs the
                # old bytes too; they must still be the ones the result was made from.
                new_data = _unpack(stored["new"])
                if new_data is not None and mode != "check":
                    # Bytes about to be shown or written get the checks fresh ones got.
                    if not _compiles(new_data, display):
                        new_data = None
                    elif data is None:
                        data = _read_or_report(path, display, limit, results)
                        if data is None:
                            continue
                if new_data is not None and (data is None or _digest(data) == cache.entries[key]["hash"]):
                    res = FileResult(display, changed=True, diagnostics=diags)
                    if mode == "diff":
                        assert data is not None
                        res.diff = diff_text(unified_diff(display, data, new_data))
                    elif mode == "apply":
                        assert data is not None
                        _write(path, new_data, res, data, self.inside)
                        del cache.entries[key]["result"]  # made for the old bytes
                        cache.dirty = True
                    if res.changed:
                        new[key] = new_data
                    results.append(res)
                    self.cached += 1
                    continue
            if data is None:
                data = _read_or_report(path, display, limit, results)
                if data is None:
                    continue
            work.append((key, str(path), display, data, scan.candidates, project))
        return work

    def _rewrite(
        self,
        work: list[tuple[str, str, str, bytes, list[str], ProjectIndex]],
        project: ProjectIndex,
        texts: dict[str, bytes],
        new: dict[str, bytes],
    ) -> None:
        """Rewrite ``work`` with ``project`` under ``texts`` (real path -> bytes); the new bytes of
        the files that change (written, with ``apply``) go in ``new``."""
        known, results, cache, mode, progress, inside = (
            self.known, self.results, self.cache, self.mode, self.progress, self.inside
        )
        project_digest = project.digest()
        self.rewritten += len(work)
        # 3. Rewrite the candidates, largest first, in parallel when it pays.
        work.sort(key=lambda item: -len(item[3]))
        sources = {item[0]: item[3] for item in work}  # key -> the bytes the result is made from
        with contextlib.ExitStack() as stack:
            if texts and work:  # the workers read under the overlay too
                shared = stack.enter_context(_shared(texts))
                done_items = self.pool.map(_overlaid_job, [(shared, item) for item in work], _overlaid_failed)
            else:
                done_items = self.pool.map(_rewrite_job, work, _rewrite_failed)
            for done, (key, res, new_data, did_parse) in enumerate(done_items, 1):
                self.parsed += did_parse
                if new_data is not None and mode == "apply":
                    _write(Path(known[key][0]), new_data, res, sources[key], inside)
                if new_data is not None and res.changed:
                    new[key] = new_data
                results.append(res)
                # A result is kept for the bytes it was made from (the entry's hash; bytes read late, after
                # a trusted stat, are checked). One that changes the file keeps its new bytes, except
                # after a write: the next run sees the new content anyway.
                entry = cache.entries[key]
                if not res.error and not (res.changed and mode == "apply") and _digest(sources[key]) == entry["hash"]:
                    stored: dict[str, Any] = {
                        "project": project_digest,
                        "reads": res.reads or {},
                        "diagnostics": [[d.line, d.col, d.codemod, d.message, d.kind, d.code] for d in res.diagnostics],
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
