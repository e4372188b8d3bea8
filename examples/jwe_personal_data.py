"""Encrypt a token that carries personal data (the worked example of docs/jwe.md).

An identity provider hands a relying party a token with a user's name, e-mail address and date
of birth. Signed alone, a JWT is only base64url: anyone who sees it (a proxy log, a browser
extension, a support ticket) reads the personal data. So the provider signs the claims with its
own key, then encrypts the signed token to the relying party's public key. Only the relying
party can read it, and it can still check who issued it.

Run: ``uv run python examples/jwe_personal_data.py``
"""

from __future__ import annotations

import time

import jwtkit
from jwtkit import jwe

# -- keys (in real life: generated once, private halves kept secret, public halves published) --

# The identity provider signs with ES256; relying parties know its public key (from its JWKS).
provider_signing_key = jwtkit.Key.generate("ES256", kid="idp-2026-01")
provider_public_keys = jwtkit.KeySet([provider_signing_key.public_key()])

# The relying party owns an encryption key pair and publishes the public half.
relying_party_key = jwtkit.Key.generate("ECDH-ES+A256KW", kid="rp-enc-1")
relying_party_jwks = jwtkit.KeySet([relying_party_key.public_key()]).to_dict()

# -- the identity provider: sign, then encrypt ---------------------------------------------------

now = int(time.time())
claims = {
    "iss": "https://idp.example",
    "aud": "https://shop.example",
    "sub": "user-4711",
    "name": "Ada Lovelace",
    "email": "ada@example.com",
    "birthdate": "1815-12-10",
    "iat": now,
    "exp": now + 300,
}
recipient = jwtkit.KeySet.from_dict(relying_party_jwks).get("rp-enc-1")
token = jwtkit.encode_encrypted(
    claims,
    provider_signing_key,
    recipient,
    algorithm="ES256",  # the inner signature
    alg="ECDH-ES+A256KW",  # how the content key reaches the relying party
    enc="A256GCM",  # how the content is encrypted
)
assert token.count(".") == 4  # five segments: a JWE
assert "ada@example.com" not in token and "Lovelace" not in token

# -- the relying party: decrypt, then verify -----------------------------------------------------

own_keys = jwtkit.KeySet([relying_party_key])  # private; the token's kid picks the key
received = jwtkit.decode_encrypted(
    token,
    own_keys,
    provider_public_keys,
    key_algorithms=["ECDH-ES+A256KW"],
    encryptions=["A256GCM"],
    algorithms=["ES256"],
    audience="https://shop.example",
    issuer="https://idp.example",
)
assert received["email"] == "ada@example.com"

# -- the same with the building blocks -----------------------------------------------------------

opened = jwe.decrypt(token, own_keys, ["ECDH-ES+A256KW"], ["A256GCM"])
assert opened.header["cty"] == "JWT" and opened.header["kid"] == "rp-enc-1"
inner_claims = jwtkit.decode(
    opened.plaintext,
    provider_public_keys,
    algorithms=["ES256"],
    audience="https://shop.example",
)
assert inner_claims == received

# A stranger, or a tampered token, gets one generic error that says nothing about why.
stranger = jwtkit.Key.generate("ECDH-ES+A256KW", kid="rp-enc-1")
try:
    jwe.decrypt(token, stranger, ["ECDH-ES+A256KW"], ["A256GCM"])
except jwtkit.DecryptionError as error:
    assert str(error) == "JWE decryption failed"
else:
    raise AssertionError("a stranger must not decrypt the token")

print(f"{received['name']} <{received['email']}> arrived encrypted in {len(token)} characters")
