"""Settings built from the environment: the one place that reads it."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

logger = logging.getLogger(__name__)

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///promptdesk.db"
DEFAULT_REDIS_URL = "redis://localhost:6379/0"
DEV_SECRET_FILE = ".promptdesk-secret-key"
TRUE_WORDS = {"1", "true", "yes", "on"}


class SettingsError(ValueError):
    """A setting in the environment has a value that cannot be used."""


@dataclass(frozen=True)
class Settings:
    """Everything promptdesk needs to know about where it runs."""

    secret_key: str
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str = DEFAULT_REDIS_URL
    port: int = 3000
    public_url: str = "http://localhost:3000"
    admin_slack_user_ids: frozenset[str] = frozenset()
    allow_private_model_urls: bool = False
    secret_key_fallbacks: tuple[str, ...] = ()
    task_lease_seconds: int = 60
    worker_concurrency: int = 500
    worker_nice: int = 10
    celery_queue: str = "promptdesk"
    db_pool_size: int = 20

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, env_file: str | None = ".env"
    ) -> Settings:
        """Build settings from the environment, with a `.env` file underneath it."""
        values = _merged_environment(environ, env_file)
        port = _int(values, "PORT", 3000)
        return cls(
            secret_key=values.get("SECRET_KEY") or _dev_secret_key(),
            slack_bot_token=values.get("SLACK_BOT_TOKEN") or None,
            slack_signing_secret=values.get("SLACK_SIGNING_SECRET") or None,
            slack_app_token=values.get("SLACK_APP_TOKEN") or None,
            slack_api_url=_with_slash(values.get("SLACK_API_URL") or DEFAULT_SLACK_API_URL),
            database_url=values.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            redis_url=values.get("REDIS_URL") or DEFAULT_REDIS_URL,
            port=port,
            public_url=(values.get("PUBLIC_URL") or f"http://localhost:{port}").rstrip("/"),
            admin_slack_user_ids=frozenset(_list(values.get("ADMIN_SLACK_USER_IDS"))),
            allow_private_model_urls=_bool(values, "ALLOW_PRIVATE_MODEL_URLS"),
            secret_key_fallbacks=tuple(_list(values.get("SECRET_KEY_FALLBACKS"))),
            task_lease_seconds=_int(values, "TASK_LEASE_SECONDS", 60, minimum=2),
            worker_concurrency=_int(values, "WORKER_CONCURRENCY", 500, minimum=1),
            worker_nice=min(19, _int(values, "WORKER_NICE", 10)),
            celery_queue=values.get("CELERY_QUEUE") or "promptdesk",
            db_pool_size=_int(values, "DB_POOL_SIZE", 20, minimum=1),
        )

    def with_changes(self, **changes: Any) -> Settings:
        """Return a copy with some fields replaced (tests and tools use this)."""
        return replace(self, **changes)

    def to_env(self) -> dict[str, str]:
        """Return the environment that rebuilds these settings in a child process."""
        env = {
            "SECRET_KEY": self.secret_key,
            "SLACK_API_URL": self.slack_api_url,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "PORT": str(self.port),
            "PUBLIC_URL": self.public_url,
            "ADMIN_SLACK_USER_IDS": ",".join(sorted(self.admin_slack_user_ids)),
            "ALLOW_PRIVATE_MODEL_URLS": "true" if self.allow_private_model_urls else "false",
            "SECRET_KEY_FALLBACKS": ",".join(self.secret_key_fallbacks),
            "TASK_LEASE_SECONDS": str(self.task_lease_seconds),
            "WORKER_CONCURRENCY": str(self.worker_concurrency),
            "WORKER_NICE": str(self.worker_nice),
            "CELERY_QUEUE": self.celery_queue,
            "DB_POOL_SIZE": str(self.db_pool_size),
        }
        optional = {
            "SLACK_BOT_TOKEN": self.slack_bot_token,
            "SLACK_SIGNING_SECRET": self.slack_signing_secret,
            "SLACK_APP_TOKEN": self.slack_app_token,
        }
        env.update({name: value for name, value in optional.items() if value})
        return env

    @property
    def public_url_is_https(self) -> bool:
        """Tell whether links (and so cookies) go over HTTPS."""
        return self.public_url.startswith("https://")


def _merged_environment(environ: Mapping[str, str] | None, env_file: str | None) -> dict[str, str]:
    from_file: dict[str, str] = {}
    if env_file and Path(env_file).is_file():
        from_file = {k: v for k, v in dotenv_values(env_file).items() if v is not None}
    # The real environment wins over the file, as with every twelve-factor tool.
    return {**from_file, **(os.environ if environ is None else environ)}


def _dev_secret_key() -> str:
    path = Path(DEV_SECRET_FILE)
    if path.is_file():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    path.write_text(key + "\n")
    path.chmod(0o600)
    logger.warning(
        "SECRET_KEY is not set: generated one into %s for local use. "
        "Set SECRET_KEY in production; losing it makes stored API keys unreadable.",
        path.resolve(),
    )
    return key


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def _list(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def _bool(values: Mapping[str, str], name: str) -> bool:
    return values.get(name, "").strip().lower() in TRUE_WORDS


def _int(values: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = values.get(name, "").strip()
    if not raw:
        return default
    try:
        number = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None
    if number < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, not {number}")
    return number
