"""What the rewrite of one test module shares: imports, models, marks, fixtures, project facts."""

from __future__ import annotations

import ast
from collections.abc import Sequence

import libcst as cst

from codemods.analysis import ImportTable
from codemods.knowledge.testing import ASYNC_CLIENT_CLASSES, ASYNC_SAFE_DECORATORS, CLIENT_CLASSES
from codemods.problems import Problem
from codemods.project import test_dependencies, test_setup, urlconf
from codemods.registry import Context
from codemods.rules.async_test_client.common import code_full, fresh_name
from codemods.rules.async_test_client.env import Env
from codemods.rules.async_test_client.login import login_problem
from codemods.rules.async_test_client.models import Models
from codemods.rules.async_test_client.plan import Redirect
from codemods.rules.async_test_client.pytest_module import module_fixtures, pytestmark
from codemods.rules.async_test_client.rewrite import Rewrite
from codemods.rules.async_test_client.scan import Scan
from codemods.rules.async_test_client.settle import wanted
from codemods.rules.async_test_client.views import local_values, overridden_urlconf, views_problem

_UNSET = Problem("", "")  # a cached answer not computed yet


class ModuleBase(cst.CSTTransformer):
    """The state of one module's rewrite (``classes.Classes`` is the transformer): the module's
    imports (module level only), models, classes, pytest marks and instance fixtures; the name
    ``AsyncClient`` is (or will be) imported as; what the module needs added or dropped
    afterwards (``needs_pytest_import``, ``needs_async_import``, ``replaced_client``); and the
    facts read from the project's files (login backends, AUTH_USER_MODEL, the urlconf,
    pytest-django, a conftest client fixture), each read once, when a test first needs it."""

    def __init__(self, ctx: Context, module: cst.Module) -> None:
        self.ctx = ctx
        self.bases = ctx.project.test_base_classes
        # Module-level imports only (a function's own imports shadow names through its bindings):
        # an ImportTable of just those lines skips walking every function body.
        self.imports = ImportTable(
            cst.Module(
                body=[
                    st for st in module.body
                    if isinstance(st, cst.SimpleStatementLine)
                    and any(isinstance(x, (cst.Import, cst.ImportFrom)) for x in st.body)
                ]
            )
        )
        self.models = Models(self.imports, ctx.path)
        self.module_classes = {
            st.name.value: st for st in module.body if isinstance(st, cst.ClassDef)
        }
        self.needs_pytest_import = False
        async_names = [n for n, q in self.imports.names.items() if q in ASYNC_CLIENT_CLASSES]
        self.async_class: str | None = async_names[0] if async_names else (
            None if "AsyncClient" in self.imports.names else "AsyncClient"
        )
        self.async_import_needed = not async_names
        self.needs_async_import = False
        self.needed_imports: set[tuple[str, str]] = set()  # (module, name) the rewrite uses
        self.urls: urlconf.UrlConf | None = None
        self._overrides: dict[str, urlconf.UrlConf] = {}  # override_settings(ROOT_URLCONF=...) -> its urlconf
        self.class_decorators: Sequence[cst.Decorator] = ()  # of the test class being rewritten
        self.class_values: dict[str, cst.BaseExpression] = {}  # its self.url-like attributes (views.class_values)
        self._overridden: str | None = None
        self._user_model_default: bool | None = None
        self.module = module
        self.module_marks = pytestmark(module.body, self.imports)
        self.fixtures = module_fixtures(module, self.imports, self.models)
        self._module_ast: ast.Module | None = None
        self._module_code: str | None = None
        self._login: Problem | None = _UNSET
        self._pytest_django: bool | None = None
        self._plugins: test_dependencies.AsyncPlugins | None = None
        self._migrations: list[str] | None = None
        self._sqlite: bool | None = None
        self._fixture_defs: dict[str, test_setup.FixtureDef] | None = None
        self.replaced_client = False  # some Client() became AsyncClient()
        self.reader = test_setup.ClassReader()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False  # test methods are analysed from their class; module-level ones in leave_Module

    @property
    def module_code(self) -> str:
        """The module's code, generated once: several readers need it, and generating it costs."""
        if self._module_code is None:
            self._module_code = self.module.code
        return self._module_code

    def _login_problem(self) -> Problem | None:
        """Why ``client.login()`` -> ``alogin()`` may not be equivalent (see ``login``)."""
        if self._login is _UNSET:
            self._login = login_problem(self.ctx.path, self.module_code)
        return self._login

    def _default_user_model(self) -> bool:
        """The project's settings (found as for the urlconf) do not set AUTH_USER_MODEL."""
        if self._user_model_default is None:
            self._user_model_default = test_setup.default_user_model(self.ctx.path)
        return self._user_model_default

    def _views(self, fn: cst.FunctionDef, scan: Scan) -> tuple[bool, Problem] | None:
        """With option only-async-views (the default): why this test does not (visibly) request
        only async views, as ``views.views_problem`` says (a note when it reaches a sync view)."""
        if not wanted(self.ctx.option("only-async-views")):
            return None
        override = overridden_urlconf([*fn.decorators, *self.class_decorators])
        if isinstance(override, Problem):
            return False, override
        if "ROOT_URLCONF" in code_full(fn.body):
            return False, Problem("view-unresolved", "ROOT_URLCONF is overridden in the test: cannot tell which views it reaches")
        if override is None:
            if self.urls is None:
                self.urls = urlconf.UrlConf(self.ctx.path)
            urls = self.urls
        else:
            if override not in self._overrides:
                self._overrides[override] = urlconf.UrlConf(self.ctx.path, override)
            urls = self._overrides[override]
        return views_problem(
            scan.requests, self.imports, scan.env.shadowed, urls, {**self.class_values, **local_values(fn)}
        )

    def _async_safe_decorator(self, d: cst.Decorator) -> bool:
        expr = d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator
        return self.imports.qualify(expr) in ASYNC_SAFE_DECORATORS

    def _async_class_check(self, scan: Scan) -> None:
        new_clients = scan.plan.new_clients()
        if new_clients and self.async_class is None:
            scan.problems.append(
                Problem("name-taken", "the name AsyncClient is bound to something else in this module")
            )
        for call in new_clients:
            func = call.func
            if not isinstance(func, cst.Name) or self.imports.names.get(func.value) not in CLIENT_CLASSES:
                scan.problems.append(Problem("client-import", "Client is not imported by name from django.test"))
                break

    def _rewritten(self, fn: cst.FunctionDef, env: Env, scan: Scan) -> cst.BaseSuite:
        """The test's body rewritten as ``scan`` planned."""
        if scan.plan.new_clients():
            self.needs_async_import = self.async_import_needed
            self.replaced_client = True
        if any(isinstance(s, Redirect) for s in scan.plan.steps.values()):
            self.needed_imports.add(("urllib.parse", "urljoin"))
            if env.client_name is not None:
                self.needed_imports.add(("pytest_django.asserts", "assertURLEqual"))
        fresh = fresh_name(fn) if scan.plan.lists() else "row"
        return fn.body.visit(Rewrite(env, scan.plan, fresh, self.async_class or ""))
