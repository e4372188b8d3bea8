"""The seeds' flow in Chromium: a user signs in to the example web app at ``jwtkit serve``,
allows it, sees their orders; signs in to a second app without the password; signs out
everywhere; and the back button then shows nothing private.

Each step is what a person does (links, labelled fields, buttons); the screenshots taken on
the way are the pictures in docs/browser-signin.md.
"""

from __future__ import annotations

from typing import Any

from browser_stack import Stack
from browser_steps import allow_if_asked, fill_login_form, sign_in, sign_out
from playwright.sync_api import expect


def test_sign_in_consent_and_see_the_orders(stack: Stack, page: Any, screenshot: Any) -> None:
    username = stack.new_user("alice")
    page.goto(stack.orders.url)
    screenshot(page, "app-signed-out")

    page.get_by_role("link", name="Sign in").click()
    expect(page.get_by_label("Password")).to_be_visible()
    assert page.url.startswith(f"{stack.issuer}/"), page.url  # the password is typed there
    screenshot(page, "login")

    fill_login_form(page, username)
    expect(page.get_by_role("button", name="Allow")).to_be_visible()  # a third-party client
    expect(page.get_by_role("button", name="Deny")).to_be_visible()
    screenshot(page, "consent")

    allow_if_asked(page, stack.orders)
    expect(page.locator("#user")).to_have_text(username)
    expect(page.locator("#orders")).to_contain_text("tea")
    screenshot(page, "orders")


def app_session_cookie(page: Any, app_url: str) -> dict[str, Any]:
    cookies = page.context.cookies(app_url)
    (cookie,) = [cookie for cookie in cookies if cookie["name"] == "orders_session"]
    return dict(cookie)


def test_the_browser_holds_only_an_http_only_session_cookie(stack: Stack, page: Any) -> None:
    page.goto(f"{stack.orders.url}/login")  # the app keeps the PKCE verifier for this browser
    expect(page.get_by_label("Password")).to_be_visible()
    before = app_session_cookie(page, stack.orders.url)
    fill_login_form(page, stack.new_user("bella"))
    allow_if_asked(page, stack.orders)

    after = app_session_cookie(page, stack.orders.url)
    assert after["httpOnly"] and after["sameSite"] == "Lax"
    assert after["value"] != before["value"]  # a new id at sign-in: fixation gains nothing
    # No token anywhere the page's scripts could reach: not in a cookie, storage or the HTML.
    for cookie in page.context.cookies():
        assert not cookie["value"].startswith("eyJ"), cookie["name"]
    assert page.evaluate("document.cookie") == ""
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0
    assert "eyJ" not in page.content()


def test_a_second_app_signs_in_without_the_password(
    stack: Stack, page: Any, screenshot: Any
) -> None:
    username = stack.new_user("carol")
    sign_in(page, stack.orders, username)

    page.goto(stack.shop.url)
    page.get_by_role("link", name="Sign in").click()
    expect(page.get_by_role("button", name="Allow")).to_be_visible()
    expect(page.get_by_label("Password")).to_have_count(0)  # signed in at the server already
    screenshot(page, "consent-second-app")
    allow_if_asked(page, stack.shop)
    expect(page.locator("#user")).to_have_text(username)
    screenshot(page, "shop")

    # Consent is remembered per user and client: the next sign-in goes straight through.
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    page.get_by_role("link", name="Sign in").click()
    fill_login_form(page, username)
    expect(page.locator("#orders")).to_be_visible()
    assert page.url == f"{stack.shop.url}/"


def test_signing_out_of_one_app_signs_out_everywhere(
    stack: Stack, page: Any, screenshot: Any
) -> None:
    username = stack.new_user("dora")
    sign_in(page, stack.orders, username)
    page.goto(stack.shop.url)
    page.get_by_role("link", name="Sign in").click()
    allow_if_asked(page, stack.shop)

    page.goto(stack.orders.url)
    sign_out(page, stack.orders)
    screenshot(page, "signed-out")

    # The shop's tokens were revoked with the server's session: its next page says so.
    page.goto(stack.shop.url)
    expect(page.get_by_text("Your session has ended: sign in again.")).to_be_visible()
    expect(page.locator("#orders")).to_have_count(0)
    # And no app signs in again without the password.
    page.get_by_role("link", name="Sign in").click()
    expect(page.get_by_label("Password")).to_be_visible()
    assert page.url.startswith(f"{stack.issuer}/")


def test_the_back_button_after_signing_out_shows_nothing_private(
    stack: Stack, page: Any, screenshot: Any
) -> None:
    username = stack.new_user("erin")
    sign_in(page, stack.orders, username)
    expect(page.locator("#orders")).to_contain_text("tea")
    sign_out(page, stack.orders)

    page.go_back()
    expect(page.get_by_text("You are not signed in.")).to_be_visible()
    html = page.content()
    assert username not in html and "tea" not in html
    screenshot(page, "back-after-sign-out")


def test_a_wrong_password_shows_one_message_that_names_no_field(
    stack: Stack, page: Any, screenshot: Any
) -> None:
    username = stack.new_user("fay")
    page.goto(f"{stack.orders.url}/login")
    fill_login_form(page, username, password="not the password")
    wrong_password = page.get_by_role("alert")
    expect(wrong_password).to_be_visible()
    expect(page.get_by_label("Password")).to_have_value("")  # never echoed back
    screenshot(page, "wrong-password")
    message = wrong_password.inner_text()

    fill_login_form(page, "nobody-by-this-name")
    expect(page.get_by_role("alert")).to_have_text(message)  # the same for an unknown user

    fill_login_form(page, username)  # and the right password still works afterwards
    allow_if_asked(page, stack.orders)


def test_denying_consent_leaves_the_app_signed_out(stack: Stack, page: Any) -> None:
    page.goto(f"{stack.orders.url}/login")
    fill_login_form(page, stack.new_user("gwen"))
    page.get_by_role("button", name="Deny").click()
    expect(page.get_by_role("alert")).to_have_text("You did not allow Orders to sign you in.")
    assert page.url.startswith(f"{stack.orders.redirect_uri}?")
    page.goto(stack.orders.url)
    expect(page.get_by_text("You are not signed in.")).to_be_visible()
