"""Comments room: the ``# dj-asyncify: skip`` suppression comment."""

from __future__ import annotations

import libcst as cst

SKIP_COMMENT = "dj-asyncify: skip"


def _comment_text(ws: cst.TrailingWhitespace) -> str:
    return ws.comment.value if ws.comment is not None else ""


def has_skip_comment(node: cst.FunctionDef | cst.ClassDef) -> bool:
    """True if the ``def``/``class`` line (or one of its decorator lines) says ``# dj-asyncify: skip``."""
    comments: list[str] = []
    body = node.body
    if isinstance(body, cst.IndentedBlock):
        comments.append(_comment_text(body.header))
    elif isinstance(body, cst.SimpleStatementSuite):
        comments.append(_comment_text(body.trailing_whitespace))
    for dec in node.decorators:
        comments.append(_comment_text(dec.trailing_whitespace))
    return any(_is_skip(c) for c in comments)


def _is_skip(comment: str) -> bool:
    text = comment.lstrip("#").strip()
    return text == SKIP_COMMENT or text.startswith((SKIP_COMMENT + " ", SKIP_COMMENT + ":"))
