"""Who is talking to the bot: the Person behind a Slack request."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from bot.parsing import Mention
from db import queries
from db.models import Person, utcnow

PROFILE_MAX_AGE = timedelta(days=1)


def person_for(session: Session, user_id: str, team_id: str, user_name: str | None) -> Person:
    """Return the Person for a Slack user, creating it with the name Slack sent."""
    return queries.get_or_create_person(session, user_id, team_id, user_name or user_id)


def person_for_mention(session: Session, mention: Mention, team_id: str) -> Person:
    """Return the Person for someone mentioned in a command."""
    return queries.get_or_create_person(
        session, mention.user_id, team_id, mention.name or mention.user_id
    )


def needs_profile(person: Person) -> bool:
    """Tell whether the person's real name should be fetched from Slack again."""
    fetched = person.profile_fetched_at
    return fetched is None or utcnow() - fetched > PROFILE_MAX_AGE
