"""REST endpoints of the standards app."""

from ninja import Router

router = Router(tags=["standards"])
