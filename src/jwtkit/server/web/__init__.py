"""The server's browser side: HTML pages (login, consent, logout, errors) and their cookies."""
