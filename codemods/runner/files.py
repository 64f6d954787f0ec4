"""File I/O: bytes to text and back (the file's own encoding and line endings), safe reads, safe atomic writes, diffs."""

from __future__ import annotations

import codecs
import dataclasses
import io
import os
import re
import stat
import tokenize
from collections.abc import Sequence
from pathlib import Path

from codemods.runner import signals


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


# --------------------------------------------------------------------------- line endings
_EOL = re.compile(r"\r\n|\r|\n")


def _split_lines(text: str) -> list[tuple[str, str]]:
    """(content, ending) per line; only CR LF, CR and LF end a line (not form feeds and the like)."""
    out = []
    pos = 0
    for m in _EOL.finditer(text):
        out.append((text[pos : m.start()], m.group()))
        pos = m.end()
    if pos < len(text):
        out.append((text[pos:], ""))
    return out


def keep_line_endings(source: str, text: str) -> str:
    """``text`` (rewritten from ``source``) with the line endings of ``source``: a line kept from
    ``source`` keeps its own ending; every other line gets the file's convention (CR, CR LF or
    LF; the most common one in a mixed file, the first line's on a tie).

    LibCST gets a file with one convention of LF or CR LF right; it ends new lines with the first
    line's ending in a mixed file, and drops the last CR of a CR-only file. Files with one of the
    two common conventions are returned as they are, without looking further."""
    crlf = source.count("\r\n")
    cr, lf = source.count("\r") - crlf, source.count("\n") - crlf
    if cr == 0 and (crlf == 0 or lf == 0):
        return text
    old = _split_lines(source)
    counts = {"\r\n": crlf, "\r": cr, "\n": lf}
    first = old[0][1] if old and old[0][1] else "\n"
    convention = max(counts, key=lambda e: (counts[e], e == first))
    new = _split_lines(text)
    import difflib

    endings = [convention if ending else "" for _, ending in new]
    matcher = difflib.SequenceMatcher(None, [c for c, _ in old], [c for c, _ in new], autojunk=False)
    for tag, i1, _i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for k in range(j2 - j1):
                endings[j1 + k] = old[i1 + k][1] or endings[j1 + k]
    if new and not endings[-1] and source.endswith(("\n", "\r")):
        endings[-1] = old[-1][1] if new[-1][0] == old[-1][0] else convention  # the CR LibCST dropped
    return "".join(content + ending for (content, _), ending in zip(new, endings))


# --------------------------------------------------------------------------- reading
@dataclasses.dataclass(frozen=True)
class Skip:
    """A file that is not processed at all, and why (not a regular file, too large)."""

    reason: str


_KINDS = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _not_regular(mode: int) -> str:
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    return f"not a regular file ({kind})" if kind != "not a regular file" else kind


def _too_large(size: int, limit: int) -> Skip:
    return Skip(f"larger than max-file-size ({size} > {limit} bytes)")


def _read(path: Path, limit: int = 0) -> bytes | str | Skip:
    """The file's bytes; else an error message, or a ``Skip`` for a file that is not a regular
    file (a FIFO would hang the run, a device never ends) or is larger than ``limit`` bytes
    (0: no limit). A symbolic link counts as what it points to."""
    try:
        st = os.stat(path)
        if stat.S_ISDIR(st.st_mode):
            return "is a directory"
        if not stat.S_ISREG(st.st_mode):
            return Skip(_not_regular(st.st_mode))  # never opened: opening a device can act
        if limit and st.st_size > limit:
            return _too_large(st.st_size, limit)
        # O_NONBLOCK: should it have become a FIFO since, opening it does not wait for a writer.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except PermissionError:
        return "permission denied"
    except FileNotFoundError:
        return "broken symbolic link" if path.is_symlink() else "no such file"
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return Skip(_not_regular(st.st_mode))
        chunks, size = [], 0
        while True:
            chunk = os.read(fd, max(st.st_size - size, 0) + 65536)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if limit and size > limit:  # it grew while being read
                return _too_large(size, limit)
        return b"".join(chunks)
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- writing
class WriteRefused(Exception):
    """The file is not replaced: writing it would not be safe (the message says why)."""


