"""Byte-identity check of a speed change: ``apply --diff -v`` of two checkouts over the same corpora.

Usage: python benchmarks/same_output.py [--keep-old] OLD_CHECKOUT NEW_CHECKOUT CORPUS_DIR [CORPUS_DIR ...]
       (a checkout: a folder holding the ``codemods`` package, e.g. ``git worktree add`` of main;
       OUTPUT_DIR: $DJ_ASYNCIFY_SAME_OUT, default a temporary folder, keeps both outputs)

For each corpus, each checkout runs ``python -m codemods apply --diff -v --no-cache -j2`` in a
fresh process (``PYTHONPATH`` set to the checkout, the corpus as the working folder) and its
stdout (the diffs), stderr (diagnostics, verbose ones included) and exit code are compared byte
for byte. Prints one line per corpus and exits 1 if any differs (the differing outputs stay in
the output folder). ``--keep-old``: reuse the old checkout's output already in the output
folder (the old checkout does not change between runs of the check). Timing lines (DJ_ASYNCIFY_TIMINGS) are not set here.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path


def run(checkout: Path, corpus: Path) -> bytes:
    env = {k: v for k, v in os.environ.items() if k != "DJ_ASYNCIFY_TIMINGS"}
    env["PYTHONPATH"] = str(checkout.resolve())
    proc = subprocess.run(
        [sys.executable, "-m", "codemods", "apply", "--diff", "-v", "--no-cache", "-j2", "."],
        cwd=corpus,
        env=env,
        capture_output=True,
        check=False,
    )
    return b"exit %d\n--- stdout\n%s\n--- stderr\n%s" % (proc.returncode, proc.stdout, proc.stderr)


def main() -> int:
    args = sys.argv[1:]
    keep_old = "--keep-old" in args
    args = [a for a in args if a != "--keep-old"]
    if len(args) < 3:
        print(__doc__)
        return 2
    old, new, *corpora = (Path(a) for a in args)
    out = Path(os.environ.get("DJ_ASYNCIFY_SAME_OUT") or tempfile.mkdtemp(prefix="dj-asyncify-same-"))
    out.mkdir(parents=True, exist_ok=True)
    differ = False
    for corpus in corpora:
        old_file = out / f"{corpus.name}.old.txt"
        a = old_file.read_bytes() if keep_old and old_file.exists() else run(old, corpus)
        b = run(new, corpus)
        old_file.write_bytes(a)
        (out / f"{corpus.name}.new.txt").write_bytes(b)
        same = a == b
        differ |= not same
        changed = a.count(b"\n+++ ")
        print(f"{corpus}: {'identical' if same else 'DIFFERENT'} ({len(a)} bytes, {changed} files changed; {out})")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
