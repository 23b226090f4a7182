from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _media_in_tmp_and_english(settings, tmp_path) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Uploads go to a temporary folder; messages are compared in English."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
