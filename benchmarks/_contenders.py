"""The contenders: jwtkit, the floor, and each peer library, as zero-argument callables.

Every library gets the same claims, the same keys (one ``cryptography`` key per algorithm,
converted into each library's own types) and the same checks: signature, ``iss``, ``aud``,
``exp``, ``nbf`` and ``iat``. Keys come in three forms:

- ``object``: the library's own parsed key object, built once (for PyJWT, which has none for
  HMAC or asymmetric keys, the ``cryptography`` object or the secret bytes);
- ``text``: PEM text for asymmetric keys, the raw secret for HMAC, passed on every call, as
  tutorials do; a library without a cache of its own re-parses it every time;
- ``jwk``: a JWK dict passed on every call (turned into a key object on every call where the
  library needs one).
"""

from __future__ import annotations

import base64
import json
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.hashes import SHA256

import jwtkit

ALGORITHMS = ("HS256", "RS256", "PS256", "ES256", "EdDSA", "ML-DSA-44")
KEY_FORMS = ("object", "text", "jwk")
PEERS = ("PyJWT", "joserfc", "jwcrypto", "python-jose")
ISSUER = "https://auth.example.com"
AUDIENCE = "https://api.example.com"
HMAC_SECRET = b"bench-secret-0123456789abcdefghijklmnopqrstuvwxyz"  # 50 bytes, > SHA-256 size

Call = Callable[[], Any]


def make_claims() -> dict[str, Any]:
    """A typical access token's claims, valid for the next hour."""
    now = int(time.time())
    return {
        "iss": ISSUER,
        "sub": "user-8f14e45f",
        "aud": AUDIENCE,
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "jti": "b6f6c1e6-3c2b-4d7e-9a51-7f1c2a9d0e4b",
        "scope": "orders:read orders:write",
    }


@dataclass
class KeyMaterial:
    """One algorithm's key in every form the contenders need."""

    algorithm: str
    signing: jwtkit.Key  # private (or the secret)
    verifying: jwtkit.Key  # public (or the secret)
    private_object: Any  # cryptography private key object, or the secret bytes
    public_object: Any
    private_text: Any  # PEM text (str), or the secret bytes
    public_text: Any
    private_jwk: dict[str, Any]
    public_jwk: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)


def make_key_material(algorithm: str) -> KeyMaterial:
    if algorithm == "HS256":
        key = jwtkit.OctKey.import_key(HMAC_SECRET)
        jwk = key.to_dict(private=True)
        return KeyMaterial(
            algorithm, key, key, HMAC_SECRET, HMAC_SECRET, HMAC_SECRET, HMAC_SECRET, jwk, jwk
        )
    signing = jwtkit.Key.generate(algorithm, kid=f"bench-{algorithm}")
    verifying = signing.public_key()
    return KeyMaterial(
        algorithm,
        signing,
        verifying,
        signing._material_for(_jwa(algorithm), "sign"),
        verifying._material_for(_jwa(algorithm), "verify"),
        signing.to_pem(private=True).decode("ascii"),
        verifying.to_pem().decode("ascii"),
        signing.to_dict(private=True),
        verifying.to_dict(),
    )


def _jwa(algorithm: str) -> Any:
    return jwtkit.jwa.get_signature_algorithm(algorithm)


@dataclass
class Fixture:
    """Everything one algorithm's rows need: keys, the claims and a token to verify."""

    algorithm: str
    keys: KeyMaterial
    claims: dict[str, Any]
    token: str


def make_fixture(algorithm: str) -> Fixture:
    keys = make_key_material(algorithm)
    claims = make_claims()
    token = jwtkit.encode(claims, keys.signing, algorithm)
    return Fixture(algorithm, keys, claims, token)


# -- the floor -----------------------------------------------------------------------------
# The least any correct implementation must do: one cryptography sign/verify call, the
# base64url and JSON work around it, and the claim comparisons themselves. The header of a
# verified token is compared with the one expected (what a header cache amounts to).

_compact_json = json.JSONEncoder(separators=(",", ":")).encode
_b64encode = base64.urlsafe_b64encode
_b64decode = base64.urlsafe_b64decode


