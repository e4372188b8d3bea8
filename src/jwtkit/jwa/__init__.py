"""JSON Web Algorithms (RFC 7518 and successors): one registry, name → algorithm object.

Adding an algorithm is one module (or one line in a family module) and one entry here;
nothing else in jwtkit branches on algorithm names.
"""

from __future__ import annotations

from typing import Any

from ..errors import UnsupportedAlgorithmError
from ._base import SignatureAlgorithm
from .ecdsa import ES256, ES256K, ES384, ES512
from .eddsa import ED448, ED25519, EDDSA
from .encryption import CONTENT_ENCRYPTION_ALGORITHMS, KEY_MANAGEMENT_ALGORITHMS
from .hmac import HS256, HS384, HS512
from .mldsa import ML_DSA_44, ML_DSA_65, ML_DSA_87
from .rsa import PS256, PS384, PS512, RS256, RS384, RS512

__all__ = [
    "SIGNATURE_ALGORITHMS",
    "SignatureAlgorithm",
    "find_algorithm",
    "get_signature_algorithm",
    "register_algorithm_table",
]

#: Every JWS ``alg`` jwtkit implements. ``none`` is deliberately absent: see
#: :func:`jwtkit.jws.sign_unsecured`.
SIGNATURE_ALGORITHMS: dict[str, SignatureAlgorithm] = {
    algorithm.name: algorithm
    for algorithm in (
        HS256, HS384, HS512,
        RS256, RS384, RS512,
        PS256, PS384, PS512,
        ES256, ES384, ES512, ES256K,
        EDDSA, ED25519, ED448,
        ML_DSA_44, ML_DSA_65, ML_DSA_87,
    )
}  # fmt: skip


def get_signature_algorithm(name: object) -> SignatureAlgorithm:
    """Look up a JWS algorithm by name; unknown names (and ``none``) raise."""
    algorithm = SIGNATURE_ALGORITHMS.get(name) if isinstance(name, str) else None
    if algorithm is None:
        shown = name if isinstance(name, str) and len(name) <= 32 else "(unrecognised)"
        raise UnsupportedAlgorithmError(f"Unsupported signature algorithm {shown!r}")
    return algorithm


# Other algorithm families (JWE key management, content encryption) add their tables here.
_TABLES: list[dict[str, Any]] = [
    SIGNATURE_ALGORITHMS,
    KEY_MANAGEMENT_ALGORITHMS,
    CONTENT_ENCRYPTION_ALGORITHMS,
]


def register_algorithm_table(table: dict[str, Any]) -> None:
    """Make another family's algorithms known to :func:`find_algorithm`."""
    if table not in _TABLES:
        _TABLES.append(table)


def find_algorithm(name: object) -> Any:
    """Any algorithm jwtkit implements (JWS or JWE) by name; used for key binding."""
    if isinstance(name, str):
        for table in _TABLES:
            if name in table:
                return table[name]
    shown = name if isinstance(name, str) and len(name) <= 32 else "(unrecognised)"
    raise UnsupportedAlgorithmError(f"Unsupported algorithm {shown!r}")
