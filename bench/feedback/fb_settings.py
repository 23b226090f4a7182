"""Bench-only settings: SQMS's own settings with a URL conf that adds the bare baseline view.

Used by bench/feedback/run.py as DJANGO_SETTINGS_MODULE=fb_settings (with bench/feedback on
the Python path). Everything else (middleware, database, cache) is what a deployment runs.
"""

from sqms.settings import *  # noqa: F403

ROOT_URLCONF = "fb_urls"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
