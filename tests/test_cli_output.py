"""jwtkit.cli._output and _inputs: relative phrases, durations, and the human view of
arbitrary (hostile) claims."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from jwtkit._codec import b64url_encode, json_dumps
from jwtkit.cli._inputs import parse_duration
from jwtkit.cli._output import CommandError, relative_phrase
from jwtkit.cli.app import app

NOW = 1_800_000_000
# Plain output whatever the CI terminal settings: Rich styles only a real terminal.
runner = CliRunner(env={"FORCE_COLOR": None, "TTY_COMPATIBLE": None})


@pytest.mark.parametrize(
    ("claim", "offset", "phrase"),
    [
        ("exp", 240, "expires in 4 min"),
        ("exp", 270, "expires in 5 min"),  # rounded to the nearest minute
        ("exp", -7200, "expired 2 h ago"),
        ("exp", -59, "expired 59 s ago"),
        ("exp", 3590, "expires in 1 h"),  # not "60 min"
        ("exp", 86399, "expires in 1 d"),  # not "24 h"
        ("exp", -3 * 86400, "expired 3 d ago"),
        ("exp", 0, "expired 0 s ago"),  # exp == now is already expired (RFC 7519 §4.1.4)
        ("nbf", 30, "not valid for another 30 s"),
        ("nbf", -600, "valid since 10 min ago"),
        ("iat", -60, "issued 1 min ago"),
        ("iat", 120, "issued 2 min in the future"),
    ],
)
def test_relative_phrase(claim: str, offset: int, phrase: str) -> None:
    assert relative_phrase(claim, NOW + offset, NOW) == phrase


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90", 90), ("90s", 90), ("15m", 900), ("15min", 900), ("2h", 7200), ("1d", 86400),
     ("1h30m", 5400), ("-2h", -7200), ("0.5m", 30), ("+5s", 5)],
)  # fmt: skip
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text, "--exp") == seconds


@pytest.mark.parametrize("text", ["", "soon", "15x", "m15", "1h 30m", "15m15", "nan", "--5"])
def test_parse_duration_rejects_non_durations(text: str) -> None:
    with pytest.raises(CommandError) as raised:
        parse_duration(text, "--exp")
    assert raised.value.exit_code == 2


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=60, deadline=None)
@given(claims=st.dictionaries(st.sampled_from(["exp", "iat", "nbf", "sub", "x"]), json_values))
def test_decode_shows_any_claims_without_crashing_or_raw_control_characters(
    claims: dict[str, object],
) -> None:
    token = ".".join(
        b64url_encode(part).decode()
        for part in (json_dumps({"alg": "ES256"}), json_dumps(claims), b"sig")
    )
    human = runner.invoke(app, ["--now", str(NOW), "token", "decode", token])
    assert human.exit_code == 0, human.stderr
    assert not any(ord(char) < 32 and char != "\n" for char in human.stdout)
    machine = runner.invoke(app, ["--now", str(NOW), "token", "decode", token, "--json"])
    assert json.loads(machine.stdout)["claims"] == claims


def test_decode_json_stays_valid_json_for_an_overflowing_number() -> None:
    # 1e400 is valid JSON text but parses as infinity, which JSON output cannot carry.
    payload = b64url_encode(b'{"exp":1e400,"x":[-1e400]}').decode()
    token = f"{b64url_encode(json_dumps({'alg': 'ES256'})).decode()}.{payload}.c2ln"
    result = runner.invoke(app, ["--now", str(NOW), "token", "decode", token, "--json"])
    assert result.exit_code == 0, result.stderr

    def refuse(constant: str) -> None:
        raise AssertionError(f"non-JSON constant {constant}")

    output = json.loads(result.stdout, parse_constant=refuse)
    assert output["claims"] == {"exp": "inf", "x": ["-inf"]}
    assert output["times"]["exp"]["relative"] == "out of range"
    human = runner.invoke(app, ["--now", str(NOW), "token", "decode", token])
    assert "out of range" in human.stdout


def test_importing_jwtkit_and_its_cli_package_loads_neither_typer_nor_rich() -> None:
    code = (
        "import sys, jwtkit, jwtkit.cli\n"
        "loaded = sorted(m for m in ('typer', 'rich', 'httpx') if m in sys.modules)\n"
        "print(','.join(loaded))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=os.environ, check=True
    )
    assert result.stdout.strip() == ""
