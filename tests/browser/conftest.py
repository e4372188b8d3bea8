"""The browser tests' fixtures: the running stack (browser_stack.py) and one headless Chromium.

Playwright cannot download its own browser on these machines, so it launches Debian's
Chromium (``/usr/bin/chromium``; ``.ci/run`` installs it). Without it the tests skip, saying
so, except in CI (``CI`` set), where a missing browser is a failure. The processes start
once per session, the browser once per module; each test gets a fresh browser profile, and
every step waits at most :data:`STEP_TIMEOUT_MS`.

Screenshots of the pages the tests visit are always written to a temporary directory; with
``JWTKIT_SCREENSHOTS=1`` they are also copied to docs/img/ (browser-*.png), which is how the
pictures in docs/browser-signin.md are made, so a normal run leaves the repository clean.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: serving
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))  # webapp

from browser_stack import AttackerSite, Stack, attacker_site, running_stack

CHROMIUM = Path("/usr/bin/chromium")
STEP_TIMEOUT_MS = 10_000
DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "img"


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("browser-stack")) as running:
        yield running


@pytest.fixture(scope="session")
def attacker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AttackerSite]:
    with attacker_site(tmp_path_factory.mktemp("attacker-site")) as site:
        yield site


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium per test module. Not per session: while Playwright's sync API is
    open, its event loop counts as running in this thread, and other modules' tests that call
    asyncio.run() would fail."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing in CI: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    """A fresh browser profile (no cookies) for one test."""
    fresh = browser.new_context(viewport={"width": 900, "height": 640}, locale="en-GB")
    fresh.set_default_timeout(STEP_TIMEOUT_MS)
    fresh.set_default_navigation_timeout(STEP_TIMEOUT_MS)
    try:
        yield fresh
    finally:
        fresh.close()


@pytest.fixture
def page(context: Any) -> Any:
    return context.new_page()


@pytest.fixture(scope="session")
def screenshot_directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def screenshot(screenshot_directory: Path) -> Callable[[Any, str], Path]:
    """``screenshot(page, "login")`` writes browser-login.png (see the module's docstring)."""

    def take(page: Any, name: str) -> Path:
        path = screenshot_directory / f"browser-{name}.png"
        page.screenshot(path=str(path))
        if os.environ.get("JWTKIT_SCREENSHOTS") == "1":
            shutil.copyfile(path, DOCS_IMAGES / path.name)
        return path

    return take
