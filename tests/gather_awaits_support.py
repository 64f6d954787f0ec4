"""Helpers and constants shared by the tests/test_gather_awaits_*.py files (no tests here)."""

import asyncio
import contextlib
import sys
import textwrap
import threading
from http.server import ThreadingHTTPServer

import pytest

from tests import harness
from tests.harness import rewrite as rewrite_as_is
from tests.upstream import _Handler as _UpstreamHandler

# Most tests here check the shape of a rewrite, or a refusal, with callees the module neither
# defines nor imports (``fetch_user(uid)``, ``client.get(u)`` on an unknown ``client``). Under the
# effect-free policy such a call keeps its order unless the user declares it free of ordering
# effects, so these tests declare every call, as a user may (``effect-free = ["*"]``): what the
# analysis proves (writes, shared objects, data dependencies...) still decides. The tests of the
# policy itself (``test_effect_free_*``) use the ``*_as_is`` functions: nothing declared.
DECLARE_ALL = {"effect-free": ["*"]}


def _declared(kwargs):
    options = kwargs.pop("options", None) or {}
    return {**kwargs, "options": {**DECLARE_ALL, **options}}


def check_transformed(codemod, before, after, **kwargs):
    return harness.check_transformed(codemod, before, after, levels=("refused", "note"), **_declared(kwargs))


def check_noop(codemod, source, reason, **kwargs):
    # A reason is reported as a warning or a note by its kind (pinned per kind in
    # tests/test_true_reasons.py): either counts here.
    return harness.check_noop(codemod, source, reason, levels=("refused", "note"), **_declared(kwargs))


def rewrite(codemod, source, **kwargs):
    return rewrite_as_is(codemod, source, **_declared(kwargs))


check_transformed_as_is = harness.check_transformed


def check_noop_as_is(codemod, source, reason, **kwargs):
    return harness.check_noop(codemod, source, reason, levels=("refused", "note"), **kwargs)


def _notes(outcome):
    """The messages of the notes (shown with -v only) of an outcome."""
    return [d.message for d in outcome.diagnostics if d.kind == "note"]


# Running code that uses asyncio.TaskGroup needs Python 3.11+ (emitting it does not).
needs_taskgroup = pytest.mark.skipif(sys.version_info < (3, 11), reason="asyncio.TaskGroup needs Python 3.11+")


STYLES_RUN = ["gather", pytest.param("taskgroup", marks=needs_taskgroup)]


CM = "gather-awaits"


@pytest.fixture(autouse=True)
def _outside_any_project(tmp_path, monkeypatch):
    """Run with a working folder that no pyproject.toml sits above: the relative paths these tests
    hand to the codemod ("example.py") would otherwise name a file of this repository, whose
    requires-python (>=3.10) makes the taskgroup style refuse every run."""
    monkeypatch.chdir(tmp_path)


# The events are named, not passed: an object handed to an unknown callee and used by another
# call of the run is shared state, which keeps the calls apart.
CONCURRENCY_SRC = """\
async def both():
    a = await waiter("first", "second")
    b = await waiter("second", "first")
    return a, b
"""


def _run(src):
    ns = {}
    events = {}

    async def waiter(mine, other):
        events[other].set()
        await events[mine].wait()
        return "ok"

    ns["waiter"] = waiter
    exec(compile(src, "<src>", "exec"), ns)  # noqa: S102 - runs the rewritten code

    async def main():
        events.update(first=asyncio.Event(), second=asyncio.Event())
        return await asyncio.wait_for(ns["both"](), 2)

    return asyncio.run(main())


# --------------------------------------------------------------------------- real HTTP, end to end
class _StatefulHandler(_UpstreamHandler):
    """The upstream endpoints plus two with state, for one server per test:

    - ``/meet/<name>``: waits until ``server.parties`` requests are inside at once (a barrier),
      answers ``{"name", "met": true}``; after ``server.wait`` seconds alone, ``"met": false``.
      Two requests can only meet if the client has both in flight at the same time.
    - ``/counter``: POST increments after the next GET has been answered (or ``server.wait``
      seconds); GET answers the value. Sequential POST-then-GET reads 1; concurrent reads 0.
    """

    def _handle(self) -> None:
        srv = self.server
        head = self.path.split("?")[0].strip("/").split("/")
        if head[0] == "meet":
            try:
                srv.barrier.wait(timeout=srv.wait)
                met = True
            except threading.BrokenBarrierError:
                met = False
            self._send(200, {"name": head[1], "met": met})
        elif head[0] == "counter" and self.command == "POST":
            srv.got_get.wait(timeout=srv.wait)
            with srv.lock:
                srv.count += 1
            self._send(200, {"count": srv.count})
        elif head[0] == "counter":
            with srv.lock:
                value = srv.count
            self._send(200, {"count": value})
            srv.got_get.set()
        else:
            super()._handle()

    do_GET = do_POST = do_HEAD = _handle


@contextlib.contextmanager
def _stateful_server(wait: float, parties: int = 2):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StatefulHandler)
    server.daemon_threads = True
    server.wait = wait
    server.barrier = threading.Barrier(parties)
    server.lock = threading.Lock()
    server.count = 0
    server.got_get = threading.Event()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _call(src: str, name: str, *args):
    ns: dict = {}
    exec(compile(textwrap.dedent(src), "<view>", "exec"), ns)  # noqa: S102 - runs the code under test
    return asyncio.run(ns[name](*args))


# --------------------------------------------------------------------------- refusals, justified
# Each test runs a refused original and the same code gathered by hand: the result changes, so
# gathering it would have been a bug. The codemod is checked to leave the original alone.
def _both(original: str, gathered: str, name: str = "view", *args):
    return _call(original, name, *args), _call(gathered, name, *args)


# --------------------------------------------------------------------------- callees of other project modules
SERVICES_MUTATING = """\
import asyncio


async def fill(cart, item="x"):
    await asyncio.sleep(0)
    cart.append(item)
    return len(cart)


async def size(cart):
    return len(cart)
"""


SERVICES_READING = SERVICES_MUTATING.replace("    cart.append(item)\n    return len(cart)\n", "    return len(cart) + 1\n")


def _shop(root, services: str = SERVICES_MUTATING, pyproject: str | None = None, package: str = "shop"):
    """A small project: ``<package>/services.py`` next to the views being rewritten."""
    (root / package).mkdir(parents=True, exist_ok=True)
    (root / "manage.py").write_text("")
    (root / package / "__init__.py").write_text("")
    (root / package / "services.py").write_text(services)
    if pyproject is not None:
        (root / "pyproject.toml").write_text(pyproject)
    return str(root / package / "views.py")


VIEWS = """\
from shop.services import fill, size


async def view():
    cart = []
    a = await fill(cart)
    b = await size(cart)
    return a, b
"""
