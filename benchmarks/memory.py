"""Memory under load: verify a million distinct tokens with one Verifier, sample RSS as it goes.

    uv run python -m benchmarks.memory                 # 1,000,000 HS256 tokens
    uv run python -m benchmarks.memory --tokens 200000 --algorithm ES256 --png docs/img/memory.png

Every token is new (its own ``jti``, ``sub`` and ``exp``); one in 50 also carries a header
never seen before, so the parsed-header cache keeps evicting; one in 100 is bad (expired,
tampered or malformed) so the error paths run too. Tokens are made in chunks just before they
are verified, so the run holds one chunk at a time. RSS is read from ``/proc/self/statm``.
The verdict compares RSS after the first tenth of the run (every cache warm and full) with
RSS at the end: the caches are bounded LRUs, so the two should match to within noise.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import jwtkit

ISSUER = "https://auth.example.com"
AUDIENCE = "https://api.example.com"
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_bytes() -> int:
    """Resident set size now (Linux); peak RSS elsewhere."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except OSError:  # pragma: no cover - not Linux
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def make_chunk(
    key: jwtkit.Key, algorithm: str, start: int, size: int, now: int
) -> list[tuple[str, bool]]:
    """``size`` fresh tokens numbered from ``start``; each paired with whether it is valid."""
    chunk: list[tuple[str, bool]] = []
    for number in range(start, start + size):
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": f"user-{number}",
            "jti": f"token-{number}",
            "iat": now,
            "nbf": now,
            "exp": now + 3600 + number % 7200,
        }
        headers = {"seq": number} if number % 50 == 0 else None
        bad = number % 100
        if bad == 1:
            claims["exp"] = now - 10  # expired
        token = jwtkit.encode(claims, key, algorithm, headers=headers)
        if bad == 2:
            token = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBA")  # tampered
        elif bad == 3:
            token = token.replace(".", "!", 1)  # malformed
        chunk.append((token, bad not in (1, 2, 3)))
    return chunk


def run(tokens: int, algorithm: str, sample_every: int) -> dict[str, Any]:
    signing = jwtkit.Key.generate(algorithm, kid="memory-test")
    verifier = jwtkit.Verifier(
        signing.public_key() if algorithm != "HS256" else signing,
        [algorithm],
        issuer=ISSUER,
        audience=AUDIENCE,
    )
    now = int(time.time())
    samples: list[tuple[int, float]] = [(0, rss_bytes() / 2**20)]
    verified = rejected = 0
    started = time.perf_counter()
    chunk_size = min(sample_every, 10_000)
    for start in range(0, tokens, chunk_size):
        size = min(chunk_size, tokens - start)
        for token, valid in make_chunk(signing, algorithm, start, size, now):
            try:
                verifier.verify(token)
            except jwtkit.InvalidTokenError:
                if valid:
                    raise
                rejected += 1
            else:
                if not valid:
                    raise AssertionError("a bad token was accepted")
                verified += 1
        done = start + size
        if done % sample_every == 0 or done == tokens:
            gc.collect()
            samples.append((done, rss_bytes() / 2**20))
            print(f"{done:>9,} tokens  RSS {samples[-1][1]:7.1f} MiB", file=sys.stderr)
    elapsed = time.perf_counter() - started
    warm = next(rss for count, rss in samples if count >= tokens // 10)
    end = samples[-1][1]
    return {
        "algorithm": algorithm,
        "tokens": tokens,
        "verified": verified,
        "rejected": rejected,
        "elapsed_seconds": elapsed,
        "samples": [{"tokens": count, "rss_mib": rss} for count, rss in samples],
        "rss_after_first_tenth_mib": warm,
        "rss_at_end_mib": end,
        "growth_mib": end - warm,
    }


def write_chart(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    counts = [sample["tokens"] for sample in result["samples"]]
    rss = [sample["rss_mib"] for sample in result["samples"]]
    figure, axis = plt.subplots(figsize=(7, 3))
    axis.plot(counts, rss, marker=".", color="#1565c0")
    axis.set_ylim(0, max(rss) * 1.3)
    axis.set_xlabel("tokens verified by one Verifier")
    axis.set_ylabel("RSS (MiB)")
    axis.set_title(
        f"jwtkit Verifier, {result['algorithm']}: RSS over {result['tokens']:,} distinct tokens",
        fontsize=10,
    )
    axis.xaxis.set_major_formatter(lambda value, _: f"{value:,.0f}")
    axis.grid(alpha=0.3)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.memory", description=__doc__)
    parser.add_argument("--tokens", type=int, default=1_000_000)
    parser.add_argument("--algorithm", default="HS256")
    parser.add_argument("--sample-every", type=int, default=50_000)
    parser.add_argument(
        "--max-growth-mib",
        type=float,
        default=4.0,
        help="RSS growth after the first tenth that counts as not flat (exit status 1)",
    )
    parser.add_argument("--json", type=Path, help="write the samples as JSON")
    parser.add_argument("--png", type=Path, help="write a chart of RSS over the run")
    args = parser.parse_args(argv)
    result = run(args.tokens, args.algorithm, args.sample_every)
    flat = result["growth_mib"] <= args.max_growth_mib
    print(
        f"{result['tokens']:,} {result['algorithm']} tokens in {result['elapsed_seconds']:.0f} s "
        f"({result['verified']:,} verified, {result['rejected']:,} rejected as expected); "
        f"RSS {result['rss_after_first_tenth_mib']:.1f} MiB after the first tenth, "
        f"{result['rss_at_end_mib']:.1f} MiB at the end: "
        f"{'flat' if flat else 'GROWING'} ({result['growth_mib']:+.1f} MiB)"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if args.png:
        write_chart(result, args.png)
    return 0 if flat else 1


if __name__ == "__main__":
    raise SystemExit(main())
