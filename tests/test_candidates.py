"""The structural candidate tests (codemods/candidates.py) must be sound.

Corpus: every string literal of the test-suite that is a Python module (the before/after and
refusal samples of every codemod's tests), and every file of the bundled example. Each codemod
runs on each sample *without* any pre-filter (real LibCST, as the harness runs it); wherever it
rewrites or reports anything, its structural test must have said True. A False there would make
the runner skip a file the codemod had work in.
"""

from __future__ import annotations

import ast
import textwrap
import warnings
from pathlib import Path

import pytest

from codemods import candidates, runner
from codemods.config import Settings
from codemods.project import ProjectIndex, file_facts
from codemods.registry import all_codemods

ROOT = Path(__file__).resolve().parent.parent


def _parses(text: str) -> ast.Module | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except (SyntaxError, ValueError):
        return None


def _test_files() -> list[Path]:
    # Every test module, in subfolders too (moving tests into folders must not shrink the corpus).
    return sorted(p for p in (ROOT / "tests").rglob("test_*.py") if "fixtures" not in p.parts)


def _samples() -> list[tuple[str, str]]:
    found: dict[str, str] = {}
    for test_file in _test_files():
        tree = _parses(test_file.read_text(encoding="utf-8"))
        for node in ast.walk(tree) if tree else ():
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and "def " in node.value:
                text = textwrap.dedent(node.value)
                if _parses(text) is not None:
                    found.setdefault(text, f"{test_file.name}:{node.lineno}")
    for example in sorted((ROOT / "examples").rglob("*.py")):
        text = example.read_text(encoding="utf-8")
        if _parses(text) is not None:
            found.setdefault(text, str(example.relative_to(ROOT)))
    return [(where, text) for text, where in found.items()]


SAMPLES = _samples()


def test_corpus_is_not_trivial():
    # 582 samples from 9 test modules when the tests were reorganised; far fewer means the glob
    # lost test files.
    assert len(SAMPLES) > 550, len(SAMPLES)
    assert len(_test_files()) >= 9
    assert any("await" in text for _, text in SAMPLES) and any("requests" in text for _, text in SAMPLES)


@pytest.mark.parametrize("codemod", [cm.name for cm in all_codemods()])
def test_structural_test_is_true_wherever_the_codemod_acts(codemod: str):
    cm = next(c for c in all_codemods() if c.name == codemod)
    facts = [file_facts(text) for _, text in SAMPLES]
    # Project facts from all samples: their test base classes count (and a view awaited by any
    # sample is refused, which is acting too).
    project = ProjectIndex.build(facts)
    settings = Settings(select=(codemod,))
    acted = 0
    for where, text in SAMPLES:
        said = candidates.structural([codemod], _parses(text)) == [codemod]
        # A views path, so that the path rule of async-views-to-sync never hides a view.
        out = runner.transform_source(text, "app/views.py", settings, project, codemods=[cm])
        if out.error and out.error.startswith("internal error"):
            continue  # a codemod bug on this sample; not this test's business
        if out.source != text or out.diagnostics:
            acted += 1
            assert said, f"{codemod} acts on the sample at {where} but its structural test said no:\n{text}"
    assert acted, f"no sample exercises {codemod}"


def test_structural_tests_reject_what_is_clearly_out_of_reach():
    def names(src: str) -> list[str]:
        return candidates.structural([cm.name for cm in all_codemods()], ast.parse(textwrap.dedent(src)))

    # requests imported, but no async def: only sync-views-to-async looks (a view with one call
    # gets its note); a function that is no view (no request parameter) is out of its reach too.
    assert names(
        """
        import requests

        def sync_view(request):
            return requests.get("http://x")
        """
    ) == ["sync-views-to-async"]
    assert names(
        """
        import requests

        def fetch(url):
            return requests.get(url)
        """
    ) == []
    # A single await per block; no view, no test.
    assert names(
        """
        async def helper(x):
            y = await x
            if y:
                await z()
        """
    ) == []
    # Async methods that are neither view handlers nor module-level views.
    assert names(
        """
        class Cache:
            async def aget(self, request):
                return await self.x()
        """
    ) == []
    # pytest tests of another library's client (sentry-sdk's test suite is mostly these): no
    # client/admin_client fixture, no Client from django.test, no test case base.
    other_client = """
        from anthropic import Anthropic

        def test_messages(sentry_init, capture_events):
            client = Anthropic(api_key="k")
            client.messages.create(model="m")

        class TestStreaming:
            def test_stream(self, sentry_init):
                client = Anthropic(api_key="k")
                client.messages.stream(model="m")
        """
    assert names(other_client) == []
    # ... but Django's Client imported, a client fixture, or a class with a base still count.
    assert names("from django.test import Client\n" + textwrap.dedent(other_client)) == ["async-test-client"]
    assert names(other_client.replace("sentry_init, capture", "client, capture")) == ["async-test-client"]
    assert names(other_client.replace("class TestStreaming:", "class TestStreaming(Base):")) == [
        "async-test-client"
    ]
    assert names(
        """
        import requests

        async def view(request):
            a = await f()
            b = (await g()).json()

        def test_x(client):
            client.get("/")
        """
    ) == ["requests-to-httpx", "gather-awaits", "async-views-to-sync", "async-test-client"]


def test_unknown_codemods_are_always_candidates():
    assert candidates.structural(["no-such-codemod"], ast.parse("x = 1\n")) == ["no-such-codemod"]


