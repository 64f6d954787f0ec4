"""The batch runner: finds files, decides cheaply which need a parse, rewrites them safely.

It knows nothing of click; ``codemods.cli`` is a thin layer over ``run``.

Per file, in two phases (every file's project facts must be known before any file is rewritten):

1. *Scan* (every file): read bytes (regular files only, up to ``max-file-size``) -> decode with the file's own encoding (BOM, PEP 263 cookie)
   -> each selected codemod's text ``precheck`` -> only if a pre-check hit, or the project facts
   need it, one ``ast.parse`` -> project facts (``codemods.project``) and the structural candidate
   tests (``codemods.candidates``), which name the codemods that could touch the file.
2. *Rewrite* (candidates only): one LibCST parse, the candidate codemods in order over that tree
   (after a codemod changed the code, the later ones are re-checked on the new text), code
   generation (line endings as the file has them) -> the new text must compile -> encode as the
   original was -> atomic write by the main process (temporary file in the same folder, then
   rename, signals held off meanwhile), keeping owner, group and mode, only if the file still
   holds the bytes that were read, may be written by the user and lies inside the given paths.
   Test modules (by path, or defining a test case class) are rewritten after all other files, under
   the new bytes of those the run rewrote (or would rewrite, with ``--check``/``--diff``) and a
   project index rebuilt from them (``batch._Phase``, ``codemods.project.reads.overlaid``): one run
   gives what two would, a test sees its view as the run leaves it.

A file that cannot be read, decoded, parsed or safely rewritten is reported and left as it was;
so is one nested too deeply, or that takes too long (``limits``). FIFOs, devices, files over the
size limit and symbolic links leading out of the given paths are skipped and reported.
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

The cache file is sealed with the user's own key and kept private (``store``): a cache that came
with the repository is not trusted.

Rooms: ``discovery`` (walk, excludes, git-ignore, links), ``files`` (decode/encode, line endings,
safe reads, safe atomic writes, unified diff), ``per_file`` (the cheap scan, the transform of one
file's text or bytes), ``positions`` (diagnostic positions mapped back to the file as read),
``limits`` (per-file depth, recursion and time limits), ``pool`` (worker processes), ``signals``
(interrupts), ``cache`` and ``store`` (its sealed, private storage), ``results`` (``FileResult``,
``RunResult``) and ``batch`` (``run``: the two phases over every file). This module re-exports
what the command line, the tests and the benchmarks use.
"""

from __future__ import annotations

from codemods.runner.batch import Progress, run
from codemods.runner.cache import _Cache, _code_fingerprint
from codemods.runner.discovery import discover
from codemods.runner.files import (
    Decoded,
    SourceError,
    _read,
    atomic_write,
    decode,
    diff_text,
    encode,
    unified_diff,
)
from codemods.runner.per_file import (
    Outcome,
    Scan,
    has_skip_file_comment,
    process_bytes,
    scan_text,
    selected_codemods,
    transform_source,
)
from codemods.runner.positions import node_positions
from codemods.runner.results import FileResult, RunResult
from codemods.runner.signals import Interrupted

# The private names are those the tests use.
__all__ = [
    "Decoded",
    "FileResult",
    "Interrupted",
    "Outcome",
    "Progress",
    "RunResult",
    "Scan",
    "SourceError",
    "_Cache",
    "_code_fingerprint",
    "_read",
    "atomic_write",
    "decode",
    "diff_text",
    "discover",
    "encode",
    "has_skip_file_comment",
    "node_positions",
    "process_bytes",
    "run",
    "scan_text",
    "selected_codemods",
    "transform_source",
    "unified_diff",
]
