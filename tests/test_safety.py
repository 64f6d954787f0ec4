"""Safe on any checkout: each test is an attack or an accident, played for real.

Real FIFOs and symbolic links, an edit made by another thread while the tool works, a run killed
by a signal whose workers are then looked for in /proc, a cache forged the way an attacker would
and committed to a repository, an unprivileged user (a forked child that drops root). What each
test proves is named in the README's Safety section.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import libcst as cst
import pytest

from codemods import config, runner
from codemods.config import Settings
from codemods.registry import Codemod, Context
from codemods.runner import files, limits, per_file, store
from tests.test_runner import _cache_data, _store_cache

VIEW = "from django.http import HttpResponse\n\n\nasync def index(request):\n    return HttpResponse('x')\n"
REWRITTEN = VIEW.replace("async def", "def")
SELECT = {"select": ("async-views-to-sync",)}
EXE = str(Path(sys.executable).with_name("dj-asyncify"))
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
HAS_GIT = shutil.which("git") is not None


@pytest.fixture(autouse=True)
def _own_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test has a user key of its own, and the cache folder is where the settings say."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("DJ_ASYNCIFY_CACHE_DIR", raising=False)


def _env(home: Path) -> dict[str, str]:
    """The environment of a user whose cache key lives under ``home``."""
    env = {k: v for k, v in os.environ.items() if k != "DJ_ASYNCIFY_CACHE_DIR"}
    env["XDG_CACHE_HOME"] = str(home)
    return env


def _cli(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([EXE, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def _project(tmp_path: Path, **files_: str) -> Path:
    proj = tmp_path / "proj"
    proj.mkdir(exist_ok=True)
    for name, text in (files_ or {"views.py": VIEW}).items():
        (proj / name).parent.mkdir(parents=True, exist_ok=True)
        (proj / name).write_text(text)
    return proj


def _temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


# --------------------------------------------------------------------------- lost updates
def _edit_meanwhile(monkeypatch: pytest.MonkeyPatch, path: Path, extra: bytes) -> list[Path]:
    """Through the writer's hook: right before its last check, another thread appends to the
    file (an editor saving it). Returns the paths the writer was about to replace."""
    seen: list[Path] = []

    def hook(target: Path) -> None:
        def edit() -> None:
            with open(path, "ab") as fh:
                fh.write(extra)

        worker = threading.Thread(target=edit)
        worker.start()
        worker.join()
        seen.append(target)

    monkeypatch.setattr(files, "_before_final_check", hook)
    return seen


@pytest.mark.parametrize("cached", [False, True], ids=["fresh", "from-cache"])
def test_an_edit_made_while_the_tool_works_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cached: bool):
    proj = _project(tmp_path)
    views = proj / "views.py"
    settings = Settings(jobs=1, cache_dir=tmp_path / "cache" if cached else None, **SELECT)
    monkeypatch.chdir(proj)
    if cached:  # the new bytes come from the cache, written by apply after the same check
        assert len(runner.run([Path(".")], settings, "check").changed) == 1
    seen = _edit_meanwhile(monkeypatch, views, b"# saved by the user\n")
    result = runner.run([Path(".")], settings, "apply")
    assert seen == [views.resolve()]
    assert views.read_text() == VIEW + "# saved by the user\n"
    [res] = result.files
    assert res.format_error() == "views.py: error: changed while processing; file left unchanged"
    assert not result.changed and result.counts_by_codemod("fixed") == {}  # not counted as a rewrite
    assert result.cached == int(cached)
    assert _temp_files(proj) == []


def test_an_edit_made_while_the_tool_works_exits_2(tmp_path: Path):
    proj = _project(tmp_path)
    script = (
        "import sys\nfrom codemods import cli\nfrom codemods.runner import files\n"
        "def edit(target):\n    with open(target, 'a') as fh:\n        fh.write('# saved\\n')\n"
        "files._before_final_check = edit\ncli.main(['apply', '--no-cache', '.'])\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=proj, capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 2, out.stderr
    assert "views.py: error: changed while processing; file left unchanged" in out.stderr
    assert (proj / "views.py").read_text() == VIEW + "# saved\n"


# --------------------------------------------------------------------------- writes outside the tree
def test_a_link_out_of_the_given_paths_is_never_followed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    victim = outside / "victim.py"
    victim.write_text(VIEW)
    proj = _project(tmp_path, **{"app/views.py": VIEW})
    (proj / "app" / "link.py").symlink_to(victim)
    (proj / "app" / "alias.py").symlink_to(proj / "app" / "views.py")  # one file, two names: done once
    monkeypatch.chdir(proj)
    result = runner.run([Path(".")], Settings(jobs=1, **SELECT), "apply")
    by_path = {f.path: f for f in result.files}
    assert sorted(by_path) == [os.path.join("app", "link.py"), os.path.join("app", "views.py")]
    link = by_path[os.path.join("app", "link.py")]
    assert link.skipped == "symbolic link to a file outside the given paths" and link.error is None
    assert link.format_skipped() == f"{os.path.join('app', 'link.py')}: skipped: symbolic link to a file outside the given paths"
    assert by_path[os.path.join("app", "views.py")].changed and (proj / "app" / "views.py").read_text() == REWRITTEN
    assert victim.read_text() == VIEW
    # The writer refuses on its own too (a link swapped in after the files were found).
    with pytest.raises(files.WriteRefused, match="outside the given paths"):
        runner.atomic_write(proj / "app" / "link.py", b"x = 1\n", inside=[str(proj)])
    assert victim.read_text() == VIEW

    out = _cli("apply", "--report", "json", ".", cwd=proj)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["summary"]["skipped"] == 1 and report["summary"]["failed"] == 0
    assert [f["skipped"] for f in report["files"] if "skipped" in f] == ["symbolic link to a file outside the given paths"]
    assert victim.read_text() == VIEW


# --------------------------------------------------------------------------- forged caches
EVIL = b"print('written by whoever committed the cache')\n"


def _git(*args: str, cwd: Path) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@example.org",
           "GIT_COMMITTER_NAME": "a", "GIT_COMMITTER_EMAIL": "a@example.org"}
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


@pytest.mark.skipif(not HAS_GIT, reason="needs git")
def test_a_forged_cache_committed_to_the_repository_is_not_trusted(tmp_path: Path):
    # The attacker expects the victim to clone into this path (cache entries are keyed by path).
    shop = tmp_path / "work" / "shop"
    attacker, victim = tmp_path / "attacker-home", tmp_path / "victim-home"
    secret = tmp_path / "victim-files" / "secret.py"
    secret.parent.mkdir()
    secret.write_text(VIEW)
    shop.mkdir(parents=True)
    (shop / "views.py").write_text(VIEW)
    (shop / "other.py").symlink_to(secret)  # a symbolic link the forged cache has an entry for
    # The attacker runs the tool, then puts code of their own in the cached new bytes of views.py
    # and gives the link the same entry, sealed with their own key (the best they can do).
    assert _cli("apply", "--check", ".", cwd=shop, env=_env(attacker)).returncode == 1
    [cache_file] = (shop / ".dj-asyncify-cache").glob("*.json")
    data = _cache_data(cache_file)
    entry = data["entries"][str(shop / "views.py")]
    entry["result"]["new"] = runner.cache._pack(EVIL)
    data["entries"][str(shop / "other.py")] = entry
    key = (attacker / "dj-asyncify" / "key").read_bytes()
    cache_file.write_bytes(store.seal(key, cache_file.name, json.dumps(data).encode()))
    _git("init", "-q", ".", cwd=shop)
    _git("add", "-A", ".", cwd=shop)
    _git("add", "-f", ".dj-asyncify-cache", cwd=shop)
    _git("commit", "-q", "-m", "x", cwd=shop)
    bare = tmp_path / "origin.git"
    _git("clone", "-q", "--bare", str(shop), str(bare), cwd=tmp_path)
    shutil.rmtree(shop)
    _git("clone", "-q", str(bare), str(shop), cwd=tmp_path)
    assert (shop / ".dj-asyncify-cache" / cache_file.name).exists()

    # Control: under the attacker's key the tool would show the payload; only the key stands between.
    shown = _cli("apply", "--diff", ".", cwd=shop, env=_env(attacker))
    assert "written by whoever committed the cache" in shown.stdout
    _git("checkout", "-q", "--", ".", cwd=shop)  # the committed cache again (that run re-saved it)

    out = _cli("apply", ".", cwd=shop, env=_env(victim))
    assert out.returncode == 0, out.stderr
    assert (shop / "views.py").read_text() == REWRITTEN
    assert secret.read_text() == VIEW
    assert "from cache" not in out.stderr


def _checked_cache(tmp_path: Path) -> tuple[Path, Settings, Path, dict[str, Any]]:
    """A project, its settings with a cache, and the cache file after a ``check`` run."""
    proj = _project(tmp_path)
    settings = Settings(jobs=1, cache_dir=tmp_path / "cache", **SELECT)
    assert len(runner.run([proj], settings, "check").changed) == 1
    [cache_file] = (tmp_path / "cache").glob("*.json")
    return proj, settings, cache_file, _cache_data(cache_file)


@pytest.mark.parametrize("new", [b"def broken(:\n", b"x = '\xff'\n"], ids=["does-not-compile", "does-not-decode"])
def test_cached_new_bytes_get_the_checks_fresh_ones_get(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, new: bytes):
    # Sealed with the user's own key: as if the tool had made them, and badly.
    proj, settings, cache_file, data = _checked_cache(tmp_path)
    data["entries"][str(proj / "views.py")]["result"]["new"] = runner.cache._pack(new)
    for mode in ("diff", "apply"):
        _store_cache(cache_file, data)
        result = runner.run([proj], settings, mode)
        assert result.cached == 0 and len(result.changed) == 1
    assert (proj / "views.py").read_text() == REWRITTEN


def test_links_planted_in_the_cache_folder_are_not_followed(tmp_path: Path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    proj = _project(tmp_path)
    cache = proj / ".dj-asyncify-cache"
    cache.mkdir()
    settings = Settings(jobs=1, cache_dir=cache, **SELECT)
    name = runner._Cache(cache, settings).file.name
    (cache / ".gitignore").symlink_to(outside / "gitignore")
    (cache / name).symlink_to(outside / "cache.json")
    # the temporary name earlier versions used: the cache file's name with the pid
    (cache / Path(name).with_suffix(f".{os.getpid()}.tmp").name).symlink_to(outside / "tmp")
    runner.run([proj], settings, "check")
    assert list(outside.iterdir()) == []
    assert (cache / ".gitignore").is_symlink()  # left as it was
    assert (cache / name).is_file() and not (cache / name).is_symlink()  # a file of its own now
    assert runner.run([proj], settings, "check").cached == 1


def test_a_cache_folder_that_is_a_link_is_not_used(tmp_path: Path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    proj = _project(tmp_path)
    (proj / ".dj-asyncify-cache").symlink_to(outside)
    settings = Settings(jobs=1, cache_dir=proj / ".dj-asyncify-cache", **SELECT)
    for _ in range(2):
        assert runner.run([proj], settings, "check").cached == 0
    assert list(outside.iterdir()) == []


def test_the_cache_and_the_key_are_private(tmp_path: Path):
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o755)  # as an earlier version left it
    cache.chmod(0o755)
    proj = _project(tmp_path)
    (proj / "views.py").chmod(0o600)  # the rewritten text of a private file is in the cache
    old = os.umask(0o022)
    try:
        runner.run([proj], Settings(jobs=1, cache_dir=cache, **SELECT), "check")
    finally:
        os.umask(old)
    key_folder = tmp_path / "xdg" / "dj-asyncify"
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert stat.S_IMODE(key_folder.stat().st_mode) == 0o700
    made = [*cache.iterdir(), key_folder / "key"]
    assert {p.name for p in made} >= {".gitignore", "key"} and len(made) == 3
    for path in made:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


READS_SCRIPT = """
import resource, sys
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
from codemods import runner
from codemods.config import Settings
settings = Settings(jobs=1, cache_dir=Path(sys.argv[2]), root=Path(sys.argv[1]), select=("async-views-to-sync",))
print(runner.run([Path(sys.argv[1])], settings, "check").cached)
"""


@pytest.mark.parametrize(
    "where", ["/dev/zero", "{proj}/fifo.py", "{tmp}/outside.py", "{proj}/../outside.py", "relative.py"]
)
def test_recorded_reads_are_checked_only_inside_the_project(tmp_path: Path, where: str):
    """A cached result records the files the codemods read, which the next run checks. One naming
    a device, a FIFO, a file outside the project (even one that is unchanged) or a relative path
    makes the result a miss, and is never read (a read of /dev/zero would exhaust the memory)."""
    proj, _, cache_file, data = _checked_cache(tmp_path)
    os.mkfifo(proj / "fifo.py")
    for plain in (tmp_path / "outside.py", proj / "relative.py"):
        plain.write_text("x = 1\n")
    digest = hashlib.blake2b(b"x = 1\n", digest_size=16).hexdigest()  # as recorded: unchanged
    data["entries"][str(proj / "views.py")]["result"]["reads"] = {"f:" + where.format(proj=proj, tmp=tmp_path): digest}
    _store_cache(cache_file, data)
    out = subprocess.run(
        [sys.executable, "-c", READS_SCRIPT, str(proj), str(tmp_path / "cache")],
        cwd=proj, capture_output=True, text=True, timeout=60, check=False, env=_env(tmp_path / "xdg"),
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "0"


DAMAGE: dict[str, Callable[[dict[str, Any], str], None]] = {
    "entries-a-list": lambda d, k: d.__setitem__("entries", []),
    "written-a-string": lambda d, k: d.__setitem__("written", "soon"),
    "entry-a-number": lambda d, k: d["entries"].__setitem__(k, 5),
    "hash-a-number": lambda d, k: d["entries"][k].__setitem__("hash", 12),
    "stat-a-string": lambda d, k: d["entries"][k].__setitem__("stat", "x"),
    "facts-a-number": lambda d, k: d["entries"][k]["scan"].__setitem__("facts", 3),
    "facts-unknown": lambda d, k: d["entries"][k]["scan"]["facts"].__setitem__("nonsense", 1),
    "candidates-numbers": lambda d, k: d["entries"][k]["scan"].__setitem__("candidates", [1]),
    "scan-error-short": lambda d, k: d["entries"][k]["scan"].__setitem__("error", []),
    "diagnostics-short": lambda d, k: d["entries"][k]["result"].__setitem__("diagnostics", [[1]]),
    "reads-numbers": lambda d, k: d["entries"][k]["result"].__setitem__("reads", {"f:/x": 3}),
    "new-a-number": lambda d, k: d["entries"][k]["result"].__setitem__("new", 7),
    "result-a-list": lambda d, k: d["entries"][k].__setitem__("result", []),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_cache_entry_of_the_wrong_shape_is_a_miss(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str):
    proj, settings, cache_file, data = _checked_cache(tmp_path)
    monkeypatch.setattr(runner._Cache, "MARGIN_NS", 0)  # the stat is trusted: the entry is all there is
    fresh = [f.to_json() for f in runner.run([proj], Settings(jobs=1, **SELECT), "check").files]
    DAMAGE[damage](data, str(proj / "views.py"))
    _store_cache(cache_file, data)
    result = runner.run([proj], settings, "check")
    assert [f.to_json() for f in result.files] == fresh and result.cached == 0


@pytest.mark.parametrize("blob", [b"", b"not sealed", "cut"], ids=["empty", "no-seal", "cut-short"])
def test_a_damaged_cache_file_is_a_miss(tmp_path: Path, blob: Any):
    proj, settings, cache_file, _ = _checked_cache(tmp_path)
    whole = cache_file.read_bytes()
    cache_file.write_bytes(whole[: len(whole) // 2] if blob == "cut" else blob)
    assert runner.run([proj], settings, "check").cached == 0


# --------------------------------------------------------------------------- what is read
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifos_and_devices_are_skipped_and_never_read(tmp_path: Path):
    proj = _project(tmp_path)
    os.mkfifo(proj / "x.py")
    os.mkfifo(proj / "pipe")
    (proj / "y.py").symlink_to("/dev/zero")  # leads out of the project
    (proj / "z.py").symlink_to(proj / "pipe")  # a FIFO reached through a link
    out = _cli("apply", "--report", "json", ".", cwd=proj, timeout=60)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    skipped = {f["path"]: f["skipped"] for f in report["files"] if "skipped" in f}
    assert skipped == {
        "x.py": "not a regular file (a named pipe)",
        "y.py": "symbolic link to a file outside the given paths",
        "z.py": "not a regular file (a named pipe)",
    }
    assert (proj / "views.py").read_text() == REWRITTEN
    named = _cli("apply", "--report", "json", "y.py", cwd=proj, timeout=60)  # named: the user's choice
    assert named.returncode == 0, named.stderr
    assert json.loads(named.stdout)["files"][0]["skipped"] == "not a regular file (a character device)"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_among_the_dependency_files_does_not_hang_the_run(tmp_path: Path):
    proj = _project(tmp_path)
    os.mkfifo(proj / "requirements.txt")
    try:
        out = _cli("apply", ".", cwd=proj, timeout=20)
    except subprocess.TimeoutExpired:
        pytest.fail("the run hung on the FIFO")
    assert out.returncode == 0, out.stderr
    # the same for the settings module a codemod reads, and for pyproject.toml itself
    from codemods.project import read_text

    with pytest.raises(OSError, match="not a regular file"):
        read_text(proj / "requirements.txt")


def test_files_over_the_size_limit_are_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    big = VIEW + "#" * 3000 + "\n"
    proj = _project(tmp_path, **{"views.py": VIEW, "big_views.py": big})
    monkeypatch.chdir(proj)
    cache = Settings(jobs=1, cache_dir=tmp_path / "cache", **SELECT)
    assert len(runner.run([Path(".")], cache, "check").changed) == 2  # the cache now knows big_views.py
    monkeypatch.setattr(runner._Cache, "MARGIN_NS", 0)  # its stat would be trusted
    limited = Settings(jobs=1, cache_dir=tmp_path / "cache", max_file_size=2000, **SELECT)
    result = runner.run([Path(".")], limited, "apply")
    by_path = {f.path: f for f in result.files}
    assert by_path["big_views.py"].skipped == f"larger than max-file-size ({len(big)} > 2000 bytes)"
    assert not by_path["big_views.py"].error and (proj / "big_views.py").read_text() == big
    assert by_path["views.py"].changed and (proj / "views.py").read_text() == REWRITTEN
    assert Settings().max_file_size == config.DEFAULT_MAX_FILE_SIZE == 2 * 1024 * 1024


@pytest.mark.parametrize("value", ["2MB", -1, True, 1.5])
def test_max_file_size_must_be_a_whole_number_of_bytes(value: Any):
    with pytest.raises(config.ConfigError, match="max-file-size must be a whole number of bytes"):
        config.check_table({"max-file-size": value}, "pyproject.toml")
    config.check_table({"max-file-size": 0}, "pyproject.toml")  # no limit


# --------------------------------------------------------------------------- per-file limits
@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("terms", [3000, 10000])  # 10,000 levels crash LibCST's native parser
def test_a_deeply_nested_file_is_its_own_error(tmp_path: Path, jobs: str, terms: int):
    deep = VIEW + "\nx = " + " + ".join(["a"] * terms) + "\n"
    proj = _project(tmp_path, **{"views.py": VIEW, "deep.py": deep})
    message = "deep.py: error: too deeply nested to process (more than 1000 levels); file left unchanged"
    alone = _cli("apply", "--no-cache", "-j", jobs, "deep.py", cwd=proj)
    both = _cli("apply", "--no-cache", "-j", jobs, "deep.py", "views.py", cwd=proj)
    for out in (alone, both):
        assert out.returncode == 2 and message in out.stderr, out.stderr
        assert "Traceback" not in out.stderr
    assert (proj / "deep.py").read_text() == deep and (proj / "views.py").read_text() == REWRITTEN


class Recurses(Codemod):
    """Test codemod: recurses without end on a file that mentions ``foo``."""

    name = "recurses"
    summary = "test"

    def precheck(self, source: str) -> bool:
        return "foo" in source

    def transform(self, module: cst.Module, ctx: Context) -> cst.Module:
        def down(n: int) -> int:
            return down(n + 1) + 1

        down(0)
        return module


class Spins(Recurses):
    """Test codemod: never ends on a file that mentions ``spin``; renames ``foo`` otherwise."""

    name = "spins"

    def transform(self, module: cst.Module, ctx: Context) -> cst.Module:
        while "spin" in module.code:
            pass
        return module.with_changes(body=[*module.body, cst.parse_statement("bar = 1\n")])


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_recursion_limit_is_a_file_error_whatever_the_jobs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int):
    for i in range(3):
        (tmp_path / f"m{i}.py").write_text(f"foo = {i}\n")
    (tmp_path / "plain.py").write_text("x = 1\n")
    monkeypatch.setattr(per_file, "selected_codemods", lambda settings: [Recurses()])
    result = runner.run([tmp_path], Settings(jobs=jobs), "apply")
    errors = {Path(f.path).name: f.error for f in result.files}
    assert errors == {"m0.py": limits.RECURSION, "m1.py": limits.RECURSION, "m2.py": limits.RECURSION, "plain.py": None}
    assert sys.getrecursionlimit() < limits.RECURSION_LIMIT  # put back


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs interval timers")
@pytest.mark.parametrize("jobs", [1, 2])
def test_the_time_limit_is_a_file_error_whatever_the_jobs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int):
    if signal.getsignal(signal.SIGALRM) != signal.SIG_DFL:
        pytest.skip("the timer signal is in use in this process")
    for i in range(3):
        (tmp_path / f"m{i}.py").write_text(f"foo = {i}\n")
    (tmp_path / "m1.py").write_text("foo = 'spin'\n")
    monkeypatch.setattr(per_file, "selected_codemods", lambda settings: [Spins()])
    monkeypatch.setattr(limits, "TIME_LIMIT_S", 0.5)
    started = time.monotonic()
    result = runner.run([tmp_path], Settings(jobs=jobs), "apply")
    assert time.monotonic() - started < 30
    errors = {Path(f.path).name: f.error for f in result.files}
    assert errors == {"m0.py": None, "m1.py": limits.too_slow(), "m2.py": None}
    assert limits.too_slow() == "took more than 0.5 s to process (the per-file time limit); file left unchanged"
    assert (tmp_path / "m0.py").read_text() == "foo = 0\nbar = 1\n" and (tmp_path / "m1.py").read_text() == "foo = 'spin'\n"
    assert signal.getsignal(signal.SIGALRM) == signal.SIG_DFL


# --------------------------------------------------------------------------- interrupts
SLOW_RUN = """
import os, sys, time
from pathlib import Path
from codemods import cli
from codemods.registry import Codemod
from codemods.runner import per_file

