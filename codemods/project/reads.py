"""The recorded disk reads: the one way codemods read other files, each read recorded for the cache."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

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

# The run's own rewrites, as later files of the same run see them (see ``overlaid``): real path
# -> the new bytes of a file the run rewrote (or, with --check/--diff, would rewrite).
_OVERLAY: list[dict[str, bytes]] = [{}]


@contextlib.contextmanager
def overlaid(texts: dict[str, bytes]) -> Iterator[None]:
    """Meanwhile ``read_text`` (and ``reads_current``) see ``texts`` (real path, as
    ``os.path.realpath`` gives it -> bytes) in place of those files' contents on disk.

    The runner rewrites test modules after all other files, and runs them under the new bytes of
    every file it rewrote (or, with --check/--diff, would rewrite) before: a test module's facts
    about other files (the views its URLs reach, the services a call goes to) are then those of
    the code as the run leaves it, the same as a second run would see after ``apply``.

    Why the cache stays correct: a read is recorded as the hash of the bytes it saw, overlaid or
    not, and a cached result is reused only while ``reads_current`` -- run under the overlay of
    the run that wants to reuse it -- finds every recorded hash current. After ``apply`` wrote the
    new bytes, the disk holds exactly them: the next run sees the same text with or without an
    overlay, and reuses the result. A ``--check`` re-run builds the same overlay from the same
    rewrites of the other files, so it reuses it too. Once a file differs from the text a result
    was made from -- edited, a write refused (``apply`` overlays only the files it did write), or
    a rewrite no longer made (the overlay no longer covers the file and its disk bytes are not
    those the result read) -- the hash no longer matches and the result is made afresh."""
    saved = _OVERLAY[0]
    _OVERLAY[0] = texts  # not copied: set once per file to rewrite, it may be large
    try:
        yield
    finally:
        _OVERLAY[0] = saved


def _overlay(path: Path | str) -> bytes | None:
    """The overlaid bytes of ``path``, if any; ``OSError`` where ``read_regular`` would raise it
    for those bytes on disk (over the size limit), so that a later run reading the disk agrees."""
    texts = _OVERLAY[0]
    data = texts.get(os.path.realpath(path)) if texts else None
    if data is not None and len(data) > PROJECT_FILE_LIMIT:
        raise OSError(errno.EFBIG, f"larger than {PROJECT_FILE_LIMIT} bytes", str(path))
    return data


@contextlib.contextmanager
def recording_reads() -> Iterator[dict[str, str]]:
    """Collect, in the dict yielded, every fact the read functions below observe meanwhile."""
    reads: dict[str, str] = {}
    _RECORDINGS.append(reads)
    try:
        yield reads
    finally:
        _RECORDINGS.pop()


# Project files read besides the ones rewritten (settings, models, dependency files) are small;
# anything larger is not read (a 20 MB settings module is not worth the memory).
PROJECT_FILE_LIMIT = 4 * 1024 * 1024


def read_regular(path: Path | str, limit: int = PROJECT_FILE_LIMIT) -> bytes:
    """The bytes of ``path`` if it is a regular file (a link counts as what it points to) of at
    most ``limit`` bytes; else ``OSError``. A FIFO, device or socket is never opened for reading
    the way ``open()`` would (a FIFO would wait for a writer forever, a device never ends)."""
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        raise OSError(errno.EINVAL, "not a regular file", str(path))
    if st.st_size > limit:
        raise OSError(errno.EFBIG, f"larger than {limit} bytes", str(path))
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # replaced since the stat
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise OSError(errno.EFBIG, f"larger than {limit} bytes", str(path))
        return b"".join(chunks)
    finally:
        os.close(fd)


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
        data = _overlay(path)
        if data is None:
            data = read_regular(path)
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


def record_listing(kind: str, top: str, files: list[str]) -> None:
    """Record a listing of Python files (``references.listing``: ``kind`` "p" or "w", of ``top``)."""
    _note(f"{kind}:{top}", _hash("\0".join(files).encode()))


def _current(key: str) -> str:
    kind, _, rest = key.partition(":")
    if kind == "f":
        try:
            new = _overlay(rest)
            return _hash(new if new is not None else read_regular(rest))
        except OSError:
            return _MISSING
    if kind == "e":
        return "1" if Path(rest).exists() else "0"
    if kind == "i":
        return "1" if Path(rest).is_file() else "0"
    if kind == "g":
        pattern, _, folder = rest.partition(":")
        return _hash("\0".join(p.name for p in sorted(Path(folder).glob(pattern))).encode())
    if kind in ("p", "w"):
        from codemods.project.references import listing

        return _hash("\0".join(listing(kind, rest)).encode())
    return ""  # unknown kind (a record from other code): never current


def reads_current(reads: dict[str, str], memo: dict[str, str]) -> bool:
    """Whether every fact in ``reads`` (from ``recording_reads``) still holds on disk (under the
    overlay, see ``overlaid``). ``memo``: facts already checked in this run under the same overlay
    (many files read the same models module)."""
    for key, value in reads.items():
        if key not in memo:
            memo[key] = _current(key)
        if memo[key] != value:
            return False
    return True
