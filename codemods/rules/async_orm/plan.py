"""Plan room: the steps the rewrite takes, per node of the original module, as the scan decided."""

from __future__ import annotations

import dataclasses

from codemods.analysis.orm import AsyncFor, ListComp, Twin


@dataclasses.dataclass(frozen=True)
class FuncTwin:
    """``get_object_or_404(...)`` -> ``await <name>(...)`` (``module``.``name`` is imported when the
    call names the function bare; ``shortcuts.get_object_or_404`` keeps its module)."""

    name: str
    module: str


@dataclasses.dataclass(frozen=True)
class Rename:
    """``qs.iterator(...)`` as the iterable of an ``async for`` -> ``qs.aiterator(...)``."""

    name: str


@dataclasses.dataclass(frozen=True)
class Unwrap:
    """``await sync_to_async(<target>)(*args)`` -> the target's own async form: ``inner`` is the
    step the target's call takes (``Twin``, ``FuncTwin`` or ``ListComp``); ``lambda_body``: the
    target is ``lambda: <call>`` and that call is what runs."""

    inner: Twin | FuncTwin | ListComp
    lambda_body: bool = False


@dataclasses.dataclass(frozen=True)
class AttrCall:
    """``recv.attr`` (a read) -> ``await recv.<name>()``, in parentheses where the grammar needs
    them: ``request.user`` -> ``await request.auser()``, ``paginator.count`` -> ``await
    paginator.acount()``."""

    name: str


@dataclasses.dataclass(frozen=True)
class ClassTwin:
    """``Paginator(...)`` -> ``<name>(...)`` (not awaited); ``module``.``name`` is imported when
    the class is named bare."""

    name: str
    module: str
    bare: bool


Step = Twin | FuncTwin | AsyncFor | Rename | ListComp | Unwrap | AttrCall | ClassTwin
