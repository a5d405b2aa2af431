"""Who is talking to the bot: the Person behind a Slack request."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from sqlalchemy.orm import Session

from bot.parsing import Mention
from db import queries
from db.models import Person, utcnow

PROFILE_MAX_AGE = timedelta(days=1)
PROFILE_REQUEST_INTERVAL = 60.0


def person_for(session: Session, user_id: str, team_id: str, user_name: str | None) -> Person:
    """Return the Person for a Slack user, creating it with the name Slack sent."""
    return queries.get_or_create_person(session, user_id, team_id, user_name or user_id)


def person_for_mention(session: Session, mention: Mention, team_id: str) -> Person:
    """Return the Person for someone mentioned in a command."""
    return queries.get_or_create_person(
        session, mention.user_id, team_id, mention.name or mention.user_id
    )


class ProfileRequests:
    """Remembers whose real name was asked for lately, so a burst asks once."""

    def __init__(self, interval: float = PROFILE_REQUEST_INTERVAL) -> None:
        self.interval = interval
        self._asked: dict[int, float] = {}
        self._lock = threading.Lock()

    def should_refresh(self, person: Person) -> bool:
        """Tell whether to queue a look-up: the name is missing or old, and not just asked."""
        fetched = person.profile_fetched_at
        if fetched is not None and utcnow() - fetched <= PROFILE_MAX_AGE:
            return False
        now = time.monotonic()
        with self._lock:
            if now - self._asked.get(person.id, -self.interval) < self.interval:
                return False
            self._asked[person.id] = now
        return True