marks = Path(sys.argv[1])

class Slow(Codemod):
    name = "slow"
    summary = "test: takes its time"
    def precheck(self, source):
        return "foo" in source
    def transform(self, module, ctx):
        (marks / f"busy-{os.getpid()}").touch()
        time.sleep(60)
        return module

per_file.selected_codemods = lambda settings: [Slow()]
cli.main(["apply", "--no-cache", "-j", "2", "."])
"""

WRITING_RUN = """
import sys, time
from pathlib import Path
import libcst as cst
from codemods import cli
from codemods.registry import Codemod
from codemods.runner import files, per_file

marks = Path(sys.argv[1])

class Adds(Codemod):
    name = "adds"
    summary = "test: adds a line"
    def precheck(self, source):
        return "foo" in source
    def transform(self, module, ctx):
        return module.with_changes(body=[*module.body, cst.parse_statement("bar = 1\\n")])

def slow_write(target):
    (marks / "writing").write_text(str(target))
    time.sleep(3)

per_file.selected_codemods = lambda settings: [Adds()]
files._before_final_check = slow_write
cli.main(["apply", "--no-cache", "-j", "2", "."])
"""


def _wait_for(test: Callable[[], Any], timeout: float = 60) -> Any:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        found = test()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("timed out")


def _alive(pid: int) -> bool:
    """Whether the process exists and is not a zombie."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z"


