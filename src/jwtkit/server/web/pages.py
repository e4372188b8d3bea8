"""Rendering the server's HTML pages from Jinja2 templates, with the headers every page needs.

The templates ship in this package; a deployer replaces any of them (their own brand) with a
file of the same name in ``JWTKIT_TEMPLATES_DIR``. Every page gets a strict
Content-Security-Policy: nothing loads from anywhere, the page's one stylesheet is allowed by
a per-response nonce, no page may be framed (clickjacking on the login and consent buttons),
and forms may post only here. ``form-action`` also names the client's redirect origin,
because browsers apply it to the redirect that follows a form post.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, select_autoescape
from starlette.responses import HTMLResponse

__all__ = ["Pages", "page_headers"]


def page_headers(nonce: str | None, form_targets: Iterable[str] = ()) -> dict[str, str]:
    """The security headers of an HTML page (or a redirect: no nonce, nothing to style)."""
    form_action = " ".join(["'self'", *form_targets])
    policy = (
        "default-src 'none'; "
        + (f"style-src 'nonce-{nonce}'; " if nonce is not None else "")
        + "img-src 'self' data:; "
        + f"form-action {form_action}; "
        + "frame-ancestors 'none'; "
        + "base-uri 'none'"
    )
    return {
        "Content-Security-Policy": policy,
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
        "Pragma": "no-cache",
    }


class Pages:
    def __init__(self, templates_dir: Path | None = None) -> None:
        loaders: list[Any] = []
        if templates_dir is not None:
            loaders.append(FileSystemLoader(str(templates_dir)))
        loaders.append(PackageLoader("jwtkit.server.web", "templates"))
        self._environment = Environment(
            loader=ChoiceLoader(loaders),
            autoescape=select_autoescape(default=True, default_for_string=True),
            auto_reload=False,
        )

    def render(
        self,
        template: str,
        context: Mapping[str, Any],
        *,
        status_code: int = 200,
        form_targets: Iterable[str] = (),
    ) -> HTMLResponse:
        nonce = secrets.token_urlsafe(16)
        html = self._environment.get_template(template).render({**context, "csp_nonce": nonce})
        return HTMLResponse(
            html, status_code=status_code, headers=page_headers(nonce, form_targets)
        )
