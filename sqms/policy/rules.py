"""The health rule of objectives and the management-review workflow, as tables in code."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from sqms.policy.models import ReviewStatus

# Progress may lag the share of time elapsed by this many points and still be on track.
ON_TRACK_SLACK = 10.0
# Lagging by more than this many points is off track.
OFF_TRACK_LAG = 25.0
# Current value = the aggregate of the results of the last days.
CURRENT_WINDOW_DAYS = 28


class Health(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    OFF_TRACK = "off_track", _("Off track")
    NO_DATA = "no_data", _("No data")


def health(*, progress: float | None, elapsed: float, past_deadline: bool) -> str:
    """On track, at risk or off track from progress and the share of time elapsed (both 0–100)."""
    if progress is None:
        return Health.NO_DATA
    if progress >= 100.0:
        return Health.ON_TRACK
    if past_deadline:
        return Health.OFF_TRACK
    if progress >= elapsed - ON_TRACK_SLACK:
        return Health.ON_TRACK
    if progress < elapsed - OFF_TRACK_LAG:
        return Health.OFF_TRACK
    return Health.AT_RISK


R = ReviewStatus
TRANSITIONS: dict[str, frozenset[str]] = {
    R.DRAFT: frozenset({R.HELD}),
    # Editing signed minutes sends them back to held: the signature no longer matches.
    R.HELD: frozenset({R.SIGNED}),
    R.SIGNED: frozenset({R.HELD}),
}


def allowed(current: str, to: str) -> bool:
    return to in TRANSITIONS.get(current, frozenset())