# A suite started in the background of a non-interactive shell inherits SIGINT ignored, and the run
# rightly leaves an ignored signal alone: these tests are of the default disposition, so the script
# starts with Python's own.
_DEFAULT_SIGINT = "import signal\nsignal.signal(signal.SIGINT, signal.default_int_handler)\n"


def _start(script: str, proj: Path, marks: Path) -> subprocess.Popen[str]:
    argv = [sys.executable, "-c", _DEFAULT_SIGINT + script, str(marks)]
    return subprocess.Popen(argv, cwd=proj, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _busy_workers(marks: Path) -> Iterator[int]:
    return (int(p.name.split("-")[1]) for p in marks.glob("busy-*"))


needs_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")


@needs_proc
@pytest.mark.parametrize(
    "signum, code", [(signal.SIGTERM, 143), (getattr(signal, "SIGHUP", signal.SIGTERM), 129), (signal.SIGINT, 130)],
    ids=["SIGTERM", "SIGHUP", "SIGINT"],
)
def test_a_signal_stops_the_workers_and_leaves_every_file_whole(tmp_path: Path, signum: int, code: int):
    proj = _project(tmp_path, **{f"m{i}.py": f"foo = {i}\n" for i in range(4)})
    marks = tmp_path / "marks"
    marks.mkdir()
    proc = _start(SLOW_RUN, proj, marks)
    workers = _wait_for(lambda: len(list(_busy_workers(marks))) >= 2 and list(_busy_workers(marks)))
    assert all(_alive(pid) for pid in workers)
    proc.send_signal(signum)  # to the main process only, as `kill PID` does: the workers get nothing
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert "Traceback" not in err
    _wait_for(lambda: not any(_alive(pid) for pid in workers), timeout=10)
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)  # reaped, not zombies
    assert _temp_files(proj) == []
    for i in range(4):
        assert (proj / f"m{i}.py").read_text() == f"foo = {i}\n"


