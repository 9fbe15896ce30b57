"""Wiring of the web application: extensions, security headers, filters, blueprints."""

import logging
from datetime import date, datetime, timedelta
from functools import lru_cache

from babel.numbers import format_decimal
from flask import (
    Flask,
    current_app,
    has_request_context,
    render_template,
    request,
    session,
)
from flask_babel import (
    get_locale,
    gettext,
    lazy_gettext,
)
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from systemfel import dates, template_i18n
from systemfel.bounds import IdConverter
from systemfel.brister import search
from systemfel.extensions import babel, csrf, db, login_manager, migrate
from systemfel.i18n import LOCALES
from systemfel.links import IdLinks
from systemfel.logs import mask_answer_tokens_in_logs
from systemfel.notifications.services import paused_sending
from systemfel.paths import shipped

logger = logging.getLogger(__name__)


CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'; object-src 'none'"
)
# Sent when the site is served over HTTPS (SESSION_COOKIE_SECURE): browsers then refuse plain
# HTTP to it for a year. Not includeSubDomains: a municipality's other hosts are not ours.
HSTS = "max-age=31536000"


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """SQLite: enforce foreign keys, write-ahead log, and wait rather than fail on a lock."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


def configure(app: Flask) -> None:
    """Initialise extensions and register everything the web application serves."""
    app.config.update(
        SQLALCHEMY_DATABASE_URI=app.config["DATABASE_URL"],
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=app.config["SESSION_LIFETIME_HOURS"]),
        # A form left open for hours must still save: the token lives as long as the session.
        WTF_CSRF_TIME_LIMIT=None,
        BABEL_DEFAULT_LOCALE=app.config["DEFAULT_LOCALE"],
        BABEL_DEFAULT_TIMEZONE=app.config["TIMEZONE"],
        BABEL_TRANSLATION_DIRECTORIES=str(shipped("translations")),
    )
    db.init_app(app)
    # Batch mode lets later revisions alter tables on SQLite, which has little ALTER TABLE.
    # The search index is made by its migration alone: the models do not describe it.
    migrate.init_app(
        app,
        db,
        directory=str(shipped("migrations")),
        render_as_batch=True,
        compare_type=True,
        include_name=search.outside_search_index,
    )
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    template_i18n.install(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("Logga in för att fortsätta.")
    login_manager.login_message_category = "info"
    # Before any route is added: every <int:...> in a URL is an id the database can hold.
    app.url_map.converters["int"] = IdConverter
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_CONTENT_LENGTH_MB"] * 1024 * 1024

    from systemfel.admin.views import blueprint as admin_blueprint
    from systemfel.auth.views import blueprint as auth_blueprint
    from systemfel.brister.views import blueprint as brister_blueprint
    from systemfel.events import connect_all
    from systemfel.followups.views import blueprint as followups_blueprint
    from systemfel.health import blueprint as health_blueprint
    from systemfel.jobs.views import blueprint as jobs_blueprint
    from systemfel.meetings.views import blueprint as meetings_blueprint
    from systemfel.notifications.views import blueprint as notifications_blueprint
    from systemfel.privacy.views import blueprint as privacy_blueprint
    from systemfel.reports.views import blueprint as reports_blueprint
    from systemfel.start import views as start_views  # noqa: F401 routes "/" on followups

    connect_all()
    app.register_blueprint(auth_blueprint)
    app.register_blueprint(brister_blueprint)
    app.register_blueprint(followups_blueprint)
    app.register_blueprint(meetings_blueprint)
    app.register_blueprint(reports_blueprint)
    app.register_blueprint(admin_blueprint)
    app.register_blueprint(notifications_blueprint)
    app.register_blueprint(health_blueprint)
    app.register_blueprint(privacy_blueprint)
    app.register_blueprint(jobs_blueprint)

    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        # Flask's documented way to wrap its WSGI app; its types declare wsgi_app a method.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )
    app.after_request(_security_headers)
    mask_answer_tokens_in_logs()
    app.jinja_env.filters.update(datum=_datum, tidpunkt=_tidpunkt, tal=_tal)
    app.jinja_env.globals["id_links"] = IdLinks
    app.context_processor(lambda: {"locales": LOCALES, "current_locale": _select_locale()})
    app.context_processor(_sending_paused)
    _register_error_pages(app)


def _select_locale() -> str:
    """The user's chosen language, else Swedish (always outside a request: e-mails, jobs)."""
    if not has_request_context():
        return "sv"
    chosen = session.get("lang")
    return chosen if chosen in LOCALES else "sv"


