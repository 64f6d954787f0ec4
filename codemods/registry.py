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
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from codemods.problems import NOTE, WARNING, Code, one_line

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
    code: str = ""  # the reason's stable code (``codes.py`` of the codemod); "" for a rewrite

    def format(self) -> str:
        """``path:line:col: CODE message`` (a rewrite, shown with -v: ``fixed (codemod)``)."""
        where = f"{self.path}:{self.line}:{self.col}:"
        if self.kind == "fixed":
            return f"{where} fixed ({self.codemod}) {self.message}"
        return f"{where} {self.code} {self.message}" + (" [note]" if self.kind == "note" else "")

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["level"] = {"refused": "warning", "note": "note"}.get(self.kind, "fixed")
        return data


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
        self.root = Path(".")  # the project root (``Settings.root``): where its other files are
        self.module: cst.Module | None = None
        # (module the node belongs to, node, codemod, message, kind, code)
        self.records: list[tuple[Any, Any, str, str, str, str]] = []
        # Defs (by their path of class/def names) this codemod rewrote on condition that the rest
        # of the run finishes the job (``Codemod.verify``), and those the runner withdrew in an
        # earlier pass over the file, with why: this pass leaves them alone and says so.
        self.tentative: list[tuple[str, ...]] = []
        self.withdrawn: dict[tuple[str, ...], Problem] = {}

    def refuse(self, node: cst.CSTNode, problem: Problem) -> None:
        """Report a ``Problem`` (see ``codemods.problems``) at ``node``: a warning or a note, as its
        code's level says."""
        code = _code(self.codemod, problem.kind)
        kind = "note" if code.level == NOTE else "refused"
        self.records.append((self.module, node, self.codemod, one_line(problem.message), kind, code.code))

    def refuse_at(self, line: int, col: int, problem: Problem) -> None:
        """``refuse`` at a place of the file as it was read (1-based line, 0-based column): for a
        codemod that settles a file from its text, before any parse (``Codemod.settle``)."""
        code = _code(self.codemod, problem.kind)
        kind = "note" if code.level == NOTE else "refused"
        self.records.append((None, (line, col), self.codemod, one_line(problem.message), kind, code.code))

    def note(self, node: cst.CSTNode, problem: Problem) -> None:
        """A place left as it is for a usual reason (shown with --verbose and in --report json):
        not a refusal, nothing the user needs to act on, whatever its code's level."""
        code = _code(self.codemod, problem.kind)
        self.records.append((self.module, node, self.codemod, one_line(problem.message), "note", code.code))

    def fixed(self, node: cst.CSTNode, message: str) -> None:
        """A rewrite worth telling the user about (shown with --verbose and in --report json)."""
        self.records.append((self.module, node, self.codemod, one_line(message), "fixed", ""))

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
    # One stable code per Problem kind (the codemod's ``codes.py``); ``page`` is the short page
    # ``explain NAME`` prints (What it does / Why / Example / Fix safety), the docstring the full rules.
    codes: ClassVar[tuple[Code, ...]] = ()
    page: ClassVar[str] = ""
    # True: what it says is about async code; said about a function a later codemod of the same
    # run makes sync, it no longer holds and is dropped (``codemods.runner.moot``).
    about_async_code: ClassVar[bool] = False

    def code_of(self, kind: str) -> Code:
        """The code of a Problem kind; a kind without one (a bug: tests/test_codes.py checks that
        none is left) gets the codemod's catch-all ``DJAn00``."""
        by_kind = self.__dict__.get("_by_kind")
        if by_kind is None:
            by_kind = self.__dict__["_by_kind"] = {c.kind: c for c in self.codes}
        found = by_kind.get(kind)
        if found is not None:
            return found
        prefix = self.codes[0].code[:4] if self.codes else "DJA0"
        return Code(f"{prefix}00", kind, WARNING, kind)

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

    def settle(self, source: str, ctx: Context) -> bool:
        """Whether the file as it was read (``source``) is settled without a tree: nothing to
        rewrite, and what there is to say reported with ``ctx.refuse_at``. Then ``transform`` is
        not called (and the file is not parsed for this codemod). Default: not settled."""
        return False

    def transform(self, module: cst.Module, ctx: Context) -> cst.Module:
        raise NotImplementedError

    def verify(
        self, final: cst.Module, ctx: Context, records: list[tuple[Any, ...]]
    ) -> dict[tuple[str, ...], Problem]:
        """After the whole run over the file, for the defs this codemod listed in ``ctx.tentative``:
        those the module the run ends with (``final``; ``records``: what every codemod reported,
        as (module, node, codemod, message, kind, code)) does not make right, with why. The
        runner then runs the file again with ``ctx.withdrawn`` holding them. Default: none."""
        return {}


def _code(codemod: str, kind: str) -> Code:
    """The code of a Problem kind of a registered codemod (DJA000 for anything else)."""
    cm = _REGISTRY.get(codemod)
    return cm.code_of(kind) if cm is not None else Code("DJA000", kind, WARNING, kind)


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


def all_codes() -> list[tuple[Codemod, Code]]:
    """Every diagnostic code, by code."""
    return sorted(((cm, c) for cm in all_codemods() for c in cm.codes), key=lambda pair: pair[1].code)


def find_code(text: str) -> tuple[Codemod, Code] | None:
    """The codemod and ``Code`` named ``text`` (case-insensitive), or None."""
    for cm, c in all_codes():
        if c.code == text.upper():
            return cm, c
    return None


def get(name: str) -> Codemod:
    for cm in all_codemods():
        if cm.name == name:
            return cm
    raise KeyError(name)
