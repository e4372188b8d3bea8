"""Protecting APIs with jwtkit tokens: FastAPI, Starlette/ASGI, Flask and Django glue.

Each submodule imports its framework, so import the one you use
(``from jwtkit.integrations.fastapi import JWTBearer``); ``import jwtkit`` imports none of
them. Every integration shares one policy (:mod:`jwtkit.integrations._bearer`): configured
with the ``issuer`` and this API's ``audience``, it discovers the keys, verifies RFC 9068
access tokens and answers exactly as RFC 6750 says, in every framework alike.
"""
