"""The codemod registry, the per-file context codemods report into, and diagnostics.

A codemod is one subpackage of ``codemods.rules`` whose ``__init__`` holds one ``Codemod``
subclass decorated with ``@register`` (and imports no libcst). The registry finds them by
discovery: adding a codemod is adding its subpackage. The package's docstring is what
``dj-asyncify explain NAME`` prints, so it follows one shape: What it does / Why / Example /
Refuses when.

The runner applies the selected codemods in ``order`` (lowest first) over one parse of a file:
each ``transform`` receives the module the previous one returned.
"""

from __future__ import annotations

import dataclasses
import importlib
import sys
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:  # libcst is imported lazily: a cached run never needs it
    import libcst as cst

    from codemods.candidates import Facts
    from codemods.problems import Problem
    from codemods.project import ProjectIndex

_REGISTRY: dict[str, Codemod] = {}


@dataclasses.dataclass(frozen=True)
class Diagnostic:
    """One place a codemod looked at: refused (``kind="refused"``), rewrote (``kind="fixed"``), or
    left as it is for a reason too common to print without ``-v`` (``kind="note"``)."""

    path: str
    line: int
    col: int
    codemod: str
    message: str
    kind: str = "refused"

    def format(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.codemod}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class Context:
    """What a codemod gets besides the tree: settings, project facts, and where to report.

    ``report``/``fixed`` take a node of the module that was passed to ``transform`` (not a node the
    codemod built): its position is worked out after the run, only if anything was reported.
    """

    def __init__(
        self,
        path: str,
        target_django: tuple[int, int],
        options: dict[str, Any],
        project: ProjectIndex,
        codemod: str = "",
    ) -> None:
        self.path = path
        self.target_django = target_django
        self.options = options
        self.project = project
        self.codemod = codemod
        self.module: cst.Module | None = None
        # (module the node belongs to, node, codemod, message, kind)
        self.records: list[tuple[Any, Any, str, str, str]] = []

    def report(self, node: cst.CSTNode, message: str) -> None:
        """A place the codemod refused to rewrite, and why."""
        self.records.append((self.module, node, self.codemod, message, "refused"))

    def refuse(self, node: cst.CSTNode, problem: Problem) -> None:
        """Report a ``Problem`` (see ``codemods.problems``) at ``node``."""
        self.report(node, problem.message)

    def note(self, node: cst.CSTNode, problem: Problem) -> None:
        """A place left as it is for a usual reason (shown with --verbose and in --report json):
        not a refusal, nothing the user needs to act on."""
        self.records.append((self.module, node, self.codemod, problem.message, "note"))

    def fixed(self, node: cst.CSTNode, message: str) -> None:
        """A rewrite worth telling the user about (shown with --verbose and in --report json)."""
        self.records.append((self.module, node, self.codemod, message, "fixed"))

    def option(self, key: str) -> Any:
        return self.options[key]


class Codemod:
    """Base class: subclasses set the class attributes and implement ``precheck``/``transform``."""

    name: ClassVar[str]
    summary: ClassVar[str]
    min_django: ClassVar[tuple[int, int]] = (3, 1)
    order: ClassVar[int] = 100
    # Options with their defaults; config and --option may override them (keys are kebab-case).
    options: ClassVar[dict[str, Any]] = {}
    # Allowed values of string options, where the set is closed.
    choices: ClassVar[dict[str, tuple[str, ...]]] = {}

    @property
    def description(self) -> str:
        return (sys.modules[type(self).__module__].__doc__ or "").strip()

    def precheck(self, source: str) -> bool:
        """Cheap text test: False means the file cannot hold anything this codemod rewrites."""
        raise NotImplementedError

    def candidate(self, facts: Facts) -> bool:
        """Structural test over the file's ``ast`` (see ``codemods.candidates``): False means the
        codemod has nothing to rewrite or report there. Sound, never precise; default True."""
        return True

    def transform(self, module: cst.Module, ctx: Context) -> cst.Module:
        raise NotImplementedError


def register(cls: type[Codemod]) -> type[Codemod]:
    if cls.name in _REGISTRY:
        raise RuntimeError(f"codemod {cls.name!r} registered twice")
    _REGISTRY[cls.name] = cls()
    return cls


def _discover() -> None:
    """Import every subpackage of ``codemods.rules``: each registers its codemod."""
    import pkgutil

    import codemods.rules

    for info in pkgutil.iter_modules(codemods.rules.__path__):
        if info.ispkg:
            importlib.import_module(f"codemods.rules.{info.name}")


def all_codemods() -> list[Codemod]:
    """Every registered codemod, in the order the runner applies them."""
    if not _REGISTRY:
        _discover()
    return sorted(_REGISTRY.values(), key=lambda c: (c.order, c.name))


def names() -> list[str]:
    """The codemods' names, in the order they run."""
    return [cm.name for cm in all_codemods()]


def get(name: str) -> Codemod:
    for cm in all_codemods():
        if cm.name == name:
            return cm
    raise KeyError(name)
