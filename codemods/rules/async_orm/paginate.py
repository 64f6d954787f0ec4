"""Paginator room: ``Paginator(qs, n)`` in an async function followed to every use of it and of its pages, for Django 6.0's AsyncPaginator.

``Paginator(qs, n)`` counts and slices the queryset synchronously (``page()``, ``count``), and
iterating its page runs the page's query: SynchronousOnlyOperation. From Django 6.0,
``AsyncPaginator`` takes the same arguments and has an awaited method for each: ``await
p.apage(n)``, ``await p.aget_page(n)``, ``await p.acount()``, ``await p.anum_pages()``, ``await
p.apage_range()``; its ``AsyncPage`` is iterated with ``async for`` and has ``await
page.ahas_next()`` and the like. ``AsyncPage`` has no sync API: ``len(page)``, ``page[0]`` and a
template's ``{% for %}`` raise TypeError (until ``aget_object_list()`` is awaited) and
``has_next`` is missing. So the paginator is rewritten only when it is bound to a name once, and
each use of that name and of each page it gives (bound once, too) is one of those; anything else
(the page handed to ``render()``, the paginator returned, a use in a nested function, a generator
expression or an atomic block) is the reason it is not.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import libcst as cst

from codemods.analysis.orm import AsyncFor, Twin
from codemods.knowledge import orm
from codemods.rules.async_orm.kinds import Kinds
from codemods.rules.async_orm.plan import AttrCall, ClassTwin, Step


def _code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


@dataclasses.dataclass
class _Use:
    name: cst.Name
    parents: list[cst.CSTNode]  # nearest first
    fenced: str | None  # "a nested function" ...: where an await cannot go, or None


class _Uses(cst.CSTVisitor):
    """Every ``Name`` read of the function body with its parents, and the assignment targets."""

    def __init__(self, is_atomic: Callable[[cst.BaseExpression], bool]) -> None:
        self.is_atomic = is_atomic
        self.stack: list[cst.CSTNode] = []
        self.fences: list[str] = []
        self.uses: dict[str, list[_Use]] = {}
        self.stores: set[cst.CSTNode] = set()
        self.assigned: dict[cst.CSTNode, str] = {}  # value of ``name = value`` -> name

    def on_visit(self, node: cst.CSTNode) -> bool:
        fence = None
        if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            fence = "a nested function"
        elif isinstance(node, cst.GeneratorExp):
            fence = "a generator expression"
        elif isinstance(node, cst.With) and any(self.is_atomic(i.item) for i in node.items):
            fence = "transaction.atomic()"
        self.fences.append(fence or (self.fences[-1] if self.fences else ""))
        if isinstance(node, cst.Assign):
            self.stores.update(t.target for t in node.targets)
            if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
                self.assigned[node.value] = node.targets[0].target.value
        elif isinstance(node, (cst.AugAssign, cst.AnnAssign, cst.Del)):
            self.stores.add(node.target)
        if isinstance(node, cst.Name) and not _naming(node, self.stack[-1] if self.stack else None):
            self.uses.setdefault(node.value, []).append(
                _Use(node, self.stack[::-1], self.fences[-1] or None)
            )
        self.stack.append(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.stack.pop()
        self.fences.pop()


class Follow:
    """The steps that make one ``Paginator(...)`` call of a function an ``AsyncPaginator``, or
    the reason (``why``) it cannot be."""

    def __init__(self, func: cst.FunctionDef, kinds: Kinds, is_atomic: Callable[[cst.BaseExpression], bool]) -> None:
        self.kinds = kinds
        self.scan = _Uses(is_atomic)
        func.body.visit(self.scan)

    def steps(self, call: cst.Call) -> tuple[dict[cst.CSTNode, Step], str | None]:
        steps: dict[cst.CSTNode, Step] = {}
        name = self._bound_once(call)
        if name is None:
            return {}, "it is not bound to a name once"
        func = call.func
        module, _, cls = orm.ASYNC_PAGINATOR.rpartition(".")
        steps[call] = ClassTwin(cls, module, bare=isinstance(func, cst.Name))
        for use in self._uses(name, call):
            if use.fenced:
                return {}, f"{name} is used in {use.fenced}"
            why = self._paginator_use(use, steps)
            if why:
                return {}, why
        return steps, None

    def _bound_once(self, value: cst.CSTNode) -> str | None:
        name = self.scan.assigned.get(value)
        if name is None or name in self.kinds.params or len(self.kinds.values.get(name, [])) != 1:
            return None
        return name

    def _uses(self, name: str, value: cst.CSTNode) -> list[_Use]:
        """The reads of ``name`` (the one assignment's target left out)."""
        return [u for u in self.scan.uses.get(name, []) if u.name not in self.scan.stores]

    def _paginator_use(self, use: _Use, steps: dict[cst.CSTNode, Step]) -> str | None:
        attr, call = _attribute_of(use)
        shown = _code(attr or use.name)
        if attr is None or attr in self.scan.stores:
            return f"{shown} is used otherwise than by its methods"
        method = attr.attr.value
        if call is None and method in orm.PAGINATOR_PROPERTIES:
            steps[attr] = AttrCall(orm.PAGINATOR_PROPERTIES[method])
            return None
        if call is None or method not in orm.PAGINATOR_METHODS:
            return f"{shown} has no AsyncPaginator twin followed"
        steps[call] = Twin(orm.PAGINATOR_METHODS[method])
        page = self._bound_once(call)
        if page is None:
            return f"the page of {_code(call)} is not bound to a name once"
        for page_use in self._uses(page, call):
            if page_use.fenced:
                return f"{page} is used in {page_use.fenced}"
            why = self._page_use(page_use, steps)
            if why:
                return why
        return None

    def _page_use(self, use: _Use, steps: dict[cst.CSTNode, Step]) -> str | None:
        loop = _loop_over(use.name, use.parents[0] if use.parents else None)
        if loop is not None:
            if loop.asynchronous is None:
                steps[loop] = AsyncFor()
            return None
        attr, call = _attribute_of(use)
        if attr is not None and attr not in self.scan.stores:
            method = attr.attr.value
            if call is None and method in orm.PAGE_ATTRS:
                return None
            if call is None and method == orm.PAGE_OBJECT_LIST:
                loop = _loop_over(attr, use.parents[1] if len(use.parents) > 1 else None)
                if loop is not None:
                    if loop.asynchronous is None:
                        steps[loop] = AsyncFor()
                    return None
            if call is not None and method in orm.PAGE_METHODS and not call.args:
                steps[call] = Twin(orm.PAGE_METHODS[method])
                return None
        return f"{_where(use, attr)}, which needs a sync page"


def _where(use: _Use, attr: cst.Attribute | None) -> str:
    """Where a use goes, in words: ``page is handed to render()``, ``page is returned`` ..."""
    name = use.name.value
    near = use.parents[0] if use.parents else None
    if attr is not None or isinstance(near, cst.Subscript):
        shown = _code(attr or near)  # type: ignore[arg-type]
        return f"{shown if len(shown) <= 40 else shown[:37] + '...'} is used"
    for parent in use.parents:
        if isinstance(parent, cst.Call) and parent.func is not attr:
            func = _code(parent.func)
            return f"{name} is handed to {func if len(func) <= 30 else func[:27] + '...'}()"
        if isinstance(parent, cst.Return):
            return f"{name} is returned"
        if isinstance(parent, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
            break
    return f"{name} is used"


def _naming(name: cst.Name, parent: cst.CSTNode | None) -> bool:
    """``name`` names no variable here: an attribute, a keyword, a parameter, a def's name."""
    if isinstance(parent, cst.Attribute):
        return parent.attr is name
    if isinstance(parent, cst.Arg):
        return parent.keyword is name
    return isinstance(parent, (cst.Param, cst.FunctionDef, cst.ClassDef))


def _attribute_of(use: _Use) -> tuple[cst.Attribute | None, cst.Call | None]:
    """``name.attr`` the use is the value of, and the call of it (``name.attr(...)``) if any."""
    parents = use.parents
    if not parents or not isinstance(parents[0], cst.Attribute) or parents[0].value is not use.name:
        return None, None
    attr = parents[0]
    call = parents[1] if len(parents) > 1 and isinstance(parents[1], cst.Call) and parents[1].func is attr else None
    return attr, call


def _loop_over(node: cst.BaseExpression, parent: cst.CSTNode | None) -> cst.For | cst.CompFor | None:
    """The loop (sync or already async) that iterates ``node``."""
    if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is node:
        return parent
    return None
