"""The people pages: list and one person for everyone; add, edit, remove for admins."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from db.models import Person
from db.queries import TaskFilter, count_tasks, list_people, recent_tasks_of, task_counts_by_person
from web import messages
from web.access import is_admin, me, require_people_admin
from web.auth import login_required
from web.context import web_context
from web.errors import Missing
from web.forms import Form, FormInvalid
from web.person_form import apply_person_form, check_person_form, form_of, read_person_form
from web.task_query import MAX_ID

PERSON_TASKS_SHOWN = 20


def register(bp: Blueprint) -> None:
    """Add the people page routes."""
    bp.add_url_rule("/people", "people", people, methods=["GET"])
    bp.add_url_rule("/people/new", "new_person", new_person, methods=["GET"])
    bp.add_url_rule("/people/new", "create_person", create_person, methods=["POST"])
    bp.add_url_rule("/people/<int:person_id>", "person", person, methods=["GET"])
    bp.add_url_rule("/people/<int:person_id>/edit", "edit_person", edit_person, methods=["GET"])
    bp.add_url_rule("/people/<int:person_id>/edit", "save_person", save_person, methods=["POST"])
    bp.add_url_rule("/people/<int:person_id>/delete", "confirm_delete_person", confirm_delete)
    bp.add_url_rule(
        "/people/<int:person_id>/delete", "delete_person", delete_person, methods=["POST"]
    )


@login_required
def people() -> ResponseReturnValue:
    """List everyone who used the app, with how many tasks each asked."""
    with web_context().sessions() as db:
        everyone = list_people(db)
        return render_template(
            "people.html",
            active="people",
            people=everyone,
            admins={person.id for person in everyone if is_admin(person)},
            task_counts=task_counts_by_person(db),
            empty_message=messages.NO_PEOPLE_YET,
            can_manage=is_admin(me(db)),
        )


@login_required
def person(person_id: int) -> ResponseReturnValue:
    """Show one person and their newest tasks."""
    with web_context().sessions() as db:
        found = person_or_404(db, person_id)
        return render_template(
            "person.html",
            active="people",
            person=found,
            admin=is_admin(found),
            tasks=recent_tasks_of(db, found, limit=PERSON_TASKS_SHOWN),
            task_count=count_tasks(db, TaskFilter(creator_id=found.id)),
            can_manage=is_admin(me(db)),
        )


@login_required
def new_person() -> ResponseReturnValue:
    """Show the form to add a person (admins only)."""
    with web_context().sessions() as db:
        require_people_admin(me(db))
    return person_form_page(Form(), None)


@login_required
def create_person() -> ResponseReturnValue:
    """Add a person from the form."""
    form = read_person_form()
    try:
        with web_context().sessions.begin() as db:
            require_people_admin(me(db))
            check_person_form(db, form, None)
            added = Person(name="", slack_user_id="", slack_team_id="")
            apply_person_form(form, added)
            db.add(added)
            db.flush()
            person_id, name = added.id, added.name
    except FormInvalid:
        return person_form_page(form, None, 400)
    flash(messages.PERSON_CREATED.format(name=name), "info")
    return redirect(url_for("web.person", person_id=person_id))


@login_required
def edit_person(person_id: int) -> ResponseReturnValue:
    """Show a person's edit form (admins only)."""
    with web_context().sessions() as db:
        require_people_admin(me(db))
        form = form_of(person_or_404(db, person_id))
    return person_form_page(form, person_id)


@login_required
def save_person(person_id: int) -> ResponseReturnValue:
    """Save a person from the form."""
    form = read_person_form()
    try:
        with web_context().sessions.begin() as db:
            require_people_admin(me(db))
            found = person_or_404(db, person_id)
            check_person_form(db, form, found)
            apply_person_form(form, found)
            name = found.name
    except FormInvalid:
        return person_form_page(form, person_id, 400)
    flash(messages.PERSON_UPDATED.format(name=name), "info")
    return redirect(url_for("web.person", person_id=person_id))


def person_form_page(form: Form, person_id: int | None, status: int = 200) -> ResponseReturnValue:
    """Render the add or edit form, with what was typed and what is wrong."""
    with web_context().sessions() as db:
        page = render_template(
            "person_form.html",
            active="people",
            form=form,
            person=person_or_404(db, person_id) if person_id is not None else None,
        )
    return page, status


@login_required
def confirm_delete(person_id: int) -> ResponseReturnValue:
    """Ask before removing a person, saying that their tasks stay."""
    with web_context().sessions() as db:
        require_people_admin(me(db))
        found = person_or_404(db, person_id)
        count = count_tasks(db, TaskFilter(creator_id=person_id))
        return render_template(
            "confirm.html",
            active="people",
            title=f"Remove {found.name}",
            question=messages.PERSON_DELETE_CONFIRM.format(name=found.name, count=count),
            action=url_for("web.delete_person", person_id=person_id),
            back=url_for("web.person", person_id=person_id),
        )


@login_required
def delete_person(person_id: int) -> ResponseReturnValue:
    """Remove a person; their tasks stay, with no creator."""
    with web_context().sessions.begin() as db:
        admin = me(db)
        require_people_admin(admin)
        found = person_or_404(db, person_id)
        if found.id == admin.id:
            flash(messages.PERSON_DELETE_SELF, "warning")
            return redirect(url_for("web.person", person_id=person_id))
        name = found.name
        db.delete(found)
    flash(messages.PERSON_DELETED.format(name=name), "info")
    return redirect(url_for("web.people"))


def person_or_404(db: Session, person_id: int) -> Person:
    """Return a person or raise the 404 page that names them."""
    found = db.get(Person, person_id) if person_id <= MAX_ID else None
    if found is None:
        raise Missing(messages.PERSON_NOT_FOUND.format(person_id=person_id))
    return found
