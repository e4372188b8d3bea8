"""The jwtkit authorization server (``jwtkit serve``); needs the ``server`` extra.

``create_app(settings)`` is the ASGI app; :class:`Settings` its configuration.
"""

from .app import create_app
from .settings import Settings

__all__ = ["Settings", "create_app"]
