"""Which requests belong to the web pages (the app also serves Slack)."""

from __future__ import annotations

from flask import request

BLUEPRINT_NAME = "web"
STATIC_URL_PATH = "/web-static"
PAGE_PREFIXES = (
    "/overview",
    "/tasks",
    "/models",
    "/people",
    "/signin",
    "/signout",
    STATIC_URL_PATH,
)


def is_web_request() -> bool:
    """Tell whether the current request is for one of our pages, routed or not."""
    if request.blueprint == BLUEPRINT_NAME:
        return True
    path = request.path
    return any(path == prefix or path.startswith(prefix + "/") for prefix in PAGE_PREFIXES)
