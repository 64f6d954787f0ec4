"""`manage.py test` with the local upstream server running (pytest gets the same from conftest.py)."""

from django.conf import settings
from django.test.runner import DiscoverRunner

from upstream import Upstream


class UpstreamTestRunner(DiscoverRunner):
    def setup_test_environment(self, **kwargs):
        super().setup_test_environment(**kwargs)
        self._upstream = Upstream().start()
        self._previous_upstream_url = settings.UPSTREAM_URL
        settings.UPSTREAM_URL = self._upstream.url

    def teardown_test_environment(self, **kwargs):
        settings.UPSTREAM_URL = self._previous_upstream_url
        self._upstream.stop()
        super().teardown_test_environment(**kwargs)
