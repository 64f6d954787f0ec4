"""The cache: per file its stat, content hash, scan and last result, in one sealed JSON file per settings and code."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import codemods
from codemods import __version__
from codemods.config import Settings
from codemods.runner import store
from codemods.runner.files import _within


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
    rewritten within the same clock tick keeps its mtime). The file is stored sealed with the
    user's key, in a folder checked and used without following links (``codemods.runner.store``);
    an entry of the wrong shape is dropped (a miss), whatever else the file holds."""

    MARGIN_NS = 2_000_000_000

    def __init__(self, folder: Path | None, settings: Settings) -> None:
        self.folder = folder
        self.prefix = f"v{__version__}-{settings.digest()}-"
        self.key = store.user_key() if folder else None
        # No key, no cache: without a seal of the user's own, a cache file cannot be trusted.
        self.file = folder / f"{self.prefix}{_code_fingerprint()}.json" if folder and self.key else None
        self.entries: dict[str, Any] = {}
        self.written = 0
        self.dirty = False
        if self.file is not None:
            self.entries, self.written = self._load()

    def _load(self) -> tuple[dict[str, Any], int]:
        assert self.file is not None and self.key is not None
        folder = store.Folder.open(self.file.parent, create=False)
        if folder is None:
            return {}, 0
        with contextlib.closing(folder):
            blob = folder.read(self.file.name, store.MAX_CACHE_BYTES)
        body = store.unseal(self.key, self.file.name, blob) if blob is not None else None
        if body is None:
            return {}, 0
        try:
            data = json.loads(body)
            entries, written = data["entries"], data["written"]
        except (ValueError, KeyError, TypeError):
            return {}, 0
        if not isinstance(entries, dict) or not isinstance(written, int) or isinstance(written, bool):
            return {}, 0
        return {k: e for k, e in entries.items() if _entry_ok(e)}, written

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
        if self.file is None or self.key is None or not self.dirty:
            return
        for key in [k for k in self.entries if k not in seen and not os.path.exists(k)]:
            del self.entries[key]
        folder = store.Folder.open(self.file.parent, create=True)
        if folder is None:
            return  # a cache that cannot be written safely only costs time
        try:
            with contextlib.closing(folder):
                folder.create(".gitignore", b"# Created by dj-asyncify.\n*\n")
                blob = json.dumps({"written": time.time_ns(), "entries": self.entries}, separators=(",", ":"))
                name = self.file.name
                folder.replace(name, store.seal(self.key, name, blob.encode("utf-8")))
                for old in folder.names():
                    if old != name and old.startswith(self.prefix) and old.endswith(".json"):
                        folder.unlink(old)
        except OSError:
            pass


def _is_int_list(value: Any, length: int) -> bool:
    return (
        isinstance(value, list)
        and len(value) == length
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    )


def _str_map(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())


def _diagnostic_ok(d: Any) -> bool:
    return (
        isinstance(d, list)
        and len(d) == 6
        and _is_int_list(d[:2], 2)
        and all(isinstance(v, str) for v in d[2:])
    )


def _entry_ok(entry: Any) -> bool:
    """Whether a cache entry has the shape the run reads (else it is dropped: a miss)."""
    if not isinstance(entry, dict):
        return False
    if entry.get("hash") is not None and not isinstance(entry["hash"], str):
        return False
    if entry.get("stat") is not None and not _is_int_list(entry["stat"], 4):
        return False
    if "scan" in entry:
        from codemods.runner.per_file import Scan

        scan = entry["scan"]
        try:
            Scan.from_json(scan)
            if not isinstance(scan["candidates"], list) or not all(isinstance(c, str) for c in scan["candidates"]):
                return False
        except (TypeError, KeyError, ValueError, AttributeError):
            return False
    if "result" in entry:
        result = entry["result"]
        if not (
            isinstance(result, dict)
            and isinstance(result.get("project"), str)
            and _str_map(result.get("reads", {}))
            and isinstance(result.get("diagnostics"), list)
            and all(_diagnostic_ok(d) for d in result["diagnostics"])
            and isinstance(result.get("new", ""), str)
        ):
            return False
    return True


def reads_safe(reads: dict[str, str], roots: Sequence[str], limit: int) -> bool:
    """Whether the recorded reads of a cached result may be checked on disk: each file read for
    its bytes or folder listed lies inside ``roots`` (the project root, the given paths; whether
    a path exists, or a file that was missing, may be asked anywhere: a file that appeared since
    is read as a regular file of bounded size, and then differs), and a file read for its bytes is a
    regular file of at most ``limit`` bytes (0: any size) or is missing. Else the result is
    not used (a miss): checking them could read anything, hang on a FIFO, or never end."""
    for key, value in reads.items():
        kind, _, rest = key.partition(":")
        if kind == "g":
            _, _, rest = rest.partition(":")
        if kind not in ("f", "e", "i", "g", "p", "w") or not os.path.isabs(rest):
            return False
        # Outside the roots only what reads nothing: whether a path exists (e:, i:), or a file
        # that was missing when the result was made (f: "-"; the searches for a project root and
        # for imported modules look in the folders above). Contents and listings only inside.
        outside_ok = kind in ("e", "i") or (kind == "f" and value == "-")
        if not outside_ok and not _within(os.path.normpath(rest), roots):
            return False
        if kind == "f":
            try:
                st = os.stat(rest)
            except OSError:
                continue
            if not stat.S_ISREG(st.st_mode) or (limit and st.st_size > limit):
                return False
    return True


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
