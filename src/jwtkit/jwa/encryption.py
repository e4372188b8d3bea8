"""The JWE algorithm tables: key management (``alg``) and content encryption (``enc``).

``RSA1_5`` is in the table so that keys published with it still import, but it only ever
decrypts, and only when the caller names it.
"""

from __future__ import annotations

from ._base import look_up
from ._jwe_base import ContentEncryptionAlgorithm, KeyManagementAlgorithm
from .aesgcmkw import A128GCMKW, A192GCMKW, A256GCMKW
from .aeskw import A128KW, A192KW, A256KW
from .content import A128CBC_HS256, A128GCM, A192CBC_HS384, A192GCM, A256CBC_HS512, A256GCM
from .direct import DIR
from .ecdh import ECDH_ES, ECDH_ES_A128KW, ECDH_ES_A192KW, ECDH_ES_A256KW
from .pbes2 import PBES2_HS256_A128KW, PBES2_HS384_A192KW, PBES2_HS512_A256KW
from .rsaes import RSA1_5, RSA_OAEP, RSA_OAEP_256, RSA_OAEP_384, RSA_OAEP_512

__all__ = [
    "CONTENT_ENCRYPTION_ALGORITHMS",
    "KEY_MANAGEMENT_ALGORITHMS",
    "get_content_encryption_algorithm",
    "get_key_management_algorithm",
]

KEY_MANAGEMENT_ALGORITHMS: dict[str, KeyManagementAlgorithm] = {
    algorithm.name: algorithm
    for algorithm in (
        RSA1_5, RSA_OAEP, RSA_OAEP_256, RSA_OAEP_384, RSA_OAEP_512,
        A128KW, A192KW, A256KW,
        DIR,
        ECDH_ES, ECDH_ES_A128KW, ECDH_ES_A192KW, ECDH_ES_A256KW,
        A128GCMKW, A192GCMKW, A256GCMKW,
        PBES2_HS256_A128KW, PBES2_HS384_A192KW, PBES2_HS512_A256KW,
    )
}  # fmt: skip

CONTENT_ENCRYPTION_ALGORITHMS: dict[str, ContentEncryptionAlgorithm] = {
    algorithm.name: algorithm
    for algorithm in (A128CBC_HS256, A192CBC_HS384, A256CBC_HS512, A128GCM, A192GCM, A256GCM)
}


def get_key_management_algorithm(name: object) -> KeyManagementAlgorithm:
    """Look up a JWE ``alg`` by name; unknown names raise."""
    return look_up(KEY_MANAGEMENT_ALGORITHMS, name, "key management algorithm")


def get_content_encryption_algorithm(name: object) -> ContentEncryptionAlgorithm:
    """Look up a JWE ``enc`` by name; unknown names raise."""
    return look_up(CONTENT_ENCRYPTION_ALGORITHMS, name, "content encryption")
