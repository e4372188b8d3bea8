"""CSRF tokens for the login, consent and logout forms: a signed double-submit cookie.

The browser gets a random value in an HttpOnly cookie; each form carries an HMAC of that
value under a key derived from the master key. A page on another site can make the browser
send the cookie, but cannot read it nor compute the HMAC, so its forged form post is refused.
Nothing is stored: every replica checks a token with the same derived key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from .secrets import MasterKey, new_token

__all__ = ["CsrfTokens"]

#: Longest cookie or form value looked at (ours are 43 characters).
_MAX_LENGTH = 128


class CsrfTokens:
    def __init__(self, master_key: MasterKey) -> None:
        self._key = master_key.derive("csrf")

    @staticmethod
    def new_cookie_value() -> str:
        return new_token()

    def token_for(self, cookie_value: str) -> str:
        """The form token that goes with this cookie value."""
        mac = hmac.new(self._key, cookie_value.encode("utf-8", "surrogatepass"), hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode("ascii")

    def check(self, cookie_value: str | None, token: str | None) -> bool:
        """True only when both are present and the token was made for this cookie."""
        if not cookie_value or not token:
            return False
        if len(cookie_value) > _MAX_LENGTH or len(token) > _MAX_LENGTH:
            return False
        # As bytes: compare_digest refuses str holding non-ASCII (a TypeError, so a 500).
        expected = self.token_for(cookie_value).encode("ascii")
        return hmac.compare_digest(expected, token.encode("utf-8", "surrogatepass"))
