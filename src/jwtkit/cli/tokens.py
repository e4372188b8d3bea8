"""``jwtkit token``: decode (unverified unless a key is given), verify and encode JWTs.

Verification goes through :class:`jwtkit.Verifier`, the same path applications use; the
unverified view parses the header with :func:`jwtkit.get_unverified_header` and the payload
with the strict codec, and says UNVERIFIED.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from .. import Verifier, encode, get_unverified_header
from .._codec import b64url_decode, json_loads_object
from ..errors import InvalidTokenError, JWTKitError
from ..jwa import get_signature_algorithm
from ..jwk import Key
from ._inputs import (
    StdinGuard,
    algorithm_names,
    current_time,
    load_key,
    load_keys,
    parse_duration,
    parse_header_options,
    read_json_object,
    read_secret,
    read_token,
    shown,
)
from ._output import (
    EXIT_INVALID,
    CommandError,
    describe_times,
    fail,
    print_json,
    print_token_view,
    warn,
)

__all__ = ["token_app"]

token_app = typer.Typer(
    help="Decode, verify and encode JSON Web Tokens.",
    no_args_is_help=True,
)

# -- options shared by decode and verify -------------------------------------------------------

TokenArgument = Annotated[
    str, typer.Argument(metavar="TOKEN", help="The token, or - to read it from stdin.")
]
KeyOption = Annotated[
    str | None,
    typer.Option(
        "--key", "-k", metavar="FILE", help="Key file: PEM, JWK or JWKS JSON (- for stdin)."
    ),
]
JwksOption = Annotated[
    str | None,
    typer.Option("--jwks", metavar="URL", help="URL of a JWKS document to fetch the keys from."),
]
SecretOption = Annotated[
    str | None,
    typer.Option(
        "--secret",
        envvar="JWTKIT_SECRET",
        metavar="TEXT",
        help="HMAC secret (HS256/384/512); prefer JWTKIT_SECRET or --secret-file, as argv "
        "shows in ps and shell history.",
    ),
]
SecretFileOption = Annotated[
    str | None,
    typer.Option(
        "--secret-file", metavar="FILE", help="File holding the HMAC secret (- for stdin)."
    ),
]
AlgOption = Annotated[
    list[str] | None,
    typer.Option(
        "--alg", "-a", metavar="ALG", help="Accepted algorithm; repeat or separate with commas."
    ),
]
IssuerOption = Annotated[
    list[str] | None,
    typer.Option("--iss", metavar="ISSUER", help="Accepted issuer (exact match; repeatable)."),
]
AudienceOption = Annotated[
    list[str] | None,
    typer.Option("--aud", metavar="AUDIENCE", help="This service's audience name (repeatable)."),
]
SubjectOption = Annotated[
    str | None, typer.Option("--sub", metavar="SUBJECT", help="Required subject.")
]
TypOption = Annotated[
    str | None, typer.Option("--typ", metavar="TYPE", help="Required 'typ' header, e.g. at+jwt.")
]
LeewayOption = Annotated[
    str,
    typer.Option(
        "--leeway", metavar="DURATION", help="Clock skew allowed for exp/nbf/iat, e.g. 30s or 2m."
    ),
]
RequireOption = Annotated[
    list[str] | None,
    typer.Option("--require", metavar="CLAIM", help="Claim that must be present (repeatable)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")]


def _warn_if_secret_on_the_command_line(context: typer.Context, secret: str | None) -> None:
    """``--secret TEXT`` puts the secret in the process list and the shell history; from
    ``JWTKIT_SECRET`` (the same option, read from the environment) it does not."""
    source = context.get_parameter_source("secret")  # click's ParameterSource, by name
    if secret is not None and getattr(source, "name", "") == "COMMANDLINE":
        warn(
            "--secret on the command line is visible in the process list and the shell "
            "history; use --secret-file FILE, --secret-file - (stdin) or JWTKIT_SECRET"
        )


class _VerifyOptions:
    """The verification options of one command line, checked and turned into a Verifier."""

    def __init__(
        self,
        *,
        key: str | None,
        jwks: str | None,
        secret: str | None,
        secret_file: str | None,
        alg: list[str] | None,
        iss: list[str] | None,
        aud: list[str] | None,
        sub: str | None,
        typ: str | None,
        leeway: str,
        require: list[str] | None,
    ) -> None:
        self.key, self.jwks, self.secret, self.secret_file = key, jwks, secret, secret_file
        self.algorithms = algorithm_names(alg or [])
        self.issuer, self.audience, self.subject, self.typ = iss, aud, sub, typ
        self.leeway = parse_duration(leeway, "--leeway")
        if self.leeway < 0:
            fail("--leeway must not be negative")
        self.required = require or []

    @property
    def has_key(self) -> bool:
        return any(
            value is not None for value in (self.key, self.jwks, self.secret, self.secret_file)
        )

    @property
    def has_claim_checks(self) -> bool:
        return bool(
            self.algorithms
            or self.issuer
            or self.audience
            or self.subject
            or self.typ
            or self.required
            or self.leeway
        )

    def _keys(self, stdin: StdinGuard) -> Any:
        given = [v for v in (self.key, self.jwks, self.secret, self.secret_file) if v is not None]
        if len(given) > 1:
            fail("give one key source: --key, --jwks, --secret or --secret-file")
        secret = read_secret(self.secret, self.secret_file, stdin)
        if secret is not None:
            not_hmac = [a for a in self.algorithms if get_signature_algorithm(a).key_type != "oct"]
            if not_hmac:
                fail(f"an HMAC secret cannot verify {', '.join(not_hmac)}; use --key for it")
            return secret
        if self.jwks is not None:
            from ..jwks import JWKSClient

            return JWKSClient(self.jwks)
        if self.key is not None:
            return load_keys(self.key, stdin)
        fail("give a key to verify with: --key FILE, --jwks URL, --secret or --secret-file")

    def verify(self, token: str, now: float, stdin: StdinGuard) -> dict[str, Any]:
        """Verify ``token`` (signature, then claims); return its claims."""
        keys = self._keys(stdin)
        if not self.algorithms:
            hint = ""
            if isinstance(keys, Key) and keys.alg:
                hint = f" (this key is for {keys.alg}: add --alg {keys.alg})"
            fail("--alg is required to verify: name the algorithm(s) you accept" + hint)
        verifier = Verifier(
            keys,
            algorithms=self.algorithms,
            issuer=self.issuer or None,
            audience=self.audience or None,
            subject=self.subject,
            leeway=self.leeway,
            required=self.required,
            typ=self.typ,
            clock=lambda: now,
        )
        return verifier.verify(token)


def _unverified_parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    header = get_unverified_header(token)
    payload = b64url_decode(token.split(".")[1], "payload")
    return header, json_loads_object(payload, "claims")


def _verified_status(header: dict[str, Any]) -> str:
    kid = header.get("kid")
    return (
        f"signature ({header.get('alg')}" + (f", kid {kid}" if kid else "") + ") and claims valid"
    )


def _invalid(error: InvalidTokenError, as_json: bool) -> CommandError:
    if as_json:
        print_json({"valid": False, "error": str(error), "error_type": type(error).__name__})
    return CommandError(f"invalid token: {error}", EXIT_INVALID)


@token_app.command("decode")
def decode_command(
    context: typer.Context,
    token: TokenArgument,
    key: KeyOption = None,
    jwks: JwksOption = None,
    secret: SecretOption = None,
    secret_file: SecretFileOption = None,
    alg: AlgOption = None,
    iss: IssuerOption = None,
    aud: AudienceOption = None,
    sub: SubjectOption = None,
    typ: TypOption = None,
    leeway: LeewayOption = "0",
    require: RequireOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a token's header and claims, with times as dates.

    Without a key nothing is verified and the output says UNVERIFIED; with --key (or
    --jwks, --secret) and --alg the token is verified first.
    """
    _warn_if_secret_on_the_command_line(context, secret)
    options = _VerifyOptions(
        key=key, jwks=jwks, secret=secret, secret_file=secret_file, alg=alg, iss=iss,
        aud=aud, sub=sub, typ=typ, leeway=leeway, require=require,
    )  # fmt: skip
    if not options.has_key and options.has_claim_checks:
        fail("--alg and claim checks need a key: --key, --jwks, --secret or --secret-file")
    stdin = StdinGuard()
    token = read_token(token, stdin)
    now = current_time(context)
    try:
        if options.has_key:
            claims = options.verify(token, now, stdin)
            header = get_unverified_header(token)  # already verified above
        else:
            header, claims = _unverified_parts(token)
    except InvalidTokenError as error:
        raise _invalid(error, as_json) from None
    verified = options.has_key
    if as_json:
        print_json(
            {
                "verified": verified,
                "header": header,
                "claims": claims,
                "times": describe_times(claims, now),
            }
        )
        return
    status = (
        _verified_status(header)
        if verified
        else "the signature was NOT checked: anyone could have made this token "
        "(pass --key and --alg to verify it)"
    )
    print_token_view(header, claims, now, verified=verified, status=status)


