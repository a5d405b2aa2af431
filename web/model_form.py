"""The model form: from what was typed to db.validation's add_model and edit_model."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from db.models import LlmModel, Person
from db.validation import InvalidField, ModelInput, add_model, edit_model
from web import messages
from web.context import web_context
from web.forms import Form, FormInvalid, parse_int

MODEL_FIELDS = ("name", "url", "model", "key", "timeout", "maintainer")


def read_model_form() -> Form:
    """Read the posted model form."""
    return Form.from_request(MODEL_FIELDS)


def form_of(model: LlmModel) -> Form:
    """Return the edit form filled from a model; the key stays blank (it is write-only)."""
    return Form(
        {
            "name": model.name,
            "url": model.base_url,
            "model": model.provider_model,
            "key": "",
            "timeout": str(model.timeout_seconds),
            "maintainer": str(model.maintainer_id or ""),
        }
    )


def create_model(db: Session, form: Form, registrant: Person) -> LlmModel:
    """Register the model in the form, or raise FormInvalid with the fields marked."""
    form.require("name", "url", "model", "key")
    maintainer = chosen_maintainer(db, form)
    form.raise_if_invalid()
    fields = ModelInput(
        name=form.value("name"),
        url=form.value("url"),
        model=form.value("model"),
        key=form.value("key"),
        timeout=form.value("timeout") or None,
        maintainer=maintainer,
    )
    with field_errors(form):
        context = web_context()
        allow_private = context.settings.allow_private_model_urls
        return add_model(db, fields, context.keys, allow_private, registrant)


def update_model(db: Session, model: LlmModel, form: Form) -> list[str]:
    """Apply the changed fields of the form to a model; return their names."""
    form.require("name", "url", "model")
    maintainer = chosen_maintainer(db, form)
    form.raise_if_invalid()
    fields = ModelInput(
        name=form.value("name"),
        url=_changed(form.value("url").rstrip("/"), model.base_url),
        model=_changed(form.value("model"), model.provider_model),
        key=form.value("key") or None,
        timeout=_changed(form.value("timeout"), str(model.timeout_seconds)) or None,
        maintainer=maintainer if maintainer is not model.maintainer else None,
    )
    with field_errors(form):
        context = web_context()
        allow_private = context.settings.allow_private_model_urls
        return edit_model(db, model, fields, context.keys, allow_private)


def chosen_maintainer(db: Session, form: Form) -> Person | None:
    """Return the person picked as maintainer (None when none was picked)."""
    raw = form.value("maintainer")
    if not raw:
        return None
    person_id = parse_int(raw)
    person = db.get(Person, person_id) if person_id is not None else None
    if person is None:
        form.fail("maintainer", messages.CHOOSE_MAINTAINER)
    return person


@contextmanager
def field_errors(form: Form) -> Iterator[None]:
    """Turn db.validation's InvalidField into a marked field and FormInvalid."""
    try:
        yield
    except InvalidField as error:
        form.fail(error.field, str(error))
        raise FormInvalid() from None


def _changed(typed: str, current: str) -> str | None:
    # edit_model treats every given field as a change (and re-resolves a given URL).
    return typed if typed != current else None
