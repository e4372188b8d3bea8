"""The ``jwtkit keys`` commands: generate, thumbprint, convert and jwks."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

import jwtkit
from jwtkit.cli.app import app

# Plain output whatever the CI terminal settings: Rich styles only a real terminal.
runner = CliRunner(env={"FORCE_COLOR": None, "TTY_COMPATIBLE": None})
VECTORS = Path(__file__).parent / "vectors"


def run(*args: str, input: str | None = None) -> Result:
    return runner.invoke(app, list(args), input=input)


def assert_one_line_error(result: Result, exit_code: int, *fragments: str) -> None:
    assert result.exit_code == exit_code, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("jwtkit: error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- generate ----------------------------------------------------------------------------------


def test_generate_writes_a_private_jwk_0600_and_prints_the_public_jwk(tmp_path: Path) -> None:
    out = tmp_path / "key.jwk"
    result = run("keys", "generate", "--alg", "ES256", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert mode(out) == 0o600
    private = jwtkit.Key.import_key(out.read_text())
    assert private.is_private and private.alg == "ES256"
    public_jwk = json.loads(result.stdout)
    assert "d" not in public_jwk
    assert public_jwk == private.public_key().to_dict()
    assert public_jwk["kid"] == private.thumbprint()  # RFC 7638 thumbprint as default kid
    assert f"kid: {private.kid}" in result.stderr


def test_generate_to_stdout_prints_the_private_key() -> None:
    result = run("keys", "generate", "--alg", "EdDSA", "--kid", "signing-1")
    assert result.exit_code == 0
    key = jwtkit.Key.import_key(result.stdout)
    assert key.is_private and key.kid == "signing-1" and key.kty == "OKP"
    assert result.stderr == "kid: signing-1\n"


def test_generate_pem_format_round_trips(tmp_path: Path) -> None:
    out = tmp_path / "key.pem"
    result = run("keys", "generate", "--alg", "RS256", "--format", "pem", "-o", str(out))
    assert result.exit_code == 0
    assert out.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert mode(out) == 0o600
    assert jwtkit.Key.import_key(out.read_bytes()).is_private


def test_generate_hmac_secret_has_no_public_part(tmp_path: Path) -> None:
    out = tmp_path / "secret.jwk"
    result = run("keys", "generate", "--alg", "HS256", "--out", str(out), "--json")
    output = json.loads(result.stdout)
    assert output["public_jwk"] is None and output["out"] == str(out)
    key = jwtkit.Key.import_key(out.read_text())
    assert key.kty == "oct" and key.kid == output["kid"]
    assert_one_line_error(run("keys", "generate", "--alg", "HS256", "-f", "pem"), 2, "no PEM")


def test_generate_never_overwrites_without_force(tmp_path: Path) -> None:
    out = tmp_path / "key.jwk"
    out.write_text("precious")
    out.chmod(0o644)
    assert_one_line_error(run("keys", "generate", "-a", "ES256", "-o", str(out)), 2, "--force")
    assert out.read_text() == "precious"
    result = run("keys", "generate", "-a", "ES256", "-o", str(out), "--force")
    assert result.exit_code == 0
    assert mode(out) == 0o600  # tightened even though the file existed with 0644
    assert jwtkit.Key.import_key(out.read_text()).is_private


def test_force_replaces_a_symlink_instead_of_writing_through_it(tmp_path: Path) -> None:
    # --out in a shared directory where someone left a link to a file of the user's own.
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    victim.chmod(0o644)
    out = tmp_path / "key.jwk"
    out.symlink_to(victim)
    result = run("keys", "generate", "-a", "ES256", "-o", str(out), "--force")
    assert result.exit_code == 0, result.stderr
    assert victim.read_text() == "precious" and mode(victim) == 0o644
    assert not out.is_symlink() and mode(out) == 0o600
    assert jwtkit.Key.import_key(out.read_text()).is_private
    public_out = tmp_path / "jwks.json"
    public_out.symlink_to(victim)
    key_path = tmp_path / "key.pem"
    key_path.write_bytes(jwtkit.Key.generate("ES256").to_pem(private=True))
    assert run("keys", "jwks", str(key_path), "-o", str(public_out), "--force").exit_code == 0
    assert victim.read_text() == "precious" and not public_out.is_symlink()
    assert len(jwtkit.KeySet.from_dict(public_out.read_text())) == 1


def test_a_dangling_symlink_is_never_followed_to_create_its_target(tmp_path: Path) -> None:
    target = tmp_path / "planted-elsewhere.json"
    out = tmp_path / "jwks.json"
    out.symlink_to(target)
    key_path = tmp_path / "key.pem"
    key_path.write_bytes(jwtkit.Key.generate("ES256").to_pem(private=True))
    assert_one_line_error(run("keys", "jwks", str(key_path), "-o", str(out)), 2, "--force")
    assert_one_line_error(run("keys", "generate", "-a", "ES256", "-o", str(out)), 2, "--force")
    assert not target.exists()


def test_generate_json_output_to_stdout() -> None:
    output = json.loads(run("keys", "generate", "--alg", "ES384", "--json").stdout)
    private = jwtkit.Key.import_key(output["private_jwk"])
    assert output["public_jwk"] == private.public_key().to_dict()
    assert output["kid"] == private.kid and output["alg"] == "ES384"


def test_generate_unknown_algorithm_and_missing_alg_are_usage_errors() -> None:
    assert_one_line_error(run("keys", "generate", "--alg", "ES999"), 2, "ES999")
    assert_one_line_error(run("keys", "generate"), 2, "--alg")


# -- thumbprint --------------------------------------------------------------------------------


@pytest.fixture
def rfc7638_key(tmp_path: Path) -> tuple[Path, str]:
    vector = json.loads((VECTORS / "rfc7638_3_1.json").read_text())
    path = tmp_path / "rfc7638.jwk"
    path.write_text(json.dumps(vector["jwk"]))
    return path, vector["thumbprint_sha256"]


def test_thumbprint_matches_rfc7638_example(rfc7638_key: tuple[Path, str]) -> None:
    path, expected = rfc7638_key
    result = run("keys", "thumbprint", str(path))
    assert result.exit_code == 0
    assert result.stdout == expected + "\n"


def test_thumbprint_uri_matches_rfc9278_example(rfc7638_key: tuple[Path, str]) -> None:
    # RFC 9278 §5 gives the URI of the RFC 7638 §3.1 key.
    path, expected = rfc7638_key
    result = run("keys", "thumbprint", str(path), "--uri")
    assert result.stdout.strip() == f"urn:ietf:params:oauth:jwk-thumbprint:sha-256:{expected}"


def test_thumbprint_is_the_same_for_pem_and_jwk_from_stdin() -> None:
    key = jwtkit.Key.generate("ES256")
    from_pem = run("keys", "thumbprint", "-", input=key.to_pem(private=True).decode())
    as_json = json.loads(run("keys", "thumbprint", "-", "--hash", "sha512", "--json",
                             input=json.dumps(key.public_key().to_dict())).stdout)  # fmt: skip
    assert from_pem.stdout.strip() == key.thumbprint()
    assert as_json["thumbprint"] == key.thumbprint("sha512")
    assert as_json["uri"] == key.thumbprint_uri("sha512")


def test_thumbprint_of_garbage_is_a_usage_error() -> None:
    assert_one_line_error(run("keys", "thumbprint", "-", input="hello"), 2, "stdin")


# -- convert -----------------------------------------------------------------------------------


def test_convert_pem_to_jwk_and_back(tmp_path: Path) -> None:
    key = jwtkit.Key.generate("PS256")
    pem = tmp_path / "key.pem"
    pem.write_bytes(key.to_pem(private=True))
    as_jwk = run("keys", "convert", str(pem), "--kid", "rsa-1", "--alg", "PS256")
    jwk = json.loads(as_jwk.stdout)
    assert jwk["kid"] == "rsa-1" and jwk["alg"] == "PS256" and "d" in jwk
    back = run("keys", "convert", "-", input=as_jwk.stdout)
    assert back.stdout.startswith("-----BEGIN PRIVATE KEY-----")
    assert jwtkit.Key.import_key(back.stdout).thumbprint() == key.thumbprint()


def test_convert_public_strips_private_parts(tmp_path: Path) -> None:
    key = jwtkit.Key.generate("ES256", kid="e1")
    source = tmp_path / "key.jwk"
    source.write_text(json.dumps(key.to_dict(private=True)))
    public_jwk = json.loads(run("keys", "convert", str(source), "--public", "--to", "jwk").stdout)
    assert public_jwk == key.public_key().to_dict()
    public_pem = run("keys", "convert", str(source), "--public").stdout
    assert public_pem.startswith("-----BEGIN PUBLIC KEY-----")


def test_convert_private_output_file_is_0600_public_is_not_restricted(tmp_path: Path) -> None:
    key = jwtkit.Key.generate("ES256")
    source = tmp_path / "key.pem"
    source.write_bytes(key.to_pem(private=True))
    private_out, public_out = tmp_path / "private.jwk", tmp_path / "public.jwk"
    assert run("keys", "convert", str(source), "-o", str(private_out)).exit_code == 0
    assert run("keys", "convert", str(source), "--public", "-o", str(public_out)).exit_code == 0
    assert mode(private_out) == 0o600
    assert "d" not in json.loads(public_out.read_text())


def test_convert_symmetric_key_has_no_pem_or_public_form(tmp_path: Path) -> None:
    source = tmp_path / "secret.jwk"
    source.write_text(json.dumps(jwtkit.Key.generate("HS256").to_dict(private=True)))
    assert_one_line_error(run("keys", "convert", str(source)), 2, "PEM")
    assert_one_line_error(run("keys", "convert", str(source), "--public"), 2, "no public")


def test_convert_refuses_metadata_that_does_not_fit_the_key(tmp_path: Path) -> None:
    source = tmp_path / "key.pem"
    source.write_bytes(jwtkit.Key.generate("ES256").to_pem())
    assert_one_line_error(run("keys", "convert", str(source), "--alg", "RS256"), 2, "RS256")


# -- jwks --------------------------------------------------------------------------------------


def test_jwks_builds_a_public_set_from_pem_jwk_and_jwks_files(tmp_path: Path) -> None:
    rsa, ec, ed = (jwtkit.Key.generate(alg) for alg in ("RS256", "ES256", "EdDSA"))
    (tmp_path / "rsa.pem").write_bytes(rsa.to_pem(private=True))  # a PEM carries no kid
    (tmp_path / "ec.jwk").write_text(json.dumps(ec.to_dict(private=True)))
    (tmp_path / "set.json").write_text(json.dumps(jwtkit.KeySet([ed]).to_dict()))
    result = run("keys", "jwks", *(str(tmp_path / n) for n in ("rsa.pem", "ec.jwk", "set.json")))
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert all(not set(jwk) & {"d", "p", "q", "dp", "dq", "qi"} for jwk in document["keys"])
    key_set = jwtkit.KeySet.from_dict(document)
    assert [key.kid for key in key_set] == [rsa.thumbprint(), ec.kid, ed.kid]
    token = jwtkit.encode({"sub": "x"}, ec, "ES256")
    assert jwtkit.decode(token, key_set, algorithms=["ES256"]) == {"sub": "x"}


def test_jwks_refuses_to_publish_a_symmetric_key(tmp_path: Path) -> None:
    path = tmp_path / "secret.jwk"
    path.write_text(json.dumps(jwtkit.Key.generate("HS256").to_dict(private=True)))
    assert_one_line_error(run("keys", "jwks", str(path)), 2, "symmetric", "never be published")


def test_jwks_refuses_duplicate_kids(tmp_path: Path) -> None:
    for name in ("a", "b"):
        key = jwtkit.Key.generate("ES256", kid="same")
        (tmp_path / f"{name}.jwk").write_text(json.dumps(key.to_dict()))
    result = run("keys", "jwks", str(tmp_path / "a.jwk"), str(tmp_path / "b.jwk"))
    assert_one_line_error(result, 2, "share the kid")


def test_jwks_writes_to_a_file(tmp_path: Path) -> None:
    key_path, out = tmp_path / "key.pem", tmp_path / "jwks.json"
    key_path.write_bytes(jwtkit.Key.generate("ES256").to_pem(private=True))
    assert run("keys", "jwks", str(key_path), "--out", str(out)).exit_code == 0
    assert len(jwtkit.KeySet.from_dict(out.read_text())) == 1
    assert_one_line_error(run("keys", "jwks", str(key_path), "--out", str(out)), 2, "--force")
