"""Symmetric keys (``kty: "oct"``, RFC 7518 §6.4): HMAC secrets and content/wrapping keys."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import InsecureKeyError, InvalidKeyError
from ._base import Key, bytes_to_b64, member_bytes
from ._secret import key_form_of

if TYPE_CHECKING:
    from ..jwa import Algorithm

__all__ = ["OctKey"]


class OctKey(Key):
    """A shared secret. ``OctKey.import_key(b"...")`` is the way to turn bytes into a key."""

    kty = "oct"
    thumbprint_members = ("k", "kty")

    def __init__(self, material: bytes, **metadata: Any) -> None:
        if not isinstance(material, bytes):
            raise InvalidKeyError("A symmetric key must be bytes")
        if not material:
            raise InvalidKeyError("A symmetric key must not be empty")
        super().__init__(material, **metadata)

    @classmethod
    def import_key(
        cls,
        data: Any,
        *,
        password: bytes | str | None = None,
        kid: str | None = None,
        alg: str | None = None,
        use: str | None = None,
    ) -> Key:
        """Import a secret from bytes, a str (UTF-8 encoded) or an ``oct`` JWK.

        Bytes or text that are a key in any other form (PEM, DER, OpenSSH, an asymmetric JWK,
        or base64 of one of these) are refused: using a public key as an HMAC secret is the
        algorithm-confusion attack (CVE-2017-11424, CVE-2022-29217). An ``oct`` JWK given as
        text is read as the JWK it is.
        """
        if isinstance(data, str):
            try:
                data = data.encode("utf-8")
            except UnicodeEncodeError:
                raise InvalidKeyError("Key text is not valid Unicode") from None
        if not isinstance(data, bytes | bytearray | memoryview):
            return super().import_key(data, password=password, kid=kid, alg=alg, use=use)
        secret = bytes(data)
        form = key_form_of(secret)
        if form == "JWK":  # an oct JWK as text imports; any other kty is refused there
            return super().import_key(secret, kid=kid, alg=alg, use=use)
        if form is not None:
            raise InvalidKeyError(
                f"This is a key ({form}), not a symmetric secret: a public key must never "
                "be used as an HMAC secret"
            )
        return cls(secret, kid=kid, alg=alg, use=use)

    @classmethod
    def _from_jwk_members(cls, jwk: Mapping[str, Any]) -> bytes:
        return member_bytes(jwk, "k")

    @property
    def is_private(self) -> bool:
        return True

    @property
    def secret(self) -> bytes:
        """The raw secret bytes."""
        material: bytes = self._material
        return material

    def public_key(self) -> Key:
        raise InvalidKeyError("A symmetric key has no public half")

    def _public_members(self) -> dict[str, Any]:
        return {}

    def _private_members(self) -> dict[str, Any]:
        return {"k": bytes_to_b64(self._material)}

    def to_dict(self, private: bool = False) -> dict[str, Any]:
        # A symmetric key is all secret: exporting it "public" would silently leak or lose it.
        if not private:
            raise InvalidKeyError("A symmetric key can only be exported with private=True")
        return super().to_dict(private=True)

    def _thumbprint_members(self) -> dict[str, Any]:
        return {"k": bytes_to_b64(self._material), "kty": "oct"}

    def _check_strength(self, algorithm: Algorithm, allow_weak: bool) -> None:
        # RFC 7518 §3.2: an HMAC key must be at least as long as the hash output.
        minimum = algorithm.min_key_size
        if minimum and len(self._material) < minimum and not allow_weak:
            raise InsecureKeyError(
                f"{algorithm.name} needs a secret of at least {minimum} bytes, this one has "
                f"{len(self._material)}; make one with secrets.token_bytes({minimum}) or "
                f"jwtkit.Key.generate({algorithm.name!r})"
            )

    def _operation_material(self, operation: str) -> bytes:
        material: bytes = self._material
        return material
