"""Administration of a verksamhet: its kommuner, myndigheter, områden and user accounts."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from systemfel.access import current_scope, requires, requires_everything
from systemfel.admin.forms import MyndighetForm, OmradeForm, UserForm, VerksamhetForm
from systemfel.auth import services as accounts
from systemfel.auth.domain import Role, roles_assignable_by
from systemfel.auth.models import User, user_verksamhet
from systemfel.extensions import db
from systemfel.formtools import run_on_form, run_verb, status_for
from systemfel.verksamheter import services
from systemfel.verksamheter.domain import (
    MyndighetTyp,
    Operation,
    Sammandrag,
    parse_emails,
    parse_kommuner,
)
from systemfel.verksamheter.models import Myndighet, Omrade, Verksamhet

blueprint = Blueprint("admin", __name__, url_prefix="/admin")


def _managed() -> list[Verksamhet]:
    """Return the verksamheter the current user manages."""
    query = select(Verksamhet).where(*current_scope().where(Verksamhet.id))
    return list(db.session.scalars(query.order_by(Verksamhet.namn)))


def _verksamhet_or_404(verksamhet_id: int) -> Verksamhet:
    verksamhet = db.session.get(Verksamhet, verksamhet_id)
    if verksamhet is None or not current_scope().covers(verksamhet_id):
        abort(404)
    return verksamhet


def _in_verksamhet_or_404(model: type, item_id: int, verksamhet: Verksamhet):
    item = db.session.get(model, item_id)
    if item is None or item.verksamhet_id != verksamhet.id:
        abort(404)
    return item


def _save(form, action, success: str, target: str):
    """Call a service; commit and redirect, or keep the input and show the error."""
    if not run_on_form(form, action).ok:
        return None
    flash(success, "success")
    return redirect(target)


def _form_page(form, title: str, verksamhet: Verksamhet | None, fields: list[str], back: str):
    return render_template(
        "admin/form.html",
        form=form,
        title=title,
        verksamhet=verksamhet,
        fields=[form[name] for name in fields],
        back=back,
    ), status_for(form)


@blueprint.route("/")
@requires(Operation.MANAGE_VERKSAMHET)
def index():
    """The verksamheter the user manages; admin may create new ones."""
    verksamheter = _managed()
    if len(verksamheter) == 1 and not current_user.role.is_system_wide:
        return redirect(url_for("admin.verksamhet", verksamhet_id=verksamheter[0].id))
    return render_template("admin/index.html", verksamheter=verksamheter)


@blueprint.route("/verksamheter/ny", methods=["GET", "POST"])
@requires_everything
def create_verksamhet():
    """Create a verksamhet (admin); it starts with the standard lists."""
    form = VerksamhetForm()
    if form.validate_on_submit():
        created: list[Verksamhet] = []
        response = _save(
            form,
            lambda: created.append(
                services.create_verksamhet(
                    scope=current_scope(),
                    namn=form.namn.data,
                    kommuner=parse_kommuner(form.kommuner.data),
                )
            ),
            gettext("Verksamheten är skapad."),
            url_for("admin.index"),
        )
        if response:
            return response
    return _form_page(
        form, gettext("Ny verksamhet"), None, ["namn", "kommuner"], url_for("admin.index")
    )


@blueprint.route("/verksamheter/<int:verksamhet_id>", methods=["GET", "POST"])
@requires(Operation.MANAGE_VERKSAMHET)
def verksamhet(verksamhet_id: int):
    """A verksamhet's name and kommuner, with links to its lists."""
    current = _verksamhet_or_404(verksamhet_id)
    form = VerksamhetForm()
    if request.method == "GET":
        form.namn.data = current.namn
        form.kommuner.data = "\n".join(kommun.namn for kommun in current.kommuner)
        form.has_routines.data = current.has_routines
        form.routines_description.data = current.routines_description
        form.epost.data = current.epost
    if form.validate_on_submit():
        response = _save(
            form,
            lambda: services.update_verksamhet(
                scope=current_scope(),
                verksamhet=current,
                namn=form.namn.data,
                kommuner=parse_kommuner(form.kommuner.data),
                has_routines=form.has_routines.data,
                routines_description=form.routines_description.data or "",
                epost=form.epost.data or "",
            ),
            gettext("Verksamheten är sparad."),
            url_for("admin.verksamhet", verksamhet_id=current.id),
        )
        if response:
            return response
    return render_template("admin/verksamhet.html", verksamhet=current, form=form), status_for(form)


