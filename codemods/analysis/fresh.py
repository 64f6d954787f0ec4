"""Fresh-names room: a new name that clashes with none already taken."""

from __future__ import annotations

from collections.abc import Container


def fresh_name(base: str, *taken: Container[str], glued: bool = False) -> str:
    """``base``, else ``base`` numbered from 1 until the name is in none of ``taken``.

    The number follows an underscore (``client_1``, ``row_2``), or with ``glued`` it is written
    right after the base (``tg1``, ``_result2``; gather-awaits' style) unless the base ends in a
    digit, where an underscore keeps them apart (``x1_1``)."""
    sep = "_" if not glued or base[-1:].isdigit() else ""
    name, k = base, 0
    while any(name in t for t in taken):
        k += 1
        name = f"{base}{sep}{k}"
    return name
