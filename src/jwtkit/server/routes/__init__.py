"""Thin FastAPI routers: parse the request, call a service, render the answer."""
