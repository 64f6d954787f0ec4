"""The shop's upstream services (pricing, warehouse, reviews, orders) as one tiny local HTTP server.

The views call it over HTTP; the tests and the benchmark start it on 127.0.0.1 on a free port and
hand its address to the views (``settings.UPSTREAM_URL``, or the ``SHOP_UPSTREAM_URL`` environment
variable for a server started in another process). No internet needed.

Each endpoint can be given a fixed delay (seconds), keyed by the first path segment::

    with Upstream(delays={"rates": 0.3, "stock": 0.3}) as up:
        print(up.url)

or from a shell: ``python upstream.py --port 8001 --delay rates=0.3 --delay stock=0.3``.

Endpoints (JSON):
    GET  /rates                 exchange rates
    GET  /stock                 warehouse stock levels by SKU
    GET  /reviews               review summary
    GET  /recommendations       recommended SKUs
    GET  /promotions            running promotions
    GET  /shipping              shipping estimate
    POST /orders                record an order ``{"reference", "sku", "quantity"}`` -> 201
    GET  /orders/<reference>    a recorded order, 404 if unknown
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CATALOGUE = {
    "rates": {"base": "EUR", "EUR": 1.0, "USD": 1.08, "GBP": 0.86},
    "stock": {"warehouse": "north", "levels": {"KB-01": 12, "MS-02": 0, "HD-03": 4}},
    "reviews": {"average": 4.4, "count": 128},
    "recommendations": {"skus": ["MS-02", "HD-03"]},
    "promotions": {"codes": ["SPRING10"]},
    "shipping": {"carrier": "ParcelCo", "days": 2},
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes: no 40 ms stall between them
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def _reply(self, status: int, payload: object) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _route(self) -> tuple[str, list[str]]:
        parts = [p for p in self.path.split("?", 1)[0].split("/") if p]
        head = parts[0] if parts else ""
        delay = self.server.delays.get(head, 0.0)
        if delay:
            time.sleep(delay)
        return head, parts

    def do_GET(self) -> None:
        head, parts = self._route()
        if head in CATALOGUE and len(parts) == 1:
            self._reply(200, CATALOGUE[head])
        elif head == "orders" and len(parts) == 2:
            with self.server.lock:
                order = self.server.orders.get(parts[1])
            if order is None:
                self._reply(404, {"error": "unknown order"})
            else:
                self._reply(200, order)
        else:
            self._reply(404, {"error": "not found"})

    def do_POST(self) -> None:
        head, parts = self._route()
        length = int(self.headers.get("Content-Length") or 0)
        try:
            data = json.loads(self.rfile.read(length) or b"null")
        except ValueError:
            data = None
        if head != "orders" or len(parts) != 1:
            self._reply(404, {"error": "not found"})
        elif not isinstance(data, dict) or not {"reference", "sku", "quantity"} <= data.keys():
            self._reply(400, {"error": "reference, sku and quantity are required"})
        else:
            order = {**data, "status": "received"}
            with self.server.lock:
                self.server.orders[str(data["reference"])] = order
            self._reply(201, order)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the benchmark opens many connections at once

    def __init__(self, address: tuple[str, int], delays: dict[str, float]) -> None:
        super().__init__(address, _Handler)
        self.delays = dict(delays)
        self.orders: dict[str, dict] = {}
        self.lock = threading.Lock()

    def handle_error(self, request: object, client_address: tuple[str, int]) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that went away is no error
            super().handle_error(request, client_address)


class Upstream:
    """The upstream server in a background thread: ``with Upstream(delays={...}) as up: up.url``."""

    def __init__(self, port: int = 0, delays: dict[str, float] | None = None) -> None:
        self.server = _Server(("127.0.0.1", port), delays or {})
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> Upstream:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> Upstream:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--delay", action="append", default=[], metavar="ENDPOINT=SECONDS")
    args = parser.parse_args(argv)
    delays = {}
    for item in args.delay:
        name, _, seconds = item.partition("=")
        delays[name] = float(seconds)
    up = Upstream(args.port, delays)
    print(up.url, flush=True)  # the first line of output is the address (the benchmark reads it)
    try:
        up.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        up.server.server_close()
    sys.exit(0)


if __name__ == "__main__":
    main()
