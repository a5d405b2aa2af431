"""Registering and changing models: the rules shared by `/model` and its modal."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.errors import UserError
from bot.parsing import Mention, parse_mention
from bot.people import is_admin, person_for_mention
from db import queries
from db.keys import KeyBox, mask_key
from db.models import LlmModel, Person
from settings import Settings
from tasks.url_policy import UnsafeURL, check_model_url

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
MAX_URL_LENGTH = 500
MAX_PROVIDER_MODEL_LENGTH = 200
MAX_KEY_LENGTH = 1000
MIN_TIMEOUT, MAX_TIMEOUT = 1, 3600


@dataclass
class ModelFields:
    """What a person typed for a model; any field may be missing in an edit."""

    name: str | None = None
    url: str | None = None
    model: str | None = None
    key: str | None = None
    maintainer: Mention | None = None
    timeout: str | None = None


class FieldError(UserError):
    """A problem with one field, so a form can show it next to that field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def check_name(name: str) -> str:
    """Return a valid model name, lower-cased."""
    name = name.strip().lower()
    if not NAME_PATTERN.match(name):
        raise FieldError(
            "name",
            f"`{name[:70]}` can't be a model name: use up to 64 letters, digits, `.`, `-` "
            "or `_`, starting with a letter or digit (like `qwen` or `gpt-4o`).",
        )
    return name


def check_url(url: str, settings: Settings) -> str:
    """Return a base URL promptdesk may call."""
    url = url.strip().rstrip("/")
    if len(url) > MAX_URL_LENGTH:
        raise FieldError("url", f"The URL is too long (over {MAX_URL_LENGTH} characters).")
    try:
        check_model_url(url, settings.allow_private_model_urls)
    except UnsafeURL as error:
        raise FieldError("url", f"That URL can't be used: {error}.") from None
    return url


def check_provider_model(value: str) -> str:
    """Return a provider model id."""
    value = value.strip()
    if not value or len(value) > MAX_PROVIDER_MODEL_LENGTH or any(c.isspace() for c in value):
        raise FieldError(
            "model", "The provider's model id is one word, like `qwen-plus` or `gpt-4o-mini`."
        )
    return value


def check_key(value: str) -> str:
    """Return an API key that looks usable."""
    value = value.strip()
    if not value or len(value) > MAX_KEY_LENGTH or any(c.isspace() for c in value):
        raise FieldError("key", "The API key must be one word with no spaces.")
    return value


def check_timeout(value: str) -> int:
    """Return a per-model timeout in seconds."""
    if not value.strip().isdigit() or not MIN_TIMEOUT <= int(value) <= MAX_TIMEOUT:
        raise FieldError(
            "timeout", f"`timeout=` is a number of seconds from {MIN_TIMEOUT} to {MAX_TIMEOUT}."
        )
    return int(value)


def add_model(
    session: Session,
    settings: Settings,
    keys: KeyBox,
    fields: ModelFields,
    registrant: Person,
    team_id: str,
) -> LlmModel:
    """Register a new model; the registrant maintains it unless someone else is named."""
    missing = [f"`{k}=`" for k in ("url", "model", "key") if getattr(fields, k) is None]
    if fields.name is None or missing:
        raise UserError("To register a model I need its name and " + ", ".join(missing) + ".")
    name = check_name(fields.name)
    if queries.find_model(session, name) is not None:
        raise FieldError("name", f"There is already a model called `{name}`; pick another name.")
    key = check_key(fields.key or "")
    model = LlmModel(
        name=name,
        base_url=check_url(fields.url or "", settings),
        provider_model=check_provider_model(fields.model or ""),
        api_key_encrypted=keys.encrypt(key),
        api_key_hint=mask_key(key),
        timeout_seconds=check_timeout(fields.timeout) if fields.timeout else 120,
        maintainer=_maintainer(session, fields.maintainer, team_id) or registrant,
    )
    session.add(model)
    session.flush()
    return model


def edit_model(
    session: Session,
    settings: Settings,
    keys: KeyBox,
    model: LlmModel,
    fields: ModelFields,
    team_id: str,
) -> list[str]:
    """Change the given fields of a model; return the names of those changed."""
    changed: list[str] = []
    if fields.name is not None and check_name(fields.name) != model.name:
        new_name = check_name(fields.name)
        if queries.find_model(session, new_name) is not None:
            raise FieldError("name", f"There is already a model called `{new_name}`.")
        model.name, changed = new_name, [*changed, "name"]
    if fields.url is not None:
        model.base_url, changed = check_url(fields.url, settings), [*changed, "url"]
    if fields.model is not None:
        model.provider_model = check_provider_model(fields.model)
        changed.append("model")
    if fields.key is not None:
        key = check_key(fields.key)
        model.api_key_encrypted, model.api_key_hint = keys.encrypt(key), mask_key(key)
        changed.append("key")
    if fields.maintainer is not None:
        model.maintainer = _maintainer(session, fields.maintainer, team_id)
        changed.append("maintainer")
    if fields.timeout is not None:
        model.timeout_seconds, changed = check_timeout(fields.timeout), [*changed, "timeout"]
    session.flush()
    return changed


def check_can_change(model: LlmModel, person: Person, settings: Settings) -> None:
    """Refuse unless the person maintains the model or is an admin."""
    if is_admin(person, settings):
        return
    if model.maintainer_id is not None and model.maintainer_id == person.id:
        return
    who = model.maintainer.mention() if model.maintainer else "an admin"
    raise UserError(
        f"Only the maintainer of `{model.name}` ({who}) or an admin can change or remove it."
    )


def _maintainer(session: Session, mention: Mention | None, team_id: str) -> Person | None:
    if mention is None:
        return None
    return person_for_mention(session, mention, team_id)


def fields_from_options(name: str | None, options: dict[str, str]) -> ModelFields:
    """Turn `key=value` options into ModelFields."""
    maintainer = options.get("maintainer")
    try:
        mention = parse_mention(maintainer) if maintainer is not None else None
    except UserError as error:
        raise FieldError("maintainer", str(error)) from None
    return ModelFields(
        name=options.get("name", name),
        url=options.get("url"),
        model=options.get("model"),
        key=options.get("key"),
        maintainer=mention,
        timeout=options.get("timeout"),
    )
