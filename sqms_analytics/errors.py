"""Exceptions raised by sqms_analytics.

An :class:`InputError` carries a message *code* and its parameters rather than a
finished sentence, so that the CLI (or the Django app) can render it in Korean or
English; ``str(error)`` gives the English text.
"""

from __future__ import annotations

from typing import Any


class AnalyticsError(Exception):
    """Base class for every error this package raises on purpose."""

    def __init__(self, code: str, /, **params: Any) -> None:
        self.code = code
        self.params: dict[str, Any] = params
        super().__init__(code)

    def message(self, lang: str = "en") -> str:
        from sqms_analytics.i18n import error_message

        return error_message(self, lang)

    def __str__(self) -> str:
        return self.message("en")


class InputError(AnalyticsError, ValueError):
    """Bad input data.

    ``row`` is the line number a spreadsheet shows (header = 1) and ``column`` a
    column name; functions that take arrays set ``index`` (0-based position in the
    array they were given) and ``field`` (which argument), and the CSV layer turns
    those into a row and a column.
    """

    def __init__(
        self,
        code: str,
        /,
        *,
        row: int | None = None,
        column: str | None = None,
        index: int | None = None,
        field: str | None = None,
        **params: Any,
    ) -> None:
        self.row = row
        self.column = column
        self.index = index
        self.field = field
        super().__init__(code, **params)


__all__ = ["AnalyticsError", "InputError"]
