"""The worker pool: worker processes for the scan and rewrite jobs, what a dead worker costs, the per-file limits."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from codemods.config import Settings
from codemods.project import FileFacts, ProjectIndex
from codemods.runner import limits, per_file, signals
from codemods.runner.files import SourceError, decode
from codemods.runner.per_file import Scan, process_bytes, scan_text
from codemods.runner.results import FileResult

_WORKER: dict[str, Any] = {}


def _init_worker(settings: Settings, mode: str, parent: int) -> None:
    # Interrupts are the main process's business: it stops the pool; a worker never writes files.
    signals.reset_in_worker(parent)
    _WORKER.clear()
    _WORKER.update(settings=settings, mode=mode)


def _scan_job(item: tuple[str, str, bytes]) -> tuple[str, dict[str, Any]]:
    """The scan of one file's bytes as read (``Scan.to_json()``): decoded here, then the text
    pre-checks decide whether its ``ast`` is needed (most files: facts from the text alone)."""
    key, display, data = item
    if "codemods" not in _WORKER:
        # Looked up on its module, as the run and the transform do: one name to replace (tests do).
        _WORKER["codemods"] = per_file.selected_codemods(_WORKER["settings"])
    try:
        text = decode(data).text
    except SourceError as exc:
        return key, Scan(FileFacts(), [], exc).to_json()
    return key, scan_text(text, _WORKER["codemods"], display).to_json()


def _chunk_job(item: tuple[Callable[[Any], Any], Callable[[Any, str], Any], list[Any]]) -> tuple[bool, list[Any]]:
    """Several small jobs in one hand-over to a worker, each within its own limits: (True, results)."""
    func, failed, items = item
    return True, [limits.guarded(func, failed, one) for one in items]


def _chunk_lost(item: tuple[Any, Any, list[Any]], error: str) -> tuple[bool, list[Any]]:
    return False, item[2]  # the worker died on one of them: (False, the chunk's items)


def _warm_imports(packages: list[str]) -> None:
    """Import libcst and every room of the codemod packages (what a rewrite imports lazily)."""
    import importlib
    import pkgutil

    import libcst  # noqa: F401

    for name in packages:
        # A room that fails to import fails again where it is used, and says so there.
        with contextlib.suppress(Exception):
            package = importlib.import_module(name)
            for info in pkgutil.iter_modules(getattr(package, "__path__", [])):
                importlib.import_module(f"{name}.{info.name}")


def _chunks(items: list[Any], size: Callable[[Any], int], limit: int) -> list[list[Any]]:
    """``items`` (largest first) grouped into runs of up to ``limit`` in total ``size``."""
    out: list[list[Any]] = []
    total = limit
    for one in items:
        n = size(one)
        if total + n > limit:
            out.append([])
            total = 0
        out[-1].append(one)
        total += n
    return out


def _internal(reason: str) -> str:
    return f"internal error: {reason}; file left unchanged"


def _scan_failed(item: tuple[str, str, bytes], error: str) -> tuple[str, dict[str, Any]]:
    return item[0], Scan(FileFacts(), [], SourceError(error)).to_json()


def _rewrite_failed(item: tuple[str, str, str, bytes, list[str], ProjectIndex], error: str) -> tuple[Any, ...]:
    return item[0], FileResult(item[2], error=error), None, False


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
        self._warming: Any = None  # the thread importing what rewrites need (see ``warm``)
        self._warmed = False

    def warm(self, names: Sequence[str]) -> None:
        """While the workers scan: import libcst and the rooms of the codemods ``names`` (those
        the first file found to rewrite needs; others are imported where first used) in a thread
        of this process (it mostly waits meanwhile), so that the rewrite workers, started after
        it (``before_rewrites``), are forked with them loaded instead of importing them each."""
        if self.jobs <= 1 or self._warming is not None or self._warmed:
            return
        import threading

        # A codemod defined in a plain module (a test's) has no package of rooms.
        packages = sorted({type(cm).__module__ for cm in per_file.selected_codemods(self.settings) if cm.name in names})

        self._warming = threading.Thread(target=_warm_imports, args=(packages,), name="warm-imports", daemon=True)
        self._warming.start()

    def _join_warming(self) -> bool:
        if self._warming is None:
            return False
        self._warming.join()  # never fork while another thread may hold an import lock
        self._warming = None
        self._warmed = True
        return True

    def before_rewrites(self) -> None:
        """After a ``warm``: the scan workers go; the next ``map`` forks workers that have the imports."""
        if self._join_warming() and self.executor is not None:
            self.close()

    def _start(self) -> None:
        import concurrent.futures
        import multiprocessing

        self._join_warming()

        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self.executor = concurrent.futures.ProcessPoolExecutor(
            self.jobs, mp_context=ctx, initializer=_init_worker, initargs=(self.settings, self.mode, os.getpid())
        )

    def map_small(
        self, func: Callable[[Any], Any], items: list[Any], failed: Callable[[Any, str], Any],
        size: Callable[[Any], int], limit: int,
    ) -> Iterator[Any]:
        """``map`` for many small jobs (the scan of every file read): handed to the workers in
        chunks of up to ``limit`` in total ``size`` (``items`` largest first), each job still
        within its own limits. The files of a chunk whose worker died run again one by one."""
        if self.jobs <= 1 or len(items) < 2:
            yield from self.map(func, items, failed)
            return
        lost: list[Any] = []
        # At least four chunks a worker, so that the last ones finish together.
        limit = max(1, min(limit, sum(map(size, items)) // (self.jobs * 4)))
        chunks = _chunks(items, size, limit)
        for done, results in self.map(_chunk_job, [(func, failed, c) for c in chunks], _chunk_lost, guard=False):
            if done:
                yield from results
            else:
                lost.extend(results)
        yield from self.map(func, lost, failed, in_worker=True)

    def map(
        self, func: Callable[[Any], Any], items: list[Any], failed: Callable[[Any, str], Any],
        guard: bool = True, in_worker: bool = False,
    ) -> Iterator[Any]:
        """``func(item)`` per item, within the per-file limits (``limits.guarded``; ``guard=False``:
        ``func`` sees to them); ``failed(item, error)`` for an item over a limit or whose worker
        died. Runs in this process when there is one job, or one item and no worker started yet
        (a started worker has its imports done), unless ``in_worker`` (items a worker died on)."""
        if not items:
            return
        if self.jobs <= 1 or (len(items) < 2 and self.executor is None and not in_worker):
            if _WORKER.get("settings") is not self.settings or _WORKER.get("mode") != self.mode:
                _WORKER.clear()
                _WORKER.update(settings=self.settings, mode=self.mode)
            for item in items:
                yield limits.guarded(func, failed, item) if guard else func(item)
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
                    job = self.executor.submit(limits.guarded, func, failed, item) if guard else self.executor.submit(func, item)
                    futures[job] = n
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
                    result = failed(batch[n], _internal(f"{type(exc).__name__}: {exc}"))
                finished.add(n)
                yield result
            pending = [item for n, item in enumerate(batch) if n not in finished] + pending[len(batch) :]
            if broken:
                self.close(abort=True)
                if isolate:
                    yield failed(pending.pop(0), _internal("a worker process died while processing this file"))
                isolate = True

    def close(self, *, abort: bool = False) -> None:
        if self.executor is None:
            return
        if abort:
            # Workers never write files: stopping them cannot leave anything half done. Each is
            # waited for (killed if it lingers), so that none outlives the run, not even as a zombie.
            processes = list(getattr(self.executor, "_processes", {}).values())
            for proc in processes:
                proc.terminate()
            self.executor.shutdown(wait=False, cancel_futures=True)
            for proc in processes:
                proc.join(5)
                if proc.is_alive():
                    proc.kill()
                    proc.join(5)
            # Its manager thread too: left running, the interpreter's exit hook would wake it through
            # a pipe already closed, and print a traceback (seen on a loaded machine after SIGTERM).
            manager = getattr(self.executor, "_executor_manager_thread", None)
            if manager is not None:
                manager.join(5)
        else:
            self.executor.shutdown(wait=True)
        self.executor = None
