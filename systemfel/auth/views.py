"""Signing in and out, changing one's password and language."""

from datetime import timedelta
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.security import check_password_hash

from systemfel.access import signed_in_user
from systemfel.auth import services
from systemfel.auth.forms import LoginForm, PasswordForm
from systemfel.dbtypes import utcnow
from systemfel.extensions import db, login_manager
from systemfel.formtools import run_on_form
from systemfel.i18n import LOCALES

blueprint = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(session_id: str):
    """Flask-Login: the user behind a session, if still active and not reset."""
    return services.load_session_user(session_id)


def safe_next(target: str | None) -> str:
    """Return `target` if it is a path on this site, else the start page.

    A target with a control character or a line break is refused: it cannot be a header.
    """
    if target and target.isprintable():
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and "\\" not in target:
            if not target.startswith("//"):
                return target
    return url_for("followups.my_work")


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form; sign in."""
    if current_user.is_authenticated:
        return redirect(url_for("followups.my_work"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = services.authenticate(
                email=form.email.data,
                password=form.password.data,
                address=request.remote_addr or "",
                now=utcnow(),
                rules=_login_rules(),
            )
        except services.LoginThrottled:
            abort(429)
        except services.LoginRefused as refused:
            db.session.commit()  # the failure count must stick
            form.form_errors.append(gettext(refused.message))
        else:
            db.session.commit()
            session.clear()
            session.permanent = True
            login_user(user)
            return redirect(safe_next(form.next.data))
    return render_template("auth/login.html", form=form), 200 if not form.errors else 422


def _login_rules() -> services.LoginRules:
    config = current_app.config
    return services.LoginRules(
        max_failures=config["LOGIN_MAX_FAILURES"],
        lockout=timedelta(minutes=config["LOGIN_LOCKOUT_MINUTES"]),
        failures_per_address=config["LOGIN_FAILURES_PER_ADDRESS"],
    )


@blueprint.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign out, here and everywhere: a copy of the session cookie no longer works."""
    services.end_sessions(user=signed_in_user())
    db.session.commit()
    logout_user()
    session.clear()
    flash(gettext("Du är utloggad."), "info")
    return redirect(url_for("auth.login"))


@blueprint.route("/konto/losenord", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password."""
    form = PasswordForm()
    if form.validate_on_submit():
        if not check_password_hash(current_user.password_hash, form.current.data):
            form.current.errors.append(gettext("Det nuvarande lösenordet stämmer inte."))
        else:
            user = signed_in_user()
            outcome = run_on_form(
                form, lambda: services.set_password(user=user, password=form.password.data)
            )
            if outcome.ok:
                # The session token changed; stay signed in here. The user itself, not the
                # proxy: a stored proxy would resolve to itself on every later use.
                login_user(user)
                flash(gettext("Lösenordet är bytt. Andra inloggningar har avslutats."), "success")
                return redirect(url_for("followups.my_work"))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("auth/password.html", form=form), status


@blueprint.route("/sprak", methods=["POST"])
def set_language():
    """Choose the interface language."""
    chosen = request.form.get("lang", "sv")
    session["lang"] = chosen if chosen in LOCALES else "sv"
    return redirect(safe_next(request.form.get("next")))
