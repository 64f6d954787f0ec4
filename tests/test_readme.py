"""The README's snippets work as written: its pre-commit configuration, run by real pre-commit."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
VIEW = "import requests\n\n\nasync def rates(request):\n    return requests.get('https://example.com/').json()\n"


def _readme_block(section: str, lang: str) -> str:
    text = (HERE / "README.md").read_text()
    body = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    found = re.search(rf"```{lang}\n(.*?)```", body, re.DOTALL)
    assert found, f"no {lang} block under ## {section}"
    return found.group(1)


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, env=env, timeout=60, check=False)


def test_the_readme_pre_commit_config_runs_the_tool(tmp_path: Path):
    pre_commit = Path(sys.executable).with_name("pre-commit")
    assert pre_commit.exists(), "pre-commit is a test dependency: pip install '.[test]'"
    root = tmp_path / "proj"
    root.mkdir()
    assert _git(root, "init", "-q").returncode == 0
    (root / ".pre-commit-config.yaml").write_text(_readme_block("pre-commit", "yaml"))
    (root / "views.py").write_text(VIEW)
    _git(root, "add", ".")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "home"),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "DJ_ASYNCIFY_CACHE_DIR": ""}
    run = subprocess.run([str(pre_commit), "run", "--all-files"], cwd=root, capture_output=True, text=True,
                         env=env, timeout=300, check=False)
    output = run.stdout + run.stderr
    assert run.returncode == 1 and "files were modified by this hook" in output, output
    after = (root / "views.py").read_text()
    assert "await client.get('https://example.com/'" in after and "import httpx" in after, after
    again = subprocess.run([str(pre_commit), "run", "--all-files"], cwd=root, capture_output=True, text=True,
                           env=env, timeout=300, check=False)
    assert again.returncode == 0, again.stdout + again.stderr
