"""Short dates read 2026-07-28 14:05 in both languages; long dates and inputs stay Django's."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import formats, translation


@pytest.mark.parametrize("language", ["ko", "en"])
def test_short_dates_are_zero_padded_and_the_same_in_both_languages(language: str) -> None:
    moment = dt.datetime(2026, 7, 8, 14, 5)
    template = Template(
        '{{ t|date:"SHORT_DATETIME_FORMAT" }}|{{ t|date:"SHORT_DATE_FORMAT" }}|{{ t|date }}'
    )
    with translation.override(language):
        short, day, long = template.render(Context({"t": moment})).split("|")
        assert (short, day) == ("2026-07-08 14:05", "2026-07-08")
        assert long != day  # the long date stays the language's own
        assert "%Y-%m-%d" in formats.get_format("DATE_INPUT_FORMATS")
