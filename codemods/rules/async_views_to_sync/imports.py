"""Imports after the rewrite: the sync names added, the async names it left unused dropped."""

from __future__ import annotations

import libcst as cst

from codemods.analysis.twin_imports import fix_imports as _fix
from codemods.knowledge.orm import FUNCTIONS
from codemods.knowledge.runtime import SYNC_TO_ASYNC

# The async names a converted view may have been the last user of -> the sync twin's name in the
# same module ("" for sync_to_async: no twin).
DROPPABLE = {**{q: twin for q, (_, twin, _, _) in FUNCTIONS.items()}, SYNC_TO_ASYNC: ""}


def fix_imports(module: cst.Module, needed: set[tuple[str, str]], used_before: set[str]) -> cst.Module:
    """Add the sync twins used; drop the async imports the rewrite left unused (see
    ``analysis.twin_imports``)."""
    return _fix(module, needed, used_before, DROPPABLE)
