"""Serve plotly.min.js straight from the installed plotly package (no CDN, no copy in git)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

_DIR = Path(plotly.__file__).parent / "package_data"
_NAME = "plotly.min.js"
_PUBLIC = f"vendor/{_NAME}"


class PlotlyFinder(BaseFinder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.storage = FileSystemStorage(location=str(_DIR))
        self.storage.prefix = "vendor"  # type: ignore[attr-defined]

    def check(self, **kwargs: Any) -> list[Any]:
        return []

    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> Any:
        if path == _PUBLIC:
            full = str(_DIR / _NAME)
            return [full] if find_all else full
        return [] if find_all else None

    def list(self, ignore_patterns: Any) -> Any:
        yield _NAME, self.storage
