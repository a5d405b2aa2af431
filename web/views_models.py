"""The model pages: list, one model, register, edit, delete, test the connection."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from db.models import LlmModel
from db.queries import count_tasks_of_model, list_models, list_people
from web import messages
from web.access import can_change_model, me, require_model_change
from web.auth import login_required
from web.context import web_context
from web.dispatching import queue_ready, start_model_test
from web.errors import Missing
from web.formatting import stamp
from web.forms import Form, FormInvalid
from web.model_form import create_model, form_of, read_model_form, update_model
from web.task_query import MAX_ID


def register(bp: Blueprint) -> None:
    """Add the model page routes."""
    bp.add_url_rule("/models", "models", models, methods=["GET"])
    bp.add_url_rule("/models/new", "new_model", new_model, methods=["GET"])
    bp.add_url_rule("/models/new", "create_model", create_model_view, methods=["POST"])
    bp.add_url_rule("/models/<int:model_id>", "model", model, methods=["GET"])
    bp.add_url_rule("/models/<int:model_id>/edit", "edit_model", edit_model_view, methods=["GET"])
    bp.add_url_rule("/models/<int:model_id>/edit", "save_model", save_model, methods=["POST"])
    bp.add_url_rule("/models/<int:model_id>/delete", "confirm_delete_model", confirm_delete)
    bp.add_url_rule("/models/<int:model_id>/delete", "delete_model", delete_model, methods=["POST"])
    bp.add_url_rule("/models/<int:model_id>/test", "test_model", test_model, methods=["POST"])
    bp.add_url_rule("/models/<int:model_id>/test.json", "model_test_json", model_test_json)


@login_required
def models() -> ResponseReturnValue:
    """List the registered models (the API key only as its hint)."""
    with web_context().sessions() as db:
        return render_template(
            "models.html",
            active="models",
            models=list_models(db),
            empty_message=messages.NO_MODELS_YET,
        )


@login_required
def model(model_id: int) -> ResponseReturnValue:
    """Show one model, its last test, and what the signed-in person may do with it."""
    with web_context().sessions() as db:
        found = model_or_404(db, model_id)
        return render_template(
            "model.html",
            active="models",
            model=found,
            can_change=can_change_model(found, me(db)),
            testing=is_testing(found, request.args.get("testing")),
            queue_ready=queue_ready(),
        )


def is_testing(model: LlmModel, since: str | None) -> bool:
    """Tell whether a test asked for at `since` (a stamp) has not reported yet."""
    if since is None:
        return False
    try:
        asked = float(since)
    except ValueError:
        return False
    return float(stamp(model.last_test_at)) <= asked


@login_required
def new_model() -> ResponseReturnValue:
    """Show the form to register a model, with the signed-in person as maintainer."""
    with web_context().sessions() as db:
        form = Form({"maintainer": str(me(db).id)})
    return model_form_page(form, None)


@login_required
def create_model_view() -> ResponseReturnValue:
    """Register a model from the form."""
    form = read_model_form()
    try:
        with web_context().sessions.begin() as db:
            created = create_model(db, form, me(db))
            model_id, name = created.id, created.name
    except FormInvalid:
        return model_form_page(form, None, 400)
    flash(messages.MODEL_CREATED.format(model=name), "info")
    return redirect(url_for("web.model", model_id=model_id))


@login_required
def edit_model_view(model_id: int) -> ResponseReturnValue:
    """Show the edit form of a model to its maintainer or an admin."""
    with web_context().sessions() as db:
        found = model_or_404(db, model_id)
        require_model_change(found, me(db))
        form = form_of(found)
    return model_form_page(form, model_id)


@login_required
def save_model(model_id: int) -> ResponseReturnValue:
    """Save the changed fields of a model."""
    form = read_model_form()
    try:
        with web_context().sessions.begin() as db:
            found = model_or_404(db, model_id)
            require_model_change(found, me(db))
            changed, name = update_model(db, found, form), found.name
    except FormInvalid:
        return model_form_page(form, model_id, 400)
    message = messages.MODEL_UPDATED if changed else messages.MODEL_UNCHANGED
    flash(message.format(model=name), "info")
    return redirect(url_for("web.model", model_id=model_id))


def model_form_page(form: Form, model_id: int | None, status: int = 200) -> ResponseReturnValue:
    """Render the register or edit form, with what was typed and what is wrong."""
    if form.errors and form.value("key"):
        form.values["key"] = ""
        form.fail("key", messages.KEY_RETYPE)
    with web_context().sessions() as db:
        page = render_template(
            "model_form.html",
            active="models",
            form=form,
            model=model_or_404(db, model_id) if model_id is not None else None,
            people=list_people(db),
        )
    return page, status


@login_required
def confirm_delete(model_id: int) -> ResponseReturnValue:
    """Ask before deleting a model, saying what happens to its tasks."""
    with web_context().sessions() as db:
        found = model_or_404(db, model_id)
        require_model_change(found, me(db))
        count = count_tasks_of_model(db, model_id)
        question = messages.MODEL_DELETE_CONFIRM.format(model=found.name, count=count)
        return render_template(
            "confirm.html",
            active="models",
            title=f"Delete {found.name}",
            question=question,
            action=url_for("web.delete_model", model_id=model_id),
            back=url_for("web.model", model_id=model_id),
        )


@login_required
def delete_model(model_id: int) -> ResponseReturnValue:
    """Delete a model; its tasks stay, under its name."""
    with web_context().sessions.begin() as db:
        found = model_or_404(db, model_id)
        require_model_change(found, me(db))
        name = found.name
        db.delete(found)
    flash(messages.MODEL_DELETED.format(model=name), "info")
    return redirect(url_for("web.models"))


@login_required
def test_model(model_id: int) -> ResponseReturnValue:
    """Queue a real call to the model (anyone may), then watch for its result."""
    with web_context().sessions() as db:
        since = stamp(model_or_404(db, model_id).last_test_at)
    if not start_model_test(model_id):
        return redirect(url_for("web.model", model_id=model_id))
    return redirect(url_for("web.model", model_id=model_id, testing=since))


@login_required
def model_test_json(model_id: int) -> ResponseReturnValue:
    """Return when the model was last tested, for the page that waits for a result."""
    with web_context().sessions() as db:
        return jsonify({"tested_at": stamp(model_or_404(db, model_id).last_test_at)})


def model_or_404(db: Session, model_id: int) -> LlmModel:
    """Return a model or raise the 404 page that names it."""
    found = db.get(LlmModel, model_id) if model_id <= MAX_ID else None
    if found is None:
        raise Missing(messages.MODEL_NOT_FOUND.format(model_id=model_id))
    return found
