"""Exceptions services raise; views and the API translate them for the user."""

from __future__ import annotations


class SqmsError(Exception):
    """Base class for errors a user can act on."""


class InvalidTransition(SqmsError):
    """A workflow was asked to move along an edge its transition table does not have."""


class ReasonRequired(SqmsError):
    """The change needs a stated reason for the audit trail."""
