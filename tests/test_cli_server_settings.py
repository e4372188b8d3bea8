"""jwtkit.cli._server_settings: a bad server setting is one line naming its variable, and
its flag only where the command has that flag (the master key never has one)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from jwtkit.cli.app import app

runner = CliRunner(env={"FORCE_COLOR": None, "TTY_COMPATIBLE": None})


@pytest.mark.parametrize(
    ("command", "environment", "named"),
    [
        (["serve"], {"JWTKIT_ACCESS_TOKEN_LIFETIME": "5"}, "JWTKIT_ACCESS_TOKEN_LIFETIME:"),
        (["serve", "--port", "99999"], {}, "JWTKIT_PORT (--port):"),
        (["admin", "db", "current"], {"JWTKIT_MASTER_KEY": "short"}, "JWTKIT_MASTER_KEY:"),
        (
            ["admin", "db", "current", "--database-url", "mysql://db"],
            {},
            "JWTKIT_DATABASE_URL (--database-url):",
        ),
    ],
)
def test_a_bad_setting_names_its_variable_and_only_a_flag_that_exists(
    command: list[str], environment: dict[str, str], named: str
) -> None:
    result = runner.invoke(app, command, env=environment)
    assert result.exit_code == 2
    assert f"invalid setting: {named}" in result.output
    assert "--access-token-lifetime" not in result.output
    assert "--master-key" not in result.output
    assert "short" not in result.output  # the value of a secret is never echoed