@blueprint.route("/verksamheter/<int:verksamhet_id>/myndigheter")
@requires(Operation.MANAGE_VERKSAMHET)
def myndigheter(verksamhet_id: int):
    """The verksamhet's myndigheter."""
    current = _verksamhet_or_404(verksamhet_id)
    items = db.session.scalars(
        select(Myndighet).where(Myndighet.verksamhet_id == current.id).order_by(Myndighet.namn)
    ).all()
    return render_template("admin/myndigheter.html", verksamhet=current, items=items)


@blueprint.route("/verksamheter/<int:verksamhet_id>/myndigheter/ny", methods=["GET", "POST"])
@blueprint.route(
    "/verksamheter/<int:verksamhet_id>/myndigheter/<int:item_id>", methods=["GET", "POST"]
)
@requires(Operation.MANAGE_VERKSAMHET)
def myndighet(verksamhet_id: int, item_id: int | None = None):
    """Create or edit a myndighet."""
    current = _verksamhet_or_404(verksamhet_id)
    item = _in_verksamhet_or_404(Myndighet, item_id, current) if item_id else None
    form = MyndighetForm(obj=item if request.method == "GET" else None)
    if request.method == "GET" and item:
        form.typ.data = item.typ.value
        form.sammandrag.data = item.sammandrag.value
    back = url_for("admin.myndigheter", verksamhet_id=current.id)
    if form.validate_on_submit():
        response = _save(
            form,
            lambda: services.save_myndighet(
                scope=current_scope(),
                verksamhet_id=current.id,
                namn=form.namn.data,
                typ=MyndighetTyp(form.typ.data),
                epost=parse_emails(form.epost.data or ""),
                is_active=form.is_active.data,
                sammandrag=Sammandrag(form.sammandrag.data),
                myndighet=item,
            ),
            gettext("Myndigheten är sparad."),
            back,
        )
        if response:
            return response
    title = item.namn if item else gettext("Ny myndighet")
    fields = ["namn", "typ", "epost", "sammandrag", "is_active"]
    return _form_page(form, title, current, fields, back)


@blueprint.route("/verksamheter/<int:verksamhet_id>/omraden")
@requires(Operation.MANAGE_VERKSAMHET)
def omraden(verksamhet_id: int):
    """The verksamhet's områden."""
    current = _verksamhet_or_404(verksamhet_id)
    items = db.session.scalars(
        select(Omrade).where(Omrade.verksamhet_id == current.id).order_by(Omrade.namn)
    ).all()
    return render_template("admin/omraden.html", verksamhet=current, items=items)


@blueprint.route("/verksamheter/<int:verksamhet_id>/omraden/ny", methods=["GET", "POST"])
@blueprint.route("/verksamheter/<int:verksamhet_id>/omraden/<int:item_id>", methods=["GET", "POST"])
@requires(Operation.MANAGE_VERKSAMHET)
def omrade(verksamhet_id: int, item_id: int | None = None):
    """Create or edit an område."""
    current = _verksamhet_or_404(verksamhet_id)
    item = _in_verksamhet_or_404(Omrade, item_id, current) if item_id else None
    form = OmradeForm(obj=item if request.method == "GET" else None)
    back = url_for("admin.omraden", verksamhet_id=current.id)
    if form.validate_on_submit():
        response = _save(
            form,
            lambda: services.save_omrade(
                scope=current_scope(),
                verksamhet_id=current.id,
                namn=form.namn.data,
                is_active=form.is_active.data,
                omrade=item,
            ),
            gettext("Området är sparat."),
            back,
        )
        if response:
            return response
    title = item.namn if item else gettext("Nytt område")
    return _form_page(form, title, current, ["namn", "is_active"], back)


@blueprint.route("/verksamheter/<int:verksamhet_id>/anvandare")
@requires(Operation.MANAGE_VERKSAMHET)
def users(verksamhet_id: int):
    """The verksamhet's user accounts."""
    current = _verksamhet_or_404(verksamhet_id)
    items = db.session.scalars(
        select(User)
        .options(selectinload(User.verksamheter))
        .join(user_verksamhet, user_verksamhet.c.user_id == User.id)
        .where(user_verksamhet.c.verksamhet_id == current.id)
        .order_by(User.namn)
    ).all()
    return render_template(
        "admin/users.html", verksamhet=current, items=items, scope=current_scope()
    )


