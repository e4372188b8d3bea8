"""``uvicorn benchmarks._api_fastapi:app``: the FastAPI routes of the API benchmark."""

from ._api_apps import fastapi_app

app = fastapi_app()
