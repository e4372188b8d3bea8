"""What one rate-limit hit costs as the in-process limiter holds more counters.

    uv run python -m benchmarks.ratelimit                # 0, 1,000, 10,000, 100,000 keys
    uv run python -m benchmarks.ratelimit --keys 0 50000

``jwtkit serve`` without Redis counts in memory: one counter per address, per account and
per name tried, and a 30-day mark per address an account logged in from, so a busy or
attacked server holds many. For each size, both storages are filled with that many live
counters, then timed over the same hits (new keys, as a login from a new address makes):
``limits``' MemoryStorage and jwtkit's InProcessCounts, through limits' sliding-window
strategy as the server uses them, in the same run. Reported: CPU per hit and the ratio.
Prints only; docs/benchmarks.md quotes a run.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from limits import parse
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter

from jwtkit.server.security.in_process_counts import InProcessCounts

HITS = 2000


async def cost_per_hit(storage: Storage, keys: int) -> float:
    """CPU seconds per hit with ``keys`` live counters held."""
    limiter = SlidingWindowCounterRateLimiter(storage)
    item = parse("5/minute")
    for n in range(keys):
        await limiter.hit(item, "held", str(n))
    await asyncio.sleep(0.05)  # let a sweep the fill started finish
    started = time.process_time()
    for n in range(HITS):
        await limiter.hit(item, "timed", str(n))
        await asyncio.sleep(0)  # a server's loop runs other tasks between hits
    return (time.process_time() - started) / HITS


async def run(sizes: list[int]) -> None:
    print(f"{'keys held':>10} {'limits MemoryStorage':>22} {'InProcessCounts':>16} {'ratio':>8}")
    for keys in sizes:
        theirs = await cost_per_hit(MemoryStorage(), keys)
        ours = await cost_per_hit(InProcessCounts(), keys)
        print(f"{keys:>10,} {theirs * 1e3:>19.3f} ms {ours * 1e3:>13.3f} ms {theirs / ours:>7.1f}x")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, nargs="+", default=[0, 1_000, 10_000, 100_000])
    args = parser.parse_args(argv)
    asyncio.run(run(args.keys))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
