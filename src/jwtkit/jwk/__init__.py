"""JSON Web Keys (RFC 7517, 7518 §6, 8037, 9964): key types, import/export, thumbprints, sets."""

from __future__ import annotations

from ._base import Key
from .akp import AKPKey
from .ec import ECKey
from .keyset import KeySet
from .oct import OctKey
from .okp import OKPKey
from .rsa import RSAKey

__all__ = ["AKPKey", "ECKey", "Key", "KeySet", "OKPKey", "OctKey", "RSAKey"]
