"""Celery application.

Without a broker (no ``REDIS_URL``) tasks run eagerly in the calling process,
so the embedded default needs nothing but Python. With ``REDIS_URL`` they are
sent to workers started with ``celery -A config worker``.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("epi_events")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
