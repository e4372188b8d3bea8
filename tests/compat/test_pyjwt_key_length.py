"""``enforce_minimum_key_length: False``: weak keys sign and verify, with PyJWT's warning.

PyJWT warns (``InsecureKeyLengthWarning``) and goes on when a key is below the minimum; the
drop-in refuses by default and behaves like PyJWT once the option is ``False`` — per call,
on a ``PyJWT``/``PyJWS`` instance, or process-wide with ``configure``. Each test runs against
real PyJWT and the drop-in: with the option off, the two must be indistinguishable, and the
attacks PyJWT refuses must still be refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import warnings
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

RELAXED = {"enforce_minimum_key_length": False}
SHORT_SECRET = "secret"


@pytest.fixture(scope="module")
def weak_rsa() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=1024)


@pytest.fixture
def relaxed_process(jwt: ModuleType) -> Iterator[ModuleType]:
    """The module with the process-wide switch off (PyJWT is relaxed by default)."""
    configure = getattr(jwt, "configure", None)
    if configure is not None:
        configure(enforce_minimum_key_length=False)
    try:
        yield jwt
    finally:
        if configure is not None:
            configure(enforce_minimum_key_length=True)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256_token(header: dict[str, Any], claims: dict[str, Any], secret: bytes) -> str:
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(mac)}"


def warning_texts(call: Any) -> tuple[Any, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call()
    return result, [
        str(w.message) for w in caught if w.category.__name__ == "InsecureKeyLengthWarning"
    ]


def test_relaxed_instance_signs_and_verifies_short_hmac_secret(jwt: ModuleType) -> None:
    api = jwt.PyJWT(options=RELAXED)
    with pytest.warns(jwt.InsecureKeyLengthWarning):
        token = api.encode({"sub": "legacy"}, SHORT_SECRET, algorithm="HS256")
    with pytest.warns(jwt.InsecureKeyLengthWarning):
        assert api.decode(token, SHORT_SECRET, algorithms=["HS256"]) == {"sub": "legacy"}


def test_relaxed_jws_instance_signs_short_hmac_secret(jwt: ModuleType) -> None:
    jws = jwt.PyJWS(options=RELAXED)
    with pytest.warns(jwt.InsecureKeyLengthWarning):
        token = jws.encode(b"legacy", SHORT_SECRET, algorithm="HS384")
    with pytest.warns(jwt.InsecureKeyLengthWarning):
        assert jws.decode(token, SHORT_SECRET, algorithms=["HS384"]) == b"legacy"


def test_relaxed_per_call_option_verifies_short_hmac_secret(jwt: ModuleType) -> None:
    token = warning_texts(lambda: jwt.PyJWT(RELAXED).encode({"a": 1}, SHORT_SECRET))[0]
    with pytest.warns(jwt.InsecureKeyLengthWarning):
        claims = jwt.decode(token, SHORT_SECRET, algorithms=["HS256"], options=RELAXED)
    assert claims == {"a": 1}


def test_relaxed_option_signs_and_verifies_rsa_key_under_2048_bits(
    jwt: ModuleType, weak_rsa: rsa.RSAPrivateKey
) -> None:
    api = jwt.PyJWT(options=RELAXED)
    with pytest.warns(jwt.InsecureKeyLengthWarning):
        token = api.encode({"sub": "legacy"}, weak_rsa, algorithm="PS256")
    public_pem = weak_rsa.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.warns(jwt.InsecureKeyLengthWarning):
        assert api.decode(token, public_pem, algorithms=["PS256"]) == {"sub": "legacy"}


def test_configure_relaxes_the_module_functions(relaxed_process: ModuleType) -> None:
    jwt = relaxed_process
    with pytest.warns(jwt.InsecureKeyLengthWarning):
        token = jwt.encode({"sub": "legacy"}, SHORT_SECRET, algorithm="HS256")
    with pytest.warns(jwt.InsecureKeyLengthWarning):
        assert jwt.decode(token, SHORT_SECRET, algorithms=["HS256"]) == {"sub": "legacy"}
    # Instances made afterwards inherit the process-wide default; their own options win.
    assert jwt.PyJWT().options["enforce_minimum_key_length"] is False
    strict = jwt.PyJWT(options={"enforce_minimum_key_length": True})
    with pytest.raises(jwt.InvalidKeyError):
        strict.encode({"sub": "legacy"}, SHORT_SECRET, algorithm="HS256")


def test_insecure_key_length_warning_text_matches_pyjwt(
    jwt: ModuleType, weak_rsa: rsa.RSAPrivateKey
) -> None:
    api = jwt.PyJWT(options=RELAXED)
    _, hmac_texts = warning_texts(lambda: api.encode({"a": 1}, b"0123456789", algorithm="HS512"))
    _, rsa_texts = warning_texts(lambda: api.encode({"a": 1}, weak_rsa, algorithm="RS256"))
    assert hmac_texts == [
        "The HMAC key is 10 bytes long, which is below the minimum recommended length of "
        "64 bytes for SHA512. See RFC 7518 Section 3.2."
    ]
    assert rsa_texts == [
        "The RSA key is 1024 bits long, which is below the minimum recommended size of "
        "2048 bits. See NIST SP 800-131A."
    ]


# -- the relaxed option weakens key length only, never the algorithm checks -----------------


def test_relaxed_rejects_rsa_public_pem_as_hmac_secret(
    relaxed_process: ModuleType, weak_rsa: rsa.RSAPrivateKey
) -> None:
    # The classic confusion: the verifier's RSA public key, used by a forger as HS256 secret.
    jwt = relaxed_process
    public_pem = weak_rsa.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(jwt.InvalidKeyError):
        jwt.encode({"admin": True}, public_pem, algorithm="HS256")
    forged = hs256_token({"alg": "HS256"}, {"admin": True}, public_pem)
    with pytest.raises(jwt.InvalidKeyError):
        jwt.decode(forged, public_pem, algorithms=["HS256", "RS256"], options=RELAXED)


def test_relaxed_rejects_alg_none(relaxed_process: ModuleType) -> None:
    jwt = relaxed_process
    token = jwt.encode({"admin": True}, None, algorithm="none")
    with pytest.raises(jwt.InvalidAlgorithmError):
        jwt.decode(token, SHORT_SECRET, algorithms=["HS256"], options=RELAXED)


def test_relaxed_rejects_token_signed_with_another_short_secret(
    relaxed_process: ModuleType,
) -> None:
    jwt = relaxed_process
    token = warning_texts(lambda: jwt.encode({"admin": True}, "guess1", algorithm="HS256"))[0]
    with pytest.raises(jwt.InvalidSignatureError):
        warning_texts(lambda: jwt.decode(token, SHORT_SECRET, algorithms=["HS256"]))


def test_configure_does_not_relax_jwtkit_native_api() -> None:
    # The switch belongs to the drop-in: jwtkit's own encode/decode stay strict.
    import jwtkit
    import jwtkit.compat.pyjwt as compat

    compat.configure(enforce_minimum_key_length=False)
    try:
        with pytest.raises(jwtkit.InsecureKeyError):
            jwtkit.encode({"sub": "x"}, SHORT_SECRET, "HS256")
        token = warning_texts(lambda: compat.encode({"sub": "x"}, SHORT_SECRET))[0]
        with pytest.raises(jwtkit.InsecureKeyError):
            jwtkit.decode(token, SHORT_SECRET, ["HS256"])
    finally:
        compat.configure(enforce_minimum_key_length=True)
