"""pytest-django tests: ``test_*`` functions and plain ``Test*`` classes taking the client fixture."""

from __future__ import annotations

import ast
import os

import libcst as cst

from codemods.analysis import dotted_name, has_skip_comment
from codemods.analysis.names import all_names
from codemods.analysis.orm import is_model_qual
from codemods.knowledge.testing import (
    ASYNC_TEST_PLUGINS,
    CLIENT_CLASSES,
    NO_ASYNC_FIXTURES,
    PLAIN_FIXTURES,
    PYTEST_DJANGO_FIXTURES,
)
from codemods.problems import Problem
from codemods.project import test_dependencies, test_setup, urlconf
from codemods.rules.async_test_client.client_setup import ClientSetup
from codemods.rules.async_test_client.common import code, is_true, left_alone
from codemods.rules.async_test_client.env import Env
from codemods.rules.async_test_client.models import Kind, Model
from codemods.rules.async_test_client.pytest_module import (
    Mark,
    async_marks,
    decorator_marks,
    parametrized,
    pytestmark,
)
from codemods.rules.async_test_client.scan import Scan
from codemods.rules.async_test_client.views import commit_hook_view


class PytestTests(ClientSetup):
    """The pytest-django side of a module (``leave_Module``): a module-level ``test_*`` function,
    or a method of a plain ``Test*`` class (no bases), that takes pytest-django's ``client``
    fixture or builds ``Client()`` becomes an async test taking ``async_client``, with the async
    marker and ``django_db(transaction=True)`` where it may touch the database. Which fixtures
    are model instances, and whether ``client`` is pytest-django's at all, is decided here."""

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        body = []
        changed = False
        for orig, new in zip(original_node.body, updated_node.body):
            repl = new
            if isinstance(orig, cst.FunctionDef) and orig.name.value.startswith("test"):
                repl = self._pytest_fn(orig, None, [])
            elif (
                isinstance(orig, cst.ClassDef)
                and orig.name.value.startswith("Test")
                # plain classes only: a unittest.TestCase (or unknown) base would never await the test
                and all(dotted_name(b.value) == "object" and not b.keyword for b in orig.bases)
                and isinstance(orig.body, cst.IndentedBlock)
                and not has_skip_comment(orig)
            ):
                repl = self._pytest_class(orig)
            changed = changed or repl is not orig and repl is not new
            body.append(repl)
        if not changed:
            return updated_node
        return updated_node.with_changes(body=body)

    def _pytest_class(self, cls: cst.ClassDef) -> cst.ClassDef:
        assert isinstance(cls.body, cst.IndentedBlock)
        marks = [*decorator_marks(cls.decorators, self.imports), *pytestmark(cls.body.body, self.imports)]
        self_attrs = self._self_attrs(cls)
        body = []
        changed = False
        for st in cls.body.body:
            if isinstance(st, cst.FunctionDef) and st.name.value.startswith("test"):
                repl = self._pytest_fn(st, self_attrs, marks)
                changed = changed or repl is not st
                body.append(repl)
            else:
                body.append(st)
        return cls.with_changes(body=cls.body.with_changes(body=body)) if changed else cls

    def _pytest_fn(
        self, fn: cst.FunctionDef, self_attrs: dict[str, Kind] | None, outer_marks: list[Mark]
    ) -> cst.FunctionDef:
        in_class = self_attrs is not None
        params = list(fn.params.params)
        if fn.asynchronous is not None or has_skip_comment(fn) or (in_class and not params):
            return fn
        names = [p.name.value for p in params]
        fixtures = names[1:] if in_class else names
        client_classes = [n for n, q in self.imports.names.items() if q in CLIENT_CLASSES]
        uses_client, body_code = False, ""
        if "client" in fixtures or client_classes:  # else no code to look at (generating it costs)
            body_code = cst.Module(body=[]).code_for_node(fn.body)
            uses_client = ("client" in fixtures and "client." in body_code) or any(
                n + "(" in body_code for n in client_classes
            )
        if not uses_client:
            if "admin_client" in fixtures:
                self.ctx.refuse(
                    fn, Problem("admin-client", "not made async: the admin_client fixture has no async twin")
                )
            return fn
        fn_marks = decorator_marks(fn.decorators, self.imports)
        if "client" in fixtures and not self._is_pytest_django_client(fixtures, [*fn_marks, *outer_marks]):
            return fn  # not (visibly) pytest-django's client: another plugin's, not a Django test
        problems: list[Problem] = []
        client_param = next((p for p in params[1 if in_class else 0:] if p.name.value == "client"), None)
        if client_param is not None and client_param.annotation is not None:
            ann = client_param.annotation.annotation
            if self.imports.qualify(ann) not in CLIENT_CLASSES:
                problems.append(
                    Problem("client-annotation", f"the client fixture is annotated {code(ann)}, not django.test.Client")
                )
            else:
                problems.append(
                    Problem(
                        "client-annotation",
                        f"the client fixture is annotated {code(ann)}, which async_client is not",
                    )
                )
        if fn.params.star_arg is not cst.MaybeSentinel.DEFAULT or fn.params.star_kwarg or fn.params.kwonly_params:
            problems.append(Problem("parameters", "the test takes */** or keyword-only parameters"))
        if "client" in fixtures:
            overridden = self._client_fixture_overridden()
            if overridden:
                problems.append(
                    Problem("client-fixture", f"{overridden} defines its own client/async_client fixture")
                )
        if "client" in fixtures:
            sharing = self._client_sharing_fixture(fixtures)
            if sharing:
                problems.append(
                    Problem(
                        "client-fixture",
                        f"fixture {sharing} uses the client fixture: what it does to it (a login, cookies) "
                        "would not reach async_client",
                    )
                )
        for bad in ("admin_client", "async_client", *NO_ASYNC_FIXTURES):
            if bad in fixtures:
                problems.append(
                    Problem("fixture", f"the {bad} fixture cannot be used from an async test as it is")
                )
        if "async_client" in body_code and "async_client" in all_names(fn.body):  # the text first: cheap
            problems.append(Problem("name-taken", "the name async_client is already used in the test"))
        pytest_local = self.imports.locals_for("pytest")
        if "pytest" in self.imports.names and "pytest" not in pytest_local:
            problems.append(Problem("name-taken", "the name pytest is bound to something else in this module"))
        for d in fn.decorators:
            if not any(m.decorator is d for m in fn_marks) and not self._async_safe_decorator(d):
                problems.append(
                    Problem(
                        "decorator",
                        f"decorator @{code(d.decorator)} is not a pytest mark (it may not support async tests)",
                    )
                )
        known: dict[str, Kind] = {}
        opaque = set()
        plain = parametrized([*fn_marks, *outer_marks, *self.module_marks])
        for f in fixtures:
            if f in plain:
                continue
            if f in self.fixtures:
                known[f] = self.fixtures[f]
            elif f == "django_user_model":
                if self._default_user_model():
                    known[f] = ("model", self.models.contrib_user())
                else:
                    known[f] = ("model", Model("django_user_model.Model", frozenset({"pk", "id"}), None))
            elif f == "admin_user" and self._default_user_model():
                known[f] = ("inst", self.models.contrib_user())
            elif f not in PLAIN_FIXTURES:
                opaque.add(f)
        self_name = names[0] if in_class else None
        env = Env(
            self.models, self_name, self_attrs or {}, set(),
            client_name="client" if "client" in fixtures else "",
            opaque=frozenset(opaque),
        )
        env.bind(fn.body, names, known)
        env.find_clients()
        env.find_sessions()
        scan = Scan(env, self.ctx.target_django)
        fn.body.visit(scan)
        if scan.client_calls == 0:
            return fn
        views = self._views(fn, scan)
        if views is not None and views[0]:
            self.ctx.note(fn, views[1])  # a test of a sync view: it keeps the sync client
            return fn
        if views is not None:
            # it cannot reach only known async views: that alone keeps it sync, whatever else it does
            for problem in left_alone("not made async", [views[1]]):
                self.ctx.refuse(fn, problem)
            return fn
        if scan.bare:
            scan.problems.append(Problem("client-bare", "the client is used other than through a supported call"))
        self._async_class_check(scan)
        marker = str(self.ctx.option("async-marker") or "").strip()
        if marker.lower() == "auto":
            marker, plugin_problem = self._async_marker()
            if plugin_problem is not None:
                problems.append(plugin_problem)
        decorators, why, pending_import = async_marks(
            fn, marker, fn_marks, outer_marks, self.module_marks, [f for f in fixtures if f not in plain],
            extra=self._flush_keywords(),
        )
        if why:
            problems.append(why)
        problems += scan.problems
        if scan.logins:
            login = self._login_problem()
            if login:
                problems.append(login)
        if not problems and not self._was_transactional([*fn_marks, *outer_marks, *self.module_marks], fixtures):
            if self.urls is None:
                self.urls = urlconf.UrlConf(self.ctx.path)
            hook = commit_hook_view(scan.requests, self.imports, env.shadowed, self.urls)
            if hook:
                problems.append(
                    Problem(
                        "commit-hook",
                        f"it requests {hook}, whose module calls transaction.on_commit: the converted test's views "
                        "commit on another thread's connection, so those callbacks would run (under "
                        "django_db they never did)",
                    )
                )
        if problems:
            for problem in left_alone("not made async", problems):
                self.ctx.refuse(fn, problem)
            return fn
        new_body = self._rewritten(fn, env, scan)
        new_params = [
            p.with_changes(name=cst.Name("async_client")) if p.name.value == "client" and (i or not in_class) else p
            for i, p in enumerate(params)
        ]
        self.needs_pytest_import = self.needs_pytest_import or pending_import
        self.ctx.fixed(fn, "test now uses the async_client fixture")
        return fn.with_changes(
            body=new_body,
            asynchronous=cst.Asynchronous(),
            params=fn.params.with_changes(params=new_params),
            decorators=decorators,
        )

    def _async_marker(self) -> tuple[str, Problem | None]:
        """The mark option ``async-marker = "auto"`` stands for: ``pytest.mark.asyncio`` when the
        project's dependency files declare pytest-asyncio (none under ``asyncio_mode = auto``),
        else ``pytest.mark.anyio`` when they declare anyio; otherwise why not (pytest cannot run
        the async test)."""
        if self._plugins is None:
            self._plugins = test_dependencies.async_test_plugins(test_setup.folder_of(self.ctx.path))
        plugins = self._plugins
        if "pytest-asyncio" in plugins.declared:
            return ("none" if plugins.auto_mode else ASYNC_TEST_PLUGINS["pytest-asyncio"]), None
        if "anyio" in plugins.declared:
            return ASYNC_TEST_PLUGINS["anyio"], None
        looked = (
            f"{', '.join(plugins.looked_in)} lists neither pytest-asyncio nor anyio"
            if plugins.looked_in else "no dependency file lists pytest-asyncio or anyio"
        )
        return "", Problem(
            "async-plugin",
            f"no pytest plugin for async tests: {looked} (add one, or set async-test-client.async-marker)",
        )

    def _client_sharing_fixture(self, requested: list[str]) -> str | None:
        """The first fixture (with where it is defined) that the test runs, asked for by name or
        through another fixture or autouse, and that takes ``client`` itself: the sync client it
        prepares is not the ``async_client`` the converted test uses. Fixtures of this module and
        of the conftest.py files up to the project root are read; a plugin's are not seen."""
        if self._fixture_defs is None:
            defs = test_setup.conftest_fixtures(self.ctx.path)
            try:
                if self._module_ast is None:  # shared with the client set-up check
                    self._module_ast = ast.parse(self.module_code)
                defs.update(test_setup.fixture_defs(self._module_ast, "this module"))
            except SyntaxError:
                pass
            self._fixture_defs = defs
        defs = self._fixture_defs
        todo = [*requested, *(n for n, fx in defs.items() if fx.autouse)]
        seen: set[str] = set()
        while todo:
            name = todo.pop(0)
            if name in seen or name not in defs:
                continue
            seen.add(name)
            fx = defs[name]
            if "client" in fx.params:
                where = fx.where
                if os.path.isabs(where):  # a conftest.py: named from the test's folder
                    where = os.path.relpath(where, os.path.dirname(os.path.abspath(self.ctx.path)))
                return f"{name} ({where})"
            todo += sorted(fx.params)
        return None

    @staticmethod
    def _was_transactional(marks: list[Mark], fixtures: list[str]) -> bool:
        """Whether the test already ran transactionally (its views' commits were real before)."""
        if "transactional_db" in fixtures or "live_server" in fixtures:
            return True
        return any(
            m.name == "pytest.mark.django_db"
            and isinstance(m.expr, cst.Call)
            and any(a.keyword is not None and a.keyword.value == "transaction" and is_true(a.value) for a in m.expr.args)
            for m in marks
        )

    def _flush_keywords(self) -> tuple[str, ...]:
        """What ``transaction=True`` needs besides, for the test to see the database it saw:
        ``serialized_rollback`` where data migrations exist (the flush empties their rows),
        ``reset_sequences`` where every database is SQLite (its rollback reset the primary keys
        the test's rows get; a flush does not; other databases never reset them)."""
        out = ("serialized_rollback",) if self._data_migrations() else ()
        if self._sqlite is None:
            self._sqlite = test_setup.sqlite_only(self.ctx.path)
        return (*out, "reset_sequences") if self._sqlite else out

    def _data_migrations(self) -> list[str]:
        """The project's migrations that may create rows (``RunPython``/``RunSQL``), read once."""
        if self._migrations is None:
            self._migrations = test_dependencies.data_migrations(test_setup.folder_of(self.ctx.path))
        return self._migrations

    def _is_pytest_django_client(self, fixtures: list[str], marks: list[Mark]) -> bool:
        """A ``client`` fixture is taken for pytest-django's only when the module is plainly a
        Django test (it imports Django, pytest-django or a model; the test or its class/module
        has a ``django_db`` mark; or it takes another pytest-django fixture) and the project
        uses pytest-django (its dependency or pytest configuration files, or a conftest.py, from
        the test's folder up to the project root, name pytest-django, DJANGO_SETTINGS_MODULE or
        ``--ds``). Another plugin's ``client`` (pytest-chalice, pytest-flask) is left alone."""
        djangoish = (
            any(q.startswith(("django.", "pytest_django")) or is_model_qual(q) for q in self.imports.names.values())
            or any(m.name == "pytest.mark.django_db" for m in [*marks, *self.module_marks])
            or any(f in PYTEST_DJANGO_FIXTURES for f in fixtures)
        )
        return djangoish and self._project_uses_pytest_django()

    def _project_uses_pytest_django(self) -> bool:
        if self._pytest_django is None:
            self._pytest_django = test_setup.uses_pytest_django(self.ctx.path)
        return self._pytest_django

    def _client_fixture_overridden(self) -> str | None:
        """Where a ``client``/``async_client`` fixture other than pytest-django's is defined: this
        module or a conftest.py from the test's directory up to the project root."""
        if self._overridden is None:
            self._overridden = ""
            if test_setup.CLIENT_FIXTURE_DEF.search(self.module_code):
                self._overridden = "this module"
            else:
                self._overridden = test_setup.client_fixture_conftest(self.ctx.path) or ""
        return self._overridden or None
