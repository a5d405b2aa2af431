"""Sign-in with one-time links from Slack, and who is signed in."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import Unauthorized

from db.models import Person
from db.queries import peek_sign_in_token, use_sign_in_token
from web import messages
from web.context import web_context

P = ParamSpec("P")
R = TypeVar("R")

PERSON_KEY = "person_id"
SIGNED_IN_AT_KEY = "signed_in_at"
MAX_NEXT_LENGTH = 2000


class NotSignedIn(Unauthorized):
    """A page that needs a signed-in person was asked for without one."""

    description = messages.NOT_SIGNED_IN


def register(bp: Blueprint) -> None:
    """Add the sign-in and sign-out routes."""
    bp.add_url_rule("/signin/<token>", "show_sign_in", show_sign_in, methods=["GET"])
    bp.add_url_rule("/signin/<token>", "sign_in", sign_in, methods=["POST"])
    bp.add_url_rule("/signout", "sign_out", sign_out, methods=["POST"])
    bp.app_context_processor(_template_context)


def current_person() -> Person | None:
    """Return the person signed in to this request, or None."""
    if "web_person" not in g:
        g.web_person = _load_signed_in_person()
    person: Person | None = g.web_person
    return person


def login_required(view: Callable[P, R]) -> Callable[P, R]:
    """Let a view run only for a signed-in person; anyone else gets the 401 page."""

    @functools.wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if current_person() is None:
            raise NotSignedIn()
        return view(*args, **kwargs)

    return wrapper


def safe_next_path(value: str | None) -> str | None:
    """Return a path on this site to go to after sign-in, or None if it could leave it."""
    if not value or len(value) > MAX_NEXT_LENGTH:
        return None
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    if any(char.isspace() or not char.isprintable() for char in value):
        return None
    return value


def show_sign_in(token: str) -> ResponseReturnValue:
    """Show whom a link signs in, without spending it (Slack and browsers prefetch links)."""
    with web_context().sessions() as db:
        row = peek_sign_in_token(db, token)
        if row is None:
            return _link_spent_page()
        return render_template(
            "signin.html",
            person=row.person,
            next_path=safe_next_path(request.args.get("next")),
        )


def sign_in(token: str) -> ResponseReturnValue:
    """Spend a sign-in link and start a session for its person."""
    with web_context().sessions.begin() as db:
        person = use_sign_in_token(db, token)
        person_id = person.id if person is not None else None
    if person_id is None:
        return _link_spent_page()
    _start_session(person_id)
    return redirect(safe_next_path(request.form.get("next")) or url_for("web.tasks"))


def sign_out() -> ResponseReturnValue:
    """End the session (the CSRF check ran before this)."""
    session.clear()
    g.web_person = None
    return render_template(
        "message.html", title=messages.SIGNED_OUT_TITLE, message=messages.SIGNED_OUT
    )


def _start_session(person_id: int) -> None:
    # A fresh session, so nothing set before sign-in (a planted CSRF token,
    # another person's id) survives into the signed-in one.
    session.clear()
    session.permanent = True
    session[PERSON_KEY] = person_id
    session[SIGNED_IN_AT_KEY] = int(time.time())


def _load_signed_in_person() -> Person | None:
    person_id = session.get(PERSON_KEY)
    signed_in_at = session.get(SIGNED_IN_AT_KEY)
    if not isinstance(person_id, int) or not isinstance(signed_in_at, int):
        return None
    # The cookie's own expiry slides with every request; this bound does not.
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    if time.time() - signed_in_at > lifetime:
        session.clear()
        return None
    with web_context().sessions() as db:
        person = db.get(Person, person_id)
    if person is None:
        session.clear()
    return person


def _link_spent_page() -> ResponseReturnValue:
    page = render_template(
        "message.html", title=messages.LINK_SPENT_TITLE, message=messages.LINK_SPENT
    )
    return page, 400


def _template_context() -> dict[str, object]:
    # Only what is already loaded: an error page must not need the database.
    return {"signed_in_person": g.get("web_person")}
