"""A web app that signs its users in through ``jwtkit serve`` (see app.py for how to run it)."""
