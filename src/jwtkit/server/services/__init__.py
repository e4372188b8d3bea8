"""The server's decisions, free of HTTP: users, clients, tokens, grants, keys, audit.

A service is given the database, the clock and its collaborators when the app starts; it
takes plain values (never a Request) and returns plain values or raises a
:mod:`jwtkit.server.errors` error for the route to render.
"""
