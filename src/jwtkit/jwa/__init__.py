"""JSON Web Algorithms (RFC 7518 and successors): one registry, name → algorithm object.

Adding an algorithm is one module (or one line in a family module) and one entry in its
family's table; nothing else in jwtkit branches on algorithm names. Every algorithm is an
:class:`Algorithm` to the key layer, whatever its family.
"""

from __future__ import annotations

from ._base import Algorithm, SignatureAlgorithm, look_up
from .ecdsa import ES256, ES256K, ES384, ES512
from .eddsa import ED448, ED25519, EDDSA
from .encryption import CONTENT_ENCRYPTION_ALGORITHMS, KEY_MANAGEMENT_ALGORITHMS
from .hmac import HS256, HS384, HS512
from .mldsa import ML_DSA_44, ML_DSA_65, ML_DSA_87
from .rsa import PS256, PS384, PS512, RS256, RS384, RS512

__all__ = [
    "ALGORITHMS",
    "SIGNATURE_ALGORITHMS",
    "Algorithm",
    "SignatureAlgorithm",
    "find_algorithm",
    "get_signature_algorithm",
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
    try:  # the hot path: one dict lookup (a try costs nothing until it raises)
        return SIGNATURE_ALGORITHMS[name]  # type: ignore[index]
    except (KeyError, TypeError):
        return look_up(SIGNATURE_ALGORITHMS, name, "signature algorithm")


#: Every algorithm jwtkit implements, JWS and JWE alike (their names never collide).
ALGORITHMS: dict[str, Algorithm] = {
    **SIGNATURE_ALGORITHMS,
    **KEY_MANAGEMENT_ALGORITHMS,
    **CONTENT_ENCRYPTION_ALGORITHMS,
}


def find_algorithm(name: object) -> Algorithm:
    """Any algorithm jwtkit implements (JWS or JWE) by name; used for key binding."""
    return look_up(ALGORITHMS, name, "algorithm")
