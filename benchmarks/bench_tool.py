"""Tool speed, side by side in one run: dj-asyncify vs a one-process LibCST parse-only pass.

Usage: python benchmarks/bench_tool.py [--quick] [--jobs N] [--corpus django|tests|both] [--sdists DIR] [CORPUS_DIR]
       (default: both corpora; --quick: a 120-file slice of each, for a smoke run;
       --one-file: the one-file figures only; a CORPUS_DIR argument: that folder instead of both)

The corpora:
- ``django``: the installed django package (a library: few files reach a rewrite attempt);
- ``tests``: a test-heavy corpus, the source distributions of ``TEST_HEAVY`` with their test
  suites (pinned versions). The script fetches them once into ``--sdists`` (default
  ``~/.cache/dj-asyncify-bench/sdists``, or $DJ_ASYNCIFY_BENCH_SDISTS) with
  ``pip download --no-binary :all: --no-deps --dest DIR NAME==VERSION`` and unpacks them there; they
  are never committed. The same command by hand, then ``--sdists DIR``, works offline after.

Prints, for each corpus (its .py files copied to a temporary folder, outside any git repository):
- files, MB, and the parse-only floor: ``libcst.parse_module`` over every file in one process;
- ``dj-asyncify apply --check`` cold (``--no-cache``) with ``-j1`` and ``-jN`` (N = CPU count):
  seconds, ratio to the floor, files/s, MB/s, peak RSS of the largest single process, CPU seconds
  (user + system, workers included) and their ratio to the floor's (steadier than wall time on a
  shared machine), and the runner's own phase times (DJ_ASYNCIFY_TIMINGS) for the -jN run;
- the cached re-run of the unchanged tree (after a run that fills the cache): seconds and ratio;
- growth with corpus size (Django's corpus; ``--growth`` for every corpus): -jN cold over 1x, 2x
  and 4x copies of the corpus;
- the targets of issue 17 next to the figures (printed, never asserted);
then, once, the one-file latency (what pre-commit pays per commit): ``apply --check`` of one file
that no codemod applies to, and of one file with a rewrite, beside ``python -c pass`` and
``python -c "import click"`` as floors (median of 7 runs each, cache off), and whether the first
imported libcst.

Every figure is one run in fresh processes. The machine may be shared: the floor is measured in
the same run so that ratios stay comparable; read absolute seconds with the load average printed.
Bytecode: an installed package has its .pyc files (pip compiles them); an editable checkout run
with PYTHONDONTWRITEBYTECODE would recompile dj-asyncify's modules in every process. So the runs
here write bytecode to a temporary PYTHONPYCACHEPREFIX, after one warm-up run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
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


# The test-heavy corpus: Django-related projects whose sdists ship their test suites (818 files).
TEST_HEAVY = (
    ("sentry-sdk", "2.75.0"),
    ("django-silk", "5.6.0"),
    ("social-auth-app-django", "8.0.0"),
    ("django-otp", "1.7.5"),
    ("django-simple-history", "3.13.0"),
)
# Issue 17's targets (ratios to the parse-only floor; MB a process; seconds).
TARGET_COLD = {"django": 0.15, "tests": 0.3}
TARGET_CACHED = 0.05
TARGET_PEAK_MB = 200
TARGET_ONE_NONE_S, TARGET_ONE_NONE_X, TARGET_ONE_REWRITE_S = 0.25, 2.5, 0.8


def fetch_test_heavy(sdists: Path) -> Path:
    """The unpacked sdists of ``TEST_HEAVY`` below ``sdists/src`` (downloaded and unpacked once)."""
    src = sdists / "src"
    for name, version in TEST_HEAVY:
        stem = f"{name.replace('-', '_')}-{version}"
        if (src / stem).is_dir():
            continue
        archive = sdists / f"{stem}.tar.gz"
        if not archive.exists():
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-binary", ":all:", "--no-deps",
                 "--dest", str(sdists), f"{name}=={version}"],
                check=True, stdout=subprocess.DEVNULL,
            )
        src.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archive) as tar:
            tar.extractall(src, filter="data")
    return src


def met(value: float, target: float, unit: str = "x") -> str:
    return f"target <= {target:g}{unit}: {'met' if value <= target else 'NOT met'}"


@dataclass
class Timed:
    seconds: float
    peak_mb: float  # largest resident set of any one process of the run
    code: int
    stderr: str
    cpu: float = 0.0  # user + system seconds of the run and its worker processes (load-proof-er)


def timed(cmd: list[str], env: dict[str, str]) -> Timed:
    """Run ``cmd``; wall time, and peak RSS of the largest process (it or a worker it waited for)."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read().decode(errors="replace")
    return Timed(seconds, usage.ru_maxrss / 1024, proc.returncode, text, usage.ru_utime + usage.ru_stime)