class ChangedMeanwhile(Exception):
    """The file on disk is no longer the one that was read: replacing it would lose that edit."""


def _before_final_check(path: Path) -> None:
    """Called by ``atomic_write`` right before it compares the file with what was read, one last
    time before the rename. Does nothing; a test replaces it to edit the file at that moment."""


def _within(target: str, roots: Sequence[str]) -> bool:
    """Whether the path ``target`` is one of ``roots`` or below one (plain path comparison)."""
    return any(target == root or target.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


def _unchanged(target: Path, expected: bytes, before: os.stat_result) -> bool:
    """Whether ``target`` is still the same file with the same bytes as ``expected``."""
    try:
        fd = os.open(target, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return False
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or (st.st_dev, st.st_ino) != (before.st_dev, before.st_ino):
            return False
        if st.st_size != len(expected):
            return False
        chunks, size = [], 0
        while size <= len(expected):
            chunk = os.read(fd, len(expected) - size + 1)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks) == expected
    except OSError:
        return False
    finally:
        os.close(fd)


def _check_writable(target: Path, st: os.stat_result) -> None:
    """Refuse what a rename would do although the user could not, or should not, write the file:
    a file without write permission (the folder's permission is enough for a rename), one that
    belongs to another user (the new file would be ours)."""
    if not stat.S_ISREG(st.st_mode):
        raise WriteRefused("not a regular file")
    effective = os.access in os.supports_effective_ids
    if not os.access(target, os.W_OK, effective_ids=effective):
        raise WriteRefused("permission denied")
    euid = os.geteuid() if hasattr(os, "geteuid") else None
    if euid not in (None, 0) and st.st_uid != euid:
        raise WriteRefused(f"the file belongs to another user (uid {st.st_uid}); replacing it would make it yours")


def _keep_owner(fd: int, st: os.stat_result) -> None:
    """Give the new file the old one's owner and group (root may; a user may pick a group of
    theirs). A group that cannot be kept refuses the write: the file would change hands."""
    if not hasattr(os, "fchown"):
        return
    now = os.fstat(fd)
    if (now.st_uid, now.st_gid) == (st.st_uid, st.st_gid):
        return
    try:
        os.fchown(fd, st.st_uid, st.st_gid)
    except PermissionError:
        raise WriteRefused(f"cannot keep the file's owner and group ({st.st_uid}:{st.st_gid})") from None


def atomic_write(path: Path, data: bytes, expected: bytes | None = None, inside: Sequence[str] = ()) -> None:
    """Replace ``path`` with ``data`` all at once: a reader (or a Ctrl-C) sees old or new, never half.

    ``expected``: the bytes the new ones were made from; if the file no longer holds them (the
    user edited it meanwhile), ``ChangedMeanwhile`` is raised and the file is left as it is.
    ``inside``: real paths the file (a symbolic link is followed) must be in, else ``WriteRefused``.
    The owner, group and mode are kept; a file the user may not write is refused, not replaced.
    Interrupting signals are held off while the temporary file exists (``signals.held``), so an
    interrupted run leaves neither a half-written file nor a stray temporary file."""
    import tempfile

    target = Path(os.path.realpath(path))
    if inside and not _within(str(target), inside):
        raise WriteRefused("a symbolic link to a file outside the given paths")
    st = os.lstat(target)
    _check_writable(target, st)
    with signals.held():
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".dj-asyncify.tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
                _keep_owner(fh.fileno(), st)
                os.chmod(fh.fileno(), st.st_mode & 0o7777)  # after chown, which clears set-id bits
            _before_final_check(target)
            if expected is not None and not _unchanged(target, expected, st):
                raise ChangedMeanwhile
            os.replace(tmp, target)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise


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
