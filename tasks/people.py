"""Person records filled in from Slack's `users.info`."""

from __future__ import annotations

import logging
from datetime import timedelta

from slack_sdk.errors import SlackApiError
from sqlalchemy import or_, update

from db.models import Person, utcnow
from tasks.runtime import Runtime

logger = logging.getLogger(__name__)


PROFILE_MAX_AGE = timedelta(days=1)


def refresh_person(runtime: Runtime, person_id: int) -> None:
    """Copy a person's real name from Slack into their record (once a day at most)."""
    with runtime.sessions.begin() as session:
        # Claim the look-up first, so that requests queued together call Slack once.
        claimed = session.execute(
            update(Person)
            .where(
                Person.id == person_id,
                or_(
                    Person.profile_fetched_at.is_(None),
                    Person.profile_fetched_at < utcnow() - PROFILE_MAX_AGE,
                ),
            )
            .values(profile_fetched_at=utcnow())
        )
        person = session.get(Person, person_id)
        if person is None or not claimed.rowcount:  # type: ignore[attr-defined]
            return
        user_id = person.slack_user_id
    try:
        response = runtime.slack.users_info(user=user_id)
    except SlackApiError as error:
        logger.warning("users.info for %s failed: %s", user_id, error.response.get("error"))
        return
    name = display_name(response["user"])
    with runtime.sessions.begin() as session:
        person = session.get(Person, person_id)
        if person is not None:
            person.name = name or person.name
            person.profile_fetched_at = utcnow()


def display_name(user: dict) -> str:  # type: ignore[type-arg]
    """Return the best name Slack has for a user."""
    profile = user.get("profile") or {}
    for candidate in (
        profile.get("real_name"),
        user.get("real_name"),
        profile.get("display_name"),
        user.get("name"),
    ):
        if candidate:
            return str(candidate)[:200]
    return ""
