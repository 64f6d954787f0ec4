"""requests-to-httpx: basic calls and imports, the httpx2 option, and the shared SSL context."""

from __future__ import annotations

import pytest

from codemods.project import ProjectIndex
from tests.requests_to_httpx_support import CM, check_transformed


def test_basic_get_with_json():
    check_transformed(
        CM,
        """\
        import requests


        async def view(request):
            \"\"\"Doc.\"\"\"
            return requests.get(URL).json()
        """,
        """\
        import httpx


        async def view(request):
            \"\"\"Doc.\"\"\"
            async with httpx.AsyncClient() as client:
                return (await client.get(URL, follow_redirects=True, timeout=None)).json()
        """,
    )


def test_alias_head_post_positional_and_data_literal():
    check_transformed(
        CM,
        """\
        import os
        import requests as rq


        async def view(client):
            r = rq.head(URL)
            rq.post(URL, b"raw", allow_redirects=False)
            rq.get(URL + "/a", {"a": 1}, timeout=3)
            return r.status_code
        """,
        """\
        import os
        import httpx


        async def view(client):
            async with httpx.AsyncClient() as client_1:
                r = await client_1.head(URL, timeout=None)
                await client_1.post(URL, content=b"raw", follow_redirects=False, timeout=None)
                await client_1.get(URL + "/a", params={"a": 1}, timeout=3, follow_redirects=True)
            return r.status_code
        """,
    )


def test_from_import_and_sync_untouched_keeps_import():
    check_transformed(
        CM,
        """\
        from requests import get


        def sync():
            return get(URL)


        async def view():
            return get(URL)["x"]
        """,
        """\
        from requests import get
        import httpx


        def sync():
            return get(URL)


        async def view():
            async with httpx.AsyncClient() as client:
                return (await client.get(URL, follow_redirects=True, timeout=None))["x"]
        """,
    )


def test_httpx2_option_and_auto():
    before = """\
        import requests


        async def view():
            return requests.delete(URL).status_code
        """
    after = """\
        import httpx2


        async def view():
            async with httpx2.AsyncClient() as client:
                return (await client.delete(URL, follow_redirects=True, timeout=None)).status_code
        """
    check_transformed(CM, before, after, options={"http-client": "httpx2"})
    check_transformed(CM, before, after, project=ProjectIndex(uses_httpx2=True))


# --------------------------------------------------------------------------- shared SSL context
# httpx builds (and loads the CA bundle into) a new SSL context for every client it creates:
# ~50 ms of CPU a client on the benchmark machine, which the event loop waits out. One
# module-level context, made as httpx makes its default one, is given to every new client.


def test_shared_ssl_context_by_default():
    check_transformed(
        CM,
        """\
        \"\"\"Views.\"\"\"
        import requests
        from django.http import JsonResponse
        URL = "http://upstream"


        async def view(request):
            return JsonResponse(requests.get(URL).json())


        async def with_session(request):
            with requests.Session() as s:
                return JsonResponse(s.get(URL).json())
        """,
        """\
        \"\"\"Views.\"\"\"
        import httpx
        from django.http import JsonResponse

        # TLS setup shared by the AsyncClients of this module: made once, as loading the CA
        # certificates for every new client is slow.
        _HTTPX_SSL_CONTEXT = httpx.create_ssl_context()

        URL = "http://upstream"


        async def view(request):
            async with httpx.AsyncClient(verify=_HTTPX_SSL_CONTEXT) as client:
                return JsonResponse((await client.get(URL, follow_redirects=True, timeout=None)).json())


        async def with_session(request):
            async with httpx.AsyncClient(verify=_HTTPX_SSL_CONTEXT) as s:
                return JsonResponse((await s.get(URL, follow_redirects=True, timeout=None)).json())
        """,
        options={"ssl-context": "shared"},
    )


def test_shared_ssl_context_name_clash_httpx2_and_given_tls_settings():
    # verify=/cert= given: the client builds the context those ask for, nothing is shared;
    # a name already used in the module gets a suffix.
    check_transformed(
        CM,
        """\
        import requests

        _HTTPX2_SSL_CONTEXT = None


        async def a():
            return requests.get(URL, verify="/etc/ca.pem").status_code


        async def b():
            return requests.get(URL, cert=("c.pem", "k.pem")).status_code


        async def c():
            return requests.get(URL, proxies={"http": P, "https": P}).status_code
        """,
        """\
        import httpx2

        # TLS setup shared by the AsyncClients of this module: made once, as loading the CA
        # certificates for every new client is slow.
        _HTTPX2_SSL_CONTEXT_1 = httpx2.create_ssl_context()

        _HTTPX2_SSL_CONTEXT = None


        async def a():
            async with httpx2.AsyncClient(verify="/etc/ca.pem") as client:
                return (await client.get(URL, follow_redirects=True, timeout=None)).status_code


        async def b():
            async with httpx2.AsyncClient(cert=("c.pem", "k.pem")) as client:
                return (await client.get(URL, follow_redirects=True, timeout=None)).status_code


        async def c():
            async with httpx2.AsyncClient(proxy=P, verify=_HTTPX2_SSL_CONTEXT_1) as client:
                return (await client.get(URL, follow_redirects=True, timeout=None)).status_code
        """,
        options={"http-client": "httpx2", "ssl-context": "shared"},
    )


def test_shared_ssl_context_reused_and_not_added_when_unused():
    # A context made earlier (by a previous run) is reused; a function shadowing its name makes
    # its own client context.
    check_transformed(
        CM,
        """\
        import httpx
        import requests

        TLS = httpx.create_ssl_context()


        async def a():
            return requests.get(URL).status_code


        async def b(TLS):
            return requests.get(URL).status_code
        """,
        """\
        import httpx

        TLS = httpx.create_ssl_context()


        async def a():
            async with httpx.AsyncClient(verify=TLS) as client:
                return (await client.get(URL, follow_redirects=True, timeout=None)).status_code


        async def b(TLS):
            async with httpx.AsyncClient() as client:
                return (await client.get(URL, follow_redirects=True, timeout=None)).status_code
        """,
        options={"ssl-context": "shared"},
    )
    check_transformed(
        CM,
        """\
        import requests


        async def a():
            return requests.get(URL, verify=False).status_code
        """,
        """\
        import httpx


        async def a():
            async with httpx.AsyncClient(verify=False) as client:
                return (await client.get(URL, follow_redirects=True, timeout=None)).status_code
        """,
        options={"ssl-context": "shared"},
    )


@pytest.mark.parametrize("client", ["httpx", "httpx2"])
def test_shared_ssl_context_is_the_one_a_client_makes(client):
    # The claim behind the option: create_ssl_context() with no argument gives the context a
    # client builds for itself (certificate checks, host names, protocol floor, options, CAs).
    mod = pytest.importorskip(client)
    made = getattr(getattr(mod.AsyncClient()._transport, "_pool", None), "_ssl_context", None)
    if made is None:
        pytest.skip(f"{client} keeps its SSL context elsewhere")
    shared = mod.create_ssl_context()
    for attr in ("verify_mode", "check_hostname", "minimum_version", "maximum_version", "options", "verify_flags"):
        assert getattr(shared, attr) == getattr(made, attr), attr
    assert shared.cert_store_stats() == made.cert_store_stats()
    assert shared.get_ca_certs() == made.get_ca_certs()
