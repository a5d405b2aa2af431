"""The person form: checks of name and Slack ids, then the row itself."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from db.models import Person
from db.queries import find_person
from web import messages
from web.forms import Form

PERSON_FIELDS = ("name", "user_id", "team_id", "admin")
NAME_LIMIT = 200
USER_ID_PATTERN = re.compile(r"^[UW][A-Z0-9]{2,31}$")
TEAM_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def read_person_form() -> Form:
    """Read the posted person form."""
    return Form.from_request(PERSON_FIELDS)


def form_of(person: Person) -> Form:
    """Return the edit form filled from a person."""
    return Form(
        {
            "name": person.name,
            "user_id": person.slack_user_id,
            "team_id": person.slack_team_id,
            "admin": "on" if person.is_admin else "",
        }
    )


def check_person_form(db: Session, form: Form, person: Person | None) -> None:
    """Mark each wrong field of the form; `person` is the one being edited, if any."""
    form.require("name", "user_id", "team_id")
    form.limit("name", NAME_LIMIT)
    user_id = final_user_id(form, person)
    # An id made outside Slack (the local admin's) may stay as it is.
    unchanged = person is not None and user_id == person.slack_user_id
    if user_id and not unchanged and not USER_ID_PATTERN.match(user_id):
        form.fail("user_id", messages.SLACK_USER_ID_FORMAT)
    team_id = form.value("team_id")
    if team_id and not TEAM_ID_PATTERN.match(team_id):
        form.fail("team_id", messages.SLACK_TEAM_ID_FORMAT)
    if form.ok:
        _check_unique(db, form, person)
    form.raise_if_invalid()


def final_user_id(form: Form, person: Person | None) -> str:
    """Return the Slack user id to store: the typed one in capitals, or the old one if equal."""
    typed = form.value("user_id").upper()
    if person is not None and typed == person.slack_user_id.upper():
        return person.slack_user_id
    return typed


def apply_person_form(form: Form, person: Person) -> None:
    """Copy the checked form onto a person row."""
    person.name = form.value("name")
    person.slack_user_id = final_user_id(form, person)
    person.slack_team_id = form.value("team_id")
    person.is_admin = form.checked("admin")


def _check_unique(db: Session, form: Form, person: Person | None) -> None:
    other = find_person(db, final_user_id(form, person), form.value("team_id"))
    if other is not None and other is not person:
        form.fail("user_id", messages.PERSON_EXISTS.format(name=other.name))
