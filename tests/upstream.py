"""A real HTTP server on 127.0.0.1 for behaviour tests (no mocks): started in a thread per test session.

Endpoints (all answer JSON unless said otherwise):
- ``/json``: ``{"hello": "world", "query": {...}}``
- ``/echo``: the request as seen by the server: method, path, query, headers, body (text), cookies
- ``/status/<code>``: answers with that status code (``/status/302`` redirects to /json)
- ``/redirect/<n>``: a 302 chain of n hops ending at /json; ``/redirect-to?url=U&code=C``
- ``/delay/<ms>``: waits, then answers
- ``/lines/<n>``: n lines of text; ``/bytes/<n>``: n bytes
- ``/typed?type=T&body=B``: answers the percent-encoded bytes B with Content-Type T (charset tests)
- ``/set-cookie?name=value``: sets cookies and answers 200
- ``/form``: a form-encoded body decoded, as JSON
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, code: int, payload: object = None, headers: dict[str, str] | None = None, raw: bytes | None = None) -> None:
        data = raw if raw is not None else json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json" if raw is None else "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _handle(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        parts = [p for p in url.path.split("/") if p]
        body = self._body()
        head = parts[0] if parts else ""
        if head == "json":
            self._send(200, {"hello": "world", "query": query})
        elif head == "echo":
            self._send(
                200,
                {
                    "method": self.command,
                    "path": url.path,
                    "query": query,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": body.decode("utf-8", "replace"),
                    "cookies": self.headers.get("Cookie", ""),
                },
            )
        elif head == "form":
            self._send(200, dict(urllib.parse.parse_qsl(body.decode())))
        elif head == "status":
            code = int(parts[1])
            headers = {"Location": "/json"} if 300 <= code < 400 else {}
            self._send(code, {"status": code}, headers)
        elif head == "redirect":
            n = int(parts[1])
            target = f"/redirect/{n - 1}" if n > 1 else "/json"
            self._send(302, {"redirect": n}, {"Location": target})
        elif head == "redirect-to":
            self._send(int(query.get("code", 302)), {}, {"Location": query["url"]})
        elif head == "delay":
            time.sleep(int(parts[1]) / 1000)
            self._send(200, {"delayed_ms": int(parts[1])})
        elif head == "lines":
            self._send(200, raw="".join(f"line {i}\n" for i in range(int(parts[1]))).encode())
        elif head == "bytes":
            self._send(200, raw=bytes(i % 256 for i in range(int(parts[1]))))
        elif head == "typed":  # ?type=<Content-Type>&body=<percent-encoded bytes>, answered as given
            raw = dict(p.split("=", 1) for p in url.query.split("&") if "=" in p)
            data = urllib.parse.unquote_to_bytes(raw.get("body", ""))
            self.send_response(200)
            self.send_header("Content-Type", urllib.parse.unquote_plus(raw.get("type", "")))
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
        elif head == "set-cookie":
            cookies = [f"{k}={v}; Path=/" for k, v in query.items()]
            self.send_response(200)
            for c in cookies:
                self.send_header("Set-Cookie", c)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")
        else:
            self._send(404, {"error": "not found"})

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle


class Upstream:
    """``with Upstream() as up: up.url("/json")``"""

    def __enter__(self):  # returns self
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        return self

    def url(self, path: str) -> str:
        return self.base + path

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