def _b64e(data: bytes) -> bytes:
    return _b64encode(data).rstrip(b"=")


def _b64d(data: bytes) -> bytes:
    return _b64decode(data + b"=" * (-len(data) % 4))


def _raw_sign_verify(
    algorithm: str, keys: KeyMaterial
) -> tuple[Callable[[bytes], bytes], Callable[[bytes, bytes], None]]:
    """The bare cryptography calls: sign(data) -> raw JWS signature, verify(sig, data)."""
    private, public = keys.private_object, keys.public_object
    if algorithm == "HS256":
        import hashlib
        import hmac

        sha256 = hashlib.sha256

        def sign(data: bytes) -> bytes:
            return hmac.digest(private, data, sha256)

        def verify(signature: bytes, data: bytes) -> None:
            if not hmac.compare_digest(hmac.digest(public, data, sha256), signature):
                raise ValueError("bad signature")

    elif algorithm in ("RS256", "PS256"):
        pad = (
            padding.PSS(padding.MGF1(SHA256()), 32) if algorithm == "PS256" else padding.PKCS1v15()
        )
        hash_algorithm = SHA256()

        def sign(data: bytes) -> bytes:
            return private.sign(data, pad, hash_algorithm)  # type: ignore[no-any-return]

        def verify(signature: bytes, data: bytes) -> None:
            public.verify(signature, data, pad, hash_algorithm)

    elif algorithm == "ES256":
        ecdsa = ec.ECDSA(SHA256())

        def sign(data: bytes) -> bytes:
            r, s = decode_dss_signature(private.sign(data, ecdsa))
            return r.to_bytes(32, "big") + s.to_bytes(32, "big")

        def verify(signature: bytes, data: bytes) -> None:
            der = encode_dss_signature(
                int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
            )
            public.verify(der, data, ecdsa)

    else:  # EdDSA, ML-DSA: the signature is already in JWS form

        def sign(data: bytes) -> bytes:
            return private.sign(data)  # type: ignore[no-any-return]

        def verify(signature: bytes, data: bytes) -> None:
            public.verify(signature, data)

    return sign, verify


def floor_encode(fixture: Fixture) -> Call:
    sign, _ = _raw_sign_verify(fixture.algorithm, fixture.keys)
    header = fixture.token.encode("ascii").partition(b".")[0] + b"."
    claims = fixture.claims

    def encode() -> str:
        signing_input = header + _b64e(_compact_json(claims).encode("utf-8"))
        return (signing_input + b"." + _b64e(sign(signing_input))).decode("ascii")

    return encode


def floor_decode(fixture: Fixture) -> Call:
    _, verify = _raw_sign_verify(fixture.algorithm, fixture.keys)
    expected_header = fixture.token.encode("ascii").partition(b".")[0]
    loads = json.loads
    clock = time.time

    def decode(token: str = fixture.token) -> dict[str, Any]:
        signing_input, _, signature = token.encode("ascii").rpartition(b".")
        header, _, payload = signing_input.partition(b".")
        if header != expected_header:
            raise ValueError("unexpected header")
        verify(_b64d(signature), signing_input)
        claims: dict[str, Any] = loads(_b64d(payload))
        now = clock()
        if not (
            claims["iss"] == ISSUER
            and claims["aud"] == AUDIENCE
            and claims["exp"] > now
            and claims["nbf"] <= now
            and claims["iat"] <= now
        ):
            raise ValueError("claims")
        return claims

    return decode


# -- jwtkit --------------------------------------------------------------------------------


def _jwtkit_key(keys: KeyMaterial, form: str, private: bool) -> Any:
    if form == "object":
        return keys.signing if private else keys.verifying
    if form == "text":
        return keys.private_text if private else keys.public_text
    return keys.private_jwk if private else keys.public_jwk


def jwtkit_encode(fixture: Fixture, form: str) -> Call:
    key = _jwtkit_key(fixture.keys, form, private=True)
    claims, algorithm = fixture.claims, fixture.algorithm
    encode = jwtkit.encode
    return lambda: encode(claims, key, algorithm)


