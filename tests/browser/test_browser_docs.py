"""docs/browser-signin.md says what the browser tests do: every picture it shows is one a
test takes (and is in the repository), every picture a test takes is shown, and its commands
configure the web app the way examples/webapp reads its settings. No browser needed."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from webapp.settings import WebAppSettings  # examples/ is on the path (conftest.py)

ROOT = Path(__file__).resolve().parents[2]
# The walk-through; the "Server side" part after it is tests/server/test_browser_signin_docs.py's.
PAGE = (ROOT / "docs" / "browser-signin.md").read_text(encoding="utf-8").split("## Server side")[0]
SHELL_BLOCKS = re.findall(r"```sh\n(.*?)```", PAGE, re.DOTALL)


def screenshots_taken() -> set[str]:
    sources = "".join(path.read_text() for path in Path(__file__).parent.glob("test_*.py"))
    return {
        f"browser-{name}.png" for name in re.findall(r'screenshot\(page, "([a-z-]+)"\)', sources)
    }


def test_every_picture_on_the_page_is_taken_by_a_test_and_every_one_taken_is_shown() -> None:
    shown = set(re.findall(r"\(img/(browser-[a-z-]+\.png)\)", PAGE))
    assert shown == screenshots_taken()
    missing = [name for name in shown if not (ROOT / "docs" / "img" / name).is_file()]
    assert not missing, "run JWTKIT_SCREENSHOTS=1 uv run pytest tests/browser"


def shell_lines(block: str) -> list[list[str]]:
    return [shlex.split(line) for line in block.replace("\\\n", " ").splitlines() if line.strip()]


def test_the_commands_register_the_redirect_uris_the_documented_app_uses() -> None:
    (create_user, create_client, run_server), (run_api,), (run_app,) = (
        shell_lines(block) for block in SHELL_BLOCKS[:3]
    )
    assert create_user[:5] == ["uv", "run", "jwtkit", "admin", "users"]
    assert create_client[:6] == ["uv", "run", "jwtkit", "admin", "clients", "create"]
    redirect_uris = {
        create_client[index + 1]
        for index, word in enumerate(create_client)
        if word == "--redirect-uri"
    }
    environment = dict(word.split("=", 1) for word in run_app if re.match(r"^WEBAPP_\w+=", word))
    settings = WebAppSettings.from_environment(environment)
    assert {settings.redirect_uri, settings.post_logout_redirect_uri} == redirect_uris
    assert run_app[run_app.index("--port") + 1] == settings.public_url.rsplit(":", 1)[1]
    assert "webapp.app:create_app" in run_app and "--factory" in run_app
    # The app, the API and the server agree on where each one is.
    server_port = run_server[run_server.index("--port") + 1]
    assert settings.issuer == f"http://127.0.0.1:{server_port}"
    assert f"JWTKIT_ISSUER={settings.issuer}" in run_api
    assert settings.api_url == f"http://127.0.0.1:{run_api[run_api.index('--port') + 1]}"


def test_the_variables_table_lists_what_the_app_reads() -> None:
    documented = set(re.findall(r"`(WEBAPP_[A-Z_]+)`", PAGE))
    source = (ROOT / "examples" / "webapp" / "settings.py").read_text()
    assert documented == set(re.findall(r'"(WEBAPP_[A-Z_]+)"', source))
