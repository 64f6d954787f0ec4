"""Served speed of the bundled example before and after ``dj-asyncify apply``.

Copies ``examples/legacy_shop`` into a temporary directory, migrates copies with the installed
``dj-asyncify``, and serves each copy under uvicorn (ASGI, one worker, a free port) - and, for the
legacy sync back office, also under gunicorn (WSGI, one gthread worker of ``WSGI_THREADS`` threads) -
against the example's own upstream server (``upstream.py``, run as a separate process with fixed
delays). httpx is the load generator. Prints:

1. latency of the three-call views (``/api/dashboard/``: responses bound then decoded;
   ``/api/storefront/``: ``requests.get(...).json()`` inline) - before ~ the sum of the three
   upstream delays, after ~ the slowest one; the ratio to the slowest single upstream call
   (target <= 1.15);
   ``/api/overview/``: three functions of ``shop/services.py`` doing one httpx GET each, which
   gather-awaits reads and finds free of ordering effects - gathered as well;
2. latency of ``/api/extras/``, which gathers three ``sync_to_async(requests.get)`` calls - before
   ~ the sum (thread-sensitive calls run one at a time), after ~ the slowest one once the codemod
   rewrites that form;
3. requests/second with 50 concurrent clients on ``/api/rates/`` (one ``requests`` call: it blocks the
   event loop before the migration) - target >= 10x after;
4. latency of ``/backoffice/dashboard/``, a plain sync view making three independent ``requests``
   calls, which sync-views-to-async makes async (the rest of the run gathers the calls), under both
   servers - before ~ the sum, after <= 1.15x the slowest upstream call under ASGI, <= 1.3x under
   WSGI (Django runs an async view in an event loop of its own per request there: the gathered
   calls still overlap);
5. requests/second with 50 concurrent clients on the three back-office views made async
   (``/backoffice/dashboard/``, ``/backoffice/suppliers/``, ``/backoffice/stock-report/``), before
   and after, under both servers, with the server's CPU time per request. Under ASGI a sync view
   already runs in a thread of its own per request (Django's ``ThreadSensitiveContext``), so its
   blocking calls hold no event loop: the gain there is latency, not throughput. Under WSGI each
   request holds one of the worker's threads for as long as its view runs: a third as long after.

Latencies are medians over several sequential runs after a warm-up; throughput is the median of
several fixed-length windows. Usage::

    python benchmarks/bench_served.py            # full run (about 7 minutes)
    python benchmarks/bench_served.py --quick    # smoke run (about 2 minutes)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import os
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "legacy_shop"
MULTI_CALL_ENDPOINTS = ("rates", "stock", "reviews", "recommendations", "promotions", "shipping")


def tool(override: str | None = None) -> list[str]:
    if override:
        return shlex.split(override)
    exe = Path(sys.executable).with_name("dj-asyncify")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("dj-asyncify")
    if found:
        return [found]
    return [sys.executable, "-m", "codemods"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def project_env(db: Path, upstream_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="shopsite.settings",
        SHOP_DB_PATH=str(db),
        SHOP_UPSTREAM_URL=upstream_url,
        SHOP_DEBUG="0",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


@contextlib.contextmanager
def upstream(project: Path, delays: dict[str, float]) -> Iterator[str]:
    """The example's upstream server in its own process (so it competes with nothing in this one)."""
    args = [sys.executable, "upstream.py", "--port", "0"]
    for name, seconds in delays.items():
        args += ["--delay", f"{name}={seconds}"]
    proc = subprocess.Popen(args, cwd=project, stdout=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip()
        if not url.startswith("http://"):
            raise RuntimeError(f"upstream did not start: {url!r}")
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


@dataclasses.dataclass
class Served:
    base: str
    pid: int

    def cpu_seconds(self) -> float | None:
        """User + system CPU time so far of the server process and of its live children (gunicorn's
        worker is a child of its arbiter): Linux /proc; None elsewhere."""
        total, pending = 0, [self.pid]
        while pending:
            pid = pending.pop()
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                if pid == self.pid:
                    return None
                continue
            total += int(fields[11]) + int(fields[12])
            for task in Path(f"/proc/{pid}/task").glob("*/children"):
                with contextlib.suppress(OSError):
                    pending += [int(child) for child in task.read_text().split()]
        return total / os.sysconf("SC_CLK_TCK")


# Threads of the gunicorn worker serving WSGI: each request holds one for as long as its view runs
# (an async view too: Django runs it to the end in an event loop of its own for that request).
WSGI_THREADS = 8


def server_command(kind: str, port: int) -> list[str]:
    """uvicorn (ASGI) or gunicorn with one gthread worker (WSGI), one process each, on ``port``."""
    if kind == "asgi":
        return [
            sys.executable, "-m", "uvicorn", "shopsite.asgi:application",
            "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log",
            # A blocked event loop ("before") leaves answered connections waiting for their next
            # request longer than uvicorn's 5 s keep-alive default: it would drop them under load.
            "--timeout-keep-alive", "300",
        ]
    return [
        sys.executable, "-m", "gunicorn", "shopsite.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", "1", "--worker-class", "gthread",
        "--threads", str(WSGI_THREADS), "--log-level", "warning",
        # Connections queued behind busy threads wait longer than the 2 s keep-alive default.
        "--keep-alive", "300", "--timeout", "120",
    ]


SERVERS = {"asgi": "uvicorn (ASGI)", "wsgi": f"gunicorn gthread x{WSGI_THREADS} (WSGI)"}


@contextlib.contextmanager
def served(project: Path, db: Path, upstream_url: str, kind: str = "asgi") -> Iterator[Served]:
    """The project under uvicorn or gunicorn, one worker, on a free port; yields it once it answers."""
    port = free_port()
    proc = subprocess.Popen(server_command(kind, port), cwd=project, env=project_env(db, upstream_url))
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(base + "/about/", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{SERVERS[kind]} did not start for {project}")
            time.sleep(0.1)
        yield Served(base, proc.pid)
    finally:
        proc.terminate()
        proc.wait(10)


def latency(url: str, runs: int, warmup: int = 2) -> float:
    """Median seconds of sequential GETs (after a warm-up); every answer must be 200."""
    times = []
    with httpx.Client(timeout=60) as client:
        for i in range(warmup + runs):
            start = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - start
            if response.status_code != 200:
                raise RuntimeError(f"{url}: {response.status_code} {response.text[:200]}")
            if i >= warmup:
                times.append(elapsed)
    return statistics.median(times)


async def _load(url: str, clients: int, seconds: float) -> tuple[float, int]:
    """Closed loop: `clients` workers send GETs back to back for `seconds`, then wait for their last
    answer. Returns answers per second over the whole span (requests queued behind a blocked event
    loop are waited for and counted, so a server cannot look fast by leaving them unanswered)."""
    done = 0
    start = time.perf_counter()
    stop_at = start + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=300, limits=limits) as client:

        async def worker() -> None:
            nonlocal done
            while time.perf_counter() < stop_at:
                response = await client.get(url)
                if response.status_code != 200:
                    raise RuntimeError(f"{url}: {response.status_code} under load")
                done += 1

        await asyncio.gather(*(worker() for _ in range(clients)))
    return done / (time.perf_counter() - start), done


def throughput(
    server: Served, path: str, clients: int, seconds: float, windows: int
) -> tuple[float, float | None]:
    """Median req/s over `windows` load windows, and the server's CPU milliseconds per request."""
    url = server.base + path
    latency(url, runs=1, warmup=3)
    rates, cpu_ms = [], []
    for _ in range(windows):
        cpu_before = server.cpu_seconds()
        rate, count = asyncio.run(_load(url, clients, seconds))
        cpu_after = server.cpu_seconds()
        rates.append(rate)
        if cpu_before is not None and cpu_after is not None:
            cpu_ms.append((cpu_after - cpu_before) / count * 1000)
    return statistics.median(rates), statistics.median(cpu_ms) if cpu_ms else None


def prepare(workdir: Path, tool_override: str | None) -> dict[str, Path]:
    """Copies of the example: as it is, migrated, and migrated with one SSL context per client
    (``-o requests-to-httpx.ssl-context=per-client``, httpx's own default)."""
    ignore = shutil.ignore_patterns("__pycache__", ".dj-asyncify-cache", ".pytest_cache", "db.sqlite3")
    variants = {"before": None, "after": [], "per-client": ["-o", "requests-to-httpx.ssl-context=per-client"]}
    projects = {}
    for name, options in variants.items():
        projects[name] = workdir / name / "legacy_shop"
        shutil.copytree(EXAMPLE, projects[name], ignore=ignore)
        if options is None:
            continue
        applied = subprocess.run(
            [*tool(tool_override), "apply", "-q", "--no-cache", *options, str(projects[name])],
            capture_output=True,
            text=True,
            check=False,
        )
        if applied.returncode != 0:
            sys.exit(f"dj-asyncify apply failed ({applied.returncode}):\n{applied.stderr}")
    converted = (projects["after"] / "backoffice" / "views.py").read_text()
    if "async def partner_dashboard(request):" not in converted:
        sys.exit("dj-asyncify apply left backoffice.views.partner_dashboard sync: nothing to measure")
    for name, project in projects.items():
        db = workdir / f"{name}.sqlite3"
        env = project_env(db, "http://127.0.0.1:9")
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=project, env=env, check=True)
        # The stock report's queryset has rows to render: two products under five in stock.
        subprocess.run([sys.executable, "manage.py", "shell", "-c", SEED], cwd=project, env=env, check=True)
    return projects


