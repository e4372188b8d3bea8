"""Drop-in replacements for other JWT libraries, built on jwtkit's own verify path.

``import jwtkit.compat.pyjwt as jwt`` runs code written for PyJWT 2.x; see
``docs/migrating-from-pyjwt.md`` for the differences, all of them on the safe side.
"""
