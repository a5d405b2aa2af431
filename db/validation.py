"""The rules a model's fields must follow, shared by Slack and the web forms."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from db import queries
from db.keys import KeyBox, mask_key
from db.models import LlmModel, Person
from db.url_policy import UnsafeURL, check_model_url

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
MAX_URL_LENGTH = 500
MAX_PROVIDER_MODEL_LENGTH = 200
MAX_KEY_LENGTH = 1000
MIN_TIMEOUT, MAX_TIMEOUT = 1, 3600
DEFAULT_TIMEOUT = 120


class Refused(ValueError):
    """A request promptdesk turns down; the message is written for the person who made it."""


class InvalidField(Refused):
    """A problem with one field, so that a form can show it next to that field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class ModelInput:
    """What someone typed for a model; in an edit, None means "keep"."""

    name: str | None = None
    url: str | None = None
    model: str | None = None
    key: str | None = None
    timeout: str | None = None
    maintainer: Person | None = None


def check_name(name: str) -> str:
    """Return a valid model name, lower-cased."""
    name = name.strip().lower()
    if not NAME_PATTERN.match(name):
        raise InvalidField(
            "name",
            f"`{name[:70]}` can't be a model name: use up to 64 letters, digits, `.`, `-` "
            "or `_`, starting with a letter or digit (like `qwen` or `gpt-4o`).",
        )
    return name


def check_url(url: str, allow_private: bool) -> str:
    """Return a base URL promptdesk may call."""
    url = url.strip().rstrip("/")
    if len(url) > MAX_URL_LENGTH:
        raise InvalidField("url", f"The URL is too long (over {MAX_URL_LENGTH} characters).")
    try:
        check_model_url(url, allow_private)
    except UnsafeURL as error:
        raise InvalidField("url", f"That URL can't be used: {error}.") from None
    return url


def check_provider_model(value: str) -> str:
    """Return a provider model id."""
    value = value.strip()
    if not value or len(value) > MAX_PROVIDER_MODEL_LENGTH or any(c.isspace() for c in value):
        raise InvalidField(
            "model", "The provider's model id is one word, like `qwen-plus` or `gpt-4o-mini`."
        )
    return value


def check_key(value: str) -> str:
    """Return an API key that looks usable."""
    value = value.strip()
    if not value or len(value) > MAX_KEY_LENGTH or any(c.isspace() for c in value):
        raise InvalidField("key", "The API key must be one word with no spaces.")
    return value


def check_timeout(value: str) -> int:
    """Return a per-model timeout in seconds."""
    value = value.strip()
    if not value.isdigit() or not MIN_TIMEOUT <= int(value) <= MAX_TIMEOUT:
        raise InvalidField(
            "timeout", f"The timeout is a number of seconds from {MIN_TIMEOUT} to {MAX_TIMEOUT}."
        )
    return int(value)


def add_model(
    session: Session, fields: ModelInput, keys: KeyBox, allow_private: bool, registrant: Person
) -> LlmModel:
    """Register a new model; the registrant maintains it unless someone else is named."""
    for field, label in (
        ("name", "a name"),
        ("url", "a base URL"),
        ("model", "a model id"),
        ("key", "an API key"),
    ):
        if not getattr(fields, field):
            raise InvalidField(field, f"A model needs {label} (`{field}=…`).")
    name = check_name(fields.name or "")
    if queries.find_model(session, name) is not None:
        raise InvalidField("name", f"There is already a model called `{name}`; pick another name.")
    key = check_key(fields.key or "")
    model = LlmModel(
        name=name,
        base_url=check_url(fields.url or "", allow_private),
        provider_model=check_provider_model(fields.model or ""),
        api_key_encrypted=keys.encrypt(key),
        api_key_hint=mask_key(key),
        timeout_seconds=check_timeout(fields.timeout) if fields.timeout else DEFAULT_TIMEOUT,
        maintainer=fields.maintainer or registrant,
    )
    session.add(model)
    session.flush()
    return model


def edit_model(
    session: Session, model: LlmModel, fields: ModelInput, keys: KeyBox, allow_private: bool
) -> list[str]:
    """Change the given fields of a model; return the names of those changed."""
    changed: list[str] = []
    if fields.name is not None and check_name(fields.name) != model.name:
        name = check_name(fields.name)
        if queries.find_model(session, name) is not None:
            raise InvalidField("name", f"There is already a model called `{name}`.")
        model.name = name
        changed.append("name")
    if fields.url is not None:
        model.base_url = check_url(fields.url, allow_private)
        changed.append("url")
    if fields.model is not None:
        model.provider_model = check_provider_model(fields.model)
        changed.append("model")
    if fields.key is not None:
        key = check_key(fields.key)
        model.api_key_encrypted, model.api_key_hint = keys.encrypt(key), mask_key(key)
        changed.append("key")
    if fields.maintainer is not None:
        model.maintainer = fields.maintainer
        changed.append("maintainer")
    if fields.timeout is not None:
        model.timeout_seconds = check_timeout(fields.timeout)
        changed.append("timeout")
    session.flush()
    return changed
