"""Tool speed, side by side in one run: dj-asyncify vs a one-process LibCST parse-only pass.

Usage: python benchmarks/bench_tool.py [CORPUS_DIR]   (default: the installed django package)

Prints: the parse-only floor; `dj-asyncify apply --check -j1`, `-j2` cold (no cache) and the
cached re-run of the unchanged tree, each as seconds and as a ratio to the floor; peak memory.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PARSE_ONLY = """
import sys, libcst
from pathlib import Path
for p in sorted(Path(sys.argv[1]).rglob("*.py")):
    try:
        libcst.parse_module(p.read_text(encoding="utf-8"))
    except Exception:
        pass
"""


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> None:
    if len(sys.argv) > 1:
        corpus = Path(sys.argv[1])
    else:
        import django

        corpus = Path(django.__file__).parent
    files = list(corpus.rglob("*.py"))
    size = sum(f.stat().st_size for f in files)
    exe = str(Path(sys.executable).with_name("dj-asyncify"))
    print(f"corpus: {corpus} ({len(files)} files, {size / 1e6:.1f} MB)")
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "DJ_ASYNCIFY_CACHE_DIR": cache}
        floor = timed([sys.executable, "-c", PARSE_ONLY, str(corpus)], env)
        print(f"libcst parse-only, 1 process: {floor:.2f} s ({len(files) / floor:.0f} files/s)")
        rows = [
            ("apply --check -j1 --no-cache", [exe, "apply", "--check", "-j1", "--no-cache", str(corpus)]),
            ("apply --check -j2 --no-cache", [exe, "apply", "--check", "-j2", "--no-cache", str(corpus)]),
            ("apply --check -j2 (fills cache)", [exe, "apply", "--check", "-j2", str(corpus)]),
            ("apply --check -j2 (cached re-run)", [exe, "apply", "--check", "-j2", str(corpus)]),
        ]
        for label, cmd in rows:
            t = timed(cmd, env)
            print(f"{label:<36} {t:6.2f} s  {t / floor:5.3f}x parse-only  {size / 1e6 / t:6.1f} MB/s")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory of any child process: {peak:.0f} MB")


if __name__ == "__main__":
    main()
