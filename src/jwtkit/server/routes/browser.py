"""The browser-facing pages: /authorize (login, consent) and /logout, as thin HTML routes.

Each route parses the request, asks a service what happens next and renders it: a page, or
a redirect. Every form carries a CSRF token bound to the browser's CSRF cookie and is
refused (403) without it. Errors before the client's redirect URI is established are shown
here and never redirected (RFC 6749 §4.1.2.1).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from ..errors import (
    InvalidGrantError,
    RateLimitedError,
    ServerError,
    TemporarilyUnavailableError,
)
from ..services.authorization import (
    Outcome,
    Redirect,
    RedirectError,
    ShowConsent,
    ShowLogin,
    redirect_origin,
)
from ..services.browser_sessions import SignedIn
from ..services.logout import LogoutRequest
from ..settings import Settings
from ..web.cookies import BrowserCookies
from ..web.pages import Pages, page_headers
from .deps import ClientIP, CurrentRuntime, oauth_form, single_valued

__all__ = ["router"]

router = APIRouter(tags=["browser"], include_in_schema=False)

_LOGIN_FAILED = "Invalid username or password."
_SCOPE_DESCRIPTIONS = {
    "openid": "Know who you are on this server",
    "profile": "See your username",
    "email": "See your email address",
}
_FORM_EXPIRED = "This form has expired or did not come from this site. Go back and try again."


class Browser:
    """What a browser route needs besides the runtime: pages, cookies and this request."""

    def __init__(self, request: Request, runtime: CurrentRuntime) -> None:
        self.request = request
        self.runtime = runtime
        self.pages: Pages = request.app.state.pages
        self.cookies: BrowserCookies = request.app.state.cookies
        self._csrf_cookie = self.cookies.csrf(request)
        self._new_csrf_cookie: str | None = None

    async def signed_in(self) -> SignedIn | None:
        return await self.runtime.browser_sessions.find(self.cookies.session(self.request))

    def csrf_token(self) -> str:
        """The token for a form on this page (minting the cookie it is bound to if needed)."""
        if not self._csrf_cookie or len(self._csrf_cookie) > 128:
            self._new_csrf_cookie = self._csrf_cookie = self.runtime.csrf.new_cookie_value()
        return self.runtime.csrf.token_for(self._csrf_cookie)

    def csrf_ok(self, form: Mapping[str, str]) -> bool:
        return self.runtime.csrf.check(self._csrf_cookie, form.get("csrf_token"))

    def page(
        self,
        template: str,
        context: Mapping[str, Any],
        *,
        status_code: int = 200,
        form_targets: tuple[str, ...] = (),
    ) -> Response:
        response = self.pages.render(
            template, context, status_code=status_code, form_targets=form_targets
        )
        if self._new_csrf_cookie is not None:
            self.cookies.set_csrf(response, self._new_csrf_cookie)
        return response

    def error_page(self, description: str, status_code: int = 400) -> Response:
        return self.page("error.html", {"message": description}, status_code=status_code)

    def redirect(self, location: str, status_code: int = 302) -> Response:
        return RedirectResponse(location, status_code=status_code, headers=page_headers(None))

    def render(self, outcome: Outcome, *, after_post: bool, error: str | None = None) -> Response:
        if isinstance(outcome, Redirect):
            return self.redirect(outcome.location, 303 if after_post else 302)
        request = outcome.request
        common = {
            "client_name": request.client.name,
            "authorization_request": urlencode(request.parameters),
            "csrf_token": self.csrf_token(),
        }
        targets = (redirect_origin(request.redirect_uri),)
        if isinstance(outcome, ShowLogin):
            return self.page(
                "login.html",
                {**common, "login_hint": request.login_hint or "", "error": error},
                status_code=400 if error else 200,
                form_targets=targets,
            )
        assert isinstance(outcome, ShowConsent)
        return self.page(
            "consent.html",
            {
                **common,
                "username": outcome.user.username,
                "scopes": outcome.scopes,
                "scope_descriptions": _SCOPE_DESCRIPTIONS,
            },
            form_targets=targets,
        )


CurrentBrowser = Annotated[Browser, Depends(Browser)]


def _request_parameters(form: Mapping[str, str]) -> dict[str, str]:
    """The authorization request a login or consent form carries back."""
    return single_valued(parse_qsl(form.get("authorization_request", ""), keep_blank_values=True))


@router.get("/authorize")
async def authorize(browser: CurrentBrowser) -> Response:
    try:
        parameters = single_valued(browser.request.query_params.multi_items())
        request = await browser.runtime.authorization.check(parameters)
    except RedirectError as error:
        return browser.redirect(error.location)
    except ServerError as error:
        return browser.error_page(error.description)
    outcome = await browser.runtime.authorization.decide(
        request, await browser.signed_in(), just_signed_in=False
    )
    return browser.render(outcome, after_post=False)


@router.post("/authorize/login")
async def login(browser: CurrentBrowser, ip: ClientIP) -> Response:
    runtime = browser.runtime
    try:
        form = await oauth_form(browser.request)
        if not browser.csrf_ok(form):
            return browser.error_page(_FORM_EXPIRED, 403)
        request = await browser.runtime.authorization.check(_request_parameters(form))
    except RedirectError as error:
        return browser.redirect(error.location, 303)
    except ServerError as error:
        return browser.error_page(error.description)
    try:
        user = await runtime.users.authenticate(
            form.get("username", ""), form.get("password", ""), ip=ip, client_id=request.client.id
        )
    except InvalidGrantError:
        return browser.render(ShowLogin(request), after_post=True, error=_LOGIN_FAILED)
    except RateLimitedError as error:
        response = browser.render(
            ShowLogin(request), after_post=True, error="Too many attempts. Try again later."
        )
        response.status_code = 429
        response.headers["Retry-After"] = str(error.retry_after)
        return response
    except TemporarilyUnavailableError as error:
        response = browser.error_page(error.description, 503)
        response.headers["Retry-After"] = str(error.retry_after)
        return response
    session, secret = await runtime.browser_sessions.start(user, ip=ip)
    outcome = await runtime.authorization.decide(
        request, SignedIn(session, user), just_signed_in=True
    )
    response = browser.render(outcome, after_post=True)
    browser.cookies.set_session(response, secret)
    return response


@router.post("/authorize/consent")
async def consent(browser: CurrentBrowser) -> Response:
    try:
        form = await oauth_form(browser.request)
        if not browser.csrf_ok(form):
            return browser.error_page(_FORM_EXPIRED, 403)
        request = await browser.runtime.authorization.check(_request_parameters(form))
    except RedirectError as error:
        return browser.redirect(error.location, 303)
    except ServerError as error:
        return browser.error_page(error.description)
    signed_in = await browser.signed_in()
    if signed_in is None:  # the session ended while the page was open
        return browser.render(ShowLogin(request), after_post=True)
    decision = form.get("decision")
    if decision not in ("allow", "deny"):
        return browser.error_page("Choose Allow or Deny.")
    outcome = await browser.runtime.authorization.answer_consent(
        request, signed_in, allowed=decision == "allow"
    )
    return browser.render(outcome, after_post=True)


@router.get("/logout")
async def logout_page(browser: CurrentBrowser, ip: ClientIP) -> Response:
    try:
        parameters = single_valued(browser.request.query_params.multi_items())
        request = await browser.runtime.logout.check(parameters)
    except ServerError as error:
        return browser.error_page(error.description)
    signed_in = await browser.signed_in()
    if signed_in is None or request.hinted_subject == signed_in.user.id:
        return await _signed_out(browser, request, signed_in, ip, after_post=False)
    # No proof the app asked for this user's logout: the user confirms (a page elsewhere
    # must not sign them out with a link).
    return browser.page(
        "logout.html",
        {
            "logout_request": urlencode(request.parameters),
            "csrf_token": browser.csrf_token(),
            "username": signed_in.user.username,
        },
        form_targets=_logout_targets(request),
    )


@router.post("/logout")
async def logout(browser: CurrentBrowser, ip: ClientIP) -> Response:
    try:
        form = await oauth_form(browser.request)
        if not browser.csrf_ok(form):
            return browser.error_page(_FORM_EXPIRED, 403)
        parameters = single_valued(
            parse_qsl(form.get("logout_request", ""), keep_blank_values=True)
        )
        request = await browser.runtime.logout.check(parameters)
    except ServerError as error:
        return browser.error_page(error.description)
    return await _signed_out(browser, request, await browser.signed_in(), ip, after_post=True)


def _logout_targets(request: LogoutRequest) -> tuple[str, ...]:
    uri = request.post_logout_redirect_uri
    return (redirect_origin(uri),) if uri is not None else ()


async def _signed_out(
    browser: Browser,
    request: LogoutRequest,
    signed_in: SignedIn | None,
    ip: str,
    *,
    after_post: bool,
) -> Response:
    if signed_in is not None:
        await browser.runtime.browser_sessions.end(signed_in.session.id, ip=ip)
    location = request.location
    response = (
        browser.redirect(location, 303 if after_post else 302)
        if location is not None
        else browser.page("signed_out.html", {})
    )
    browser.cookies.clear_session(response)
    return response


def install(app: FastAPI, settings: Settings) -> None:
    """Put the pages and the cookie policy where the browser routes find them."""
    app.state.pages = Pages(settings.templates_dir)
    app.state.cookies = BrowserCookies(
        settings.issuer_url, session_max_age=settings.browser_session_lifetime
    )