def jwtkit_decode(fixture: Fixture, form: str) -> Call:
    key = _jwtkit_key(fixture.keys, form, private=False)
    token, algorithms = fixture.token, [fixture.algorithm]
    decode = jwtkit.decode
    return lambda: decode(token, key, algorithms, audience=AUDIENCE, issuer=ISSUER)


def jwtkit_verifier(fixture: Fixture, keys: Any = None) -> Call:
    verifier = jwtkit.Verifier(
        fixture.keys.verifying if keys is None else keys,
        [fixture.algorithm],
        issuer=ISSUER,
        audience=AUDIENCE,
    )
    token = fixture.token
    verify = verifier.verify
    return lambda: verify(token)


# -- PyJWT ---------------------------------------------------------------------------------


def pyjwt_encode(fixture: Fixture, form: str) -> Call | None:
    import jwt

    if fixture.algorithm not in jwt.algorithms.get_default_algorithms():
        return None
    keys, claims, algorithm = fixture.keys, fixture.claims, fixture.algorithm
    if form == "jwk":
        jwk = keys.private_jwk
        return lambda: jwt.encode(claims, jwt.PyJWK(jwk, algorithm), algorithm)
    key = keys.private_object if form == "object" else keys.private_text
    return lambda: jwt.encode(claims, key, algorithm)


def pyjwt_decode(fixture: Fixture, form: str) -> Call | None:
    import jwt

    if fixture.algorithm not in jwt.algorithms.get_default_algorithms():
        return None
    keys, token, algorithms = fixture.keys, fixture.token, [fixture.algorithm]
    decode = jwt.decode
    if form == "jwk":
        jwk = keys.public_jwk
        return lambda: decode(
            token, jwt.PyJWK(jwk, algorithms[0]), algorithms, audience=AUDIENCE, issuer=ISSUER
        )
    key = keys.public_object if form == "object" else keys.public_text
    return lambda: decode(token, key, algorithms, audience=AUDIENCE, issuer=ISSUER)


# -- joserfc -------------------------------------------------------------------------------


def _joserfc_import(keys: KeyMaterial, form: str, private: bool) -> Callable[[], Any]:
    from joserfc.jwk import JWKRegistry, OctKey

    if keys.algorithm == "HS256":
        if form == "jwk":
            return lambda: JWKRegistry.import_key(keys.private_jwk)
        return lambda: OctKey.import_key(HMAC_SECRET)
    kty = keys.public_jwk["kty"]
    if form == "jwk":
        jwk = keys.private_jwk if private else keys.public_jwk
        return lambda: JWKRegistry.import_key(jwk)
    pem = keys.private_text if private else keys.public_text
    return lambda: JWKRegistry.import_key(pem, kty)


def _joserfc_supports(algorithm: str) -> bool:
    from joserfc.jws import JWSRegistry

    return algorithm in JWSRegistry.algorithms


def joserfc_encode(fixture: Fixture, form: str) -> Call | None:
    from joserfc import jwt

    if not _joserfc_supports(fixture.algorithm):
        return None
    make_key = _joserfc_import(fixture.keys, form, private=True)
    header, claims, algorithms = {"alg": fixture.algorithm}, fixture.claims, [fixture.algorithm]
    if form == "object":
        key = make_key()
        return lambda: jwt.encode(header, claims, key, algorithms)
    return lambda: jwt.encode(header, claims, make_key(), algorithms)


def joserfc_decode(fixture: Fixture, form: str) -> Call | None:
    from joserfc import jwt

    if not _joserfc_supports(fixture.algorithm):
        return None
    make_key = _joserfc_import(fixture.keys, form, private=False)
    token, algorithms = fixture.token, [fixture.algorithm]
    rules = jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": ISSUER}, aud={"essential": True, "value": AUDIENCE}
    )
    validate = rules.validate

    if form == "object":
        key = make_key()

        def decode() -> Any:
            claims = jwt.decode(token, key, algorithms).claims
            validate(claims)
            return claims

    else:

        def decode() -> Any:
            claims = jwt.decode(token, make_key(), algorithms).claims
            validate(claims)
            return claims

    return decode


