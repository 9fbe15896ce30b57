"""Signing in, and the account changes that end a user's sessions."""

from datetime import datetime, timedelta

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from systemfel.auth.domain import after_failed_login, is_locked, password_problem
from systemfel.auth.models import RateLimitWindow, User, new_session_token
from systemfel.errors import ValidationError
from systemfel.extensions import db
from systemfel.i18n import N_

# Checked against when the e-mail is unknown, so a wrong address takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class LoginRefused(Exception):
    """Wrong credentials, a locked or a deactivated account; the message is for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def find_user_by_email(email: str) -> User | None:
    """Return the account with this e-mail address, ignoring case."""
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def authenticate(
    *, email: str, password: str, now: datetime, max_failures: int, lockout: timedelta
) -> User:
    """Return the user when the password is right; count failures and lock in the database."""
    user = find_user_by_email(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        raise LoginRefused(N_("Fel e-postadress eller lösenord."))
    if is_locked(user.locked_until, now):
        raise LoginRefused(
            N_("Kontot är tillfälligt låst efter flera misslyckade inloggningar. Försök senare.")
        )
    if not check_password_hash(user.password_hash, password):
        user.failed_logins, user.locked_until = after_failed_login(
            user.failed_logins, now, max_failures, lockout
        )
        db.session.flush()
        raise LoginRefused(N_("Fel e-postadress eller lösenord."))
    if not user.is_active_account:
        raise LoginRefused(N_("Kontot är inaktiverat. Kontakta din samordnare."))
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    db.session.flush()
    return user


def set_password(*, user: User, password: str) -> None:
    """Set a new password and end every session the user has open."""
    problem = password_problem(password)
    if problem:
        raise ValidationError(problem, field="password")
    user.password_hash = generate_password_hash(password)
    user.session_token = new_session_token()
    user.failed_logins = 0
    user.locked_until = None
    db.session.flush()


def load_session_user(session_id: str) -> User | None:
    """Return the active user for a session id of the form "<id>:<token>"."""
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id), options=[selectinload(User.verksamheter)])
    if user is None or not user.is_active_account or user.session_token != token:
        return None
    return user


def allow_request(*, key: str, limit: int, window: timedelta, now: datetime) -> bool:
    """Count a request for `key` in the current window; False once `limit` is exceeded."""
    start = datetime.fromtimestamp(
        now.timestamp() // window.total_seconds() * window.total_seconds(), tz=now.tzinfo
    )
    counted: CursorResult = db.session.execute(  # type: ignore[assignment]
        update(RateLimitWindow)
        .where(RateLimitWindow.key == key, RateLimitWindow.window_start == start)
        .values(count=RateLimitWindow.count + 1)
        .execution_options(synchronize_session=False)
    )
    if not counted.rowcount:
        db.session.add(RateLimitWindow(key=key, window_start=start, count=1))
        db.session.flush()
        return True
    current = db.session.scalar(
        select(RateLimitWindow.count).where(
            RateLimitWindow.key == key, RateLimitWindow.window_start == start
        )
    )
    return (current or 0) <= limit
