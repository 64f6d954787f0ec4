"""What one call does, judged by its own name: a write, a synchronisation, its callee key.

The functions here return a description of the effect (``"post()"``, ``"sleep() delays what follows
it"``), or None: a fragment the callers put into a ``Problem`` or into what a function of the
module is found to do (``Func.writes``), not a refusal by itself.
"""

from __future__ import annotations

import libcst as cst

from codemods.analysis import last_name
from codemods.analysis.unwrap import named_sync_to_async
from codemods.knowledge.effects_gather import (
    ORM_READS,
    ORM_WRITES,
    POST_METHODS,
    READ_HTTP,
    SYNC_METHODS,
    SYNC_WRITES,
    WRITE_METHODS,
)
from codemods.knowledge.http import READ_METHODS


def request_method(call: cst.Call) -> str | None:
    """The literal method of ``client.request("GET", url)`` / ``request(method="GET")``."""
    for i, arg in enumerate(call.args):
        if (arg.keyword is None and i == 0 and not arg.star) or (
            arg.keyword is not None and arg.keyword.value == "method"
        ):
            value = arg.value
            if isinstance(value, cst.SimpleString):
                text = value.evaluated_value
                return text.upper() if isinstance(text, str) else None
            return None
    return None


def ordering_effect(call: cst.Call) -> str | None:
    """Why ``call`` orders what comes after it (a delay or a synchronisation), or None."""
    last = last_name(call.func)
    if last == "sleep":
        first = call.args[0].value if call.args else None
        if isinstance(first, cst.Integer) and first.value == "0":
            return None  # a bare yield to the event loop: no delay
        return "sleep() delays what follows it"
    if isinstance(call.func, cst.Attribute) and last in SYNC_METHODS:
        return (
            f"{last}() synchronises with other tasks, uses a connection that runs one thing at a "
            "time or reads the next item of a stream"
        )
    if isinstance(call.func, cst.Attribute) and last == "get" and not call.args:
        return "get() without arguments takes the next item of a queue"
    if isinstance(call.func, cst.Name) and last == "anext":
        return "anext() takes the next item of an iterator"
    return None


def write_effect(call: cst.Call, sync_too: bool = False) -> str | None:
    """Why ``call`` is an order-sensitive write, judged by its own name; None if it is not one."""
    f = call.func
    if isinstance(f, cst.Call):
        inner = named_sync_to_async(f.func)
        if inner is not None:
            return f"{inner}(...)(...), which may run any code"
        return None
    last = last_name(f)
    if isinstance(f, cst.Attribute):
        if last in WRITE_METHODS:
            return f"{last}()"
        if last == "request" and request_method(call) not in READ_HTTP:
            return "request() with a method other than a literal GET/HEAD/OPTIONS"
        if sync_too and last in SYNC_WRITES:
            return f"{last}()"
    if last in ORM_WRITES:
        return f"{last}()"
    return None


# Method names so common on objects of other types (clients, querysets, dicts) that a call on a
# receiver other than self/cls is not taken for a call of a same-named method of this module
# (``get`` is a post-processing method already; ``request`` is the HTTP clients' own).
GENERIC_METHODS = POST_METHODS | ORM_READS | READ_METHODS | {"request"}


def callee_key(call: cst.Call) -> tuple[str, bool] | None:
    """(name, is-attribute-call) under which a module function/method may be the callee."""
    f = call.func
    if isinstance(f, cst.Name):
        return f.value, False
    if isinstance(f, cst.Attribute):
        receiver = f.value
        if isinstance(receiver, cst.Name) and receiver.value in ("self", "cls"):
            return f.attr.value, True
        if isinstance(receiver, cst.Call) and last_name(receiver.func) == "super":
            return f.attr.value, True
        if f.attr.value in GENERIC_METHODS:
            return None
        return f.attr.value, True
    return None