def copy_corpus(source: Path, dest: Path, limit: int | None = None) -> tuple[int, int]:
    """Copy the .py files of ``source`` below ``dest``; returns (files, bytes)."""
    files = sorted(source.rglob("*.py"))[:limit]
    size = 0
    for f in files:
        target = dest / f.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, target)
        size += target.stat().st_size
    return len(files), size


floor_cpu = [1.0]  # CPU seconds of the current corpus's parse-only floor (set by bench_corpus)


def row(label: str, t: Timed, floor: float, files: int, size: int) -> str:
    return (
        f"{label:<34} {t.seconds:7.2f} s  {t.seconds / floor:6.3f}x floor  {files / t.seconds:7.0f} files/s  "
        f"{size / 1e6 / t.seconds:6.2f} MB/s  peak {t.peak_mb:5.0f} MB/process  cpu {t.cpu:6.2f} s "
        f"({t.cpu / floor_cpu[0]:5.3f}x)  (exit {t.code})"
    )


def phases(stderr: str) -> str:
    parts = [line.removeprefix("[timing] ") for line in stderr.splitlines() if line.startswith("[timing] ")]
    return "; ".join(parts)


ONE_FILE_NONE = "import os\n\n\ndef total(items):\n    return sum(i.price for i in items)\n"
ONE_FILE_REWRITE = (
    "from shop.models import Product\n\n\n"
    "async def product(request, pk):\n    item = await Product.objects.aget(pk=pk)\n    return item\n"
)


def one_file_latency(exe: str, root: Path, env: dict[str, str], runs: int = 7) -> None:
    """Median wall time of a one-file run against the interpreter floors."""
    folder = root / "one"
    (folder / "shop").mkdir(parents=True)
    (folder / "pyproject.toml").write_text("[project]\nname = 'one'\n")
    none_file, rewrite_file = folder / "shop" / "utils.py", folder / "shop" / "views.py"
    none_file.write_text(ONE_FILE_NONE)
    rewrite_file.write_text(ONE_FILE_REWRITE)
    quiet = {k: v for k, v in env.items() if k != "DJ_ASYNCIFY_TIMINGS"}

    def median(cmd: list[str]) -> float:
        times = sorted(timed(cmd, quiet).seconds for _ in range(runs))
        return times[len(times) // 2]

    floor = median([sys.executable, "-c", "pass"])
    click_floor = median([sys.executable, "-c", "import click"])
    print(f"one-file latency (median of {runs}; cache off):")
    print(f"  {'python -c pass':<46} {floor:6.3f} s")
    click_label = 'python -c "import click"'
    print(f"  {click_label:<46} {click_floor:6.3f} s")
    for label, path in (("apply --check, a file no codemod applies to", none_file),
                        ("apply --check, a file with one rewrite", rewrite_file)):
        t = median([exe, "apply", "--check", "-q", "--no-cache", str(path)])
        if path == none_file:
            target = f"{met(t, TARGET_ONE_NONE_S, ' s')}; {met(t / click_floor, TARGET_ONE_NONE_X)}"
        else:
            target = met(t, TARGET_ONE_REWRITE_S, " s")
        print(f"  {label:<46} {t:6.3f} s  {t / click_floor:5.2f}x the click floor  ({target})")
    probe = (
        "import sys; from codemods import cli\n"
        "try:\n    cli.main(['apply', '--check', '-q', '--no-cache', sys.argv[1]])\n"
        "except SystemExit:\n    pass\n"
        "print('libcst imported' if 'libcst' in sys.modules else 'libcst not imported')"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, str(none_file)], env=quiet, capture_output=True, text=True, check=False
    )
    print(f"  the no-codemod run: {out.stdout.strip() or out.stderr.strip()[-200:]}")