def _user_or_404(verksamhet: Verksamhet, user_id: int) -> User:
    """Return a user of the verksamhet that the current user may manage.

    An account that also belongs to a verksamhet the current user does not manage is left to
    an admin: changing it (or resetting its password) would reach into that verksamhet.
    """
    user = db.session.get(User, user_id)
    if user is None or verksamhet.id not in user.verksamhet_ids:
        abort(404)
    if not current_scope().covers_all(user.verksamhet_ids):
        abort(403)
    return user


def _user_form(item: User | None) -> UserForm:
    form = UserForm(obj=item if request.method == "GET" else None)
    form.role.choices = [
        (r.value, gettext(r.label)) for r in roles_assignable_by(current_user.role)
    ]
    form.verksamheter.choices = [(v.id, v.namn) for v in _managed()]
    if item:
        del form.email  # the address identifies the account; it is not edited here
    if request.method == "GET" and item:
        form.role.data = item.role.value
        form.verksamheter.data = list(item.verksamhet_ids)
        form.is_active.data = item.is_active_account
    return form


def _chosen_verksamheter(form: UserForm, item: User | None) -> list[Verksamhet]:
    """The chosen verksamheter, keeping memberships outside what the current user manages."""
    managed = {v.id: v for v in _managed()}
    chosen = [managed[i] for i in form.verksamheter.data or [] if i in managed]
    kept = [v for v in (item.verksamheter if item else []) if v.id not in managed]
    return chosen + kept


@blueprint.route("/verksamheter/<int:verksamhet_id>/anvandare/ny", methods=["GET", "POST"])
@blueprint.route(
    "/verksamheter/<int:verksamhet_id>/anvandare/<int:item_id>", methods=["GET", "POST"]
)
@requires(Operation.MANAGE_VERKSAMHET)
def user(verksamhet_id: int, item_id: int | None = None):
    """Create or edit a user account of the verksamhet."""
    current = _verksamhet_or_404(verksamhet_id)
    item = _user_or_404(current, item_id) if item_id else None
    form = _user_form(item)
    if request.method == "GET" and not item:
        form.verksamheter.data = [current.id]
    back = url_for("admin.users", verksamhet_id=current.id)
    if form.validate_on_submit():
        if item:
            response = _save(
                form,
                lambda: accounts.update_user(
                    actor_role=current_user.role,
                    scope=current_scope(),
                    user=item,
                    namn=form.namn.data,
                    role=Role(form.role.data),
                    verksamheter=_chosen_verksamheter(form, item),
                    is_active=form.is_active.data,
                ),
                gettext("Kontot är sparat."),
                back,
            )
            if response:
                return response
        else:
            created: list[tuple[User, str]] = []
            response = _save(
                form,
                lambda: created.append(
                    accounts.create_user(
                        actor_role=current_user.role,
                        scope=current_scope(),
                        email=form.email.data,
                        namn=form.namn.data,
                        role=Role(form.role.data),
                        verksamheter=_chosen_verksamheter(form, None),
                    )
                ),
                gettext("Kontot är skapat."),
                back,
            )
            if response:
                new_user, password = created[0]
                return render_template(
                    "admin/password_shown.html",
                    verksamhet=current,
                    user=new_user,
                    password=password,
                    back=back,
                )
    fields = ["namn", "role", "verksamheter", "is_active"]
    if not item:
        fields.insert(0, "email")
    title = item.namn if item else gettext("Nytt konto")
    return _form_page(form, title, current, fields, back)


@blueprint.route(
    "/verksamheter/<int:verksamhet_id>/anvandare/<int:item_id>/losenord", methods=["POST"]
)
@requires(Operation.MANAGE_VERKSAMHET)
def reset_password(verksamhet_id: int, item_id: int):
    """Give a user a new temporary password, shown once."""
    current = _verksamhet_or_404(verksamhet_id)
    item = _user_or_404(current, item_id)
    outcome = run_verb(
        lambda: accounts.reset_password(
            actor_role=current_user.role, scope=current_scope(), user=item
        )
    )
    if not outcome.ok or (password := outcome.value) is None:
        for error in outcome.errors:
            flash(gettext(error.message), "error")
        return redirect(url_for("admin.user", verksamhet_id=current.id, item_id=item.id))
    return render_template(
        "admin/password_shown.html",
        verksamhet=current,
        user=item,
        password=password,
        back=url_for("admin.users", verksamhet_id=current.id),
    )
