"""Side-by-side benchmarks of jwtkit against PyJWT, joserfc, jwcrypto, python-jose and the floor.

Run ``uv run python -m benchmarks`` (see ``docs/benchmarks.md``). Everything is measured in one
process, interleaved round-robin, and reported as medians and ratios from that same run, so a
busy machine slows every contender alike instead of favouring whichever ran in a quiet moment.
``python -m benchmarks.memory`` shows that verifying a million tokens keeps memory flat.
"""
