"""``uv run python -m benchmarks.integrations``: what protecting an API with jwtkit costs.

Two measurements, one run:

* in-process, the cache-hit path of ``Verifier.verify`` against an uncached ES256 verify
  (best of several ``timeit`` repeats; the target is a hit at most 1/20 of a verify);
* over HTTP, requests per second and p99 latency of the same small JSON endpoint served
  ``/unprotected``, behind a no-op guard of the framework's own kind (``/noop-guard``: a
  ``Security`` dependency or a decorator that checks nothing, the floor), protected by the
  framework's jwtkit integration (``/jwtkit``, with the
  verified-token cache as shipped, and ``/jwtkit-nocache``), and protected the tutorial way
  (``/tutorial``: the bearer header read by hand or with FastAPI's ``HTTPBearer``, PyJWT's
  ``PyJWKClient`` and ``jwt.decode``). FastAPI runs under uvicorn, Flask and Django under
  gunicorn (one gthread worker), each route in a process of its own on 127.0.0.1 (so no
  route pays for being matched after the others); the load comes from
  this process over keep-alive connections, always with the same ES256 token (a client
  re-sending its token), after a warm-up that fills every JWKS cache. Routes are timed in
  shuffled order, round after round; the ratios are the median of each round's ratios, so
  drift and bursts of other work hit the routes alike.

A full run (no ``--quick``) writes ``benchmarks/integrations.json``, the chart
``docs/img/integrations.svg`` (drawn here, no plotting library) and the table in
docs/benchmarks.md (between its ``integrations`` markers). Nothing in tests/ asserts a timing.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import timeit
from pathlib import Path
from typing import Any

import jwtkit

from . import _report
from ._jwks_server import JWKSServer
from ._serve import free_port, tree_cpu_seconds
from ._svg import grouped_bars
from ._wire import Connection, WireError

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "benchmarks.md"
DEFAULT_JSON = ROOT / "benchmarks" / "integrations.json"
DEFAULT_SVG = ROOT / "docs" / "img" / "integrations.svg"
ISSUER = "https://auth.example.com"
AUDIENCE = "api"
ROUTES = ("unprotected", "noop-guard", "jwtkit", "jwtkit-nocache", "tutorial")
FRAMEWORKS: dict[str, list[str]] = {
    "FastAPI": ["uvicorn", "benchmarks._api_fastapi:app", "--log-level", "warning"],
    "Flask": ["gunicorn", "benchmarks._api_flask:app", "-k", "gthread", "--threads", "4"],
    "Django": ["gunicorn", "benchmarks._api_django:application", "-k", "gthread", "--threads", "4"],
}


# -- in-process ------------------------------------------------------------------------------


def cache_hit_cost(number: int) -> dict[str, float]:
    """µs of an uncached ES256 ``Verifier.verify`` and of a cache hit, and their ratio."""
    key = jwtkit.Key.generate("ES256", kid="bench")
    token = make_token(key)
    options: dict[str, Any] = {"issuer": ISSUER, "audience": AUDIENCE, "typ": "at+jwt"}
    uncached = jwtkit.Verifier(key.public_key(), ["ES256"], **options)
    cached = jwtkit.Verifier(key.public_key(), ["ES256"], cache_size=1024, **options)
    cached.verify(token)

    def best(call: Any, calls: int) -> float:
        return min(timeit.repeat(call, number=calls, repeat=7)) / calls * 1e6

    verify_us = best(lambda: uncached.verify(token), max(number // 50, 20))
    hit_us = best(lambda: cached.verify(token), number)
    return {"uncached_verify_us": verify_us, "cache_hit_us": hit_us, "ratio": hit_us / verify_us}


def make_token(key: jwtkit.Key) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "alice",
        "iat": now,
        "exp": now + 3600,
        "jti": "bench-token",
        "client_id": "bench",
        "scope": "orders:read profile",
    }
    return jwtkit.encode(claims, key, headers={"typ": "at+jwt"})


# -- over HTTP -------------------------------------------------------------------------------


class Server:
    """One route of one framework's app, in a process of its own on 127.0.0.1."""

    def __init__(self, name: str, route: str, jwks_url: str) -> None:
        command = FRAMEWORKS[name]
        self.port = free_port()
        bind = (
            ["--host", "127.0.0.1", "--port", str(self.port)]
            if command[0] == "uvicorn"
            else ["--bind", f"127.0.0.1:{self.port}", "--workers", "1"]
        )
        environment = {
            **os.environ,
            "BENCH_JWKS_URL": jwks_url,
            "BENCH_ISSUER": ISSUER,
            "BENCH_AUDIENCE": AUDIENCE,
            "BENCH_ROUTE": route,
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", *command, *bind],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server (gunicorn's master and its worker too)."""
        return tree_cpu_seconds(self.process.pid)

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        if self.process.stderr is not None:
            self.process.stderr.close()


async def _connection(
    port: int, path: str, token: str, deadline: float, latencies: list[float], errors: list[int]
) -> None:
    wire = Connection(f"http://127.0.0.1:{port}")
    headers = b"authorization: Bearer %s\r\naccept: application/json\r\n" % token.encode()
    try:
        while True:
            started = time.perf_counter()
            if started >= deadline:
                return
            status = (await wire.get(f"/{path}", headers)).status_code
            latencies.append(time.perf_counter() - started)
            if status != 200:
                errors.append(status)
    finally:
        await wire.close()


def load(port: int, path: str, token: str, connections: int, seconds: float) -> dict[str, Any]:
    """Keep ``connections`` requests in flight for ``seconds``; requests/s and latencies."""
    latencies: list[float] = []
    errors: list[int] = []

    async def run() -> float:
        started = time.perf_counter()
        deadline = started + seconds
        await asyncio.gather(
            *(
                _connection(port, path, token, deadline, latencies, errors)
                for _ in range(connections)
            )
        )
        return time.perf_counter() - started

    elapsed = asyncio.run(run())
    if errors:
        raise RuntimeError(f"/{path} answered {sorted(set(errors))} instead of 200")
    return {"rps": len(latencies) / elapsed, "latencies": latencies}


def wait_until_up(server: Server, route: str, token: str) -> None:
    for _ in range(300):  # at most ~30 s
        if server.process.poll() is not None:
            break
        try:
            load(server.port, route, token, 1, 0.01)
            return
        except (OSError, RuntimeError, WireError):
            time.sleep(0.1)
    error = server.process.stderr.read().decode() if server.process.stderr else ""
    raise RuntimeError(f"the server did not come up: {error[-2000:]}")


def measure_framework(
    name: str, jwks_url: str, token: str, args: argparse.Namespace
) -> dict[str, dict[str, Any]]:
    servers: dict[str, Server] = {}
    try:
        for route in ROUTES:
            servers[route] = Server(name, route, jwks_url)
        for route, server in servers.items():
            wait_until_up(server, route, token)
            # warm-up: JWKS fetched, keys parsed, caches filled
            load(server.port, route, token, 2, max(args.seconds / 4, 0.05))
        samples: dict[str, list[float]] = {route: [] for route in ROUTES}
        latencies: dict[str, list[float]] = {route: [] for route in ROUTES}
        cpu = dict.fromkeys(ROUTES, 0.0)
        for _ in range(args.rounds):
            for route in random.sample(ROUTES, len(ROUTES)):
                server = servers[route]
                before = server.cpu_seconds()
                result = load(server.port, route, token, args.connections, args.seconds)
                cpu[route] += server.cpu_seconds() - before
                samples[route].append(result["rps"])
                latencies[route].extend(result["latencies"])
    finally:
        for server in servers.values():
            server.close()
    results = {}
    for route in ROUTES:
        ordered = sorted(latencies[route])
        results[route] = {
            "rps": statistics.median(samples[route]),
            "rps_rounds": samples[route],
            "p50_ms": ordered[len(ordered) // 2] * 1e3,
            "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1e3,
            "requests": len(ordered),
            # Summed over the rounds: /proc counts CPU in ticks of 10 ms.
            "server_cpu_us": cpu[route] / max(1, len(ordered)) * 1e6,
        }
    # Ratios are taken within each round (routes timed seconds apart), then the median:
    # a burst of other work on the machine shifts one round, not the ratio.
    for route in ROUTES:
        for other, name in (
            ("unprotected", "vs_unprotected"),
            ("noop-guard", "vs_noop_guard"),
            ("tutorial", "vs_tutorial"),
        ):
            per_round = [
                mine / theirs for mine, theirs in zip(samples[route], samples[other], strict=True)
            ]
            results[route][name] = statistics.median(per_round)
    return results


# -- report ----------------------------------------------------------------------------------

_LABELS = {
    "unprotected": "unprotected",
    "noop-guard": "no-op guard (the framework's own cost)",
    "jwtkit": "jwtkit (verified-token cache on)",
    "jwtkit-nocache": "jwtkit (cache off)",
    "tutorial": "tutorial way (PyJWT + PyJWKClient)",
}


def markdown(document: dict[str, Any]) -> str:
    hit = document["cache_hit"]
    lines = [
        f"Measured {document['date']} on {document['machine']} (Python "
        f"{document['python']}), {document['rounds']} rounds of {document['seconds']:g} s per "
        f"route, {document['connections']} keep-alive connections, one ES256 token; load "
        f"average {document['load_average'][0]:g} before and {document['load_average'][1]:g} "
        "after the run (other work on the machine).",
        "",
        f"**Verifier cache hit:** {hit['cache_hit_us']:.2f} µs against "
        f"{hit['uncached_verify_us']:.1f} µs for an uncached ES256 verify: "
        f"**1/{1 / hit['ratio']:.0f}** of the cost (target: at most 1/20).",
        "",
        "| framework | protection | requests/s | vs unprotected | vs no-op guard | vs tutorial "
        "| p50 ms | p99 ms | server CPU µs per request |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for framework, routes in document["frameworks"].items():
        for route in ROUTES:
            row = routes[route]
            lines.append(
                f"| {framework} | {_LABELS[route]} | {row['rps']:,.0f} | "
                f"{row['vs_unprotected']:.2f}x | {row['vs_noop_guard']:.2f}x | "
                f"{row['vs_tutorial']:.2f}x | "
                f"{row['p50_ms']:.2f} | {row['p99_ms']:.2f} | {row['server_cpu_us']:.0f} |"
            )
    lines += ["", "![requests per second](img/integrations.svg)"]
    return "\n".join(lines)


_COLOURS = {
    "unprotected": "#9e9e9e",
    "noop-guard": "#8d6e63",
    "jwtkit": "#1565c0",
    "jwtkit-nocache": "#64b5f6",
    "tutorial": "#ef6c00",
}


_ROUTE_OF = {label: route for route, label in _LABELS.items()}


def chart_svg(document: dict[str, Any]) -> str:
    """Grouped bars of requests/s per framework and route (drawn by benchmarks._svg)."""
    frameworks = document["frameworks"]
    return grouped_bars(
        title="One protected JSON endpoint, ES256 token, warm JWKS cache",
        groups=list(frameworks),
        series=[(_LABELS[route], _COLOURS[route]) for route in ROUTES],
        value=lambda name, label: frameworks[name][_ROUTE_OF[label]]["rps"],
        unit="req/s",
        axis_label="requests/s (median; higher is better)",
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.integrations", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smoke run; prints only")
    parser.add_argument("--seconds", type=float, help="seconds per route per round (default 1)")
    parser.add_argument("--rounds", type=int, help="rounds (default 15)")
    parser.add_argument("--connections", type=int, default=8, help="keep-alive connections")
    parser.add_argument("--frameworks", default=",".join(FRAMEWORKS))
    parser.add_argument("--number", type=int, default=200_000, help="cache hits per timeit run")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--svg", type=Path, help="also write the chart here (any run)")
    args = parser.parse_args(argv)
    args.seconds = args.seconds if args.seconds is not None else (0.3 if args.quick else 1.0)
    args.rounds = args.rounds if args.rounds is not None else (1 if args.quick else 15)
    if args.quick:
        args.number = min(args.number, 20_000)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    key = jwtkit.Key.generate("ES256", kid="bench")
    token = make_token(key)
    hit = cache_hit_cost(args.number)
    print(
        f"Verifier cache hit {hit['cache_hit_us']:.2f} µs, uncached ES256 verify "
        f"{hit['uncached_verify_us']:.1f} µs: 1/{1 / hit['ratio']:.0f}"
    )
    load_before = os.getloadavg()[0]
    jwks = JWKSServer(jwtkit.KeySet([key.public_key()]).to_dict())
    frameworks: dict[str, Any] = {}
    try:
        for name in args.frameworks.split(","):
            frameworks[name] = measure_framework(name, jwks.url, token, args)
            for route in ROUTES:
                row = frameworks[name][route]
                print(
                    f"{name:8} {_LABELS[route]:36} {row['rps']:9,.0f} req/s "
                    f"{row['vs_unprotected']:5.2f}x unprotected {row['vs_tutorial']:5.2f}x "
                    f"tutorial  p99 {row['p99_ms']:6.2f} ms  server CPU "
                    f"{row['server_cpu_us']:5.0f} µs/request"
                )
    finally:
        jwks.close()
    document = {
        "date": datetime.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "python": platform.python_version(),
        "rounds": args.rounds,
        "seconds": args.seconds,
        "connections": args.connections,
        # Other work on the machine (the 1-minute load average before and after the run).
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "cache_hit": hit,
        "frameworks": frameworks,
    }
    if args.svg is not None:
        args.svg.write_text(chart_svg(document), encoding="utf-8")
    if not (args.quick or args.no_write):
        slim = json.loads(json.dumps(document))
        for routes in slim["frameworks"].values():
            for row in routes.values():
                row.pop("latencies", None)
        DEFAULT_JSON.write_text(json.dumps(slim, indent=2) + "\n", encoding="utf-8")
        DEFAULT_SVG.write_text(chart_svg(document), encoding="utf-8")
        _report.replace_between_markers(DOCS, "integrations", markdown(document))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
