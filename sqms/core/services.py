"""Writes of the core app: users' preferences and personal API tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from sqms.core.audit import audit_record, snapshot
from sqms.core.models import ApiToken, AuditAction, Notification, TokenScope, User

TOKEN_PREFIX = "sqms_"  # noqa: S105  (a public marker, not a secret)


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str


@transaction.atomic
def api_token_create(*, user: User, name: str, scope: str) -> IssuedToken:
    """Issue a token; the caller shows `secret` once, only its hash is kept."""
    prefix = secrets.token_hex(4)
    secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken(
        user=user,
        name=name.strip(),
        prefix=prefix,
        token_hash=token_digest(secret),
        scope=TokenScope(scope),
    )
    token.full_clean()
    token.save()
    audit_record(actor=user, action=AuditAction.CREATE, obj=token)
    return IssuedToken(token=token, secret=secret)


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    if token.revoked_at is not None:
        return token
    before = snapshot(token)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=token, before=before)
    return token


@transaction.atomic
def user_set_language(*, user: User, language: str) -> User:
    before = snapshot(user)
    user.language = language
    user.full_clean(exclude=["password"])
    user.save(update_fields=["language"])
    audit_record(actor=user, action=AuditAction.UPDATE, obj=user, before=before)
    return user


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str,
    role: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    language: str = "",
) -> User:
    user = User(
        username=username,
        role=role,
        email=email,
        first_name=first_name,
        last_name=last_name,
        language=language,
    )
    user.set_password(password)
    user.full_clean()
    user.save()
    audit_record(actor=actor, action=AuditAction.CREATE, obj=user)
    return user


def notification_send(
    *, recipients: Iterable[User], title: str, body: str = "", url: str = ""
) -> int:
    """Write one in-app notification per recipient; returns how many were written.

    `title` and `body` are stored as given: callers render them in the recipient's language
    (`django.utils.translation.override(user.language)`) before calling.
    """
    rows = [
        Notification(recipient=u, title=title[:200], body=body, url=url[:300]) for u in recipients
    ]
    Notification.objects.bulk_create(rows)
    return len(rows)


def notification_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read: the given ones, or all."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
