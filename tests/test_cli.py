"""The ``jwtkit token`` commands, the exit codes and the one-line errors.

The clock is injected with the hidden ``--now`` option, so relative dates ("expires in
4 min") are exact and nothing depends on wall time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from typer.testing import CliRunner, Result

import jwtkit
from jwtkit._codec import b64url_encode, json_dumps
from jwtkit.cli.app import app

NOW = 1_800_000_000
# Plain output whatever the CI terminal settings: Rich styles only a real terminal.
runner = CliRunner(env={"FORCE_COLOR": None, "TTY_COMPATIBLE": None})


def run(*args: str, input: str | None = None, now: float | None = NOW) -> Result:
    prefix = ["--now", str(now)] if now is not None else []
    return runner.invoke(app, [*prefix, *args], input=input)


def assert_one_line_error(result: Result, exit_code: int, *fragments: str) -> None:
    assert result.exit_code == exit_code, (result.stdout, result.stderr)
    lines = [
        line for line in result.stderr.splitlines() if not line.startswith("jwtkit: warning: ")
    ]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("jwtkit: error: ")
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.fixture(scope="module")
def signing_key() -> jwtkit.Key:
    return jwtkit.Key.generate("ES256", kid="k1")


@pytest.fixture
def key_file(tmp_path: Path, signing_key: jwtkit.Key) -> str:
    path = tmp_path / "key.jwk"
    path.write_text(json.dumps(signing_key.to_dict(private=True)))
    return str(path)


@pytest.fixture
def public_key_file(tmp_path: Path, signing_key: jwtkit.Key) -> str:
    path = tmp_path / "public.pem"
    path.write_bytes(signing_key.public_key().to_pem())
    return str(path)


def make_token(key: jwtkit.Key, **claims: Any) -> str:
    return jwtkit.encode({"sub": "alice", **claims}, key, "ES256")


def forge(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    return ".".join(
        b64url_encode(part).decode() for part in (json_dumps(header), json_dumps(claims), signature)
    )


# -- token decode ------------------------------------------------------------------------------


def test_decode_without_key_says_unverified_and_shows_human_times(
    signing_key: jwtkit.Key,
) -> None:
    token = make_token(signing_key, iat=NOW - 7200, exp=NOW + 240)
    result = run("token", "decode", token)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("UNVERIFIED")
    assert '"sub": "alice"' in result.stdout
    assert '"kid": "k1"' in result.stdout
    assert "expires in 4 min" in result.stdout
    assert "issued 2 h ago" in result.stdout
    assert "2027-01-15 08:04:00 UTC" in result.stdout  # NOW + 240 s


def test_decode_shows_an_expired_token_without_failing(signing_key: jwtkit.Key) -> None:
    token = make_token(signing_key, exp=NOW - 7200, nbf=NOW - 9000)
    result = run("token", "decode", token)
    assert result.exit_code == 0
    assert "expired 2 h ago" in result.stdout
    assert "valid since 3 h ago" in result.stdout  # 2.5 h rounds up


def test_decode_reads_stdin_and_drops_a_bearer_prefix(signing_key: jwtkit.Key) -> None:
    token = make_token(signing_key, nbf=NOW + 90)
    result = run("token", "decode", "-", input=f"Bearer {token}\n")
    assert result.exit_code == 0, result.stderr
    assert "not valid for another 2 min" in result.stdout


def test_decode_json_output_is_machine_readable(signing_key: jwtkit.Key) -> None:
    token = make_token(signing_key, exp=NOW + 240)
    result = run("token", "decode", token, "--json")
    assert result.exit_code == 0
    output = json.loads(result.stdout)
    assert output["verified"] is False
    assert output["header"] == {"alg": "ES256", "typ": "JWT", "kid": "k1"}
    assert output["claims"] == {"sub": "alice", "exp": NOW + 240}
    assert output["times"]["exp"] == {
        "value": NOW + 240,
        "date": "2027-01-15 08:04:00 UTC",
        "relative": "expires in 4 min",
    }


def test_decode_with_key_verifies(signing_key: jwtkit.Key, key_file: str) -> None:
    token = make_token(signing_key, exp=NOW + 60)
    result = run("token", "decode", token, "--key", key_file, "--alg", "ES256", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["verified"] is True
    human = run("token", "decode", token, "--key", key_file, "--alg", "ES256")
    assert human.stdout.startswith("VERIFIED")


def test_decode_with_key_rejects_a_token_signed_by_another_key(key_file: str) -> None:
    token = make_token(jwtkit.Key.generate("ES256", kid="k1"))
    result = run("token", "decode", token, "--key", key_file, "--alg", "ES256")
    assert_one_line_error(result, 1, "invalid token", "Signature verification failed")
    assert result.stdout == ""


def test_decode_refuses_alg_without_a_key(signing_key: jwtkit.Key) -> None:
    result = run("token", "decode", make_token(signing_key), "--alg", "ES256")
    assert_one_line_error(result, 2, "need a key")


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        "a.b",
        "eyJhbGciOiJFUzI1NiJ9.e30=.sig",  # padded base64url is not canonical
        "eyJhbGciOiJFUzI1NiJ9.WzFd.c2ln",  # the claims are a JSON array, not an object
    ],
)
def test_decode_rejects_malformed_tokens_with_exit_1(token: str) -> None:
    assert_one_line_error(run("token", "decode", token), 1, "invalid token")


def test_decode_rejects_duplicate_claim_names() -> None:
    token = ".".join(
        b64url_encode(part).decode()
        for part in (b'{"alg":"ES256"}', b'{"sub":"alice","sub":"admin"}', b"x")
    )
    assert_one_line_error(run("token", "decode", token), 1, "duplicate")


def test_decode_escapes_terminal_control_sequences_in_claims() -> None:
    token = forge({"alg": "ES256"}, {"sub": "\x1b[2J\x1b]0;pwned\x07", "role": "[bold]admin[/]"})
    result = run("token", "decode", token)
    assert result.exit_code == 0
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "\\u001b[2J" in result.stdout
    assert "[bold]admin[/]" in result.stdout  # shown literally, not as Rich markup


def test_decode_survives_out_of_range_and_non_numeric_times() -> None:
    token = forge({"alg": "ES256"}, {"exp": 1e300, "iat": "yesterday", "nbf": -1e20})
    result = run("token", "decode", token, "--json")
    assert result.exit_code == 0
    times = json.loads(result.stdout)["times"]
    assert times["exp"]["relative"] == "out of range"
    assert times["iat"]["relative"] == "not a number"
    assert times["nbf"]["relative"] == "out of range"


# -- token verify ------------------------------------------------------------------------------


def test_verify_valid_token_exits_0(signing_key: jwtkit.Key, public_key_file: str) -> None:
    token = make_token(signing_key, exp=NOW + 60)
    result = run("token", "verify", token, "--key", public_key_file, "--alg", "ES256")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("VERIFIED: signature (ES256, kid k1) and claims valid")
    assert "expires in 1 min" in result.stdout


def test_verify_quiet_prints_nothing(signing_key: jwtkit.Key, public_key_file: str) -> None:
    token = make_token(signing_key)
    result = run("token", "verify", token, "-k", public_key_file, "-a", "ES256", "--quiet")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


def test_verify_expired_token_exits_1_with_json_report(
    signing_key: jwtkit.Key, public_key_file: str
) -> None:
    token = make_token(signing_key, exp=NOW - 10)
    result = run("token", "verify", token, "--key", public_key_file, "--alg", "ES256", "--json")
    assert_one_line_error(result, 1, "invalid token: Signature has expired")
    assert json.loads(result.stdout) == {
        "valid": False,
        "error": "Signature has expired",
        "error_type": "ExpiredSignatureError",
    }


def test_verify_leeway_accepts_a_token_just_expired(
    signing_key: jwtkit.Key, public_key_file: str
) -> None:
    token = make_token(signing_key, exp=NOW - 10)
    args = ("token", "verify", token, "--key", public_key_file, "--alg", "ES256")
    assert run(*args, "--leeway", "30s").exit_code == 0
    assert run(*args, "--leeway", "5").exit_code == 1


def test_verify_uses_the_injected_clock_from_the_environment(
    signing_key: jwtkit.Key, public_key_file: str
) -> None:
    token = make_token(signing_key, exp=NOW + 60)
    args = ["token", "verify", token, "--key", public_key_file, "--alg", "ES256"]
    assert runner.invoke(app, args, env={"JWTKIT_NOW": str(NOW)}).exit_code == 0
    assert runner.invoke(app, args, env={"JWTKIT_NOW": str(NOW + 61)}).exit_code == 1


def test_verify_checks_issuer_audience_type_and_required_claims(
    signing_key: jwtkit.Key, public_key_file: str
) -> None:
    token = jwtkit.encode(
        {"iss": "https://issuer.example", "aud": "api", "sub": "alice"},
        signing_key,
        "ES256",
        headers={"typ": "at+jwt"},
    )
    base = ("token", "verify", token, "--key", public_key_file, "--alg", "ES256")
    good = ("--iss", "https://issuer.example", "--aud", "api")
    assert run(*base, *good, "--typ", "at+jwt", "--require", "sub").exit_code == 0
    assert_one_line_error(run(*base, "--iss", "https://issuer.example.evil", "--aud", "api"), 1)
    assert_one_line_error(run(*base, "--iss", "https://issuer.example", "--aud", "web"), 1)
    assert_one_line_error(run(*base, *good, "--typ", "JWT"), 1, "typ")
    assert_one_line_error(run(*base, *good, "--require", "jti"), 1, '"jti"')
    # A token for an audience is not for a verifier that names none (RFC 7519 §4.1.3).
    assert_one_line_error(run(*base, "--iss", "https://issuer.example"), 1, "audience")


def test_verify_requires_alg_and_names_the_keys_alg(signing_key: jwtkit.Key, key_file: str) -> None:
    result = run("token", "verify", make_token(signing_key), "--key", key_file)
    assert_one_line_error(result, 2, "--alg is required", "add --alg ES256")


def test_verify_without_any_key_is_a_usage_error(signing_key: jwtkit.Key) -> None:
    result = run("token", "verify", make_token(signing_key), "--alg", "ES256")
    assert_one_line_error(result, 2, "give a key")


def test_verify_refuses_two_key_sources(signing_key: jwtkit.Key, key_file: str) -> None:
    result = run(
        "token", "verify", make_token(signing_key), "--key", key_file,
        "--secret", "x" * 32, "--alg", "ES256",
    )  # fmt: skip
    assert_one_line_error(result, 2, "one key source")


def test_verify_unreadable_key_file_is_a_usage_error(
    signing_key: jwtkit.Key, tmp_path: Path
) -> None:
    missing = str(tmp_path / "missing.pem")
    result = run("token", "verify", make_token(signing_key), "--key", missing, "--alg", "ES256")
    assert_one_line_error(result, 2, "cannot read the key file", "missing.pem")


def test_verify_malformed_key_file_is_a_usage_error(
    signing_key: jwtkit.Key, tmp_path: Path
) -> None:
    path = tmp_path / "broken.pem"
    path.write_text("-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n")
    result = run("token", "verify", make_token(signing_key), "--key", str(path), "--alg", "ES256")
    assert_one_line_error(result, 2, "cannot use the key")


def test_unknown_option_and_unknown_algorithm_are_usage_errors(
    signing_key: jwtkit.Key, key_file: str
) -> None:
    token = make_token(signing_key)
    assert_one_line_error(run("token", "verify", token, "--bogus"), 2, "--bogus", "--help")
    result = run("token", "verify", token, "--key", key_file, "--alg", "XS999")
    assert_one_line_error(result, 2, "--alg", "Unsupported")


def test_stdin_cannot_be_both_token_and_key(signing_key: jwtkit.Key) -> None:
    result = run("token", "verify", "-", "--key", "-", "--alg", "ES256", input="x")
    assert_one_line_error(result, 2, "stdin")


def test_verify_reads_the_key_from_stdin(signing_key: jwtkit.Key) -> None:
    token = make_token(signing_key)
    pem = signing_key.public_key().to_pem().decode()
    result = run("token", "verify", token, "--key", "-", "--alg", "ES256", "--quiet", input=pem)
    assert result.exit_code == 0, result.stderr


def test_verify_with_a_jwks_file_picks_the_key_by_kid(tmp_path: Path) -> None:
    keys = [jwtkit.Key.generate("ES256", kid=f"k{n}") for n in range(3)]
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwtkit.KeySet(keys).to_dict()))
    for key in keys:
        token = jwtkit.encode({"sub": key.kid}, key, "ES256")
        result = run("token", "verify", token, "--key", str(path), "--alg", "ES256", "--json")
        assert json.loads(result.stdout)["claims"] == {"sub": key.kid}
    stranger = jwtkit.encode({}, jwtkit.Key.generate("ES256", kid="k9"), "ES256")
    result = run("token", "verify", stranger, "--key", str(path), "--alg", "ES256")
    assert_one_line_error(result, 1, "kid")


def test_verify_hmac_secret_inline_and_from_file(tmp_path: Path) -> None:
    secret = "correct horse battery staple, long enough"
    token = jwtkit.encode({"sub": "alice"}, secret, "HS256")
    assert run("token", "verify", token, "--secret", secret, "--alg", "HS256").exit_code == 0
    path = tmp_path / "secret"
    path.write_text(secret + "\n")  # as `echo secret > file` writes it
    result = run("token", "verify", token, "--secret-file", str(path), "--alg", "HS256")
    assert result.exit_code == 0, result.stderr
    wrong = run("token", "verify", token, "--secret", secret + "!", "--alg", "HS256")
    assert_one_line_error(wrong, 1, "Signature verification failed")


def test_verify_refuses_a_short_hmac_secret(tmp_path: Path) -> None:
    token = forge({"alg": "HS256"}, {}, b"x" * 32)
    result = run("token", "verify", token, "--secret", "short", "--alg", "HS256")
    assert_one_line_error(result, 2, "at least 32 bytes")


def test_verify_secret_cannot_verify_asymmetric_algorithms(signing_key: jwtkit.Key) -> None:
    result = run("token", "verify", make_token(signing_key), "--secret", "s" * 32, "--alg", "ES256")
    assert_one_line_error(result, 2, "HMAC secret cannot verify ES256")


# -- attacks -----------------------------------------------------------------------------------


def _hmac_forgery(secret: bytes, claims: dict[str, Any]) -> str:
    header = b64url_encode(json_dumps({"alg": "HS256", "typ": "JWT"}))
    payload = b64url_encode(json_dumps(claims))
    mac = crypto_hmac.HMAC(secret, hashes.SHA256())
    mac.update(header + b"." + payload)
    return (header + b"." + payload + b"." + b64url_encode(mac.finalize())).decode()


def test_rejects_hmac_with_rsa_public_pem(tmp_path: Path) -> None:
    rsa_key = jwtkit.Key.generate("RS256", kid="rsa")
    pem = rsa_key.public_key().to_pem()
    path = tmp_path / "rsa.pem"
    path.write_bytes(pem)
    forged = _hmac_forgery(pem, {"sub": "admin"})
    # The verifier allows RS256 only: the HS256 token is refused.
    result = run("token", "verify", forged, "--key", str(path), "--alg", "RS256")
    assert_one_line_error(result, 1, "algorithm")
    # Even allowing both, an RSA key never verifies an HMAC.
    result = run("token", "verify", forged, "--key", str(path), "--alg", "RS256,HS256")
    assert_one_line_error(result, 1, "HS256")
    # And the public PEM is refused outright as an HMAC secret.
    result = run("token", "verify", forged, "--secret-file", str(path), "--alg", "HS256")
    assert_one_line_error(result, 2, "public key")


def test_rejects_alg_none_token(public_key_file: str) -> None:
    unsecured = jwtkit.jws.sign_unsecured(b'{"sub":"admin"}')
    result = run("token", "verify", unsecured, "--key", public_key_file, "--alg", "ES256")
    assert_one_line_error(result, 1, "algorithm")
    result = run("token", "verify", unsecured, "--key", public_key_file, "--alg", "none")
    assert_one_line_error(result, 2, "--alg")


def test_rejects_token_carrying_its_own_jwk_header(public_key_file: str) -> None:
    attacker = jwtkit.Key.generate("ES256", kid="k1")
    token = jwtkit.encode(
        {"sub": "admin"}, attacker, "ES256", headers={"jwk": attacker.public_key().to_dict()}
    )
    result = run("token", "verify", token, "--key", public_key_file, "--alg", "ES256")
    assert_one_line_error(result, 1, "Signature verification failed")


def test_rejects_token_with_tampered_claims(signing_key: jwtkit.Key, public_key_file: str) -> None:
    header, _, signature = make_token(signing_key).split(".")
    payload = b64url_encode(json_dumps({"sub": "admin"})).decode()
    tampered = f"{header}.{payload}.{signature}"
    result = run("token", "verify", tampered, "--key", public_key_file, "--alg", "ES256")
    assert_one_line_error(result, 1, "Signature verification failed")


# -- token encode ------------------------------------------------------------------------------


def test_encode_with_lifetimes_and_headers_round_trips(
    signing_key: jwtkit.Key, key_file: str
) -> None:
    result = run(
        "token", "encode", '{"sub": "alice"}', "--key", key_file, "--exp", "15m", "--iat",
        "--nbf", "0s", "--header", "typ=at+jwt", "--header", 'x-level=3',
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    token = result.stdout.strip()
    assert jwtkit.get_unverified_header(token) == {
        "alg": "ES256", "typ": "at+jwt", "kid": "k1", "x-level": 3,
    }  # fmt: skip
    claims = jwtkit.decode(token, signing_key, algorithms=["ES256"], typ="at+jwt", now=NOW + 899)
    assert claims == {"sub": "alice", "exp": NOW + 900, "nbf": NOW, "iat": NOW}


def test_encode_reads_claims_from_stdin_and_overrides_kid(key_file: str) -> None:
    result = run("token", "encode", "-", "--key", key_file, "--kid", "other", input='{"a": 1}')
    token = result.stdout.strip()
    assert jwtkit.get_unverified_header(token)["kid"] == "other"
    decoded = run("token", "decode", token, "--json")
    assert json.loads(decoded.stdout)["claims"] == {"a": 1}


def test_encode_with_secret_defaults_to_hs256() -> None:
    secret = "s" * 32
    result = run("token", "encode", '{"sub": "bob"}', "--secret", secret, "--json")
    output = json.loads(result.stdout)
    assert output["header"]["alg"] == "HS256"
    assert jwtkit.decode(output["token"], secret, algorithms=["HS256"]) == {"sub": "bob"}


def test_encode_negative_lifetime_makes_an_expired_token(key_file: str) -> None:
    token = run("token", "encode", "--key", key_file, "--exp=-2h").stdout.strip()
    assert "expired 2 h ago" in run("token", "decode", token).stdout


@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [
        (("not json",), "Invalid claims"),
        (('{"a": 1, "a": 2}',), "duplicate"),
        (("[1]",), "JSON object"),
        (("{}", "--exp", "soon"), "not a duration"),
        (("{}", "--header", "novalue"), "name=value"),
        (('{"exp": "tomorrow"}',), "'exp' claim must be a number"),
    ],
)
def test_encode_bad_input_is_a_usage_error(
    key_file: str, arguments: tuple[str, ...], fragment: str
) -> None:
    result = run("token", "encode", *arguments, "--key", key_file)
    assert_one_line_error(result, 2, fragment)


def test_encode_refuses_a_public_key(public_key_file: str) -> None:
    result = run("token", "encode", "{}", "--key", public_key_file, "--alg", "ES256")
    assert_one_line_error(result, 2, "public key")


def test_encode_refuses_a_key_for_another_algorithm(key_file: str) -> None:
    result = run("token", "encode", "{}", "--key", key_file, "--alg", "RS256")
    assert_one_line_error(result, 2, "cannot sign")


def test_encode_needs_an_algorithm_for_a_key_without_alg(public_key_file: str) -> None:
    private_pem = jwtkit.Key.generate("ES256").to_pem(private=True)
    result = run("token", "encode", "{}", "--key", "-", input=private_pem.decode())
    assert_one_line_error(result, 2, "--alg is required")


# -- the command as installed ------------------------------------------------------------------


def test_python_dash_m_runs_the_command_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "jwtkit.cli", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "100"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "token" in result.stdout and "keys" in result.stdout


def test_version_option() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout == f"jwtkit {jwtkit.__version__}\n"


# -- what the command line must never do (adversarial review) -----------------------------------

SECRET_TEXT = "correct horse battery staple, long enough"


def test_now_nan_from_the_environment_is_a_usage_error_not_a_pass() -> None:
    # NaN compares false with everything: "exp <= now" failed, so expired tokens verified.
    expired = jwtkit.encode({"sub": "a", "exp": NOW - 3600}, SECRET_TEXT, "HS256")
    args = ["token", "verify", expired, "--secret-file", "-", "--alg", "HS256"]
    for value in ("nan", "inf", "-inf"):
        result = runner.invoke(app, args, input=SECRET_TEXT, env={"JWTKIT_NOW": value})
        assert_one_line_error(result, 2, "--now")


def test_secret_on_the_command_line_warns_and_from_the_environment_does_not() -> None:
    token = jwtkit.encode({"sub": "a"}, SECRET_TEXT, "HS256")
    inline = run("token", "verify", token, "--secret", SECRET_TEXT, "--alg", "HS256")
    assert inline.exit_code == 0
    assert "jwtkit: warning: --secret on the command line is visible" in inline.stderr
    assert SECRET_TEXT not in inline.stderr
    from_env = runner.invoke(
        app,
        ["--now", str(NOW), "token", "verify", token, "--alg", "HS256"],
        env={"JWTKIT_SECRET": SECRET_TEXT},
    )
    assert from_env.exit_code == 0 and "warning" not in from_env.stderr
    signed = run("token", "encode", "{}", "--secret", SECRET_TEXT)
    assert signed.exit_code == 0 and "warning: --secret" in signed.stderr


@pytest.mark.parametrize("option", ["--exp", "--nbf"])
@pytest.mark.parametrize("value", ["9" * 400, "1e400", "99999999999999999999d", "-" + "9" * 30])
def test_duration_overflow_is_a_usage_error_not_a_traceback(option: str, value: str) -> None:
    result = run("token", "encode", "{}", "--secret-file", "-", option, value, input=SECRET_TEXT)
    assert_one_line_error(result, 2, option)


HOSTILE_TEXT = "a\x1b[2Jb\x9b31mc\x7fd\u202eevil\u2066e\u200bf\u2028g"
RAW_CONTROLS = ("\x1b", "\x9b", "\x7f", "\u202e", "\u2066", "\u200b", "\u2028")


def test_hostile_claims_and_kid_never_reach_the_terminal_raw() -> None:
    key = jwtkit.OctKey(SECRET_TEXT.encode(), kid="k\x1b]0;owned\x07")
    token = jwtkit.encode({"sub": HOSTILE_TEXT, HOSTILE_TEXT: 1}, key, "HS256")
    outputs = [
        run("token", "decode", token),
        run("token", "decode", token, "--json"),
        run("token", "verify", token, "--secret-file", "-", "--alg", "HS256", input=SECRET_TEXT),
        run("token", "verify", token, "--secret-file", "-", "--alg", "HS256", "--json",
            input=SECRET_TEXT),
    ]  # fmt: skip
    for result in outputs:
        assert result.exit_code == 0, result.stderr
        for control in RAW_CONTROLS:
            assert control not in result.stdout and control not in result.stderr, control
        assert "\\u001b" in result.stdout and "\\u202e" in result.stdout
    # --json stays JSON, and says exactly what the token holds.
    assert json.loads(outputs[1].stdout)["claims"]["sub"] == HOSTILE_TEXT
    assert json.loads(outputs[3].stdout)["header"]["kid"] == "k\x1b]0;owned\x07"