@needs_proc
def test_a_signal_during_a_write_waits_for_the_write(tmp_path: Path):
    proj = _project(tmp_path, **{f"m{i}.py": f"foo = {i}\n" for i in range(3)})
    marks = tmp_path / "marks"
    marks.mkdir()
    proc = _start(WRITING_RUN, proj, marks)
    # The pool's threads are alive while the first results are written: the kernel may hand the
    # signal to any of them.
    writing = Path(_wait_for(lambda: (marks / "writing").exists() and (marks / "writing").read_text()))
    assert _temp_files(proj), "the temporary file of the write exists"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert _temp_files(proj) == []
    assert writing.read_text().endswith("bar = 1\n")  # the write under way was completed
    for i in range(3):
        assert (proj / f"m{i}.py").read_text() in (f"foo = {i}\n", f"foo = {i}\nbar = 1\n")


@needs_proc
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_workers_die_with_a_parent_killed_outright(tmp_path: Path):
    proj = _project(tmp_path, **{f"m{i}.py": f"foo = {i}\n" for i in range(4)})
    marks = tmp_path / "marks"
    marks.mkdir()
    proc = _start(SLOW_RUN, proj, marks)
    workers = _wait_for(lambda: len(list(_busy_workers(marks))) >= 2 and list(_busy_workers(marks)))
    proc.kill()
    proc.communicate(timeout=60)
    _wait_for(lambda: not any(_alive(pid) for pid in workers), timeout=10)


