"""From `/model` options and the modal to the shared model rules in `db/`."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.errors import UserError
from bot.parsing import Mention, parse_mention
from bot.people import person_for_mention
from db.validation import InvalidField, ModelInput


def model_input(
    session: Session,
    team_id: str,
    name: str | None = None,
    url: str | None = None,
    model: str | None = None,
    key: str | None = None,
    timeout: str | None = None,
    maintainer: Mention | None = None,
) -> ModelInput:
    """Return a ModelInput, with the maintainer looked up (or created) as a Person."""
    return ModelInput(
        name=name,
        url=url,
        model=model,
        key=key,
        timeout=timeout,
        maintainer=person_for_mention(session, maintainer, team_id) if maintainer else None,
    )


def input_from_options(
    session: Session, team_id: str, name: str | None, options: dict[str, str]
) -> ModelInput:
    """Turn `key=value` options of a command into a ModelInput."""
    raw = options.get("maintainer")
    try:
        mention = parse_mention(raw) if raw is not None else None
    except UserError as error:
        raise InvalidField("maintainer", str(error)) from None
    return model_input(
        session,
        team_id,
        name=options.get("name", name),
        url=options.get("url"),
        model=options.get("model"),
        key=options.get("key"),
        timeout=options.get("timeout"),
        maintainer=mention,
    )
