"""jwtkit._compact: the one verify path that every entry point goes through."""

from __future__ import annotations

from typing import Any

import pytest

import jwtkit
import jwtkit.compat.pyjwt as pyjwt_compat
from jwtkit import _compact, jws

SECRET = b"s" * 32


def test_every_verify_entry_point_goes_through_the_one_signature_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The sequence "choose the algorithm, find the keys, pick by kid, check" was once written
    # out five times; a check added to it must reach every caller.
    seen: list[str] = []
    original = _compact.verify_signature

    def counting(header: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(header["alg"])
        return original(header, *args, **kwargs)

    monkeypatch.setattr(_compact, "verify_signature", counting)
    token = jwtkit.encode({"sub": "u"}, SECRET, "HS256")
    jwtkit.decode(token, SECRET, ["HS256"])
    jwtkit.decode_complete(token, SECRET, ["HS256"])
    jwtkit.Verifier(SECRET, ["HS256"]).verify(token)
    jws.verify(token, SECRET, ["HS256"])
    jws.verify_json(
        jws.sign_json(b"x", [(jwtkit.OctKey(SECRET), "HS256", None, None)]), SECRET, ["HS256"]
    )
    pyjwt_compat.decode(token, SECRET, algorithms=["HS256"])
    assert seen == ["HS256"] * 6


def test_jws_and_jwe_share_one_protected_header_parser() -> None:
    header = jwtkit.jwe.encrypt(b"x", jwtkit.Key.generate("A128KW"), "A128KW", "A128GCM")
    segment = header.split(".")[0]
    parsed = jwtkit.jwe._parse_protected(segment)
    assert parsed is _compact.parse_header_segment(segment, frozenset(), 16 * 1024)
    with pytest.raises(jwtkit.DecodeError, match="not understood"):
        _compact.parse_header_segment(
            jwtkit.jws.sign(b"x", SECRET, headers={"crit": ["b64"], "b64": True}).split(".")[0],
            frozenset(),
        )
