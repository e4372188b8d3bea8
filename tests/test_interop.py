"""Interoperability with PyJWT, joserfc and jwcrypto, in both directions.

For every algorithm a peer implements, a token jwtkit signs verifies in the peer and a token
the peer signs verifies in jwtkit, with the claims (or JWS payload) unchanged. Public keys
cross the boundary the way they do in practice: exported by the signer's library as PEM or
as a JWK and imported by the verifier's library. Keys are generated once per module.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, mldsa, rsa
from joserfc import jwk as joserfc_jwk
from joserfc import jwt as joserfc_jwt
from joserfc.jws import JWSRegistry
from jwcrypto import jwk as jwcrypto_jwk  # type: ignore[import-untyped]
from jwcrypto import jws as jwcrypto_jws

import jwtkit
from jwtkit._codec import b64url_decode, b64url_encode
from jwtkit.jwa import SIGNATURE_ALGORITHMS

# Peers log deprecation notices for EdDSA (RFC 9864) and the like; they are not our concern.
pytestmark = pytest.mark.filterwarnings("ignore::Warning")

NOW = 1_800_000_000
CLAIMS: dict[str, Any] = {
    "iss": "https://issuer.example",
    "sub": "user-42",
    "aud": ["interop", "someone-else"],
    "iat": 1_700_000_000,
    "nbf": 1_700_000_000,
    "exp": 4_102_444_800,
    "jti": "b8d3c0e6-interop",
    "name": "Zoë ✓ 日本語 \u2028",
    "roles": ["reader", "writer"],
    "nested": {"ratio": 1.5, "enabled": True, "nothing": None, "deep": [[1], {"x": "y"}]},
    "large": 2**63 + 1,
}
# Binary, not UTF-8, with a dot: what a JWS payload may be.
PAYLOAD = b'\x00\xff\xfe.{"not": json}\xe2\x82\xac' + bytes(range(32))
HMAC_SECRET = hashlib.sha512(b"jwtkit interop secret").digest()  # 64 bytes: enough for HS512


# -- keys: generated once per module -----------------------------------------------------------

# alg → the family of key it signs with ("EdDSA" is tested once per curve).
ALGORITHM_FAMILIES: dict[str, tuple[str, ...]] = {
    "HS256": ("oct",),
    "HS384": ("oct",),
    "HS512": ("oct",),
    "RS256": ("RSA",),
    "RS384": ("RSA",),
    "RS512": ("RSA",),
    "PS256": ("RSA",),
    "PS384": ("RSA",),
    "PS512": ("RSA",),
    "ES256": ("P-256",),
    "ES384": ("P-384",),
    "ES512": ("P-521",),
    "ES256K": ("secp256k1",),
    "EdDSA": ("Ed25519", "Ed448"),
    "Ed25519": ("Ed25519",),
    "Ed448": ("Ed448",),
    "ML-DSA-44": ("ML-DSA-44",),
    "ML-DSA-65": ("ML-DSA-65",),
    "ML-DSA-87": ("ML-DSA-87",),
}

_GENERATORS: dict[str, Callable[[], Any]] = {
    "RSA": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
    "P-256": lambda: ec.generate_private_key(ec.SECP256R1()),
    "P-384": lambda: ec.generate_private_key(ec.SECP384R1()),
    "P-521": lambda: ec.generate_private_key(ec.SECP521R1()),
    "secp256k1": lambda: ec.generate_private_key(ec.SECP256K1()),
    "Ed25519": ed25519.Ed25519PrivateKey.generate,
    "Ed448": ed448.Ed448PrivateKey.generate,
    "ML-DSA-44": mldsa.MLDSA44PrivateKey.generate,
    "ML-DSA-65": mldsa.MLDSA65PrivateKey.generate,
    "ML-DSA-87": mldsa.MLDSA87PrivateKey.generate,
}

_KTY = {"oct": "oct", "RSA": "RSA", "Ed25519": "OKP", "Ed448": "OKP"}


def kty_of(family: str) -> str:
    if family.startswith("ML-DSA"):
        return "AKP"
    return _KTY.get(family, "EC")


@cache
def private_key(family: str) -> Any:
    """The one private key of a family for this module (RSA generation is slow)."""
    return _GENERATORS[family]()


def private_pem(family: str) -> bytes:
    pem: bytes = private_key(family).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return pem


def public_pem(family: str) -> bytes:
    pem: bytes = (
        private_key(family)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return pem


def secret_jwk() -> dict[str, str]:
    return {"kty": "oct", "k": b64url_encode(HMAC_SECRET).decode("ascii")}


# -- one adapter per library: sign with a private key, export a public key, verify -------------


@dataclass(frozen=True)
class Case:
    alg: str
    family: str
    form: str  # "pem" or "jwk" ("secret" or "jwk" for HMAC)


class Library:
    """How one library signs, exports its verification key in a form, and verifies."""

    name = ""
    #: "jwt": the message is a claims dict; "jws": it is payload bytes.
    message_kind = "jwt"

    def sign(self, case: Case, message: Any) -> str:
        raise NotImplementedError

    def exported_public(self, case: Case) -> Any:
        raise NotImplementedError

    def verify(self, case: Case, token: str, public: Any) -> Any:
        raise NotImplementedError


class JwtkitJWT(Library):
    name = "jwtkit"

    def _signing_key(self, case: Case) -> jwtkit.Key:
        if case.family == "oct":
            return jwtkit.OctKey.import_key(HMAC_SECRET)
        return jwtkit.Key.import_key(private_pem(case.family))

    def sign(self, case: Case, message: Any) -> str:
        return jwtkit.encode(message, self._signing_key(case), algorithm=case.alg)

    def exported_public(self, case: Case) -> Any:
        key = self._signing_key(case)
        if case.family == "oct":
            return HMAC_SECRET if case.form == "secret" else key.to_dict(private=True)
        public = key.public_key()
        return public.to_pem() if case.form == "pem" else public.to_dict()

    def verify(self, case: Case, token: str, public: Any) -> Any:
        return jwtkit.decode(
            token,
            public,
            algorithms=[case.alg],
            audience="interop",
            issuer="https://issuer.example",
            now=NOW,
        )


class JwtkitJWS(JwtkitJWT):
    message_kind = "jws"

    def sign(self, case: Case, message: Any) -> str:
        return jwtkit.jws.sign(message, self._signing_key(case), case.alg)

    def verify(self, case: Case, token: str, public: Any) -> Any:
        return jwtkit.jws.verify(token, public, [case.alg]).payload


class PyJWT(Library):
    name = "pyjwt"

    def sign(self, case: Case, message: Any) -> str:
        key = HMAC_SECRET if case.family == "oct" else private_pem(case.family)
        return pyjwt.encode(message, key, algorithm=case.alg)

    def exported_public(self, case: Case) -> Any:
        algorithm = pyjwt.get_algorithm_by_name(case.alg)
        if case.family == "oct":
            if case.form == "secret":
                return HMAC_SECRET
            return algorithm.to_jwk(HMAC_SECRET, as_dict=True)
        public = private_key(case.family).public_key()
        if case.form == "pem":  # PyJWT users export PEM with cryptography
            return public.public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        return algorithm.to_jwk(public, as_dict=True)

    def verify(self, case: Case, token: str, public: Any) -> Any:
        key = pyjwt.PyJWK(public, algorithm=case.alg) if isinstance(public, dict) else public
        return pyjwt.decode(
            token,
            key,
            algorithms=[case.alg],
            audience="interop",
            issuer="https://issuer.example",
        )


class Joserfc(Library):
    name = "joserfc"

    def _key(self, case: Case, data: Any) -> Any:
        kty: Any = kty_of(case.family)
        if kty == "oct" and isinstance(data, bytes):
            return joserfc_jwk.OctKey.import_key(data)
        return joserfc_jwk.import_key(data, kty)

    def sign(self, case: Case, message: Any) -> str:
        data = HMAC_SECRET if case.family == "oct" else private_pem(case.family)
        key = self._key(case, data)
        token: str = joserfc_jwt.encode({"alg": case.alg}, message, key, algorithms=[case.alg])
        return token

    def exported_public(self, case: Case) -> Any:
        if case.family == "oct":
            if case.form == "secret":
                return HMAC_SECRET
            return self._key(case, HMAC_SECRET).as_dict(private=True)
        key = self._key(case, private_pem(case.family))
        return key.as_pem(private=False) if case.form == "pem" else key.as_dict(private=False)

    def verify(self, case: Case, token: str, public: Any) -> Any:
        decoded = joserfc_jwt.decode(token, self._key(case, public), algorithms=[case.alg])
        return decoded.claims


class Jwcrypto(Library):
    name = "jwcrypto"
    message_kind = "jws"

    def _key(self, case: Case, data: Any) -> Any:
        if isinstance(data, dict):
            return jwcrypto_jwk.JWK(**data)
        if case.family == "oct":
            return jwcrypto_jwk.JWK(**secret_jwk())
        return jwcrypto_jwk.JWK.from_pem(data)

    def sign(self, case: Case, message: Any) -> str:
        data = HMAC_SECRET if case.family == "oct" else private_pem(case.family)
        signed = jwcrypto_jws.JWS(message)
        signed.add_signature(
            self._key(case, data), alg=case.alg, protected=json.dumps({"alg": case.alg})
        )
        token: str = signed.serialize(compact=True)
        return token

    def exported_public(self, case: Case) -> Any:
        if case.family == "oct":
            if case.form == "secret":
                return HMAC_SECRET
            return self._key(case, HMAC_SECRET).export_symmetric(as_dict=True)
        key = self._key(case, private_pem(case.family))
        return key.export_to_pem() if case.form == "pem" else key.export_public(as_dict=True)

    def verify(self, case: Case, token: str, public: Any) -> Any:
        received = jwcrypto_jws.JWS()
        received.deserialize(token)
        received.verify(self._key(case, public), alg=case.alg)
        return received.payload


PEERS: dict[str, Library] = {peer.name: peer for peer in (PyJWT(), Joserfc(), Jwcrypto())}
JWTKIT_FOR = {"jwt": JwtkitJWT(), "jws": JwtkitJWS()}

# What each peer implements, read from the peer itself (checked below against these lists).
PEER_ALGORITHMS: dict[str, tuple[str, ...]] = {
    "pyjwt": (
        "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
        "ES256", "ES384", "ES512", "ES256K", "EdDSA",
    ),
    "joserfc": (
        "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
        "ES256", "ES384", "ES512", "ES256K", "EdDSA", "Ed25519", "Ed448",
    ),
    "jwcrypto": (
        "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
        "ES256", "ES384", "ES512", "ES256K", "EdDSA", "Ed25519", "Ed448",
        "ML-DSA-44", "ML-DSA-65", "ML-DSA-87",
    ),
}  # fmt: skip
# PyJWT also registers "ES521", its own alias of ES512; it is not a registered JOSE name.
PEER_ALIASES = {"pyjwt": {"ES521"}, "joserfc": set(), "jwcrypto": set()}


def _signature_algorithms_of(peer: str) -> set[str]:
    if peer == "pyjwt":
        names = set(pyjwt.algorithms.get_default_algorithms())
    elif peer == "joserfc":
        names = set(JWSRegistry.algorithms)
    else:
        names = {
            name
            for name in jwcrypto_jws.default_allowed_algs
            if name in jwcrypto_jws.JWA.algorithms_registry
        }
    return names - {"none"} - PEER_ALIASES[peer]


def _cases() -> list[Any]:
    params = []
    for peer, algorithms in PEER_ALGORITHMS.items():
        for alg in algorithms:
            for family in ALGORITHM_FAMILIES[alg]:
                forms = ("secret", "jwk") if family == "oct" else ("pem", "jwk")
                for form in forms:
                    label = alg if len(ALGORITHM_FAMILIES[alg]) == 1 else f"{alg}({family})"
                    params.append(
                        pytest.param(peer, Case(alg, family, form), id=f"{peer}-{label}-{form}")
                    )
    return params


CASES = _cases()


@pytest.mark.parametrize("peer", sorted(PEER_ALGORITHMS))
def test_every_signature_algorithm_of_the_peer_is_exercised(peer: str) -> None:
    assert _signature_algorithms_of(peer) == set(PEER_ALGORITHMS[peer])


def test_every_exercised_algorithm_is_a_jwtkit_algorithm() -> None:
    exercised = {alg for algorithms in PEER_ALGORITHMS.values() for alg in algorithms}
    assert exercised <= set(SIGNATURE_ALGORITHMS)
    assert set(ALGORITHM_FAMILIES) == set(SIGNATURE_ALGORITHMS)


def _message_for(peer: Library) -> Any:
    return CLAIMS if peer.message_kind == "jwt" else PAYLOAD


@pytest.mark.parametrize(("peer_name", "case"), CASES)
def test_peer_verifies_jwtkit_token(peer_name: str, case: Case) -> None:
    peer = PEERS[peer_name]
    signer = JWTKIT_FOR[peer.message_kind]
    message = _message_for(peer)
    token = signer.sign(case, message)
    assert json.loads(b64url_decode(token.split(".")[0]))["alg"] == case.alg
    assert peer.verify(case, token, signer.exported_public(case)) == message


@pytest.mark.parametrize(("peer_name", "case"), CASES)
def test_jwtkit_verifies_peer_token(peer_name: str, case: Case) -> None:
    peer = PEERS[peer_name]
    verifier = JWTKIT_FOR[peer.message_kind]
    message = _message_for(peer)
    token = peer.sign(case, message)
    assert verifier.verify(case, token, peer.exported_public(case)) == message


@pytest.mark.parametrize(("peer_name", "case"), CASES)
def test_jwtkit_rejects_peer_token_with_altered_payload(peer_name: str, case: Case) -> None:
    """The peer's signature must bind the payload in jwtkit too, not just parse."""
    peer = PEERS[peer_name]
    verifier = JWTKIT_FOR[peer.message_kind]
    header, _, signature = peer.sign(case, _message_for(peer)).split(".")
    forged_message = (
        json.dumps({**CLAIMS, "sub": "admin"}).encode() if peer.message_kind == "jwt" else b"x"
    )
    forged = f"{header}.{b64url_encode(forged_message).decode()}.{signature}"
    with pytest.raises(jwtkit.InvalidSignatureError):
        verifier.verify(case, forged, peer.exported_public(case))


def test_pyjwt_es521_alias_is_refused_as_unregistered() -> None:
    """PyJWT's private alias "ES521" is not a JOSE name: jwtkit refuses it; ES512 interoperates."""
    key = private_key("P-521")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        token = pyjwt.encode(CLAIMS, key, algorithm="ES521")
    with pytest.raises(jwtkit.UnsupportedAlgorithmError):
        jwtkit.decode(token, public_pem("P-521"), algorithms=["ES521"], audience="interop")
    with pytest.raises(jwtkit.InvalidAlgorithmError):
        jwtkit.decode(token, public_pem("P-521"), algorithms=["ES512"], audience="interop")
