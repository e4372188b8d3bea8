"""Where the time of ``Verifier.verify`` goes: ``uv run python -m benchmarks.hotpath``.

    uv run python -m benchmarks.hotpath                      # HS256, stage by stage
    uv run python -m benchmarks.hotpath --algorithm RS256
    uv run python -m benchmarks.hotpath --cprofile           # the same call under cProfile

The default times each stage of the verify path on its own (best of several ``timeit``
repeats, the same fixtures as ``python -m benchmarks``) next to the whole call, the floor
and the bare signature check. ``--cprofile`` instead runs the whole call under cProfile and
lists the functions with the most time of their own; cProfile adds a fixed cost to every
Python-level call, so there the shares overstate the Python glue next to the C work.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import timeit
from collections.abc import Callable
from typing import Any

from jwtkit import _codec, _compact
from jwtkit import jwt as jwt_module

from . import _contenders as c


def _best(call: Callable[[], Any], number: int) -> float:
    """Best per-call time of several repeats, in µs (the least disturbed by other load)."""
    return min(timeit.repeat(call, number=number, repeat=7)) / number * 1e6


def stages(algorithm: str, number: int) -> list[tuple[str, float]]:
    """Each stage of one ``Verifier.verify`` call, timed alone, then the whole and the floor."""
    fixture = c.make_fixture(algorithm)
    token = fixture.token
    verify = c.jwtkit_verifier(fixture)
    rules = jwt_module.ClaimRules(issuer=c.ISSUER, audience=c.AUDIENCE)
    header_segment, payload_segment, signature_segment = token.split(".")
    header = _compact.parse_header_segment(header_segment)
    algorithm_object = _compact.choose_algorithm(header, {algorithm})
    keys = (fixture.keys.verifying,)
    signing_input = f"{header_segment}.{payload_segment}".encode("ascii")
    signature = _codec.b64url_decode(signature_segment, "signature")
    payload = _codec.b64url_decode(payload_segment, "payload")
    claims = _codec.json_loads_object(payload, "claims")
    _, raw_verify = c._raw_sign_verify(algorithm, fixture.keys)
    now = c.make_claims()["iat"] + 1.0
    rows = [
        ("split, cached header", lambda: _compact.parse_compact(token, "JWT")),
        ("choose the algorithm", lambda: _compact.choose_algorithm(header, {algorithm})),
        ("signing input bytes", lambda: f"{header_segment}.{payload_segment}".encode("ascii")),
        ("base64url signature", lambda: _codec.b64url_decode(signature_segment, "signature")),
        (
            "signature check",
            lambda: _compact.verify_with_keys(algorithm_object, keys, signing_input, signature),
        ),
        ("base64url payload", lambda: _codec.b64url_decode(payload_segment, "payload")),
        ("JSON claims", lambda: _codec.json_loads_object(payload, "claims")),
        ("claim checks", lambda: rules.check(claims, now)),
    ]
    timed = [(name, _best(call, number)) for name, call in rows]
    timed.append(("sum of the stages", sum(value for _, value in timed)))
    timed.append(("Verifier.verify, whole", _best(verify, number)))
    timed.append(("floor, whole", _best(c.floor_decode(fixture), number)))
    timed.append(
        ("bare signature check", _best(lambda: raw_verify(signature, signing_input), number))
    )
    return timed


def profile(algorithm: str, calls: int, top: int) -> list[str]:
    call = c.jwtkit_verifier(c.make_fixture(algorithm))
    call()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        call()
    profiler.disable()
    entries: dict[Any, Any] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = sum(own for _, _, own, _, _ in entries.values())
    ranked = sorted(entries.items(), key=lambda item: item[1][2], reverse=True)[:top]
    lines = [f"{'own time':>9} {'share':>6} {'per call':>9}  function"]
    for (filename, line, name), (_, _, own, _, _) in ranked:
        where = filename.rsplit("/src/", 1)[-1].rsplit("/lib/python3", 1)[-1]
        label = name if filename == "~" else f"{name} ({where}:{line})"
        lines.append(f"{own:8.3f}s {own / total:6.1%} {own / calls * 1e6:7.2f}µs  {label}")
    lines.append(f"{total:8.3f}s {1:6.0%} {total / calls * 1e6:7.2f}µs  total (profiled)")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.hotpath", description=__doc__)
    parser.add_argument("--algorithm", default="HS256", choices=c.ALGORITHMS)
    parser.add_argument("--number", type=int, default=5_000, help="calls per timeit repeat")
    parser.add_argument("--cprofile", action="store_true", help="profile the whole call")
    parser.add_argument("--calls", type=int, default=200_000, help="calls under cProfile")
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args(argv)
    if args.cprofile:
        print(f"jwtkit Verifier.verify, {args.algorithm}, {args.calls:,} calls under cProfile")
        print("\n".join(profile(args.algorithm, args.calls, args.top)))
        return 0
    print(f"jwtkit Verifier.verify, {args.algorithm}: each stage alone, best of 7 x {args.number}")
    for name, micros in stages(args.algorithm, args.number):
        print(f"  {name:24} {micros:8.2f} µs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
