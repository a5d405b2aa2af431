"""GET /healthz: can the app reach its database and its broker?"""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from web.context import web_context

logger = logging.getLogger(__name__)

OK = "ok"
NOT_CONFIGURED = "not configured"


def register(bp: Blueprint) -> None:
    """Add the health route (no sign-in: load balancers and monitors call it)."""
    bp.add_url_rule("/healthz", "healthz", healthz, methods=["GET"])


def healthz() -> ResponseReturnValue:
    """Report the database and Redis; 200 when both answer, 503 otherwise."""
    report = {"database": check_database(), "redis": check_redis()}
    healthy = all(state == OK for state in report.values())
    report["status"] = "ok" if healthy else "degraded"
    return jsonify(report), 200 if healthy else 503


def check_database() -> str:
    """Run SELECT 1 and say how it went."""
    try:
        with web_context().sessions() as db:
            db.execute(text("SELECT 1"))
    except Exception as exc:  # any failure at all means the database is not usable
        logger.warning("health check: the database did not answer", exc_info=True)
        return _error(exc)
    return OK


def check_redis() -> str:
    """Ask the probe given to init_web and say how it went."""
    probe = web_context().health
    if probe is None:
        return NOT_CONFIGURED
    try:
        state = probe().get("redis")
    except Exception as exc:  # a probe that breaks reports a broken broker, not a 500
        logger.warning("health check: the Redis probe failed", exc_info=True)
        return _error(exc)
    return state if isinstance(state, str) else "error: the probe gave no answer"


def _error(exc: Exception) -> str:
    # The page needs no sign-in: name the failure, keep hosts and SQL for the log.
    return f"error: {type(exc).__name__}"
