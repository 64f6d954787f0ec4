"""Served speed of the bundled example before and after ``dj-asyncify apply``.

Copies ``examples/legacy_shop`` twice into a temporary directory, migrates one copy with the installed
``dj-asyncify``, and serves each copy under uvicorn (one worker, a free port) against the example's own
upstream server (``upstream.py``, run as a separate process with fixed delays). httpx is the load
generator. Prints:

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
   event loop before the migration) - target >= 10x after.

Latencies are medians over several sequential runs after a warm-up; throughput is the median of
several fixed-length windows. Usage::

    python benchmarks/bench_served.py            # full run (about 2 minutes)
    python benchmarks/bench_served.py --quick    # smoke run (about 30 s)
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
        """User + system CPU time of the server process so far (Linux /proc; None elsewhere)."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def served(project: Path, db: Path, upstream_url: str) -> Iterator[Served]:
    """The project under uvicorn, one worker, on a free port; yields it once it answers."""
    port = free_port()
    args = [
        sys.executable,
        "-m",
        "uvicorn",
        "shopsite.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        # A blocked event loop ("before") leaves answered connections waiting for their next
        # request longer than uvicorn's 5 s keep-alive default: it would drop them under load.
        "--timeout-keep-alive",
        "300",
    ]
    proc = subprocess.Popen(args, cwd=project, env=project_env(db, upstream_url))
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
                raise RuntimeError(f"uvicorn did not start for {project}")
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
    for name, project in projects.items():
        db = workdir / f"{name}.sqlite3"
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
            cwd=project,
            env=project_env(db, "http://127.0.0.1:9"),
            check=True,
        )
    return projects


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

    with tempfile.TemporaryDirectory(prefix="bench-served-") as tmp:
        workdir = Path(tmp)
        projects = prepare(workdir, args.tool)
        print(
            f"legacy_shop before/after `dj-asyncify apply`, uvicorn (1 worker), {runs} runs per figure"
            f"{' (quick)' if args.quick else ''}"
        )

        results: dict[str, dict[str, float]] = {name: {} for name in projects}
        cpu_per_request: dict[str, float | None] = {}
        load_start = os.getloadavg()[0]
        # 1 and 2: latency with every upstream endpoint taking --delay seconds.
        with upstream(projects["before"], {e: args.delay for e in MULTI_CALL_ENDPOINTS}) as up:
            slowest_single = max(latency(f"{up}/{e}", runs) for e in ("rates", "stock", "reviews"))
            for name in ("before", "after"):
                with served(projects[name], workdir / f"{name}.sqlite3", up) as server:
                    for view in ("rates", "dashboard", "storefront", "overview", "extras"):
                        results[name][view] = latency(f"{server.base}/api/{view}/", runs)
        # 3: throughput with the single upstream call behind /api/rates/ taking --rps-delay seconds.
        with upstream(projects["before"], {"rates": args.rps_delay}) as up:
            for name, project in projects.items():
                with served(project, workdir / f"{name}.sqlite3", up) as server:
                    rps, cpu_ms = throughput(server, "/api/rates/", args.clients, seconds, windows)
                    results[name]["rps"], cpu_per_request[name] = rps, cpu_ms

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


if __name__ == "__main__":
    main()
