"""Django test facts: test case classes, test clients, login helpers, fixtures, auth backends."""

from __future__ import annotations

# Django's own test case classes (django.test), by class name.
DJANGO_TEST_CASES = frozenset(
    {"SimpleTestCase", "TestCase", "TransactionTestCase", "LiveServerTestCase", "StaticLiveServerTestCase"}
)
