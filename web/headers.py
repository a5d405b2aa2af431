"""Security headers on every response of the web pages."""

from __future__ import annotations

from flask import Blueprint, Response, request

from web.scope import is_web_request

# Our pages load nothing but our own stylesheet and script, and are never framed: no
# inline script or style at all, so HTML that slips into a page still cannot run.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # The sign-in page's address holds a token; never hand it on to another site.
    "Referrer-Policy": "no-referrer",
}


def register(bp: Blueprint) -> None:
    """Add the headers to every response of the pages."""
    bp.after_app_request(add_security_headers)


def add_security_headers(response: Response) -> Response:
    """Set the security headers (and no caching of private pages)."""
    if not is_web_request():
        return response
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.endpoint != "web.static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response
