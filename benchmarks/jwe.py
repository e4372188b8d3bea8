"""``uv run python -m benchmarks.jwe``: JWE encrypt and decrypt, jwtkit against joserfc and
jwcrypto, in one interleaved run.

Rows: ``dir`` + A256GCM, ECDH-ES+A256KW (P-256) + A256GCM, RSA-OAEP-256 (2048-bit) + A256GCM.
Every contender gets its keys already imported in its own key type, encrypts the same
plaintext and decrypts the same token (made by jwtkit; all three read it). Each round runs one
batch per contender in a shuffled order, so a busy machine slows everyone alike; the table
shows the median time per operation and each contender's time as a multiple of jwtkit's.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
import warnings
from collections.abc import Callable
from typing import Any

from joserfc import jwe as joserfc_jwe
from joserfc import jwk as joserfc_jwk
from jwcrypto import jwe as jwcrypto_jwe
from jwcrypto import jwk as jwcrypto_jwk

import jwtkit
from jwtkit import jwe

PLAINTEXT = json.dumps(
    {
        "sub": "user-4711",
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "iban": "GB33BUKB20201555555555",
        "iat": 1_700_000_000,
        "exp": 1_700_003_600,
    }
).encode()
ROWS = (("dir", "A256GCM"), ("ECDH-ES+A256KW", "A256GCM"), ("RSA-OAEP-256", "A256GCM"))
CONTENDERS = ("jwtkit", "joserfc", "jwcrypto")


def _keys(alg: str) -> jwtkit.Key:
    if alg == "dir":
        return jwtkit.OctKey(bytes(range(32)))
    if alg.startswith("ECDH"):
        return jwtkit.Key.import_key(
            {k: v for k, v in jwtkit.Key.generate("ECDH-ES").to_dict(private=True).items()
             if k != "alg"}
        )  # fmt: skip
    return jwtkit.RSAKey(jwtkit.jwa.find_algorithm("RSA-OAEP-256").generate_key())


def _operations(alg: str, enc: str) -> dict[tuple[str, str], Callable[[], Any]]:
    """(contender, operation) -> a zero-argument call doing one encrypt or decrypt."""
    key = _keys(alg)
    public = key if key.kty == "oct" else key.public_key()
    token = jwe.encrypt(PLAINTEXT, public, alg, enc)
    private_jwk = key.to_dict(private=True)
    public_jwk = public.to_dict(private=public.kty == "oct")
    joserfc_private = joserfc_jwk.import_key(private_jwk)
    joserfc_public = joserfc_jwk.import_key(public_jwk)
    jwcrypto_private = jwcrypto_jwk.JWK(**private_jwk)
    jwcrypto_public = jwcrypto_jwk.JWK(**public_jwk)
    protected = {"alg": alg, "enc": enc}
    protected_text = json.dumps(protected)
    allowed = [alg, enc]

    def jwcrypto_encrypt() -> str:
        message = jwcrypto_jwe.JWE(PLAINTEXT, protected=protected_text, algs=allowed)
        message.add_recipient(jwcrypto_public)
        result: str = message.serialize(compact=True)
        return result

    def jwcrypto_decrypt() -> bytes:
        message = jwcrypto_jwe.JWE(algs=allowed)
        message.deserialize(token, key=jwcrypto_private)
        result: bytes = message.payload
        return result

    operations: dict[tuple[str, str], Callable[[], Any]] = {
        ("jwtkit", "encrypt"): lambda: jwe.encrypt(PLAINTEXT, public, alg, enc),
        ("jwtkit", "decrypt"): lambda: jwe.decrypt(token, key, [alg], [enc]).plaintext,
        ("joserfc", "encrypt"): lambda: joserfc_jwe.encrypt_compact(
            protected, PLAINTEXT, joserfc_public, algorithms=allowed
        ),
        ("joserfc", "decrypt"): lambda: (
            joserfc_jwe.decrypt_compact(token, joserfc_private, algorithms=allowed).plaintext
        ),
        ("jwcrypto", "encrypt"): jwcrypto_encrypt,
        ("jwcrypto", "decrypt"): jwcrypto_decrypt,
    }
    for (contender, operation), call in operations.items():
        result = call()  # warm up, and check every contender really works
        if operation == "decrypt" and result != PLAINTEXT:
            raise SystemExit(f"{contender} decrypted the wrong plaintext for {alg}")
    return operations


def _batch_size(call: Callable[[], Any], batch_seconds: float) -> int:
    start = time.perf_counter()
    call()
    once = max(time.perf_counter() - start, 1e-7)
    return max(1, int(batch_seconds / once))


def measure(rounds: int, batch_ms: float) -> list[dict[str, Any]]:
    results = []
    for alg, enc in ROWS:
        operations = _operations(alg, enc)
        for operation in ("encrypt", "decrypt"):
            calls = {name: operations[(name, operation)] for name in CONTENDERS}
            sizes = {name: _batch_size(call, batch_ms / 1000) for name, call in calls.items()}
            samples: dict[str, list[float]] = {name: [] for name in CONTENDERS}
            order = list(CONTENDERS)
            for _ in range(rounds):
                random.shuffle(order)
                for name in order:
                    call, size = calls[name], sizes[name]
                    start = time.perf_counter()
                    for _ in range(size):
                        call()
                    samples[name].append((time.perf_counter() - start) / size)
            medians = {name: statistics.median(values) for name, values in samples.items()}
            results.append({"row": f"{alg} + {enc} {operation}", "median_seconds": medians})
    return results


def table(results: list[dict[str, Any]]) -> str:
    header = "| row | " + " | ".join(f"{name} (µs)" for name in CONTENDERS) + " | "
    header += " | ".join(f"{name} / jwtkit" for name in CONTENDERS[1:]) + " |"
    lines = [header, "|" + "---|" * (1 + 2 * len(CONTENDERS) - 1)]
    for result in results:
        medians = result["median_seconds"]
        ours = medians["jwtkit"]
        cells = [f"{medians[name] * 1e6:,.1f}" for name in CONTENDERS]
        ratios = [f"{medians[name] / ours:.2f}x" for name in CONTENDERS[1:]]
        lines.append(f"| {result['row']} | " + " | ".join(cells + ratios) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.jwe", description=__doc__)
    parser.add_argument("--rounds", type=int, default=21, help="rounds per contender")
    parser.add_argument("--batch-ms", type=float, default=20.0, help="milliseconds per batch")
    parser.add_argument("--quick", action="store_true", help="5 rounds of 5 ms (a smoke run)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON too")
    arguments = parser.parse_args(argv)
    rounds, batch_ms = (5, 5.0) if arguments.quick else (arguments.rounds, arguments.batch_ms)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # joserfc warns about non-recommended algorithms
        results = measure(rounds, batch_ms)
    print(table(results))
    print(
        f"\n{rounds} interleaved rounds of ~{batch_ms:g} ms per contender; medians per operation."
    )
    if arguments.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
