"""``gunicorn benchmarks._api_django:application``: the Django routes of the API benchmark."""

from ._api_apps import django_application

application = django_application()
