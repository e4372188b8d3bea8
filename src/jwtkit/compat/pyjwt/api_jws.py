"""PyJWT's ``PyJWS`` (sign and verify compact JWS), verifying through jwtkit's one path.

Decoding composes the building blocks of :mod:`jwtkit._compact` (split, parse the header,
choose the algorithm the caller allowed, pick the keys, check the signature) exactly as
``jwtkit.jws.verify`` does; this module only adds PyJWT's argument handling and PyJWT's
choice of exception for each failure. Only an algorithm object registered by the caller
with :func:`register_algorithm` is asked to verify on its own, as PyJWT would ask it.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from typing import Any

from ... import _compact, jws
from ..._codec import b64url_encode
from ..._key_input import key_lookup, keys_for, resolve_key
from ...errors import (
    DecodeError,
    InsecureKeyError,
    InvalidAlgorithmError,
    InvalidKeyError,
    InvalidSignatureError,
    InvalidTokenError,
    JWTKitError,
    KeyNotFoundError,
)
from ...jwa import SignatureAlgorithm
from ...jwk import Key, KeySet
from . import _segments, _settings
from .algorithms import BUILT_IN_CLASSES, Algorithm, _JWTKitAlgorithm, get_default_algorithms
from .api_jwk import PyJWK, _key_value
from .types import SigOptions
from .warnings import InsecureKeyLengthWarning, warn_extra_kwargs

__all__ = [
    "PyJWS",
    "decode",
    "decode_complete",
    "encode",
    "get_algorithm_by_name",
    "get_unverified_header",
    "register_algorithm",
    "unregister_algorithm",
]

_ALGORITHM_UNSET: Any = object()


def allowed_names(algorithms: Sequence[str] | str) -> Sequence[str]:
    """The allowed algorithm names; a lone string is one name, compared exactly."""
    return (algorithms,) if isinstance(algorithms, str) else algorithms


class PyJWS:
    """Compact JWS with PyJWT's interface; ``algorithms`` restricts what it will handle."""

    header_typ: str | None = "JWT"

    def __init__(
        self, algorithms: Sequence[str] | None = None, options: SigOptions | None = None
    ) -> None:
        self._algorithms = get_default_algorithms()
        self._valid_algs = set(algorithms) if algorithms is not None else set(self._algorithms)
        for name in list(self._algorithms):
            if name not in self._valid_algs:
                del self._algorithms[name]
        # name -> (algorithm object, the jwtkit algorithm it stands for, if it is built in)
        self._resolved: dict[str, tuple[Algorithm, SignatureAlgorithm | None]] = {}
        self.options: SigOptions = self._get_default_options()
        if options is not None:
            self.options = {**self.options, **options}

    @staticmethod
    def _get_default_options() -> SigOptions:
        # Unlike PyJWT (False: warn), weak keys are refused unless the caller opts out,
        # here or process-wide with configure(enforce_minimum_key_length=False).
        return {
            "verify_signature": True,
            "enforce_minimum_key_length": _settings.enforce_minimum_key_length(),
        }

    # -- the algorithm table -----------------------------------------------------------------

    def register_algorithm(self, alg_id: str, alg_obj: Algorithm) -> None:
        """Add an algorithm object under ``alg_id``."""
        if alg_id in self._algorithms:
            raise ValueError("Algorithm already has a handler.")
        if not isinstance(alg_obj, Algorithm):
            raise TypeError("Object is not of type `Algorithm`")
        self._algorithms[alg_id] = alg_obj
        self._valid_algs.add(alg_id)

    def unregister_algorithm(self, alg_id: str) -> None:
        """Remove ``alg_id``; KeyError if it is not registered."""
        if alg_id not in self._algorithms:
            raise KeyError(
                "The specified algorithm could not be removed because it is not registered."
            )
        del self._algorithms[alg_id]
        self._valid_algs.remove(alg_id)

    def get_algorithms(self) -> list[str]:
        """The names this object accepts for ``alg``."""
        return list(self._valid_algs)

    def get_algorithm_by_name(self, alg_name: str) -> Algorithm:
        """The algorithm object for ``alg_name``; NotImplementedError if there is none."""
        try:
            return self._algorithms[alg_name]
        except (KeyError, TypeError):
            raise NotImplementedError("Algorithm not supported") from None

    def _jwtkit_algorithm(self, alg_name: str) -> SignatureAlgorithm | None:
        """The jwtkit algorithm that handles ``alg_name`` here, or None when the object
        registered under that name is the caller's own (asked directly, like PyJWT)."""
        alg_obj = self._algorithms.get(alg_name)
        if type(alg_obj) not in BUILT_IN_CLASSES:
            return None
        cached = self._resolved.get(alg_name)
        if cached is not None and cached[0] is alg_obj:
            return cached[1]
        assert isinstance(alg_obj, _JWTKitAlgorithm)
        algorithm = alg_obj.signature_algorithm()
        resolved = algorithm if algorithm.name == alg_name else None
        self._resolved[alg_name] = (alg_obj, resolved)
        return resolved

    # -- signing -----------------------------------------------------------------------------

    def encode(
        self,
        payload: bytes,
        key: Any,
        algorithm: str | None = _ALGORITHM_UNSET,
        headers: dict[str, Any] | None = None,
        json_encoder: type[json.JSONEncoder] | None = None,
        is_payload_detached: bool = False,
        sort_headers: bool = True,
    ) -> str:
        """Sign ``payload`` (bytes) and return the compact JWS."""
        algorithm_name = self._algorithm_name(key, algorithm, headers)
        if headers and headers.get("b64") is False:
            is_payload_detached = True
        header = self._encode_header(algorithm_name, headers, is_payload_detached, sort_headers)

        alg_obj = self.get_algorithm_by_name(algorithm_name)
        if algorithm_name == "none":
            alg_obj.prepare_key(key)  # only None or "" is a key for "none"
            token = jws.sign_unsecured(payload, headers=header)
            if is_payload_detached:
                unsecured_header, _, empty_signature = token.split(".")
                token = f"{unsecured_header}..{empty_signature}"
            return token

        header_segment = b64url_encode(
            json.dumps(header, separators=(",", ":"), cls=json_encoder).encode("utf-8")
        )
        payload_segment = payload if is_payload_detached else b64url_encode(payload)
        signature = self._signature(
            alg_obj, algorithm_name, key, header_segment + b"." + payload_segment
        )
        if is_payload_detached:
            payload_segment = b""
        return b".".join((header_segment, payload_segment, b64url_encode(signature))).decode(
            "utf-8"
        )

    @staticmethod
    def _algorithm_name(key: Any, algorithm: str | None, headers: dict[str, Any] | None) -> str:
        """PyJWT's choice of ``alg``: the argument, else the PyJWK's, else HS256; a header's
        ``alg`` wins over all of them."""
        if algorithm is _ALGORITHM_UNSET:
            name = key.algorithm_name if isinstance(key, PyJWK) else "HS256"
        elif algorithm is None:
            if not isinstance(key, PyJWK):
                # PyJWT signs with "none" here; jwtkit makes unsecured tokens only on request.
                raise InvalidKeyError(
                    'algorithm=None does not make an unsecured token: pass algorithm="none" '
                    "explicitly (and key=None) if that is what you want"
                )
            name = key.algorithm_name
        else:
            name = algorithm
        return headers["alg"] if headers and headers.get("alg") else name

    def _encode_header(
        self,
        algorithm_name: str,
        headers: dict[str, Any] | None,
        is_payload_detached: bool,
        sort_headers: bool,
    ) -> dict[str, Any]:
        """The protected header PyJWT writes: ``typ`` and ``alg``, the caller's headers over
        them, and ``b64: false`` listed in ``crit`` for a detached payload."""
        header: dict[str, Any] = {"typ": self.header_typ, "alg": algorithm_name}
        if headers:
            self._validate_headers(headers, encoding=True)
            header.update(headers)
        if not header["typ"]:
            del header["typ"]
        if is_payload_detached:
            header["b64"] = False
            critical = header.get("crit", [])
            if not isinstance(critical, list):
                raise InvalidTokenError("Invalid 'crit' header: must be a list")
            if "b64" not in critical:
                header["crit"] = [*critical, "b64"]
        else:
            header.pop("b64", None)
        return dict(sorted(header.items())) if sort_headers else header

    def _signature(
        self, alg_obj: Algorithm, algorithm_name: str, key: Any, signing_input: bytes
    ) -> bytes:
        """Sign with jwtkit's algorithm where there is one, else with a registered custom
        PyJWT algorithm object."""
        signature_algorithm = self._jwtkit_algorithm(algorithm_name)
        if signature_algorithm is None:
            prepared = alg_obj.prepare_key(key.key if isinstance(key, PyJWK) else key)
            self._check_key_length(alg_obj, prepared, self.options)
            return bytes(alg_obj.sign(signing_input, prepared))
        try:
            signing_key = self._signing_key(key, signature_algorithm)
            material = self._signing_material(alg_obj, signing_key, signature_algorithm)
        except InvalidKeyError as error:
            raise _pyjwt_key_error(alg_obj, key, error) from None
        return signature_algorithm.sign(material, signing_input)

    def _signing_material(self, alg_obj: Algorithm, key: Key, algorithm: SignatureAlgorithm) -> Any:
        """The key's signing material; a weak key only when the caller switched
        ``enforce_minimum_key_length`` off, and then with PyJWT's warning."""
        try:
            return key._material_for(algorithm, "sign")
        except InsecureKeyError:
            if not _settings.is_relaxed(self.options):
                raise
        _warn_weak_key(alg_obj, key, stacklevel=4)
        return key._material_for(algorithm, "sign", insecure_sign_with_weak_key=True)

    @staticmethod
    def _signing_key(key: Any, algorithm: SignatureAlgorithm) -> Key:
        if isinstance(key, PyJWK):
            return key._key
        resolved = resolve_key(key, for_hmac=algorithm.key_type == "oct")
        if not isinstance(resolved, Key):
            raise InvalidKeyError("Signing needs a single key")
        return resolved

    # -- verifying ---------------------------------------------------------------------------

    def decode_complete(
        self,
        jwt: str | bytes,
        key: Any = "",
        algorithms: Sequence[str] | None = None,
        options: SigOptions | None = None,
        detached_payload: bytes | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Verify ``jwt``; return ``{"payload": bytes, "header": dict, "signature": bytes}``."""
        warn_extra_kwargs("decode_complete", kwargs)
        merged: SigOptions = {**self.options, **(options or {})}
        verify_signature = merged["verify_signature"]
        if verify_signature and not algorithms and not isinstance(key, PyJWK):
            raise DecodeError(
                'It is required that you pass in a value for the "algorithms" argument when '
                "calling decode()."
            )
        header_segment, payload_segment, signature_segment, header = _segments.load(jwt)
        if header.get("b64", True) is False:
            payload = b""
        else:
            payload = _segments.decode_segment(payload_segment, "payload")
        signature = _segments.decode_segment(signature_segment, "crypto")
        self._validate_headers(header)
        if detached_payload is not None and header.get("b64", True) is not False:
            raise DecodeError(
                'It is only valid to pass "detached_payload" when the protected header has '
                '"b64" set to false.'
            )
        if header.get("b64", True) is False:
            if detached_payload is None:
                raise DecodeError(
                    'It is required that you pass in a value for the "detached_payload" '
                    "argument to decode a message having the b64 header set to false."
                )
            payload = bytes(detached_payload)
            signing_input = header_segment.encode("ascii") + b"." + payload
        else:
            signing_input = f"{header_segment}.{payload_segment}".encode("ascii")
        if verify_signature:
            self._verify_signature(signing_input, header, signature, key, algorithms, merged)
        return {"payload": payload, "header": _compact.header_copy(header), "signature": signature}

    def decode(
        self,
        jwt: str | bytes,
        key: Any = "",
        algorithms: Sequence[str] | None = None,
        options: SigOptions | None = None,
        detached_payload: bytes | None = None,
        **kwargs: Any,
    ) -> Any:
        """Verify ``jwt`` and return its payload bytes."""
        warn_extra_kwargs("decode", kwargs)
        decoded = self.decode_complete(
            jwt, key, algorithms, options, detached_payload=detached_payload
        )
        return decoded["payload"]

    def get_unverified_header(self, jwt: str | bytes) -> dict[str, Any]:
        """The header, unverified: use it to pick a key, never to trust anything."""
        _, payload_segment, signature_segment, header = _segments.load(jwt)
        # Like PyJWT, a token whose other segments are not base64url has no usable header.
        if header.get("b64", True) is not False:
            _segments.decode_segment(payload_segment, "payload")
        _segments.decode_segment(signature_segment, "crypto")
        self._validate_headers(header)
        return _compact.header_copy(header)

    @staticmethod
    def _decode_base64url_segment(segment: bytes | str, name: str) -> bytes:
        """PyJWT's private segment decoder, for subclasses and tests that call it (strict:
        canonical unpadded base64url only)."""
        text = segment.decode("latin-1") if isinstance(segment, bytes) else segment
        return _segments.decode_segment(text, name)

    def _verify_signature(
        self,
        signing_input: bytes,
        header: dict[str, Any],
        signature: bytes,
        key: Any = "",
        algorithms: Sequence[str] | None = None,
        options: SigOptions | None = None,
    ) -> None:
        options = options if options is not None else self.options
        if algorithms is None and isinstance(key, PyJWK):
            algorithms = [key.algorithm_name]
        allowed = allowed_names(algorithms) if algorithms is not None else None
        alg = header.get("alg")
        if alg is None:
            raise InvalidAlgorithmError("Algorithm not specified")
        if not alg or (allowed is not None and alg not in allowed):
            raise InvalidAlgorithmError("The specified alg value is not allowed")
        if isinstance(key, PyJWK) and alg != key.algorithm_name:
            raise InvalidAlgorithmError(
                f"Token algorithm {alg!r} does not match the key's algorithm {key.algorithm_name!r}"
            )
        try:
            alg_obj = self.get_algorithm_by_name(alg)
        except NotImplementedError:
            raise InvalidAlgorithmError("Algorithm not supported") from None
        if alg == "none":
            alg_obj.prepare_key(key)  # a real key for "none" is the caller's mistake
            raise InvalidSignatureError("Signature verification failed")
        signature_algorithm = self._jwtkit_algorithm(alg)
        if signature_algorithm is None:
            self._verify_with_own_algorithm(alg_obj, signing_input, signature, key, options)
            return
        try:
            self._verify_with_jwtkit(alg_obj, header, signing_input, signature, key, options, alg)
        except KeyNotFoundError:
            raise
        except InvalidAlgorithmError as error:
            # The token's alg was allowed but the key does not fit it (RS256 token, EC key):
            # PyJWT calls that a key error, not a token error.
            raise _pyjwt_key_error(alg_obj, key, InvalidKeyError(str(error))) from None
        except InvalidKeyError as error:
            raise _pyjwt_key_error(alg_obj, key, error) from None

    @staticmethod
    def _verify_with_jwtkit(
        alg_obj: Algorithm,
        header: dict[str, Any],
        signing_input: bytes,
        signature: bytes,
        key: Any,
        options: SigOptions,
        alg: str,
    ) -> None:
        """jwtkit's one verify path, weak keys allowed only when the caller said so."""
        if key is None:  # the core calls this a caller's mistake; the drop-in, a key error
            raise InvalidKeyError("A key is required")
        keys = key._key if isinstance(key, PyJWK) else key_lookup(key)
        try:
            _compact.verify_signature(header, signing_input, signature, (alg,), keys)
        except InsecureKeyError:
            if not _settings.is_relaxed(options):
                raise
            algorithm = _compact.choose_algorithm(header, (alg,))
            candidates = keys_for(keys, algorithm, header)
            for candidate in _compact.select_keys(candidates, header, algorithm, "sig"):
                _warn_weak_key(alg_obj, candidate, stacklevel=6)
            _compact.verify_signature(
                header, signing_input, signature, (alg,), keys, allow_weak_keys=True
            )

    @staticmethod
    def _check_key_length(alg_obj: Algorithm, prepared: Any, options: SigOptions) -> None:
        message = alg_obj.check_key_length(prepared)
        if message:
            if not _settings.is_relaxed(options):
                raise InvalidKeyError(message)
            warnings.warn(message, InsecureKeyLengthWarning, stacklevel=4)

    def _verify_with_own_algorithm(
        self,
        alg_obj: Algorithm,
        signing_input: bytes,
        signature: bytes,
        key: Any,
        options: SigOptions,
    ) -> None:
        prepared = alg_obj.prepare_key(key.key if isinstance(key, PyJWK) else key)
        self._check_key_length(alg_obj, prepared, options)
        if not alg_obj.verify(signing_input, prepared, signature):
            raise InvalidSignatureError("Signature verification failed")

    def _validate_headers(self, headers: dict[str, Any], *, encoding: bool = False) -> None:
        if encoding:
            if "kid" in headers and not isinstance(headers["kid"], str):
                raise InvalidTokenError("Key ID header parameter must be a string")
            return
        _segments.check_header(headers)