@token_app.command("verify")
def verify_command(
    context: typer.Context,
    token: TokenArgument,
    key: KeyOption = None,
    jwks: JwksOption = None,
    secret: SecretOption = None,
    secret_file: SecretFileOption = None,
    alg: AlgOption = None,
    iss: IssuerOption = None,
    aud: AudienceOption = None,
    sub: SubjectOption = None,
    typ: TypOption = None,
    leeway: LeewayOption = "0",
    require: RequireOption = None,
    as_json: JsonOption = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print nothing; the exit code tells.")
    ] = False,
) -> None:
    """Verify a token's signature and claims. Exit 0 valid, 1 invalid, 2 usage error."""
    _warn_if_secret_on_the_command_line(context, secret)
    options = _VerifyOptions(
        key=key, jwks=jwks, secret=secret, secret_file=secret_file, alg=alg, iss=iss,
        aud=aud, sub=sub, typ=typ, leeway=leeway, require=require,
    )  # fmt: skip
    stdin = StdinGuard()
    token = read_token(token, stdin)
    now = current_time(context)
    try:
        claims = options.verify(token, now, stdin)
    except InvalidTokenError as error:
        raise _invalid(error, as_json) from None
    header = get_unverified_header(token)
    if as_json:
        print_json({"valid": True, "header": header, "claims": claims})
    elif not quiet:
        print_token_view(header, claims, now, verified=True, status=_verified_status(header))


