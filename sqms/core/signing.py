"""What every electronic signature in SQMS shares: how an attempt ended and the lock-out rule."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

# Wrong passwords allowed within the window before signing is refused for a while.
SIGN_FAILURE_LIMIT = 5
SIGN_WINDOW = dt.timedelta(minutes=15)


class AttemptOutcome(models.TextChoices):
    SIGNED = "signed", _("Signed")
    WRONG_PASSWORD = "wrong_password", _("Wrong password")
    THROTTLED = "throttled", _("Too many attempts")
