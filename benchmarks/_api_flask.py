"""``gunicorn benchmarks._api_flask:app``: the Flask routes of the API benchmark."""

from ._api_apps import flask_app

app = flask_app()
