"""``jwtkit keys``: generate keys, compute thumbprints, convert PEM <-> JWK, build a JWKS.

Private material is written to files readable by the owner only (mode 0600) and never over
an existing file unless ``--force`` is given. A JWKS built here holds public keys only.
"""

from __future__ import annotations

import json
from enum import Enum
from typing import Annotated, Any

import typer

from ..errors import JWTKitError
from ..jwk import Key, KeySet, OctKey
from ._inputs import (
    StdinGuard,
    algorithm_names,
    load_key,
    load_keys,
    parse_key,
    read_input,
    shown,
    write_output,
)
from ._output import fail, note, print_json

__all__ = ["keys_app"]

keys_app = typer.Typer(
    help="Generate, inspect and convert keys; build a JWKS.",
    no_args_is_help=True,
)


class KeyFormat(str, Enum):
    jwk = "jwk"
    pem = "pem"


class ThumbprintHash(str, Enum):
    sha256 = "sha256"
    sha384 = "sha384"
    sha512 = "sha512"


KeyArgument = Annotated[
    str, typer.Argument(metavar="KEY", help="Key file (PEM, DER or JWK), or - for stdin.")
]
OutOption = Annotated[
    str | None,
    typer.Option("--out", "-o", metavar="FILE", help="Write to this file instead of stdout."),
]
ForceOption = Annotated[bool, typer.Option("--force", help="Overwrite an existing --out file.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")]


def _jwk_text(jwk: dict[str, Any]) -> bytes:
    return (json.dumps(jwk, indent=2) + "\n").encode("utf-8")


def _serialize(key: Key, key_format: KeyFormat, *, private: bool) -> bytes:
    try:
        if key_format is KeyFormat.pem:
            return key.to_pem(private=private)
        return _jwk_text(key.to_dict(private=private))
    except JWTKitError as error:
        fail(f"cannot write the key as {key_format.value.upper()}: {error}")


@keys_app.command("generate")
def generate_command(
    alg: Annotated[
        str,
        typer.Option("--alg", "-a", metavar="ALG", help="Algorithm the key is for, e.g. ES256."),
    ],
    kid: Annotated[
        str | None,
        typer.Option("--kid", metavar="KID", help="Key ID (default: the RFC 7638 thumbprint)."),
    ] = None,
    out: OutOption = None,
    key_format: Annotated[
        KeyFormat, typer.Option("--format", "-f", help="Private key format.")
    ] = KeyFormat.jwk,
    force: ForceOption = False,
    as_json: JsonOption = False,
) -> None:
    """Generate a private key for an algorithm.

    With --out the private key goes to that file (mode 0600) and the public JWK is printed;
    without it the private key is printed.
    """
    name = algorithm_names([alg])[0]
    key = Key.generate(name, kid=kid)
    symmetric = isinstance(key, OctKey)
    if symmetric and key_format is KeyFormat.pem:
        fail(f"{name} uses a shared secret, which has no PEM form; use --format jwk")
    private_text = _serialize(key, key_format, private=True)
    public_jwk = None if symmetric else key.public_key().to_dict()
    if out is None or out == "-":
        if as_json:
            print_json(
                {
                    "kid": key.kid,
                    "alg": name,
                    "private_jwk": key.to_dict(private=True),
                    "private_pem": private_text.decode() if key_format is KeyFormat.pem else None,
                    "public_jwk": public_jwk,
                }
            )
            return
        write_output(None, private_text, private=True, force=force)
        note(f"kid: {key.kid}")
        return
    write_output(out, private_text, private=True, force=force)
    if as_json:
        print_json({"kid": key.kid, "alg": name, "out": out, "public_jwk": public_jwk})
        return
    note(f"Wrote the private key to {out} (mode 0600); kid: {key.kid}")
    if public_jwk is not None:
        write_output(None, _jwk_text(public_jwk), private=False, force=False)


@keys_app.command("thumbprint")
def thumbprint_command(
    key: KeyArgument,
    hash_name: Annotated[
        ThumbprintHash, typer.Option("--hash", help="Hash function (RFC 7638).")
    ] = ThumbprintHash.sha256,
    uri: Annotated[
        bool, typer.Option("--uri", help="Print the RFC 9278 thumbprint URI instead.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Print a key's JWK thumbprint (RFC 7638), or its thumbprint URI (RFC 9278)."""
    loaded = load_key(key, StdinGuard())
    thumbprint = loaded.thumbprint(hash_name.value)
    thumbprint_uri = loaded.thumbprint_uri(hash_name.value)
    if as_json:
        print_json({"hash": hash_name.value, "thumbprint": thumbprint, "uri": thumbprint_uri})
    else:
        typer.echo(thumbprint_uri if uri else thumbprint)


@keys_app.command("convert")
def convert_command(
    key: KeyArgument,
    to: Annotated[
        KeyFormat | None,
        typer.Option("--to", help="Output format (default: PEM for a JWK, JWK for PEM/DER)."),
    ] = None,
    public: Annotated[bool, typer.Option("--public", help="Write only the public key.")] = False,
    kid: Annotated[
        str | None, typer.Option("--kid", metavar="KID", help="Set the JWK 'kid'.")
    ] = None,
    alg: Annotated[
        str | None, typer.Option("--alg", metavar="ALG", help="Set the JWK 'alg'.")
    ] = None,
    use: Annotated[
        str | None, typer.Option("--use", metavar="USE", help="Set the JWK 'use' (sig or enc).")
    ] = None,
    out: OutOption = None,
    force: ForceOption = False,
) -> None:
    """Convert a key between PEM and JWK; --public strips the private parts."""
    data = read_input(key, "key", StdinGuard())
    loaded = parse_key(data, key)
    if to is None:
        to = KeyFormat.pem if data.strip().startswith(b"{") else KeyFormat.jwk
    if alg is not None:
        alg = algorithm_names([alg])[0]
    if kid is not None or alg is not None or use is not None:
        try:
            loaded = Key.import_key(loaded, kid=kid, alg=alg, use=use)
        except JWTKitError as error:
            fail(f"cannot set the key's metadata: {error}")
    if public and isinstance(loaded, OctKey):
        fail("a symmetric key (kty 'oct') has no public part")
    private = loaded.is_private and not public
    write_output(out, _serialize(loaded, to, private=private), private=private, force=force)


@keys_app.command("jwks")
def jwks_command(
    files: Annotated[
        list[str],
        typer.Argument(
            metavar="FILE...", help="Key files (PEM, JWK or JWKS); - reads one from stdin."
        ),
    ],
    out: OutOption = None,
    force: ForceOption = False,
) -> None:
    """Build a public JWKS from key files; keys without a kid get their RFC 7638 thumbprint."""
    stdin = StdinGuard()
    keys: list[Key] = []
    for source in files:
        loaded = load_keys(source, stdin)
        for key in loaded if isinstance(loaded, KeySet) else (loaded,):
            if isinstance(key, OctKey):
                fail(
                    f"{shown(source)} holds a symmetric key (kty 'oct'); it must never be published"
                )
            public_key = key.public_key()
            if public_key.kid is None:
                public_key = Key.import_key(public_key, kid=public_key.thumbprint())
            keys.append(public_key)
    try:
        key_set = KeySet(keys)
    except JWTKitError as error:
        fail(str(error))
    write_output(out, _jwk_text(key_set.to_dict()), private=False, force=force)