@token_app.command("encode")
def encode_command(
    context: typer.Context,
    claims: Annotated[
        str,
        typer.Argument(
            metavar="CLAIMS", help="Claims as a JSON object, or - to read them from stdin."
        ),
    ] = "{}",
    key: Annotated[
        str | None,
        typer.Option(
            "--key", "-k", metavar="FILE", help="Private key file: PEM or JWK (- for stdin)."
        ),
    ] = None,
    secret: SecretOption = None,
    secret_file: SecretFileOption = None,
    alg: Annotated[
        str | None,
        typer.Option(
            "--alg",
            "-a",
            metavar="ALG",
            help="Algorithm; defaults to the key's alg, HS256 for secrets.",
        ),
    ] = None,
    kid: Annotated[
        str | None, typer.Option("--kid", metavar="KID", help="Key ID for the header.")
    ] = None,
    header: Annotated[
        list[str] | None,
        typer.Option(
            "--header",
            "-H",
            metavar="NAME=VALUE",
            help="Extra header name=value (JSON values allowed).",
        ),
    ] = None,
    exp: Annotated[
        str | None,
        typer.Option("--exp", metavar="DURATION", help="Lifetime from now, e.g. 15m, 1h, 7d."),
    ] = None,
    nbf: Annotated[
        str | None,
        typer.Option(
            "--nbf", metavar="DURATION", help="Not valid before now + this, e.g. 0s or 5m."
        ),
    ] = None,
    iat: Annotated[bool, typer.Option("--iat", help="Set 'iat' to the current time.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Sign claims into a JWT and print it."""
    _warn_if_secret_on_the_command_line(context, secret)
    stdin = StdinGuard()
    payload = read_json_object(claims, "claims", stdin)
    headers = parse_header_options(header or [])
    if kid is not None:
        headers["kid"] = kid
    now = int(current_time(context))
    for name, value in (("exp", exp), ("nbf", nbf)):
        if value is not None:
            payload[name] = now + int(parse_duration(value, f"--{name}"))
    if iat:
        payload["iat"] = now
    algorithm = algorithm_names([alg])[0] if alg else None
    signing_key: Key | bytes
    secret_bytes = read_secret(secret, secret_file, stdin)
    if secret_bytes is not None:
        if key is not None:
            fail("give one signing key: --key, --secret or --secret-file")
        signing_key = secret_bytes
        algorithm = algorithm or "HS256"
    elif key is not None:
        signing_key = load_key(key, stdin)
        if not signing_key.is_private:
            fail(f"the key in {shown(key)} is a public key; signing needs the private key")
        algorithm = algorithm or signing_key.alg
        if algorithm is None:
            fail("--alg is required: the key does not name its algorithm")
    else:
        fail("give a signing key: --key FILE, --secret or --secret-file")
    try:
        token = encode(payload, signing_key, algorithm, headers=headers or None)
    except JWTKitError as error:
        fail(f"cannot sign: {error}")
    if as_json:
        print_json({"token": token, "header": get_unverified_header(token), "claims": payload})
    else:
        typer.echo(token)