def _reference_facts(source: str) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """What project facts are, computed the plain way: every statement and node of ``ast.walk``."""
    from codemods.project import _wants

    tree = _parses(source)
    if tree is None or not any(_wants(source)):
        return [], []
    every = list(ast.walk(tree))
    facts = file_facts(source, tree, [n for n in every if isinstance(n, ast.stmt)], every)
    return facts.awaited, sorted(facts.classes)


def test_fast_facts_and_statements_equal_a_full_walk():
    import django

    texts = [text for _, text in SAMPLES]
    texts += [p.read_text(encoding="utf-8") for p in sorted(Path(django.__file__).parent.glob("test/*.py"))]
    texts += [p.read_text(encoding="utf-8") for p in sorted(Path(django.__file__).parent.glob("core/handlers/*.py"))]
    with_facts = 0
    for text in texts:
        facts = file_facts(text)
        assert (facts.awaited, sorted(facts.classes)) == _reference_facts(text)
        with_facts += bool(facts.awaited or facts.classes)
        tree = _parses(text)
        assert {id(s) for s in candidates.statements(tree)} == {
            id(n) for n in ast.walk(tree) if isinstance(n, ast.stmt)
        }
        assert {id(n) for n in candidates.walk(tree)} == {
            id(n) for n in ast.walk(tree) if not isinstance(n, ast.expr_context)
        }
    assert with_facts > 20


def test_filtered_pipeline_equals_running_every_codemod():
    """The runner's pipeline (text pre-checks, structural tests, re-checks after a rewrite) gives
    exactly what running every codemod on every sample gives, diagnostics included."""
    settings = Settings()
    chain = runner.selected_codemods(settings)
    project = ProjectIndex.build(file_facts(text) for _, text in SAMPLES)
    rechecked = 0
    for where, text in SAMPLES:
        full = runner.transform_source(text, "app/views.py", settings, project, codemods=chain)
        if full.error:
            continue
        fast = runner.transform_source(text, "app/views.py", settings, project)
        assert (fast.source, fast.diagnostics) == (full.source, full.diagnostics), where
        rechecked += fast.source != text
    assert rechecked


def test_a_rewrite_can_make_a_later_codemod_due():
    # No await in the original (gather-awaits' structural test says no); requests-to-httpx adds two.
    source = textwrap.dedent(
        """
        import requests

        async def view(request):
            a = requests.get("http://a.example/").json()
            b = requests.get("http://b.example/").json()
            print(a["x"], b["y"])
        """
    )
    settings = Settings(select=("requests-to-httpx", "gather-awaits"))
    assert candidates.structural(["gather-awaits"], ast.parse(source)) == []
    fast = runner.transform_source(source, "svc.py", settings)
    chain = runner.transform_source(source, "svc.py", settings, codemods=runner.selected_codemods(settings))
    assert fast.error is None and chain.error is None
    assert (fast.source, fast.diagnostics) == (chain.source, chain.diagnostics)
    if "await" in chain.source:  # requests-to-httpx rewrote the calls: gather-awaits had its say
        assert any(d.codemod == "gather-awaits" for d in chain.diagnostics) or "gather(" in chain.source


def test_gather_awaits_field_walk_finds_the_awaits_a_visitor_finds():
    """``gather_awaits.syntax.has_await`` reads node fields instead of visiting (for speed): over
    every statement and expression of the samples, it says what a LibCST visitor says."""
    import libcst as cst

    from codemods.rules.gather_awaits.syntax import has_await

    class Visitor(cst.CSTVisitor):
        def __init__(self) -> None:
            self.found = False

        def visit_Await(self, node: cst.Await) -> None:
            self.found = True

    class Collect(cst.CSTVisitor):
        def __init__(self) -> None:
            self.nodes: list[cst.CSTNode] = []

        def on_visit(self, node: cst.CSTNode) -> bool:
            if isinstance(node, (cst.BaseStatement, cst.BaseExpression, cst.BaseSuite, cst.Module)):
                self.nodes.append(node)
            return True

    checked = awaiting = 0
    for _, text in SAMPLES:
        if "await" not in text:
            continue
        collect = Collect()
        cst.parse_module(text).visit(collect)
        for node in collect.nodes:
            visitor = Visitor()
            node.visit(visitor)
            assert has_await(node) == visitor.found, cst.Module([]).code_for_node(node)
            checked += 1
            awaiting += visitor.found
    assert checked > 10_000 and awaiting > 1_000, (checked, awaiting)


def test_import_statements_walk_finds_what_a_visitor_finds():
    """``analysis.names.import_statements`` walks statements by their fields (for speed): over the
    samples and Django's package it returns the imports a visitor of every statement line finds,
    in the same order."""
    import django
    import libcst as cst

    from codemods.analysis.names import import_statements

    class Visitor(cst.CSTVisitor):
        def __init__(self) -> None:
            self.nodes: list[cst.CSTNode] = []

        def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
            self.nodes.extend(s for s in node.body if isinstance(s, (cst.Import, cst.ImportFrom)))
            return False

    texts = [text for _, text in SAMPLES]
    texts += [p.read_text(encoding="utf-8") for p in sorted(Path(django.__file__).parent.glob("db/models/*.py"))]
    found = 0
    for text in texts:
        module = cst.parse_module(text)
        visitor = Visitor()
        module.visit(visitor)
        assert [id(n) for n in import_statements(module)] == [id(n) for n in visitor.nodes], text
        found += len(visitor.nodes)
    assert found > 1000, found
