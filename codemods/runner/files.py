"""File I/O: bytes to text and back (the file's own encoding), reading, atomic writes, unified diffs."""

from __future__ import annotations

import codecs
import dataclasses
import io
import os
import signal
import tokenize
from pathlib import Path


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


# --------------------------------------------------------------------------- reading
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
