"""The plan: what the rewrite does to each node of a test body, as the scan decided it."""

from __future__ import annotations

import dataclasses

import libcst as cst

from codemods.analysis.orm import AsyncFor, ListComp, Twin


@dataclasses.dataclass(frozen=True)
class NewAsyncClient:
    """``Client(...)`` built in the test -> ``AsyncClient(...)``."""


@dataclasses.dataclass(frozen=True)
class ClientAttr:
    """``<client>.cookies`` (an attribute both clients share) -> the async client's."""


@dataclasses.dataclass(frozen=True)
class SessionRead:
    """``<client>.session`` -> ``await <async client>.asession()``."""


@dataclasses.dataclass(frozen=True)
class SessionSet:
    """The statement ``s[key] = value`` -> ``await s.aset(key, value)``."""

    session: cst.Name
    key: cst.BaseExpression
    value: cst.BaseExpression


@dataclasses.dataclass(frozen=True)
class Redirect:
    """The statement ``assertRedirects(r, expected, ...)`` on a response that was not followed ->
    what it checks, spelled out: ``r``'s status is ``status_code``, its ``Location`` resolved
    against the request's path (as Django resolves a relative one, with the ``path`` of the ASGI
    scope AsyncClient responses carry instead of ``PATH_INFO``) equals ``expected`` (under
    ``assertURLEqual``), then, when ``path`` is set, an awaited GET of ``path`` (``data``: its query
    as a dict's code) with ``client`` (code) answers ``target``. All fields are code."""

    response: str
    status_code: str
    expected: str
    client: str
    path: str | None
    data: str | None
    target: str


Step = Twin | AsyncFor | ListComp | NewAsyncClient | ClientAttr | SessionRead | SessionSet | Redirect


@dataclasses.dataclass
class Plan:
    """Per node of the original test body (calls, ``for``/comprehension loops, attributes,
    statement lines), the one step the rewrite takes there. The scan fills it while it judges the
    test; the rewrite (``rewrite.Rewrite``) only reads it. Nodes are keys by identity (libcst
    nodes hash so), and no node gets two steps."""

    steps: dict[cst.CSTNode, Step] = dataclasses.field(default_factory=dict)

    def add(self, node: cst.CSTNode, step: Step) -> None:
        self.steps[node] = step

    def step(self, node: cst.CSTNode) -> Step | None:
        return self.steps.get(node)

    def new_clients(self) -> list[cst.Call]:
        """The ``Client(...)`` calls that become ``AsyncClient(...)``."""
        return [n for n, s in self.steps.items() if isinstance(s, NewAsyncClient) and isinstance(n, cst.Call)]

    def lists(self) -> bool:
        """Whether some ``list(qs)`` becomes a comprehension (which needs a fresh name)."""
        return any(isinstance(s, ListComp) for s in self.steps.values())
