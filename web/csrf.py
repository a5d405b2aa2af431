"""Per-session tokens that prove a POST came from one of our own forms."""

from __future__ import annotations

import hmac
import secrets

from flask import request, session
from werkzeug.exceptions import BadRequest

from web import messages

SESSION_KEY = "csrf_token"
FORM_FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class CsrfFailed(BadRequest):
    """A form came back without the token of this session."""

    description = messages.CSRF_FAILED


def csrf_token() -> str:
    """Return this session's token, creating it on first use (templates call this)."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session[SESSION_KEY] = token
    return token


def check_csrf() -> None:
    """Raise CsrfFailed unless the request carries this session's token."""
    expected = session.get(SESSION_KEY)
    sent = request.form.get(FORM_FIELD) or request.headers.get(HEADER) or ""
    if not isinstance(expected, str) or not expected:
        raise CsrfFailed()
    if not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfFailed()


def protect_unsafe_methods() -> None:
    """Check the token of every request that can change something (a before_request hook)."""
    if request.method in UNSAFE_METHODS:
        check_csrf()
