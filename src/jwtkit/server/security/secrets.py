"""Opaque tokens, their digests, and the master key everything at rest is sealed under.

Refresh tokens and client secrets are 256 random bits, so a plain SHA-256 digest is a safe
way to store them (no one can guess their way back from it) and costs microseconds, unlike a
password hash. The master key is a deployment secret (``JWTKIT_MASTER_KEY``); HKDF turns it
into one independent 256-bit key per purpose, so the key ring's key never doubles as the key
that derives refresh-token successors.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import time
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ...errors import KeyRingError
from ..settings import Settings

__all__ = ["MasterKey", "digest", "new_token", "same_digest"]

log = logging.getLogger("jwtkit.server")

#: 32 random bytes, base64url: 43 characters, 256 bits.
_TOKEN_BYTES = 32


def new_token() -> str:
    """A fresh opaque token (refresh token, client secret, session id): 256 random bits."""
    return secrets.token_urlsafe(_TOKEN_BYTES)


def digest(token: str) -> str:
    """What is stored in place of a high-entropy token: its SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def same_digest(token: str, stored: str) -> bool:
    """Compare a presented token with a stored digest in constant time."""
    return hmac.compare_digest(digest(token), stored)


class MasterKey:
    """The deployment's master secret and the purpose keys derived from it."""

    def __init__(self, secret: str) -> None:
        if len(secret) < 32:
            raise ValueError("the master key must be at least 32 characters")
        self._secret = secret.encode("utf-8")

    def derive(self, purpose: str) -> bytes:
        """A 256-bit key for one purpose; the same secret and purpose give the same key."""
        return HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"jwtkit " + purpose.encode()
        ).derive(self._secret)

    @classmethod
    def from_settings(cls, settings: Settings) -> MasterKey:
        """``JWTKIT_MASTER_KEY``, or on SQLite the key in the file beside the database,
        made on first start (with a loud warning: it must be backed up with the database)."""
        if settings.master_key is not None:
            return cls(settings.master_key.get_secret_value())
        path = settings.master_key_file
        if path is None:  # an in-memory SQLite database: the key lives as long as the data
            return cls(new_token())
        return cls(_read_or_create(path))

    def __repr__(self) -> str:
        return "<MasterKey ***>"


def _read_or_create(path: Path) -> str:
    try:
        secret = _read_private(path)
    except FileNotFoundError:
        secret = new_token()
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs, once written
            secret = _read_private(path)
            for _ in range(50):
                if secret:
                    break
                time.sleep(0.01)
                secret = _read_private(path)
            return _long_enough(secret, path)
        with os.fdopen(descriptor, "w") as file:
            file.write(secret + "\n")
        log.warning(
            "WARNING: JWTKIT_MASTER_KEY is not set, so a master key was generated into %s. "
            "It encrypts the signing keys: back it up with the database, and set "
            "JWTKIT_MASTER_KEY in production.",
            path,
        )
    return _long_enough(secret, path)


def _read_private(path: Path) -> str:
    """The key file's text, refused if other users may read it: with the (sealed) signing
    keys in the database next to it, it is all a local user needs to sign tokens."""
    with path.open() as file:
        mode = os.fstat(file.fileno()).st_mode
        if os.name == "posix" and mode & 0o077:
            raise KeyRingError(
                f"the master key file {path} can be read or written by other users "
                f"(mode {mode & 0o777:o}): make it private with  chmod 600 {path}"
            )
        return file.read().strip()


def _long_enough(secret: str, path: Path) -> str:
    if len(secret) < 32:
        raise KeyRingError(f"the master key in {path} is shorter than 32 characters")
    return secret
