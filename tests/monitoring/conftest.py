from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection
from django.utils import translation

# SQLite's own import path is tested on SQLite; on PostgreSQL (CI) one test runs that module
# on SQLite in a child process. Each backend collects only its own, so neither skips a test.
_BACKEND_MODULES = {"test_import_bulk.py": "sqlite", "test_import_bulk_on_sqlite.py": "postgresql"}


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    backend = _BACKEND_MODULES.get(collection_path.name)
    return True if backend is not None and backend != connection.vendor else None


@pytest.fixture(autouse=True)
def _media_in_tmp_and_english(settings, tmp_path) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Uploads go to a temporary folder; messages are compared in English."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
