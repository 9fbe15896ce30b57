"""Small helpers views share: committing a service call or showing why not, versions."""

from collections.abc import Callable

from flask_babel import gettext
from flask_wtf import FlaskForm

from systemfel.errors import DomainError
from systemfel.extensions import db


def show_error(form: FlaskForm, error: DomainError) -> None:
    """Show a service's error beside the field it names, else at the top of the form."""
    message = gettext(error.message)
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, message]
    else:
        form.form_errors.append(message)


def submitted_version(form: FlaskForm) -> int:
    """Return the version the user's copy was loaded at (0 if missing: always a conflict)."""
    raw = form.version.data
    return int(raw) if raw and str(raw).isdigit() else 0


def status_for(form: FlaskForm) -> int:
    """422 when a posted form has errors, so tests and clients can tell; else 200."""
    return 422 if form.errors else 200


def commit_or_show(form: FlaskForm, action: Callable[[], object]) -> bool:
    """Run a service call and commit; on a refusal roll back, keep the input and show why."""
    try:
        action()
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        show_error(form, error)
        return False
    return True