SEED = (
    "from shop.models import Product; Product.objects.bulk_create(["
    "Product(sku='KB-01', name='Keyboard', price_cents=4900, stock=12), "
    "Product(sku='HD-03', name='Headset', price_cents=8900, stock=4), "
    "Product(sku='MS-02', name='Mouse', price_cents=1950, stock=0)])"
)
# The back office's sync views that sync-views-to-async makes async (examples/legacy_shop/README.md).
BACKOFFICE = (
    ("/backoffice/dashboard/", "3 calls"),
    ("/backoffice/suppliers/", "2 calls"),
    ("/backoffice/stock-report/", "2 calls, template, queryset"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: fewer runs, shorter windows")
    parser.add_argument(
        "--delay", type=float, default=0.3, help="upstream delay of the multi-call endpoints (s)"
    )
    parser.add_argument(
        "--rps-delay", type=float, default=0.1, help="upstream delay behind /api/rates/ under load (s)"
    )
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument(
        "--tool", help="command that runs dj-asyncify (default: the installed console script)"
    )
    args = parser.parse_args()
    runs, seconds, windows = (3, 3.0, 1) if args.quick else (7, 8.0, 3)
    office_windows = 1 if args.quick else 2

    with tempfile.TemporaryDirectory(prefix="bench-served-") as tmp:
        workdir = Path(tmp)
        projects = prepare(workdir, args.tool)
        print(
            f"legacy_shop before/after `dj-asyncify apply`, uvicorn (1 worker; the back office also under "
            f"{SERVERS['wsgi']}), {runs} runs per figure"
            f"{' (quick)' if args.quick else ''}"
        )

        results: dict[str, dict[str, float]] = {name: {} for name in projects}
        cpu_per_request: dict[str, float | None] = {}
        # The back office, per server kind and variant: {(kind, name): {path or path+" rps": ...}}.
        office: dict[tuple[str, str], dict[str, float]] = {(k, n): {} for k in SERVERS for n in ("before", "after")}
        office_cpu: dict[tuple[str, str, str], float | None] = {}
        load_start = os.getloadavg()[0]
        # 1, 2 and 4: latency with every upstream endpoint taking --delay seconds.
        with upstream(projects["before"], {e: args.delay for e in MULTI_CALL_ENDPOINTS}) as up:
            slowest_single = max(latency(f"{up}/{e}", runs) for e in ("rates", "stock", "reviews"))
            for kind in SERVERS:
                for name in ("before", "after"):
                    with served(projects[name], workdir / f"{name}.sqlite3", up, kind) as server:
                        office[kind, name]["dashboard"] = latency(server.base + BACKOFFICE[0][0], runs)
                        if kind != "asgi":
                            continue
                        for view in ("rates", "dashboard", "storefront", "overview", "extras"):
                            results[name][view] = latency(f"{server.base}/api/{view}/", runs)
        # 3 and 5: throughput with every upstream call taking --rps-delay seconds.
        with upstream(projects["before"], {e: args.rps_delay for e in MULTI_CALL_ENDPOINTS}) as up:
            for name, project in projects.items():
                with served(project, workdir / f"{name}.sqlite3", up) as server:
                    rps, cpu_ms = throughput(server, "/api/rates/", args.clients, seconds, windows)
                    results[name]["rps"], cpu_per_request[name] = rps, cpu_ms
            for kind in SERVERS:
                for name in ("before", "after"):
                    with served(projects[name], workdir / f"{name}.sqlite3", up, kind) as server:
                        for path, _ in BACKOFFICE:
                            rps, cpu_ms = throughput(server, path, args.clients, seconds, office_windows)
                            office[kind, name][path], office_cpu[kind, name, path] = rps, cpu_ms

    before, after = results["before"], results["after"]
    print(
        f"\nmachine: {os.cpu_count()} CPUs, load average {load_start:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end (other work on the machine slows the CPU-bound figures)"
    )
    print(
        f"upstream delay {args.delay * 1000:.0f} ms per call; slowest single upstream call measured "
        f"directly: {slowest_single * 1000:.0f} ms"
    )
    print(f"{'view':<44}{'before':>10}{'after':>10}{'after / slowest call':>24}")
    rows = [
        ("/api/rates/     (1 requests call)", "rates"),
        ("/api/dashboard/ (3 calls, responses bound)", "dashboard"),
        ("/api/storefront/ (3 calls, .json() inline)", "storefront"),
        ("/api/overview/  (3 project service functions)", "overview"),
        ("/api/extras/    (gather of 3 sync_to_async)", "extras"),
    ]
    for label, key in rows:
        print(
            f"{label:<44}{before[key] * 1000:>8.0f}ms{after[key] * 1000:>8.0f}ms"
            f"{after[key] / slowest_single:>23.2f}x"
        )
    print(
        f"\n/api/rates/ under {args.clients} concurrent clients, upstream delay {args.rps_delay * 1000:.0f} ms: "
        f"{before['rps']:.1f} req/s before, {after['rps']:.1f} req/s after "
        f"({after['rps'] / before['rps']:.1f}x; target >= 10x)"
    )
    if cpu_per_request.get("before") is not None and cpu_per_request.get("after") is not None:
        print(
            f"server CPU per request: {cpu_per_request['before']:.1f} ms before, {cpu_per_request['after']:.1f} ms after"
        )
    per_client = results["per-client"]["rps"]
    cpu = cpu_per_request.get("per-client")
    print(
        f"migrated with -o requests-to-httpx.ssl-context=per-client (each AsyncClient builds its own SSL "
        f"context, loading the CA certificates): {per_client:.1f} req/s ({per_client / before['rps']:.1f}x)"
        + (f", {cpu:.1f} ms server CPU per request" if cpu is not None else "")
    )
    for key in ("dashboard", "storefront", "overview"):
        verdict = "met" if after[key] / slowest_single <= 1.15 else "NOT met"
        print(
            f"{key}: after / slowest single call = {after[key] / slowest_single:.2f} (target <= 1.15: {verdict})"
        )
    report_backoffice(office, office_cpu, slowest_single, args)


TARGETS = {"asgi": 1.15, "wsgi": 1.3}


def report_backoffice(
    office: dict[tuple[str, str], dict[str, float]],
    cpu: dict[tuple[str, str, str], float | None],
    slowest_single: float,
    args: argparse.Namespace,
) -> None:
    """4 and 5: the legacy sync back office, made async by sync-views-to-async, under both servers."""
    print(
        f"\nlegacy sync back office (sync views made async by sync-views-to-async), {BACKOFFICE[0][0]}: three "
        f"independent {args.delay * 1000:.0f} ms upstream calls"
    )
    print(f"{'server':<32}{'before':>10}{'after':>10}{'before / slowest':>19}{'after / slowest':>18}{'target':>10}")
    for kind, label in SERVERS.items():
        before, after = office[kind, "before"]["dashboard"], office[kind, "after"]["dashboard"]
        ratio = after / slowest_single
        verdict = "met" if ratio <= TARGETS[kind] else "NOT met"
        print(
            f"{label:<32}{before * 1000:>8.0f}ms{after * 1000:>8.0f}ms{before / slowest_single:>18.2f}x"
            f"{ratio:>17.2f}x{f'<= {TARGETS[kind]} {verdict}':>18}"
        )
    print(
        f"\nrequests/s under {args.clients} concurrent clients, every upstream call {args.rps_delay * 1000:.0f} ms "
        "(server CPU ms per request in brackets)"
    )
    print(f"{'view':<58}" + "".join(f"{k.upper() + ' before':>22}{'after':>16}{'':>8}" for k in SERVERS))
    for path, what in BACKOFFICE:
        cells = []
        for kind in SERVERS:
            before, after = office[kind, "before"][path], office[kind, "after"][path]
            cpu_before, cpu_after = cpu.get((kind, "before", path)), cpu.get((kind, "after", path))
            shown = [
                f"{rate:.1f}" + (f" ({ms:.1f})" if ms is not None else "")
                for rate, ms in ((before, cpu_before), (after, cpu_after))
            ]
            cells.append(f"{shown[0]:>22}{shown[1]:>16}{after / before:>7.1f}x")
        print(f"{path + ' (' + what + ')':<58}" + "".join(cells))


if __name__ == "__main__":
    main()
