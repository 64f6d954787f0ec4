"""The test suite of dj-asyncify (a package so tests import shared helpers as ``tests.<module>``)."""