# -- jwcrypto ------------------------------------------------------------------------------


def _jwcrypto_import(keys: KeyMaterial, form: str, private: bool) -> Callable[[], Any]:
    from jwcrypto.jwk import JWK  # type: ignore[import-untyped]

    jwk = keys.private_jwk if private else keys.public_jwk
    if form == "jwk":
        return lambda: JWK(**jwk)
    if keys.algorithm == "HS256":
        return lambda: JWK(**jwk)  # the secret comes in only as a JWK
    pem = (keys.private_text if private else keys.public_text).encode("ascii")
    return lambda: JWK.from_pem(pem)


def jwcrypto_encode(fixture: Fixture, form: str) -> Call | None:
    from jwcrypto import jwt  # type: ignore[import-untyped]

    make_key = _jwcrypto_import(fixture.keys, form, private=True)
    header, claims = {"alg": fixture.algorithm, "typ": "JWT"}, fixture.claims

    def encode_with(key: Any) -> str:
        token = jwt.JWT(header=header, claims=claims)
        token.make_signed_token(key)
        return token.serialize()  # type: ignore[no-any-return]

    if form == "object":
        key = make_key()
        return lambda: encode_with(key)
    return lambda: encode_with(make_key())


def jwcrypto_decode(fixture: Fixture, form: str) -> Call | None:
    from jwcrypto import jwt

    make_key = _jwcrypto_import(fixture.keys, form, private=False)
    token, algorithms = fixture.token, [fixture.algorithm]
    checks = {"iss": ISSUER, "aud": AUDIENCE, "exp": None, "nbf": None, "iat": None}
    loads = json.loads

    def decode_with(key: Any) -> Any:
        verified = jwt.JWT(jwt=token, key=key, algs=algorithms, check_claims=checks)
        return loads(verified.claims)

    if form == "object":
        key = make_key()
        return lambda: decode_with(key)
    return lambda: decode_with(make_key())


# -- python-jose ---------------------------------------------------------------------------

_JOSE_ALGORITHMS = ("HS256", "RS256", "ES256")  # python-jose has no PS256, EdDSA or ML-DSA


def _jose_key(keys: KeyMaterial, form: str, private: bool) -> Any:
    from jose import jwk  # type: ignore[import-untyped]

    if form == "jwk":
        return keys.private_jwk if private else keys.public_jwk
    text = keys.private_text if private else keys.public_text
    if form == "text":
        return text
    return jwk.construct(text, keys.algorithm)


def jose_encode(fixture: Fixture, form: str) -> Call | None:
    from jose import jwt

    if fixture.algorithm not in _JOSE_ALGORITHMS:
        return None
    key = _jose_key(fixture.keys, form, private=True)
    claims, algorithm = fixture.claims, fixture.algorithm
    return lambda: jwt.encode(claims, key, algorithm)


def jose_decode(fixture: Fixture, form: str) -> Call | None:
    from jose import jwt

    if fixture.algorithm not in _JOSE_ALGORITHMS:
        return None
    key = _jose_key(fixture.keys, form, private=False)
    token, algorithms = fixture.token, [fixture.algorithm]
    return lambda: jwt.decode(token, key, algorithms, audience=AUDIENCE, issuer=ISSUER)


PEER_ENCODERS: dict[str, Callable[[Fixture, str], Call | None]] = {
    "PyJWT": pyjwt_encode,
    "joserfc": joserfc_encode,
    "jwcrypto": jwcrypto_encode,
    "python-jose": jose_encode,
}
PEER_DECODERS: dict[str, Callable[[Fixture, str], Call | None]] = {
    "PyJWT": pyjwt_decode,
    "joserfc": joserfc_decode,
    "jwcrypto": jwcrypto_decode,
    "python-jose": jose_decode,
}


def quiet_peer_warnings() -> None:
    """Peers warn about their own deprecations (python-jose's utcnow, joserfc's EdDSA name);
    the warning machinery is not what is being measured."""
    warnings.simplefilter("ignore")
