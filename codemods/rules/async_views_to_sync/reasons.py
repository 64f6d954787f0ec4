"""Why a view stays async: what its body does, reads or streams, and decorators that need async."""

from __future__ import annotations

import libcst as cst

from codemods.analysis import ImportTable, dotted_name
from codemods.analysis.decorators import unsupported
from codemods.knowledge.http import ASYNC_CLIENT_CLASSES
from codemods.knowledge.runtime import ASYNC_LIBRARIES, CONCURRENT, SYNC_TO_ASYNC
from codemods.knowledge.views import (
    HOLDER_FACTORIES,
    IDENTITY,
    LOOP,
    LOOP_NAMES,
    STREAMING,
)
from codemods.problems import Problem
from codemods.registry import Context
from codemods.rules.async_views_to_sync.kinds import Kinds
from codemods.rules.async_views_to_sync.show import code, short, version


def identity(qualified: str) -> str | None:
    """What reading ``qualified`` tells about where the code runs, or None."""
    if qualified in IDENTITY:
        return IDENTITY[qualified]
    head = qualified.partition(".")[0]
    if head == "contextvars":
        return "context variables"
    if head == "asyncio" and qualified.rpartition(".")[2] in LOOP_NAMES:
        return LOOP
    if qualified.startswith("asgiref.sync.") and qualified != SYNC_TO_ASYNC:
        return "asgiref's sync/async bridging, which depends on the thread and loop it runs in"
    return None


class BodyScan(cst.CSTVisitor):
    """Everything in a view body that matters, without entering nested scopes' awaits."""

    def __init__(
        self,
        kinds: Kinds,
        imports: ImportTable,
        module_async: set[str],
        module_sync: set[str],
        holders: dict[str, str] | None = None,
    ) -> None:
        self.kinds = kinds
        self.imports = imports
        self.module_async = module_async
        self.module_sync = module_sync
        self.holders = holders or {}  # module-level name -> what it holds (a thread-local ...)
        self.local_imports: dict[str, str] = {}  # names imported inside the view -> qualified
        self.awaits: list[cst.Await] = []
        self.async_fors: list[cst.For | cst.CompFor] = []
        self.blockers: list[Problem] = []
        self.async_lib_refs: list[cst.BaseExpression] = []
        self.awaited_funcs: set[cst.BaseExpression] = set()  # reported as awaits, not as bare uses
        self.depth = 0

    def _block(self, kind: str, reason: str) -> None:
        self.blockers.append(Problem(kind, reason))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        if node.asynchronous is not None:
            self._block(
                "nested-coroutine-function",
                f"defines the coroutine function {node.name.value!r} (an async iterator or task)",
            )
            return False
        self.depth += 1
        return True

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.depth -= 1

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self.depth += 1  # its async methods are caught above (an async iterator class, say)
        return True

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self.depth -= 1

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = code(alias.name)
            self._async_import(full)
            local = code(alias.asname.name) if alias.asname else full.split(".")[0]
            self.local_imports[local] = full if alias.asname else local

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.module is not None and not node.relative:
            module = code(node.module)
            self._async_import(module)
            if not isinstance(node.names, cst.ImportStar):
                for alias in node.names:
                    local = code(alias.asname.name) if alias.asname else alias.name.value
                    self.local_imports[local] = f"{module}.{alias.name.value}"

    def _qualify(self, node: cst.BaseExpression) -> str:
        """Qualified name through the view's own imports, then the module's."""
        name = dotted_name(node)
        if name is not None:
            head, _, rest = name.partition(".")
            if head in self.local_imports:
                full = self.local_imports[head]
                return f"{full}.{rest}" if rest else full
        return self.imports.qualify(node, self.kinds.shadowed) or ""

    def _identity_read(self, node: cst.BaseExpression) -> None:
        what = identity(self._qualify(node))
        if what is None and isinstance(node, cst.Name) and node.value not in self.kinds.shadowed:
            what = self.holders.get(node.value)
        if what is not None:
            self._block(
                "reads-where-it-runs",
                f"reads {what} (`{short(node)}`): as a sync view it would run in a worker thread, not on the "
                "event loop (another thread, no running loop, a copied context), and see something else"
            )

    def _async_import(self, module: str) -> None:
        if module.split(".")[0] in ASYNC_LIBRARIES:
            self._block("imports-async-library", f"imports {module}, which needs the event loop")

    def visit_Await(self, node: cst.Await) -> None:
        self.awaits.append(node)
        if isinstance(node.expression, cst.Call):
            self.awaited_funcs.add(node.expression.func)

    def visit_For(self, node: cst.For) -> None:
        if node.asynchronous is not None:
            self.async_fors.append(node)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        if node.asynchronous is not None:
            self.async_fors.append(node)

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        comp: cst.CompFor | None = node.for_in
        while comp is not None:
            if comp.asynchronous is not None:
                self._block("async-generator-expression", f"builds an async generator `{short(node)}`")
                return
            comp = comp.inner_for_in

    def visit_With(self, node: cst.With) -> None:
        if node.asynchronous is None:
            return
        made = [self._qualify(i.item.func) if isinstance(i.item, cst.Call) else "" for i in node.items]
        # An async HTTP client (what requests-to-httpx writes, too) or a TaskGroup: say what the
        # view does with it, not which construct it uses.
        if all(q in ASYNC_CLIENT_CLASSES for q in made):
            self._block("http-calls", "does real async work: its HTTP calls")
        elif all(q in CONCURRENT for q in made):
            self._block("concurrent-awaits", "does real async work: it runs awaits concurrently")
        else:
            self._block("async-with", "uses `async with`")

    def visit_Yield(self, node: cst.Yield) -> None:
        if self.depth == 0:
            self._block("async-generator", "is an async generator (streams its response)")

    def visit_Name(self, node: cst.Name) -> None:
        self._identity_read(node)
        if node.value in self.module_async and node.value not in self.kinds.shadowed and node not in self.awaited_funcs:
            self._block("unawaited-coroutine", f"uses the coroutine function {node.value!r} without awaiting it")
        qualified = self.imports.qualify(node, self.kinds.shadowed) or ""
        if qualified.split(".")[0] in ASYNC_LIBRARIES:
            self.async_lib_refs.append(node)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        self._identity_read(node)
        # Only the head of an attribute chain can be a name bound to a module.
        node.value.visit(self)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)  # not the keyword's name
        return False

    def visit_Call(self, node: cst.Call) -> None:
        qualified = self.imports.qualify(node.func, self.kinds.shadowed) or ""
        if qualified not in STREAMING:
            return
        content = next(
            (a.value for a in node.args if a.keyword is None or a.keyword.value == "streaming_content"), None
        )
        if content is None or isinstance(content, (cst.List, cst.Tuple, cst.SimpleString, cst.GeneratorExp)):
            return
        if (
            isinstance(content, cst.Call)
            and isinstance(content.func, cst.Name)
            and content.func.value in self.module_sync
            and content.func.value not in self.kinds.shadowed
        ):
            return
        self._block("async-streaming", f"streams a response from `{short(content)}`, which may be an async iterator")


