"""Reply links: a reminder to one person carries a link that opens their own open items.

The link is a random token; only its SHA-256 is stored, with an expiry, so a link can be revoked
and a copy of the database holds no working link (the same design as the web logins).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from db import replies
from db.models import Person

PATH = "/r/"  # the web page's route for a reply link (bot/web/reply.py)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ReplyLinks:
    """How reminders get their reply links: the public address, the lifetime, which kinds count."""

    base: str
    days: float
    personal: Callable[[str], bool]

    def issue(self, session: Session, *, project_id: int, person: str, now: datetime) -> str | None:
        """A new link for ``person`` (None if the plan has no such person)."""
        row = replies.person_by_name(session, project_id=project_id, name=person)
        if row is None or row.id is None:
            return None
        token = secrets.token_urlsafe(32)
        expires = now + timedelta(days=self.days)
        replies.add_link(session, token_hash=hash_token(token), person_id=row.id, now=now, expires_at=expires)
        return f"{self.base.rstrip('/')}{PATH}{token}"


def person_of(session: Session, token: str, now: datetime) -> Person | None:
    """Whose link this is, if it still works."""
    if not token or len(token) > 100:
        return None
    return replies.link_person(session, token_hash=hash_token(token), now=now)
