"""Friendly error pages: no stack trace ever reaches a browser."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException, NotFound

from web import messages
from web.access import NotAllowed
from web.auth import NotSignedIn
from web.csrf import CsrfFailed
from web.scope import is_web_request

PAGES = {
    400: (messages.BAD_REQUEST_TITLE, messages.BAD_REQUEST),
    401: (messages.NOT_SIGNED_IN_TITLE, messages.NOT_SIGNED_IN),
    403: (messages.NOT_ALLOWED_TITLE, messages.NOT_ALLOWED),
    404: (messages.NOT_FOUND_TITLE, messages.NOT_FOUND),
    405: (messages.METHOD_NOT_ALLOWED_TITLE, messages.METHOD_NOT_ALLOWED),
    500: (messages.SERVER_ERROR_TITLE, messages.SERVER_ERROR),
}


class Missing(NotFound):
    """A row the address names does not exist; the description says which."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


def register(bp: Blueprint) -> None:
    """Handle errors raised by the pages, and unrouted addresses under the pages' paths."""
    bp.register_error_handler(
        CsrfFailed,
        lambda _error: error_page(400, messages.CSRF_FAILED, messages.CSRF_FAILED_TITLE),
    )
    bp.register_error_handler(400, lambda _error: error_page(400))
    bp.register_error_handler(NotSignedIn, lambda _error: error_page(401))
    bp.register_error_handler(NotAllowed, lambda error: error_page(403, error.description))
    bp.register_error_handler(Missing, lambda error: error_page(404, error.description))
    bp.register_error_handler(404, lambda _error: error_page(404))
    bp.register_error_handler(405, lambda _error: error_page(405))
    # Flask has logged the exception with its traceback before calling this.
    bp.register_error_handler(500, lambda _error: error_page(500))
    bp.app_errorhandler(404)(_unrouted)
    bp.app_errorhandler(405)(_unrouted)


def error_page(
    code: int, message: str | None = None, title: str | None = None
) -> ResponseReturnValue:
    """Render the page for an HTTP error, with the standard words unless given others."""
    default_title, default_message = PAGES[code]
    page = render_template(
        "message.html", title=title or default_title, message=message or default_message
    )
    return page, code


def _unrouted(error: HTTPException) -> ResponseReturnValue:
    # The app also serves /slack/events and maybe more: leave their errors alone.
    if is_web_request() and error.code is not None:
        return error_page(error.code)
    return error
