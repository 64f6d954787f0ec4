"""Login: whether ``client.login()`` -> ``alogin()`` authenticates alike under the project's backends."""

from __future__ import annotations

from codemods.knowledge.testing import DJANGO_AUTH_BACKENDS
from codemods.problems import Problem
from codemods.project import test_setup

_LOGIN = "client.login() as alogin()"


def _login(text: str) -> Problem:
    return Problem("login-backends", f"{_LOGIN}: {text}")


def login_problem(test_path: str, test_source: str) -> Problem | None:
    """Why ``client.login()`` -> ``alogin()`` may not be equivalent: ``alogin`` calls
    ``aauthenticate`` on every configured backend, which a backend not derived from Django's
    ``BaseBackend`` lacks and which ``ModelBackend`` implements apart from ``authenticate``
    (a subclass overriding only ``authenticate`` is bypassed). Fine only when the settings
    leave ``AUTHENTICATION_BACKENDS`` unset or list Django's own backends."""
    if "AUTHENTICATION_BACKENDS" in test_source:
        return _login("this module overrides AUTHENTICATION_BACKENDS")
    unknown = test_setup.auth_backends_unknown(test_path, DJANGO_AUTH_BACKENDS)
    if unknown is None:
        return None
    where, what = unknown.where, unknown.what
    if unknown.kind == "no-settings":
        return _login("AUTHENTICATION_BACKENDS is unknown (no manage.py or pytest configuration names the settings)")
    if unknown.kind == "no-module":
        return _login(f"settings module {where} not found")
    if unknown.kind == "unreadable":
        return _login(f"settings file {where} cannot be read")
    if unknown.kind == "star-import":
        return _login(f"settings {where} star-imports {what}, which cannot be read")
    if unknown.kind == "not-literal":
        return _login(f"AUTHENTICATION_BACKENDS in {where} is not a literal list")
    if unknown.kind == "other-backend":
        return _login(
            f"AUTHENTICATION_BACKENDS lists {what} (only Django's own backends are known to "
            "authenticate alike in aauthenticate)"
        )
    return _login(f"AUTHENTICATION_BACKENDS is set in {where} in a way not read statically")
