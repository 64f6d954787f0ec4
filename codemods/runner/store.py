"""The cache's storage: a private folder used without following links, and contents sealed with the user's key.

A cache folder can come with the repository being scanned (committed by mistake, or planted), and
its contents decide what ``apply`` writes. So:

- Every cache file is sealed: an HMAC-SHA256 over its name and contents, keyed by a secret of the
  user's own (``$XDG_CACHE_HOME/dj-asyncify/key``, else ``~/.cache/dj-asyncify/key``: 32 random
  bytes, 0600, made on first use). A file whose seal does not match (made elsewhere, edited, cut
  short) is not read at all: the run starts from nothing. Without a usable key there is no cache.
- The folder must be a real directory (not a symbolic link) owned by the user; it is made 0700.
  Everything in it is opened relative to the opened folder, never following a link
  (``O_NOFOLLOW``); new files are made with ``O_EXCL`` under unpredictable names, 0600, then
  renamed over the old one. A link planted under any name is never written through.
- Reads are capped (``MAX_CACHE_BYTES``).

Without ``dir_fd`` support (Windows) there is no cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

from codemods.runner import signals

MAX_CACHE_BYTES = 512 * 1024 * 1024
KEY_BYTES = 32
_MAGIC = b"dj-asyncify-cache 1 "
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_SUPPORTED = bool(_NOFOLLOW) and os.open in os.supports_dir_fd and hasattr(os, "O_DIRECTORY")


def _euid() -> int:
    return os.geteuid() if hasattr(os, "geteuid") else -1


class Folder:
    """An opened cache folder, checked to be a real directory of the user's, mode 0700."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    @classmethod
    def open(cls, path: Path, create: bool) -> Folder | None:
        """The folder at ``path`` (made if ``create``), or None if missing or not safe to use."""
        if not _SUPPORTED:
            return None
        if create:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                os.mkdir(path, 0o700)
            except FileExistsError:
                pass
            except OSError:
                return None
        try:
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | _NOFOLLOW)
        except OSError:  # missing, a symbolic link (ELOOP), not a folder
            return None
        try:
            st = os.fstat(fd)
            if not stat.S_ISDIR(st.st_mode) or st.st_uid != _euid():
                raise PermissionError
            if st.st_mode & 0o077:
                os.fchmod(fd, 0o700)
        except OSError:
            os.close(fd)
            return None
        return cls(fd)

    def close(self) -> None:
        os.close(self.fd)

    def read(self, name: str, limit: int, private: bool = False) -> bytes | None:
        """The bytes of the regular file ``name`` of the user's (not a link), at most ``limit``
        of them; with ``private``, only if nobody else may read or write it; else None."""
        try:
            fd = os.open(name, os.O_RDONLY | _NOFOLLOW | os.O_NONBLOCK, dir_fd=self.fd)
        except OSError:
            return None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or st.st_uid != _euid() or st.st_size > limit:
                return None
            if private and st.st_mode & 0o077:
                return None
            chunks, size = [], 0
            while True:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    return b"".join(chunks)
                chunks.append(chunk)
                size += len(chunk)
                if size > limit:
                    return None
        except OSError:
            return None
        finally:
            os.close(fd)

    def _new_file(self, name: str, data: bytes) -> None:
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600, dir_fd=self.fd)
        try:
            os.fchmod(fd, 0o600)  # whatever the umask
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)

    def create(self, name: str, data: bytes) -> None:
        """Make the file ``name`` unless something (a file, a link) already has that name."""
        try:
            self._new_file(name, data)
        except FileExistsError:
            pass

    def replace(self, name: str, data: bytes) -> None:
        """Put ``data`` under ``name`` all at once: a new file (unpredictable name), renamed."""
        tmp = f".{name}.{secrets.token_hex(8)}.tmp"
        with signals.held():
            try:
                self._new_file(tmp, data)
                os.replace(tmp, name, src_dir_fd=self.fd, dst_dir_fd=self.fd)
            except BaseException:
                self.unlink(tmp)
                raise

    def names(self) -> list[str]:
        return os.listdir(self.fd)

    def unlink(self, name: str) -> None:
        try:
            os.unlink(name, dir_fd=self.fd)  # a link is removed, not followed
        except OSError:
            pass


# --------------------------------------------------------------------------- the user's key
def key_folder() -> Path | None:
    """``$XDG_CACHE_HOME/dj-asyncify`` (an absolute XDG_CACHE_HOME only), else ``~/.cache/dj-asyncify``."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:
            return None
    return Path(base) / "dj-asyncify"


_KEYS: dict[str, bytes | None] = {}


def user_key() -> bytes | None:
    """The user's secret key (made on first use); None if no private one can be had."""
    folder = key_folder()
    if folder is None:
        return None
    if str(folder) not in _KEYS:
        _KEYS[str(folder)] = _load_key(folder)
    return _KEYS[str(folder)]


def _load_key(path: Path) -> bytes | None:
    folder = Folder.open(path, create=True)
    if folder is None:
        return None
    with contextlib.closing(folder):
        for _ in range(2):
            key = folder.read("key", KEY_BYTES, private=True)
            if key is not None and len(key) == KEY_BYTES:
                return key
            try:
                if key is None:
                    folder._new_file("key", secrets.token_bytes(KEY_BYTES))
                else:  # ours, but damaged
                    folder.replace("key", secrets.token_bytes(KEY_BYTES))
            except FileExistsError:
                continue  # another run made it meanwhile: read that one
            except OSError:
                return None
    return None


# --------------------------------------------------------------------------- seals
def _mac(key: bytes, name: str, body: bytes) -> bytes:
    return hmac.new(key, name.encode() + b"\0" + body, hashlib.sha256).hexdigest().encode()


def seal(key: bytes, name: str, body: bytes) -> bytes:
    """``body`` as the file ``name`` holds it: a first line with the seal, then ``body``."""
    return _MAGIC + _mac(key, name, body) + b"\n" + body


def unseal(key: bytes, name: str, blob: bytes) -> bytes | None:
    """The body ``seal`` put in ``blob``; None unless the seal is that of this key and name."""
    head, sep, body = blob.partition(b"\n")
    if not sep or not head.startswith(_MAGIC):
        return None
    if not hmac.compare_digest(head[len(_MAGIC) :], _mac(key, name, body)):
        return None
    return body