def bench_corpus(
    label: str, source: Path, root: Path, exe: str, env: dict[str, str], n: int, limit: int | None, growth: bool
) -> None:
    """Every figure of one corpus (see the module docstring)."""
    corpus = root / label / "x1" / "copy0"
    files, size = copy_corpus(source, corpus, limit)
    print(f"\n== corpus {label}: {source}{' (quick slice)' if limit else ''}: {files} files, {size / 1e6:.2f} MB")
    print(f"load average {os.getloadavg()[0]:.2f} at start")

    floor_run = timed([sys.executable, "-c", PARSE_ONLY, str(corpus)], env)
    floor = floor_run.seconds
    floor_cpu[0] = floor_run.cpu or 1.0
    print(
        f"{'libcst parse-only, 1 process':<34} {floor:7.2f} s  {1:6.3f}x floor  {files / floor:7.0f} files/s  "
        f"{size / 1e6 / floor:6.2f} MB/s  peak {floor_run.peak_mb:5.0f} MB/process  cpu {floor_run.cpu:6.2f} s"
    )
    check = [exe, "apply", "--check", "-q"]
    j1 = timed([*check, "-j1", "--no-cache", str(corpus)], env)
    print(row("apply --check -j1 cold", j1, floor, files, size))
    jn = timed([*check, f"-j{n}", "--no-cache", str(corpus)], env)
    print(row(f"apply --check -j{n} cold", jn, floor, files, size))
    print(f"  phases of the -j{n} cold run: {phases(jn.stderr)}")
    fill = timed([*check, f"-j{n}", str(corpus)], env)
    print(row(f"apply --check -j{n} (fills cache)", fill, floor, files, size))
    again = timed([*check, f"-j{n}", str(corpus)], env)
    print(row(f"apply --check -j{n} cached re-run", again, floor, files, size))
    print(f"cached re-run: {again.seconds / floor:.3f}x the parse-only floor, {again.seconds / jn.seconds:.3f}x the cold -j{n} run")
    peak = max(j1.peak_mb, jn.peak_mb, fill.peak_mb, again.peak_mb)
    target = TARGET_COLD.get(label)
    if target is not None:
        print(
            f"targets: cold -j{n} {jn.seconds / floor:.3f}x ({met(jn.seconds / floor, target)}); "
            f"cached {again.seconds / floor:.3f}x ({met(again.seconds / floor, TARGET_CACHED)}); "
            f"peak {peak:.0f} MB a process ({met(peak, TARGET_PEAK_MB, ' MB')})"
        )

    if not growth:
        return
    print(f"growth, -j{n} cold (the corpus copied 1x/2x/4x):")
    base = None
    for k in (1, 2) if limit else (1, 2, 4):
        folder = root / label / f"x{k}"
        for c in range(k):
            if not (folder / f"copy{c}").exists():
                copy_corpus(source, folder / f"copy{c}", limit)
        t = timed([*check, f"-j{n}", "--no-cache", str(folder)], env)
        base = base or t.seconds
        print(
            f"  {k}x: {k * files:6d} files  {t.seconds:7.2f} s  {t.seconds / base:5.2f}x the 1x time  "
            f"{k * files / t.seconds:7.0f} files/s  peak {t.peak_mb:5.0f} MB/process"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus_dir", nargs="?", type=Path, help="a folder of Python files instead of the corpora")
    parser.add_argument("--corpus", choices=("django", "tests", "both"), default="both", help="which corpora (default both)")
    parser.add_argument("--sdists", type=Path, help="where the test-heavy sdists are kept (see the docstring)")
    parser.add_argument("--quick", action="store_true", help="a 120-file slice of each corpus, 1x/2x growth only")
    parser.add_argument("--growth", action="store_true", help="growth figures for every corpus, not only Django's")
    parser.add_argument("--one-file", action="store_true", help="only the one-file latency figures")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="N for -jN (default: CPU count)")
    args = parser.parse_args()
    corpora: list[tuple[str, Path]] = []
    if args.corpus_dir is not None:
        corpora.append((args.corpus_dir.name or "corpus", args.corpus_dir))
    elif not args.one_file:
        if args.corpus in ("django", "both"):
            import django

            corpora.append(("django", Path(django.__file__).parent))
        if args.corpus in ("tests", "both"):
            default = os.environ.get("DJ_ASYNCIFY_BENCH_SDISTS") or Path.home() / ".cache" / "dj-asyncify-bench" / "sdists"
            corpora.append(("tests", fetch_test_heavy(Path(args.sdists or default))))
    exe = str(Path(sys.executable).with_name("dj-asyncify"))
    if not Path(exe).exists():
        exe = shutil.which("dj-asyncify") or exe
    n = args.jobs
    limit = 120 if args.quick else None

    with tempfile.TemporaryDirectory(prefix="dj-asyncify-bench-") as tmp:
        root = Path(tmp)
        cache = root / "cache"
        env = {**os.environ, "DJ_ASYNCIFY_CACHE_DIR": str(cache), "DJ_ASYNCIFY_TIMINGS": "1"}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(root / "pycache")
        warm = root / "warm"
        warm.mkdir()
        (warm / "views.py").write_text("async def index(request):\n    return 1\n")
        timed([exe, "apply", "--check", "-q", "--no-cache", str(warm)], env)  # compiles the bytecode
        print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start")
        for label, source in corpora:
            bench_corpus(label, source, root, exe, env, n, limit, args.growth or label == "django")
        print()
        one_file_latency(exe, root, env)
        print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