def _sending_paused() -> dict[str, object]:
    """For admins on every page: the SMTP settings fault that has paused sending, if any."""
    if not (current_user and current_user.is_authenticated and current_user.role.is_system_wide):
        return {}
    return {"sending_paused": paused_sending()}


def _security_headers(response):
    """Add the security headers every response carries.

    Whether someone is signed in is read from the session, not from `current_user`: loading
    the user here would cost a query on every response, and a hook that resolves the proxy
    runs after every view, whatever state the view left Flask-Login in.
    """
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    if session.get("_user_id"):
        response.headers["Cache-Control"] = "no-store"
    if current_app.config["SESSION_COOKIE_SECURE"]:
        response.headers["Strict-Transport-Security"] = HSTS
    return response


def _datum(value: date | None) -> str:
    """Format a date in the user's language (2026-11-25 in Swedish, 25 Nov 2026 in English)."""
    return dates.day(value) if value else ""


def _tidpunkt(value: datetime | None) -> str:
    """Format a UTC timestamp in Stockholm time (2026-11-25 14:00; 25 Nov 2026, 14:00)."""
    return dates.moment(value) if value else ""


def _tal(value: int | float | None) -> str:
    """Format a number in the user's language (1 234 in Swedish)."""
    return _format_number(value, str(get_locale())) if value is not None else ""


@lru_cache(maxsize=4096, typed=True)
def _format_number(value: int | float, locale: str) -> str:
    """Babel's formatting, remembered: a list page shows the same few small counts many times."""
    return format_decimal(value, locale=locale)


def _register_error_pages(app: Flask) -> None:
    """Plain pages for the errors a user can meet; they reveal nothing."""

    def render(code: int, title: str, text: str):
        return render_template("errors/error.html", code=code, title=title, text=text), code

    @app.errorhandler(400)
    def bad_request(error):
        return render(
            400,
            gettext("Felaktig begäran"),
            gettext("Det som skickades gick inte att läsa. Gå tillbaka och försök igen."),
        )

    @app.errorhandler(403)
    def forbidden(error):
        return render(403, gettext("Ingen behörighet"), gettext("Din roll ger inte tillgång hit."))

    @app.errorhandler(404)
    def not_found(error):
        return render(404, gettext("Sidan finns inte"), gettext("Kontrollera adressen."))

    @app.errorhandler(405)
    def method_not_allowed(error):
        body, code = render(
            405, gettext("Sidan finns inte"), gettext("Adressen kan inte användas så här.")
        )
        return body, code, {"Allow": ", ".join(error.valid_methods or ())}

    @app.errorhandler(413)
    def too_large(error):
        return render(
            413,
            gettext("För mycket på en gång"),
            gettext("Det som skickades var för stort. Korta texten och försök igen."),
        )

    @app.errorhandler(429)
    def too_many(error):
        return render(429, gettext("För många försök"), gettext("Vänta en stund och försök igen."))

    @app.errorhandler(CSRFError)
    def csrf_failed(error):
        return render(
            400,
            gettext("Formuläret kunde inte skickas"),
            gettext("Din session har gått ut. Gå tillbaka, ladda om sidan och skicka igen."),
        )

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        logger.exception("Server error on %s", request.path if request else "?")
        return render(
            500, gettext("Något gick fel"), gettext("Ingenting sparades. Försök igen om en stund.")
        )
