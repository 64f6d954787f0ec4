"""pytest: the local upstream server runs for the whole session (manage.py test: shopsite/testrunner.py)."""

import pytest
from django.conf import settings

from upstream import Upstream


@pytest.fixture(scope="session", autouse=True)
def upstream_server():
    with Upstream() as upstream:
        previous = settings.UPSTREAM_URL
        settings.UPSTREAM_URL = upstream.url
        yield upstream
        settings.UPSTREAM_URL = previous
