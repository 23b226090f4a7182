"""Model fields of the monitoring tables."""

from __future__ import annotations

import json
from typing import Any

from django.db import models


class JsonText(models.JSONField):
    """A JSON value the database keeps as plain text: for values it never looks into.

    Reads and writes are those of a JSONField (a dict in, a dict out), but PostgreSQL stores
    text rather than jsonb, which parses every number on input: for the percentile sketches
    of a year of rollups (228k cells) jsonb made a COPY take 3.1 s instead of 0.9 s. Key
    lookups in queries are not offered, since the column is not jsonb."""

    def db_type(self, connection: Any) -> str:
        return "text"

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if not prepared:
            value = self.get_prep_value(value)
        if isinstance(value, models.expressions.Expression):
            return value
        return json.dumps(value, cls=self.encoder, separators=(",", ":"))

    def get_transform(self, name: str) -> Any:
        return models.Field.get_transform(self, name)