def context_holders(module: cst.Module, imports: ImportTable) -> dict[str, str]:
    """Module-level names holding thread- or context-bound state: ``_state = threading.local()``,
    ``request_id = ContextVar("id")``, ``local = Local()`` (asgiref), a class deriving from
    ``threading.local`` -> what they hold."""
    holders: dict[str, str] = {}
    for stmt in module.body:
        if isinstance(stmt, cst.ClassDef):
            if any(imports.qualify(arg.value) in HOLDER_FACTORIES for arg in stmt.bases):
                holders[stmt.name.value] = "thread-local state"
            continue
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.Assign):
                targets, value = [t.target for t in small.targets], small.value
            elif isinstance(small, cst.AnnAssign) and small.value is not None:
                targets, value = [small.target], small.value
            else:
                continue
            func = value.func if isinstance(value, cst.Call) else None
            qualified = (imports.qualify(func) if func is not None else None) or ""
            if qualified not in HOLDER_FACTORIES and not (
                isinstance(func, cst.Name) and func.value in holders
            ):
                continue
            what = "a context variable" if qualified.startswith("contextvars.") else "thread-local state"
            for t in targets:
                if isinstance(t, cst.Name):
                    holders[t.value] = f"{what} of the module"
    return holders


def decorator_ok(dec: cst.BaseExpression, imports: ImportTable, ctx: Context) -> Problem | None:
    """None if the decorator accepts a sync view as well as an async one on the target; else why not."""
    found = unsupported(dec, imports, ctx.target_django)
    if found is None:
        return None
    kind, shown, since = found
    if kind == "method":
        return Problem(
            "decorator-too-old",
            f"uses method_decorator, which supports async methods only since Django "
            f"{version(since)}: it is broken as async today; fix it by hand",
        )
    if kind == "unknown":
        return Problem(
            "unknown-decorator",
            f"has the decorator `{short(shown)}`, not known to accept a sync view in place of an async one",
        )
    return Problem(
        "decorator-too-old",
        f"has the decorator `{short(shown)}`, which supports async views only since Django {version(since)}: "
        f"the view is broken as async on the target {version(ctx.target_django)}; fix it by hand",
    )
