"""``uv run python -m benchmarks``: every row, interleaved, in one run; see docs/benchmarks.md.

A full run (no ``--quick``, no ``--rows``) writes ``benchmarks/results.json``,
``docs/img/benchmarks.png`` and the results table in ``docs/benchmarks.md``, so the published
numbers always come from one run of this one command.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from . import _contenders as c
from . import _report
from ._harness import Settings, measure
from ._rows import Group, Row, decode_group, encode_group, jwks_group, row_json, rows_of

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_JSON = ROOT / "benchmarks" / "results.json"
DEFAULT_PNG = ROOT / "docs" / "img" / "benchmarks.png"
DOCS = ROOT / "docs" / "benchmarks.md"
OPERATIONS = ("encode", "decode", "jwks")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="jwtkit against PyJWT, joserfc, jwcrypto, python-jose and the floor.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="fewer, shorter rounds (a smoke run, ~40 s)"
    )
    parser.add_argument(
        "--rows",
        default="",
        help="comma-separated filters on '<alg> <operation>' (operation: encode, decode, "
        "jwks), e.g. 'HS256' or 'RS256 decode,jwks'; a row is kept if any filter matches",
    )
    parser.add_argument(
        "--forms",
        default=",".join(c.KEY_FORMS),
        help="key forms to measure: object, text (PEM or secret), jwk (default: all)",
    )
    parser.add_argument(
        "--rounds", type=int, help="least rounds per contender (default 31; quick 9)"
    )
    parser.add_argument(
        "--seconds", type=float, help="least seconds per group (default 4; quick 0.5)"
    )
    parser.add_argument(
        "--max-seconds",
        type=float,
        help="most seconds per group while medians are not yet known to 1%% (default 30; "
        "quick 1.5)",
    )
    parser.add_argument(
        "--batch-ms", type=float, help="milliseconds per batch (default 5; quick 2)"
    )
    parser.add_argument(
        "--json",
        type=Path,
        help=f"write results as JSON (full run: {DEFAULT_JSON.relative_to(ROOT)})",
    )
    parser.add_argument(
        "--png", type=Path, help=f"write the bar chart (full run: {DEFAULT_PNG.relative_to(ROOT)})"
    )
    parser.add_argument(
        "--no-write", action="store_true", help="print only; write no JSON, PNG or docs"
    )
    return parser.parse_args(argv)


def selected(name: str, filters: list[str]) -> bool:
    if not filters:
        return True
    lowered = name.lower()
    return any(all(word in lowered for word in f.lower().split()) for f in filters)


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    versions = {}
    for package in ("jwtkit", "cryptography", "pyjwt", "joserfc", "jwcrypto", "python-jose"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "versions": versions,
        "load_average_at_start": os.getloadavg(),
    }


def build_groups(
    filters: list[str], forms: tuple[str, ...], notes: list[str]
) -> tuple[list[Group], Any]:
    """Every selected group, each contender checked to work before anything is timed."""
    fixtures = {algorithm: c.make_fixture(algorithm) for algorithm in c.ALGORITHMS}
    groups: list[Group] = []
    server = None
    for algorithm, fixture in fixtures.items():
        if selected(f"{algorithm} encode", filters):
            groups.append(encode_group(fixture, forms))
        if selected(f"{algorithm} decode", filters):
            groups.append(decode_group(fixture, forms))
    jwks_algorithms = [a for a in c.ALGORITHMS if a != "HS256" and selected(f"{a} jwks", filters)]
    if jwks_algorithms:
        try:
            from jwtkit.jwks import JWKSClient
        except ImportError:
            notes.append("JWKS rows missing: jwtkit.jwks.JWKSClient is not available")
        else:
            from ._jwks_server import JWKSServer

            jwks = {"keys": [fixtures[a].keys.verifying.to_dict() for a in jwks_algorithms]}
            server = JWKSServer(jwks)
            for algorithm in jwks_algorithms:
                client = JWKSClient(server.url)
                client.get_key_set()  # warm the cache before anything is timed
                groups.append(jwks_group(fixtures[algorithm], client))
            server.requests_before_timing = server.requests
    return groups, server


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    c.quiet_peer_warnings()
    filters = [f.strip() for f in args.rows.split(",") if f.strip()]
    forms = tuple(f.strip() for f in args.forms.split(",") if f.strip())
    if unknown := set(forms) - set(c.KEY_FORMS):
        raise SystemExit(f"unknown key forms: {sorted(unknown)}")
    if "object" not in forms:
        forms = ("object", *forms)  # the other forms are compared with it
    full_run = not args.quick and not filters and forms == c.KEY_FORMS
    settings = Settings(
        batch=(args.batch_ms or (2 if args.quick else 5)) / 1000,
        rounds=args.rounds or (9 if args.quick else 31),
        seconds=args.seconds if args.seconds is not None else (0.5 if args.quick else 4.0),
        max_seconds=args.max_seconds
        if args.max_seconds is not None
        else (1.5 if args.quick else 30.0),
    )
    info = machine()
    notes: list[str] = []
    started = time.perf_counter()
    groups, server = build_groups(filters, forms, notes)
    rng = random.Random(settings.seed)
    rows: list[Row] = []
    try:
        for group in groups:
            print(f"measuring {group.name} ({len(group.entries)} contenders)...", file=sys.stderr)
            measure(group.entries, settings, rng)
            rows += rows_of(group)
    finally:
        if server is not None:
            server.close()
            notes.append(
                f"JWKS rows: one JWKSClient per algorithm, each warmed by one fetch from the "
                f"loopback server before timing ({server.requests_before_timing} requests); "
                f"requests during timing: {server.requests - server.requests_before_timing}"
            )
    elapsed = time.perf_counter() - started
    info["load_average_at_end"] = os.getloadavg()

    command = "uv run python -m benchmarks" + (
        " " + " ".join(sys.argv[1:]) if argv is None and sys.argv[1:] else ""
    )
    print()
    print(_report.text_table(rows))
    print()
    print("Peer cells: median µs (how many times slower than jwtkit). jwtkit/floor: jwtkit's")
    print("median over the floor's. 'vs': jwtkit over the named baseline from the same group.")
    found = _report.targets(rows)
    if found:
        print()
        print("Targets (ratios of medians from this run):")
        for target in found:
            print("  " + target.line())
    for note in notes:
        print("note: " + note)
    print(
        f"\n{len(rows)} rows in {elapsed:.0f} s; {info['cpu']}, {info['cores']} cores, "
        f"{info['python']}; load average {info['load_average_at_start'][0]:.2f} -> "
        f"{info['load_average_at_end'][0]:.2f}"
    )

    write = not args.no_write
    json_path = args.json or (DEFAULT_JSON if full_run and write else None)
    png_path = args.png or (DEFAULT_PNG if full_run and write else None)
    title = (
        f"jwtkit vs peers, key objects, medians of >= {settings.rounds} interleaved rounds; "
        f"{info['cpu']}, {info['cores']} cores, {info['python']}"
    )
    if json_path:
        document = {
            "command": command,
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "machine": info,
            "settings": {
                "batch_seconds": settings.batch,
                "least_rounds": settings.rounds,
                "least_seconds_per_group": settings.seconds,
                "target_relative_error": settings.precision,
                "most_seconds_per_group": settings.max_seconds,
                "seed": settings.seed,
            },
            "elapsed_seconds": elapsed,
            "notes": notes,
            "rows": [row_json(row) for row in rows],
            "targets": [
                {
                    "description": t.description,
                    "value": t.value,
                    "limit": t.limit,
                    "at_least": t.at_least,
                    "met": t.met,
                }
                for t in found
            ],
        }
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {json_path}")
    if png_path:
        _report.write_chart(rows, png_path, title)
        print(f"wrote {png_path}")
    if full_run and write:
        summary = "\n".join(
            [
                f"Measured {datetime.date.today().isoformat()} with `{command}` on {info['cpu']}, "
                f"{info['cores']} cores, {info['python']}, {info['platform']}; "
                + ", ".join(f"{k} {v}" for k, v in info["versions"].items())
                + f". Load average {info['load_average_at_start'][0]:.2f} at the start, "
                f"{info['load_average_at_end'][0]:.2f} at the end; {elapsed:.0f} s.",
                "",
                _report.markdown_table(rows),
                "",
                "Targets, evaluated on this run:",
                "",
                *[f"- {t.markdown()}" for t in found],
                *(f"- note: {note}" for note in notes),
            ]
        )
        if _report.replace_between_markers(DOCS, "benchmark-results", summary):
            print(f"updated {DOCS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