def _pyjwt_key_error(alg_obj: Algorithm, key: Any, error: InvalidKeyError) -> InvalidKeyError:
    """The error for a key jwtkit refused, with PyJWT's text when PyJWT refuses it too.

    Asked only after jwtkit said no (the hot path never pays for it): PyJWT's own checks
    (``prepare_key``, ``check_key_length``) run on the same key, and PyJWT's message wins.
    When PyJWT would accept the key, the refusal is one of jwtkit's deliberate differences
    and keeps jwtkit's message. PyJWT's ``TypeError``/``ValueError`` become InvalidKeyError.
    """
    if isinstance(key, Key | KeySet | dict):
        return error  # jwtkit's own key forms: PyJWT has nothing to say about them
    try:
        prepared = alg_obj.prepare_key(key.key if isinstance(key, PyJWK) else key)
    except InvalidKeyError as pyjwt_error:
        return pyjwt_error
    except (TypeError, ValueError) as pyjwt_error:
        return InvalidKeyError(str(pyjwt_error))
    except JWTKitError:
        return error
    if isinstance(error, InsecureKeyError):
        message = alg_obj.check_key_length(prepared)
        if message:
            return InsecureKeyError(message)
    return error


def _warn_weak_key(alg_obj: Algorithm, key: Key, stacklevel: int) -> None:
    """PyJWT's ``InsecureKeyLengthWarning``, with PyJWT's text, for a key that is too weak."""
    message = alg_obj.check_key_length(_key_value(key))
    if message:
        warnings.warn(message, InsecureKeyLengthWarning, stacklevel=stacklevel)


_jws_global_obj = PyJWS()
encode = _jws_global_obj.encode
decode_complete = _jws_global_obj.decode_complete
decode = _jws_global_obj.decode
register_algorithm = _jws_global_obj.register_algorithm
unregister_algorithm = _jws_global_obj.unregister_algorithm
get_algorithm_by_name = _jws_global_obj.get_algorithm_by_name
get_unverified_header = _jws_global_obj.get_unverified_header
