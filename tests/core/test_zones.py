"""Time zone choices: every place the machine knows, no pseudo-zone, not frozen in migrations."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from sqms.core.zones import time_zone_choices
from sqms.org.models import Site


def test_it_offers_places_and_not_the_machines_own_zone() -> None:
    names = [z for z, _label in time_zone_choices()]
    assert "Asia/Seoul" in names
    assert names == sorted(names)
    assert not {"localtime", "posixrules", "Factory"} & set(names)


def test_it_refuses_a_pseudo_zone_on_a_site() -> None:
    field = Site._meta.get_field("time_zone")
    field.clean("Asia/Seoul", None)
    with pytest.raises(ValidationError):
        field.clean("localtime", None)


def test_the_migrations_name_the_callable_not_a_list() -> None:
    _name, _path, _args, kwargs = Site._meta.get_field("time_zone").deconstruct()
    assert kwargs["choices"] is time_zone_choices
