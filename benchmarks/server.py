"""``uv run python -m benchmarks.server``: what ``jwtkit serve`` does per second, and under load.

Everything runs against real ``jwtkit serve`` processes that this script starts on 127.0.0.1
(``python -m jwtkit.cli serve``), each on a fresh database of its own (a SQLite file in a
temporary directory; a new PostgreSQL database made on ``JWTKIT_TEST_POSTGRES_URL``'s server
and dropped afterwards; a Redis key prefix of its own on ``JWTKIT_TEST_REDIS_URL``, deleted
afterwards). The load comes from this process: httpx's ``AsyncClient`` on one asyncio loop,
many keep-alive connections, each a closed loop (send, wait for the answer, send again). The
load generator shares the machine's cores with the servers, so every figure includes its cost.

Two modes:

* **endpoints** (the default): one server per database; password login, refresh,
  client_credentials, introspection and the JWKS, each timed alone for ``--seconds``, in a
  shuffled order, round after round, together with the **argon2 floor**: raw argon2id
  verifications in this process with the server's parameters and the server's concurrency
  (one thread per core, as the server's hasher). ``logins/s ÷ hashes/s`` is taken per round,
  then the median: the server should add almost nothing to the hash (target ≥ 0.9).
  Refresh on PostgreSQL has a target of ≥ 500/s.
* **fleet** (``--replicas N``): N replicas on one database (``--postgres``) and, with
  ``--redis``, one Redis; a mix of introspections, refreshes, JWKS fetches and logins spread
  over the replicas for ``--duration`` seconds, then a burst of 200 concurrent logins while
  introspection latency is measured. Reported: requests/s, p50/p99/p999, errors, each
  replica's RSS at the start and end of the run, and introspection's p99 before and during
  the burst. Targets: 0 errors, RSS growth under 10%, introspection p99 during the burst at
  most 50 ms (hashing must not starve the event loop).

A run without ``--quick`` or ``--no-write`` merges its results into
``benchmarks/server.json`` (under its mode's key), draws ``docs/img/server-MODE.svg`` (by hand,
no plotting library) and rewrites the
tables in docs/benchmarks.md between the ``server-endpoints`` or ``server-fleet`` markers.
Nothing in tests/ asserts a timing.
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
import time
from pathlib import Path
from typing import Any

import httpx

from jwtkit.server.security.passwords import PasswordHashing

from . import _report, _svg
from ._serve import (
    PASSWORD,
    Clients,
    Deployment,
    Sample,
    async_clients,
    deployment,
    drive,
    prepare,
    summary,
)
from ._wire import WireError

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "benchmarks.md"
DEFAULT_JSON = ROOT / "benchmarks" / "server.json"
IMAGES = ROOT / "docs" / "img"
OPERATIONS = ("login", "refresh", "client_credentials", "introspection", "jwks")
FLOOR = "argon2 floor"
#: The fleet's mix, in requests per hundred: resource servers introspect and fetch keys far
#: more often than users refresh (every access-token lifetime) or log in (rarely).
MIX = {"introspection": 50, "refresh": 25, "jwks": 20, "login": 5}
BURST_LOGINS = 200


# -- the argon2 floor ------------------------------------------------------------------------


def argon2_parameters() -> dict[str, int]:
    """The server's argon2id parameters, from its settings' defaults (what it runs with)."""
    from jwtkit.server.settings import Settings

    fields = Settings.model_fields
    return {
        "memory_cost": int(fields["argon2_memory_kib"].default),
        "time_cost": int(fields["argon2_time_cost"].default),
        "parallelism": int(fields["argon2_parallelism"].default),
    }


async def argon2_floor(
    hashing: PasswordHashing, stored: str, seconds: float
) -> tuple[float, float]:
    """argon2id verifications per second through the server's own hasher (its parameters,
    its pool of one thread per core, its thread priority), kept busy for ``seconds``: the
    most logins/s a server could reach if it did nothing but hash; and the CPU seconds one
    verification took (this process's CPU time over the count)."""
    count = 0
    deadline = time.perf_counter() + seconds

    async def keep_busy() -> None:
        nonlocal count
        while time.perf_counter() < deadline:
            assert await hashing.verify(stored, PASSWORD)
            count += 1

    cpu = time.process_time()
    started = time.perf_counter()
    await asyncio.gather(*(keep_busy() for _ in range(2 * (os.cpu_count() or 1))))
    elapsed = time.perf_counter() - started
    return count / elapsed, (time.process_time() - cpu) / max(1, count)


def floor_hasher() -> PasswordHashing:
    """The server's hasher with the server's default parameters."""
    parameters = argon2_parameters()
    return PasswordHashing(
        memory_kib=parameters["memory_cost"],
        time_cost=parameters["time_cost"],
        parallelism=parameters["parallelism"],
    )


# -- endpoints mode --------------------------------------------------------------------------


async def measure_endpoints(
    deployment: Deployment, args: argparse.Namespace
) -> dict[str, dict[str, Any]]:
    http = async_clients(deployment, args.connections)
    hashing = floor_hasher()
    clients: Clients | None = None
    try:
        clients = await prepare(deployment, http, users=args.users)
        for operation in args.operations:  # warm-up: caches, pools, every connection's session
            await drive(clients, lambda _, name=operation: name, args.connections, args.warmup, [])
        floor = [FLOOR] if "login" in args.operations else []
        rounds: dict[str, list[float]] = {name: [] for name in (*args.operations, *floor)}
        samples: dict[str, list[Sample]] = {name: [] for name in args.operations}
        order = [*args.operations, *floor]
        cpu: dict[str, list[float]] = {name: [0.0, 0.0, 0.0] for name in args.operations}
        floor_cpu: list[float] = []
        stored = await hashing.hash(PASSWORD)
        shuffle = random.Random(args.seed)
        for _ in range(args.rounds):
            shuffle.shuffle(order)
            for name in order:
                if name == FLOOR:
                    rate, cpu_per_hash = await argon2_floor(hashing, stored, args.seconds)
                    rounds[FLOOR].append(rate)
                    floor_cpu.append(cpu_per_hash)
                    continue
                these: list[Sample] = []
                server_cpu = sum(replica.cpu_seconds() for replica in deployment.replicas)
                loop_cpu = sum(r.event_loop_cpu_seconds() for r in deployment.replicas)
                own_cpu = time.process_time()
                elapsed = await drive(
                    clients, lambda _, name=name: name, args.connections, args.seconds, these
                )
                own_cpu = time.process_time() - own_cpu
                server_cpu = sum(r.cpu_seconds() for r in deployment.replicas) - server_cpu
                loop_cpu = sum(r.event_loop_cpu_seconds() for r in deployment.replicas) - loop_cpu
                rounds[name].append(len(these) / elapsed)
                samples[name].extend(these)
                cpu[name][0] += server_cpu
                cpu[name][1] += own_cpu
                cpu[name][2] += loop_cpu
    finally:
        hashing.close()
        if clients is not None:
            await clients.close()
        for client in http:
            await client.aclose()
    results: dict[str, dict[str, Any]] = {}
    for name in args.operations:
        row = summary(samples[name], 1.0)
        row["rps"] = statistics.median(rounds[name])
        row["rps_rounds"] = rounds[name]
        # CPU per request, of the server and of the load generator: what a request costs,
        # whatever else the machine was doing at the time.
        row["server_cpu_ms"] = cpu[name][0] / max(1, len(samples[name])) * 1e3
        row["client_cpu_ms"] = cpu[name][1] / max(1, len(samples[name])) * 1e3
        # Of the server's: its event loops' share (the rest is threads: argon2, SQLite).
        row["event_loop_cpu_ms"] = cpu[name][2] / max(1, len(samples[name])) * 1e3
        results[name] = row
    if floor:
        results[FLOOR] = {
            "rps": statistics.median(rounds[FLOOR]),
            "rps_rounds": rounds[FLOOR],
            "cpu_ms": statistics.median(floor_cpu) * 1e3,
        }
        # The same comparison in CPU time, which other work on the machine disturbs less:
        # one hash's CPU over one login's CPU in the server.
        results["login"]["cpu_vs_floor"] = (
            results[FLOOR]["cpu_ms"] / results["login"]["server_cpu_ms"]
        )
        # Ratio within each round (login and floor timed seconds apart), then the median.
        results["login"]["vs_floor"] = statistics.median(
            login / floor for login, floor in zip(rounds["login"], rounds[FLOOR], strict=True)
        )
    return results


def run_endpoints(args: argparse.Namespace) -> dict[str, Any]:
    databases: dict[str, Any] = {}
    for database in args.databases:
        with deployment(database, 1, args.redis, args.cprofile, args.workers) as running:
            result = asyncio.run(measure_endpoints(running, args))
        databases[database] = result
        for name in result:
            row = result[name]
            line = f"{database:10} {name:20} {row['rps']:9,.1f} req/s"
            if "p50_ms" in row:
                line += f"  p50 {row['p50_ms']:7.2f} ms  p99 {row['p99_ms']:7.2f} ms"
                line += f"  errors {row['errors']}  CPU/request: server "
                line += (
                    f"{row['server_cpu_ms']:.2f} ms (event loop {row['event_loop_cpu_ms']:.2f}), "
                    f"load generator {row['client_cpu_ms']:.2f} ms"
                )
            if name == "login" and "vs_floor" in row:
                line += f"  {row['vs_floor']:.2f}x argon2 floor (CPU {row['cpu_vs_floor']:.2f}x)"
            if name == FLOOR:
                line += f"  CPU/hash {row['cpu_ms']:.2f} ms"
            print(line, flush=True)
    return {
        **machine(),
        "seconds": args.seconds,
        "rounds": args.rounds,
        "connections": args.connections,
        "redis": args.redis,
        "workers": args.workers,
        "argon2": argon2_parameters(),
        "hash_threads": os.cpu_count(),
        "databases": databases,
        "targets": endpoint_targets(databases),
    }


def endpoint_targets(databases: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for database, result in databases.items():
        if FLOOR in result:
            found.append(
                target(f"{database}: logins/s ÷ argon2 hashes/s", result["login"]["vs_floor"], 0.9)
            )
        errors = sum(result[name]["errors"] for name in OPERATIONS if name in result)
        found.append(target(f"{database}: errors, every operation", errors, 0, False))
    if "refresh" in databases.get("postgresql", {}):
        found.append(
            target("postgresql: refreshes/s", databases["postgresql"]["refresh"]["rps"], 500)
        )
    return found


def target(description: str, value: float, limit: float, at_least: bool = True) -> dict[str, Any]:
    met = value >= limit if at_least else value <= limit
    return {
        "description": description,
        "value": value,
        "limit": limit,
        "at_least": at_least,
        "met": met,
    }


# -- fleet mode ------------------------------------------------------------------------------


async def measure_fleet(deployment: Deployment, args: argparse.Namespace) -> dict[str, Any]:
    http = async_clients(deployment, max(args.connections, args.burst))
    clients: Clients | None = None
    try:
        clients = await prepare(deployment, http, users=args.users)
        weights = list(MIX.values())
        names = list(MIX)

        def mixed(rng: random.Random) -> str:
            return rng.choices(names, weights)[0]

        await drive(clients, mixed, args.connections, args.warmup, [])
        rss_start = [replica.rss_kib() for replica in deployment.replicas]
        samples: list[Sample] = []
        elapsed = await drive(clients, mixed, args.connections, args.duration, samples)
        rss_end = [replica.rss_kib() for replica in deployment.replicas]
        burst = await login_burst(clients, args)
    finally:
        if clients is not None:
            await clients.close()
        for client in http:
            await client.aclose()
    per_operation = {
        name: summary([sample for sample in samples if sample.operation == name], elapsed)
        for name in MIX
    }
    timeline = [0] * (int(elapsed) + 1)
    for sample in samples:
        timeline[min(int(sample.finished), len(timeline) - 1)] += 1
    replicas = [
        {"rss_start_mib": start / 1024, "rss_end_mib": end / 1024, "growth": end / start - 1}
        for start, end in zip(rss_start, rss_end, strict=True)
    ]
    return {
        "all": summary(samples, elapsed),
        "operations": per_operation,
        "replicas": replicas,
        "timeline_rps": timeline[: int(elapsed)] or timeline,
        "burst": burst,
    }


async def login_burst(clients: Clients, args: argparse.Namespace) -> dict[str, Any]:
    """``args.burst`` logins at once, spread over the replicas, while ``args.probes``
    connections introspect in a closed loop: introspection latency before and during."""
    # The probes have connections of their own: waiting behind the logins for a free
    # connection would be the generator's latency, not the server's.
    probing = clients.fresh()
    try:
        return await _burst(clients, probing, args)
    finally:
        await probing.close()


async def _burst(clients: Clients, probing: Clients, args: argparse.Namespace) -> dict[str, Any]:
    probes = args.probes
    before: list[Sample] = []
    await drive(probing, lambda _: "introspection", probes, args.burst_baseline, before)
    during: list[Sample] = []
    logins: list[Sample] = []
    burst_over = asyncio.Event()
    origin = time.perf_counter()

    async def probe(index: int) -> None:
        while not burst_over.is_set():
            sent = time.perf_counter()
            try:
                status = await probing.request("introspection", index)
            except (httpx.HTTPError, WireError):
                status = -1
            done = time.perf_counter()
            during.append(Sample("introspection", done - origin, done - sent, status))

    async def login(index: int) -> None:
        sent = time.perf_counter()
        try:
            status = await clients.request("login", index)
        except (httpx.HTTPError, WireError):
            status = -1
        done = time.perf_counter()
        logins.append(Sample("login", done - origin, done - sent, status))

    async def burst() -> None:
        await asyncio.sleep(0.05)  # the probes are in flight before the first login lands
        await asyncio.gather(*(login(index) for index in range(args.burst)))
        burst_over.set()

    await asyncio.gather(burst(), *(probe(index) for index in range(probes)))
    burst_seconds = time.perf_counter() - origin
    return {
        "logins": args.burst,
        "seconds": burst_seconds,
        "login": summary(logins, burst_seconds),
        "introspection_before": summary(before, args.burst_baseline),
        "introspection_during": summary(during, burst_seconds),
    }


def run_fleet(args: argparse.Namespace) -> dict[str, Any]:
    (database,) = args.databases
    with deployment(database, args.replicas, args.redis, args.cprofile) as running:
        result = asyncio.run(measure_fleet(running, args))
    every = result["all"]
    print(
        f"fleet: {args.replicas} replica(s) on {database}{' + Redis' if args.redis else ''}, "
        f"{args.duration:g} s of the mix: {every['rps']:,.1f} req/s, p50 {every['p50_ms']:.2f} "
        f"ms, p99 {every['p99_ms']:.2f} ms, p999 {every['p999_ms']:.2f} ms, errors "
        f"{every['errors']} {every['statuses']}"
    )
    for name, row in result["operations"].items():
        print(
            f"  {name:14} {row['rps']:8,.1f} req/s  p50 {row['p50_ms']:7.2f} ms  p99 "
            f"{row['p99_ms']:7.2f} ms  p999 {row['p999_ms']:7.2f} ms  errors {row['errors']}"
        )
    for index, replica in enumerate(result["replicas"]):
        print(
            f"  replica {index}: RSS {replica['rss_start_mib']:.1f} MiB -> "
            f"{replica['rss_end_mib']:.1f} MiB ({replica['growth']:+.1%})"
        )
    burst = result["burst"]
    print(
        f"burst of {burst['logins']} logins: done in {burst['seconds']:.2f} s, "
        f"statuses {burst['login']['statuses']}; introspection p99 "
        f"{burst['introspection_before']['p99_ms']:.2f} ms before, "
        f"{burst['introspection_during']['p99_ms']:.2f} ms during"
    )
    targets = [
        target("errors in the mix", every["errors"], 0, False),
        target(
            "errors in the burst",
            burst["login"]["errors"] + burst["introspection_during"]["errors"],
            0,
            False,
        ),
        target(
            "introspection p99 during the burst (ms)",
            burst["introspection_during"]["p99_ms"],
            50,
            False,
        ),
        *(
            target(f"replica {index} RSS growth", replica["growth"], 0.10, False)
            for index, replica in enumerate(result["replicas"])
        ),
    ]
    return {
        **machine(),
        "database": database,
        "redis": args.redis,
        "duration": args.duration,
        "connections": args.connections,
        "probes": args.probes,
        "mix": MIX,
        **result,
        "targets": targets,
    }


# -- report ----------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "python": platform.python_version(),
        "load_average": round(os.getloadavg()[0], 2),
    }


def target_lines(targets: list[dict[str, Any]]) -> list[str]:
    lines = []
    for found in targets:
        verdict = "met" if found["met"] else "**missed**"
        sign = "≥" if found["at_least"] else "≤"
        lines.append(
            f"- {verdict}: {found['description']}: {found['value']:,.3g} "
            f"(target {sign} {found['limit']:g})"
        )
    return lines


_NAMES = {
    "login": "password login",
    "refresh": "refresh (rotation)",
    "client_credentials": "client_credentials",
    "introspection": "introspection",
    "jwks": "JWKS",
}


def endpoints_markdown(document: dict[str, Any]) -> str:
    databases = document["databases"]
    lines = [
        f"Measured {document['date']} on {document['machine']} (Python {document['python']}; "
        f"load average {document['load_average']:g} at the end, other work on the machine), "
        f"one `jwtkit serve --workers {document.get('workers', 1)}` per database (a worker per "
        f"core), {document['connections']} connections, "
        f"{document['rounds']} rounds of {document['seconds']:g} s per operation"
        + (", rate limits and denylist in Redis." if document["redis"] else "."),
        "",
        "| operation | database | req/s | p50 ms | p99 ms | errors | server CPU ms "
        "per request | of it, event loop | load generator CPU ms per request | "
        "vs argon2 floor |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in OPERATIONS:
        for database, result in databases.items():
            row = result[name]
            ratio = (
                f"**{row['vs_floor']:.2f}x** (CPU: {row['cpu_vs_floor']:.2f}x)"
                if "vs_floor" in row
                else ""
            )
            lines.append(
                f"| {_NAMES[name]} | {database} | {row['rps']:,.0f} | {row['p50_ms']:.1f} | "
                f"{row['p99_ms']:.1f} | {row['errors']} | {row['server_cpu_ms']:.2f} | "
                f"{row.get('event_loop_cpu_ms', float('nan')):.2f} | "
                f"{row['client_cpu_ms']:.2f} | {ratio} |"
            )
    for database, result in databases.items():
        lines.append(
            f"| argon2id verify alone ({document['hash_threads']} threads, m="
            f"{document['argon2']['memory_cost']} KiB, t={document['argon2']['time_cost']}) | "
            f"{database} run | {result[FLOOR]['rps']:,.0f} | | | | "
            f"{result[FLOOR]['cpu_ms']:.2f} | | | 1.00x |"
        )
    ratios = ", ".join(
        f"{name}: **{result['login']['vs_floor']:.2f}x** (in CPU time per login against per "
        f"hash: {result['login']['cpu_vs_floor']:.2f}x)"
        for name, result in databases.items()
    )
    lines += [
        "",
        f"Logins/s ÷ argon2 hashes/s (median of the per-round ratios): {ratios}.",
        "",
        *cpu_bound_lines(document),
        "",
        *target_lines(document["targets"]),
    ]
    return "\n".join(lines)


def cpu_bound_lines(document: dict[str, Any]) -> list[str]:
    """What the CPU per request allows on this machine's cores, had they nothing else to do
    (the database's own CPU not counted): the ceiling the measured rates sit under."""
    cores = int(document["machine"].split(",")[1].split()[0])
    lines = []
    for database, result in document["databases"].items():
        parts = []
        for name in ("refresh", "introspection", "client_credentials"):
            row = result[name]
            per_request = row["server_cpu_ms"] + row["client_cpu_ms"]
            parts.append(
                f"{_NAMES[name]} {row['server_cpu_ms']:.2f} + {row['client_cpu_ms']:.2f} ms, "
                f"at most {cores * 1000 / per_request:,.0f}/s"
            )
        login, floor = result["login"], result[FLOOR]
        lines.append(
            f"- {database}: server + load generator CPU per request: " + "; ".join(parts) + ". "
            f"A login costs the server {login['server_cpu_ms']:.1f} ms of CPU, of which the "
            f"hash is {floor['cpu_ms']:.1f} ms: {login['server_cpu_ms'] - floor['cpu_ms']:.1f} "
            "ms of HTTP, rate limits, two transactions and a signature "
            f"({login.get('event_loop_cpu_ms', float('nan')):.1f} ms of it on the event loop, "
            "the rest the hash's threads running slower beside it and the database driver's)."
        )
    return [f"CPU bounds on {cores} cores with nothing else running:", "", *lines]


def fleet_markdown(document: dict[str, Any]) -> str:
    every, burst = document["all"], document["burst"]
    where = f"{len(document['replicas'])} replicas on {document['database']}" + (
        " + Redis" if document["redis"] else ""
    )
    mix = ", ".join(f"{_NAMES[name]} {share}%" for name, share in document["mix"].items())
    lines = [
        f"Measured {document['date']} on {document['machine']} (Python {document['python']}; "
        f"load average {document['load_average']:g} at the end): {where}, "
        f"{document['duration']:g} s of the mix ({mix}) over {document['connections']} "
        "connections spread across the replicas.",
        "",
        "| requests | req/s | p50 ms | p99 ms | p999 ms | errors |",
        "|---|---:|---:|---:|---:|---:|",
        f"| all | {every['rps']:,.0f} | {every['p50_ms']:.1f} | {every['p99_ms']:.1f} | "
        f"{every['p999_ms']:.1f} | {every['errors']} |",
    ]
    for name, row in document["operations"].items():
        lines.append(
            f"| {_NAMES[name]} | {row['rps']:,.0f} | {row['p50_ms']:.1f} | {row['p99_ms']:.1f} | "
            f"{row['p999_ms']:.1f} | {row['errors']} |"
        )
    lines += [
        "",
        "| replica | RSS at start MiB | RSS at end MiB | growth |",
        "|---|---:|---:|---:|",
    ]
    for index, replica in enumerate(document["replicas"]):
        lines.append(
            f"| {index} | {replica['rss_start_mib']:.1f} | {replica['rss_end_mib']:.1f} | "
            f"{replica['growth']:+.1%} |"
        )
    before, during = burst["introspection_before"], burst["introspection_during"]
    lines += [
        "",
        f"**Burst:** {burst['logins']} concurrent logins took {burst['seconds']:.2f} s "
        f"(statuses {burst['login']['statuses']}, login p50 {burst['login']['p50_ms']:.0f} ms, "
        f"p99 {burst['login']['p99_ms']:.0f} ms); meanwhile {document['probes']} connections "
        f"introspected: p99 **{during['p99_ms']:.1f} ms** during the burst against "
        f"{before['p99_ms']:.1f} ms before it ({during['p99_ms'] / before['p99_ms']:.1f}x; "
        f"p50 {during['p50_ms']:.1f} ms against {before['p50_ms']:.1f} ms); introspection "
        f"statuses during the burst: {during['statuses']} (`0`: answered 200 but "
        "`active: false` for a live token).",
        "",
        *target_lines(document["targets"]),
    ]
    return "\n".join(lines)


_COLOURS = ("#1565c0", "#ef6c00", "#2e7d32", "#8e24aa")


def endpoints_chart(document: dict[str, Any]) -> str:
    """Requests/s per operation, one bar per database, and the argon2 floor."""
    databases = document["databases"]
    names = [name for name in (*OPERATIONS, FLOOR) if all(name in r for r in databases.values())]
    labels = {_NAMES.get(name, name): name for name in names}
    return _svg.grouped_bars(
        title=f"jwtkit serve --workers {document.get('workers', 1)}: requests/s (load "
        "generator on the same cores)",
        groups=list(labels),
        series=list(zip(databases, _COLOURS, strict=False)),
        value=lambda label, database: databases[database][labels[label]]["rps"],
        unit="req/s",
        axis_label="requests/s (median of the rounds)",
    )


def fleet_chart(document: dict[str, Any]) -> str:
    """Latency percentiles: the whole mix, and introspection before and during the burst."""
    burst = document["burst"]
    rows = {
        "the mix, every request": document["all"],
        "introspection before the burst": burst["introspection_before"],
        "introspection during the burst": burst["introspection_during"],
    }
    keys = {"p50": "p50_ms", "p99": "p99_ms", "p999": "p999_ms"}
    return _svg.grouped_bars(
        title=f"{len(document['replicas'])} replicas: latency, and introspection during "
        f"{burst['logins']} concurrent logins",
        groups=list(keys),
        series=list(zip(rows, _COLOURS, strict=False)),
        value=lambda group, row: rows[row][keys[group]],
        unit="ms",
        axis_label="milliseconds",
        line=(50.0, "target: introspection p99 during the burst ≤ 50 ms"),
    )


# -- command line ----------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.server",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--replicas", type=int, help="fleet mode: this many replicas")
    parser.add_argument(
        "--postgres", action="store_true", help="on PostgreSQL (JWTKIT_TEST_POSTGRES_URL)"
    )
    parser.add_argument("--sqlite", action="store_true", help="on SQLite")
    parser.add_argument(
        "--redis",
        action="store_true",
        help="rate limits and denylist in Redis (JWTKIT_TEST_REDIS_URL)",
    )
    parser.add_argument(
        "--seconds", type=float, help="endpoints: seconds per operation per round (default 2)"
    )
    parser.add_argument("--rounds", type=int, help="endpoints: rounds (default 5)")
    parser.add_argument("--duration", type=float, help="fleet: seconds of the mix (default 60)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections")
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="endpoints: the server's worker processes (default: one per core, as deployed)",
    )
    parser.add_argument(
        "--burst", type=int, default=BURST_LOGINS, help="fleet: logins in the burst"
    )
    parser.add_argument(
        "--probes", type=int, default=4, help="fleet: introspecting connections during the burst"
    )
    parser.add_argument("--users", type=int, default=8, help="registered users")
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument(
        "--operations",
        default=",".join(OPERATIONS),
        help="endpoints: only these (comma-separated); a partial run prints only",
    )
    parser.add_argument(
        "--cprofile", type=Path, help="run the servers under cProfile, writing DIR/replica-N.prof"
    )
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run of a few seconds; prints only"
    )
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument(
        "--json", type=Path, default=DEFAULT_JSON, help="results file to merge into"
    )
    parser.add_argument(
        "--svg", type=Path, help="also write the chart here (any run, even --quick)"
    )
    args = parser.parse_args(argv)
    quick = args.quick
    args.seconds = args.seconds if args.seconds is not None else (0.3 if quick else 2.0)
    args.rounds = args.rounds if args.rounds is not None else (1 if quick else 5)
    args.duration = args.duration if args.duration is not None else (1.0 if quick else 60.0)
    args.warmup = 0.2 if quick else 2.0
    args.burst_baseline = 0.3 if quick else 3.0
    if quick:
        args.burst = min(args.burst, 10)
        args.connections = min(args.connections, 8)
        args.users = min(args.users, 2)
    databases = [
        name for name, wanted in (("sqlite", args.sqlite), ("postgresql", args.postgres)) if wanted
    ]
    if args.replicas is None:
        if not databases:
            databases = ["sqlite"] + (
                ["postgresql"] if os.environ.get("JWTKIT_TEST_POSTGRES_URL") else []
            )
    else:
        if len(databases) > 1:
            parser.error("a fleet runs on one database: --postgres or --sqlite")
        databases = databases or ["sqlite"]
        if args.replicas < 1 or (args.replicas > 1 and databases == ["sqlite"]):
            parser.error("several replicas share one PostgreSQL: add --postgres")
    args.databases = databases
    args.operations = [name for name in args.operations.split(",") if name]
    unknown = set(args.operations) - set(OPERATIONS)
    if unknown or not args.operations:
        parser.error(f"--operations: some of {', '.join(OPERATIONS)}")
    if args.operations != list(OPERATIONS) or args.cprofile is not None:
        args.no_write = True
    if args.cprofile is not None:
        args.cprofile = args.cprofile.resolve()
        args.cprofile.mkdir(parents=True, exist_ok=True)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    mode = "endpoints" if args.replicas is None else "fleet"
    document = run_endpoints(args) if mode == "endpoints" else run_fleet(args)
    for found in document["targets"]:
        verdict = "met" if found["met"] else "MISSED"
        sign = ">=" if found["at_least"] else "<="
        print(
            f"{verdict:6}  {found['description']}: {found['value']:,.3g} "
            f"(target {sign} {found['limit']:g})"
        )
    chart = endpoints_chart if mode == "endpoints" else fleet_chart
    if args.svg is not None:
        args.svg.write_text(chart(document), encoding="utf-8")
    if not (args.quick or args.no_write):
        write_results(mode, document, args.json, IMAGES / f"server-{mode}.svg", DOCS)
    return 0


def write_results(
    mode: str, document: dict[str, Any], json_path: Path, svg_path: Path, markdown_path: Path
) -> None:
    """Store ``document`` in the results file under ``mode`` (the other mode's results stay),
    draw its chart, and replace its table in the Markdown page between its markers."""
    stored: dict[str, Any] = {}
    if json_path.exists():
        stored = json.loads(json_path.read_text(encoding="utf-8"))
    stored[mode] = document
    json_path.write_text(json.dumps(stored, indent=2) + "\n", encoding="utf-8")
    chart = endpoints_chart if mode == "endpoints" else fleet_chart
    svg_path.parent.mkdir(parents=True, exist_ok=True)
    svg_path.write_text(chart(document), encoding="utf-8")
    render = endpoints_markdown if mode == "endpoints" else fleet_markdown
    text = f"{render(document)}\n\n![{mode} chart](img/{svg_path.name})"
    _report.replace_between_markers(markdown_path, f"server-{mode}", text)


if __name__ == "__main__":
    raise SystemExit(main())
