"""The cache: per file its stat, content hash, scan and last result, in one JSON file per settings and code."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import codemods
from codemods import __version__
from codemods.config import Settings


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