# --------------------------------------------------------------------------- ownership
@pytest.mark.skipif(not IS_ROOT, reason="needs root: only root can give a file to another user")
def test_a_rewrite_by_root_keeps_the_owner_group_and_mode(tmp_path: Path):
    proj = _project(tmp_path)
    views = proj / "views.py"
    os.chown(views, 1000, 1001)
    views.chmod(0o640)
    result = runner.run([proj], Settings(jobs=1, **SELECT), "apply")
    assert len(result.changed) == 1 and views.read_text() == REWRITTEN
    st = views.stat()
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (1000, 1001, 0o640)


NOBODY = 65534


def _as_nobody(func: Callable[[], Any]) -> Any:
    """``func()`` in a forked child that has dropped root for uid/gid 65534; its JSON result."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 0
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            os.write(write_end, json.dumps(func()).encode())
        except BaseException as exc:  # noqa: BLE001
            os.write(write_end, json.dumps({"crash": repr(exc)}).encode())
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as fh:
        data = fh.read()
    os.waitpid(pid, 0)
    return json.loads(data)


@pytest.mark.skipif(not IS_ROOT or not hasattr(os, "fork"), reason="needs root (to switch to an unprivileged user) and fork")
def test_an_unprivileged_run_replaces_only_files_its_user_may_write(tmp_path: Path):
    top = Path(tempfile.mkdtemp(prefix="dj-asyncify-nobody-"))  # pytest's folders are root's alone
    try:
        top.chmod(0o755)
        proj = top / "proj"
        proj.mkdir()
        os.chown(proj, NOBODY, NOBODY)
        modes = {"mine_views.py": (NOBODY, 0o644), "readonly_views.py": (NOBODY, 0o444), "roots_views.py": (0, 0o644), "shared_views.py": (0, 0o666)}
        for name, (owner, mode) in modes.items():
            (proj / name).write_text(VIEW)
            os.chown(proj / name, owner, owner)
            (proj / name).chmod(mode)

        def run() -> Any:
            result = runner.run([proj], Settings(jobs=1, **SELECT), "apply")
            return {
                "errors": {Path(f.path).name: f.error for f in result.files},
                "fixed": result.counts_by_codemod("fixed"),
            }

        out = _as_nobody(run)
        assert out.get("crash") is None, out
        assert out["errors"] == {
            "mine_views.py": None,
            "readonly_views.py": "cannot write: permission denied; file left unchanged",
            "roots_views.py": "cannot write: permission denied; file left unchanged",
            "shared_views.py": "cannot write: the file belongs to another user (uid 0); replacing it would make it yours;"
            " file left unchanged",
        }
        assert out["fixed"] == {"async-views-to-sync": 1}  # the refused writes are not counted
        assert (proj / "mine_views.py").read_text() == REWRITTEN
        for name, (owner, mode) in modes.items():
            st = (proj / name).stat()
            assert (st.st_uid, stat.S_IMODE(st.st_mode)) == (owner, mode), name
            if name != "mine_views.py":
                assert (proj / name).read_text() == VIEW, name
        assert _temp_files(proj) == []
    finally:
        shutil.rmtree(top)


@pytest.mark.skipif(IS_ROOT, reason="root may write any file; the unprivileged test covers this")
def test_a_read_only_file_is_not_replaced(tmp_path: Path):
    proj = _project(tmp_path)
    (proj / "views.py").chmod(0o444)
    [res] = runner.run([proj], Settings(jobs=1, **SELECT), "apply").files
    assert res.error == "cannot write: permission denied; file left unchanged" and not res.changed
    assert (proj / "views.py").read_text() == VIEW


# --------------------------------------------------------------------------- git
@pytest.mark.skipif(not HAS_GIT, reason="needs git")
def test_the_scanned_repository_cannot_make_git_run_a_program(tmp_path: Path):
    proj = _project(tmp_path)
    _git("init", "-q", ".", cwd=proj)
    (proj / ".gitignore").write_text("generated/\n")
    ran = tmp_path / "ran"
    program = tmp_path / "program.sh"
    program.write_text(f"#!/bin/sh\necho \"$0 $*\" >> {ran}\nexit 1\n")
    program.chmod(0o755)
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    for hook in ("post-checkout", "pre-commit", "post-index-change"):
        (hooks / hook).symlink_to(program)
    _git("config", "core.fsmonitor", str(program), cwd=proj)
    _git("config", "core.hooksPath", str(hooks), cwd=proj)
    found, errors = runner.discover([proj], Settings())
    assert [p.name for p in found] == ["views.py"] and errors == []
    assert not ran.exists()
    # Control: git itself, as the tool used to run it, does run the program.
    subprocess.run(["git", "check-ignore", "--stdin", "-z"], input=b"views.py\0", cwd=proj, capture_output=True, check=False)
    assert ran.exists()


# --------------------------------------------------------------------------- line endings
HTTP_VIEW = "import requests\n\n\nasync def f(u):\n    return requests.get(u).json()\n"
HTTP = {"select": ("requests-to-httpx",)}


def _lines_and_endings(data: bytes) -> list[bytes]:
    import re

    return re.findall(rb"\r\n|\r|\n", data)


def _rewritten(tmp_path: Path, source: bytes, name: str = "views.py") -> bytes:
    """What ``apply`` makes of a file holding ``source`` (project root: its folder)."""
    folder = tmp_path / f"run{len(list(tmp_path.glob('run*')))}"
    folder.mkdir()
    (folder / name).write_bytes(source)
    runner.run([folder], Settings(jobs=1, root=folder, **HTTP), "apply")
    return (folder / name).read_bytes()


def test_a_cr_only_file_keeps_cr_on_every_line(tmp_path: Path):
    lf = _rewritten(tmp_path, HTTP_VIEW.encode())
    assert lf != HTTP_VIEW.encode()
    cr = _rewritten(tmp_path, HTTP_VIEW.replace("\n", "\r").encode())
    assert cr.endswith(b"\r") and b"\n" not in cr
    assert cr.replace(b"\r", b"\n") == lf
    plain = b"import requests\r\rx = 1\r"  # the pre-check hits, nothing to change: left as it is
    assert _rewritten(tmp_path, plain) == plain


def test_lines_written_into_a_mixed_file_take_its_most_common_ending(tmp_path: Path):
    # first line LF, most lines CR LF: every line the codemod writes ends in CR LF
    source = b"import requests\n\r\n\r\nasync def f(u):\r\n    x = 1\n    return requests.get(u).json()\r\n"
    data = _rewritten(tmp_path, source)
    assert b"_HTTPX_SSL_CONTEXT = httpx.create_ssl_context()\r\n" in data
    assert b"    x = 1\n" in data  # a line the codemod did not write keeps its own ending
    assert _lines_and_endings(data).count(b"\n") == 1
    assert data.replace(b"\r\n", b"\n") == _rewritten(tmp_path, source.replace(b"\r\n", b"\n"))


def test_a_file_missing_outside_the_project_keeps_a_result_cached(tmp_path: Path):
    """The searches for a project root and for imported modules ask about files in the folders
    above the project; a result that found them missing stays usable (else every run would redo
    it), and a file appearing there since is read like any (a regular file, bounded) and differs."""
    from codemods.runner.cache import reads_safe

    roots = [str(tmp_path / "proj")]
    outside = tmp_path / "pyproject.toml"
    assert reads_safe({"e:" + str(outside): "0", "f:" + str(tmp_path / "apps.py"): "-"}, roots, 0)
    assert not reads_safe({"f:" + str(tmp_path / "apps.py"): "0123abcd"}, roots, 0)
    assert not reads_safe({"g:*.py:" + str(tmp_path): "0123abcd"}, roots, 0)
