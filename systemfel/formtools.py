"""Small helpers views share: run a verb (commit or show why not), versions, double submits."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

from flask_babel import gettext
from flask_wtf import FlaskForm

from systemfel import dates
from systemfel.bounds import whole_number
from systemfel.errors import ConflictError, DomainError, FieldError
from systemfel.extensions import db

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What running a verb gave: its value, or why it was refused.

    A refusal is either `errors` (field errors by field, and row in a form of many rows) or
    a `conflict` (someone else saved first: what they changed is in the ConflictError).
    """

    value: T | None = None
    errors: tuple[FieldError, ...] = ()
    conflict: ConflictError | None = None

    @property
    def ok(self) -> bool:
        """Was the verb carried out and committed?"""
        return not self.errors and self.conflict is None


def run_verb(action: Callable[[], T]) -> Outcome[T]:
    """Run a service call and commit; on a refusal roll back and say why.

    This is the one way a view (or the CLI) carries out a verb: nothing is half-saved, and
    the user's input stays in the form for the view to show again with the errors.
    """
    try:
        value = action()
        db.session.commit()
    except ConflictError as conflict:
        db.session.rollback()
        return Outcome(errors=tuple(conflict.errors), conflict=conflict)
    except DomainError as error:
        db.session.rollback()
        return Outcome(errors=tuple(error.errors))
    return Outcome(value=value)


def worded(error: FieldError) -> str:
    """The error's message in the reader's language, its values (days) written the reader's way."""
    params = {
        name: dates.day(value) if isinstance(value, date) else value
        for name, value in error.params.items()
    }
    return gettext(error.message, **params)


def show_errors(form: FlaskForm, errors: tuple[FieldError, ...]) -> None:
    """Show each error beside the field it names, else at the top of the form."""
    for error in errors:
        message = worded(error)
        field = getattr(form, error.field, None) if error.field else None
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            form.form_errors.append(message)


def run_on_form(
    form: FlaskForm, action: Callable[[], T], *, conflict_notice: bool = False
) -> Outcome[T]:
    """Run a verb for a posted form; a refusal's errors land on the form.

    A conflict's message lands there too, unless the page shows conflicts on a notice of
    their own (`conflict_notice`), with what the other person changed.
    """
    outcome = run_verb(action)
    show_errors(form, () if conflict_notice and outcome.conflict else outcome.errors)
    return outcome


def submitted_version(form: FlaskForm) -> int:
    """Return the version the user's copy was loaded at (0 if missing: always a conflict).

    After a conflict, a user who ticks `overwrite` saves over the version the conflict page
    showed them (`seen_version`) instead.
    """
    overwrite = getattr(form, "overwrite", None)
    raw = form.seen_version.data if overwrite is not None and overwrite.data else form.version.data
    try:
        return whole_number(raw or "")
    except ValueError:
        return 0


def status_for(form: FlaskForm) -> int:
    """422 when a posted form has errors, so tests and clients can tell; else 200."""
    return 422 if form.errors else 200


def show_conflict(form: FlaskForm, *, saved_version: int, theirs: dict[str, str]) -> None:
    """Prepare a refused save's form for the conflict page (a form with VersionedForm's fields).

    The form keeps the version the user edited, so saving it as it is stays refused, and
    offers `overwrite` at `saved_version`, the version the page shows. `theirs` is the saved
    value of each field (by the field's name) where the user's input differs from it.
    """
    form.version.data = str(submitted_version(form))
    form.seen_version.data = str(saved_version)
    form.overwrite.data = False
    form.theirs = theirs
