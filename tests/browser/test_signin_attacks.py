"""Attacks on the browser sign-in, made from a real browser and a real attacker site.

The attacker's pages live on another loopback port (another origin). Each test makes one
attack and checks both the refusal and that nothing was gained: no code, no token, no
session.
"""

from __future__ import annotations

import html
from typing import Any

import httpx
from browser_stack import AttackerSite, Stack
from browser_steps import Pkce, authorization_response, authorize_url, sign_in
from playwright.sync_api import expect


def exchange(stack: Stack, code: str, verifier: str | None) -> httpx.Response:
    """The code exchange as the Orders app (a confidential client) makes it."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": stack.orders.redirect_uri,
    }
    if verifier is not None:
        form["code_verifier"] = verifier
    return httpx.post(
        stack.metadata()["token_endpoint"],
        data=form,
        auth=(stack.orders.client_id, stack.orders.client_secret),
        timeout=10,
    )


def test_a_forged_redirect_uri_is_an_error_page_never_a_redirect(
    stack: Stack, page: Any, attacker: AttackerSite, screenshot: Any
) -> None:
    sign_in(page, stack.orders, stack.new_user("gus"))  # even a signed-in user is not sent away
    visited: list[str] = []
    page.on("request", lambda request: visited.append(request.url))
    stolen = f"{attacker.url}/steal"
    answer = page.goto(
        authorize_url(stack, stack.orders, redirect_uri=stolen, code_challenge=Pkce.new().challenge)
    )
    assert answer.status == 400
    assert page.url.startswith(f"{stack.issuer}/"), page.url
    assert not [url for url in visited if url.startswith(attacker.url)]
    screenshot(page, "forged-redirect-uri")


def test_pkce_is_required_and_a_code_without_its_verifier_is_refused(
    stack: Stack, page: Any
) -> None:
    username = stack.new_user("hana")
    # No code_challenge at all: refused (RFC 9700 §2.1.1), back at the app with an error.
    refused = authorization_response(
        page, stack.orders, authorize_url(stack, stack.orders), username
    )
    assert refused["error"] == "invalid_request" and "code" not in refused
    # "plain" is refused as well: only S256 is offered.
    plain = authorization_response(
        page,
        stack.orders,
        authorize_url(stack, stack.orders, code_challenge="x" * 43, code_challenge_method="plain"),
        username,
    )
    assert plain["error"] == "invalid_request" and "code" not in plain

    pkce = Pkce.new()
    answer = authorization_response(
        page,
        stack.orders,
        authorize_url(stack, stack.orders, code_challenge=pkce.challenge),
        username,
    )
    missing = exchange(stack, answer["code"], verifier=None)
    assert missing.status_code == 400 and "access_token" not in missing.json()
    assert missing.json()["error"] == "invalid_request"  # a required parameter is missing
    wrong = exchange(stack, answer["code"], verifier=Pkce.new().verifier)
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"


def test_a_replayed_code_is_refused_and_revokes_what_it_gave(stack: Stack, page: Any) -> None:
    pkce = Pkce.new()
    url = authorize_url(stack, stack.orders, code_challenge=pkce.challenge)
    answer = authorization_response(page, stack.orders, url, stack.new_user("ivan"))
    assert answer["iss"] == stack.issuer  # RFC 9207

    first = exchange(stack, answer["code"], pkce.verifier)
    assert first.status_code == 200, first.text
    tokens = first.json()
    orders = httpx.get(
        f"{stack.api}/orders",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=10,
    )
    assert orders.status_code == 200

    replayed = exchange(stack, answer["code"], pkce.verifier)
    assert replayed.status_code == 400 and replayed.json()["error"] == "invalid_grant"
    # RFC 6749 §4.1.2: the tokens issued from the code are revoked (the API asks the server).
    orders = httpx.get(
        f"{stack.api}/orders",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=10,
    )
    assert orders.status_code == 401


def forged_login_page(action: str, fields: dict[str, str]) -> str:
    inputs = "".join(
        f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}">'
        for name, value in fields.items()
    )
    return (
        "<!doctype html><title>Win a prize</title>"
        f'<form method="post" action="{html.escape(action)}">{inputs}'
        "<button type=submit>Claim your prize</button></form>"
    )


def test_a_login_form_posted_without_its_csrf_token_is_refused(
    stack: Stack, page: Any, browser: Any, attacker: AttackerSite, screenshot: Any
) -> None:
    username = stack.new_user("jules")
    page.goto(f"{stack.orders.url}/login")
    form = page.locator("form", has=page.get_by_label("Password"))
    action = page.evaluate("form => form.action", form.element_handle())
    hidden = {
        element.get_attribute("name"): element.get_attribute("value") or ""
        for element in form.locator("input[type=hidden]").all()
    }
    csrf_names = [name for name in hidden if "csrf" in name.lower()]
    assert csrf_names, hidden  # the form carries a token...
    credentials = {
        page.get_by_label("Username").get_attribute("name"): username,
        page.get_by_label("Password").get_attribute("name"): "correct horse battery staple",
    }
    # ...and a post without it, or with one the attacker got for their own browser, fails.
    other = browser.new_context()
    try:
        attacker_page = other.new_page()
        attacker_page.goto(f"{stack.orders.url}/login")
        attackers_token = {
            name: attacker_page.locator(f"input[name={name}]").get_attribute("value") or ""
            for name in csrf_names
        }
    finally:
        other.close()
    without = {name: value for name, value in hidden.items() if name not in csrf_names}
    for name, fields in (("none", without), ("foreign", {**without, **attackers_token})):
        page.goto(
            attacker.publish(
                f"csrf-{name}.html", forged_login_page(action, {**fields, **credentials})
            )
        )
        with page.expect_response(lambda response: response.url == action) as posted:
            page.get_by_role("button", name="Claim your prize").click()
        assert posted.value.status == 403
        assert page.url.startswith(stack.issuer)
        expect(page.get_by_role("alert")).to_contain_text("did not come from this site")
        expect(page.get_by_role("button", name="Allow")).to_have_count(0)
        if name == "none":
            screenshot(page, "csrf-refused")
    # Nothing was signed in: the app's sign-in still asks for the password.
    page.goto(f"{stack.orders.url}/login")
    expect(page.get_by_label("Password")).to_be_visible()


def test_the_login_page_cannot_be_framed(
    stack: Stack, page: Any, attacker: AttackerSite, screenshot: Any
) -> None:
    login = authorize_url(stack, stack.orders, code_challenge=Pkce.new().challenge)
    answers: list[Any] = []
    page.on(
        "response", lambda response: answers.append(response) if response.url == login else None
    )
    frame_page = attacker.publish(
        "framed.html",
        "<!doctype html><title>Totally legit</title><h1>Sign in below</h1>"
        f'<iframe src="{html.escape(login)}" width="600" height="400"></iframe>',
    )
    page.goto(frame_page)
    expect(page.locator("iframe")).to_be_visible()
    page.wait_for_load_state("load")
    assert answers, "the browser asked for the login page"
    headers = answers[-1].headers
    assert headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    # Chromium refused to render it: the frame holds no login form.
    framed = page.frame_locator("iframe")
    expect(framed.get_by_label("Password")).to_have_count(0)
    child = page.main_frame.child_frames[0]
    assert not child.url.startswith(stack.issuer), child.url
    screenshot(page, "framed-login")


def test_the_apps_sign_out_needs_its_own_csrf_token(stack: Stack, page: Any) -> None:
    sign_in(page, stack.orders, stack.new_user("kim"))
    # The browser sends the app's cookie with any same-site post; the token is what counts.
    forged = page.request.post(f"{stack.orders.url}/logout", form={"csrf": "guessed"})
    assert forged.status == 403
    page.reload()
    expect(page.locator("#orders")).to_contain_text("tea")  # still signed in
