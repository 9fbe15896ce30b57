"""Signing in, and the account changes that end a user's sessions."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager
from werkzeug.security import check_password_hash, generate_password_hash

from systemfel.auth.domain import Role, after_failed_login, password_problem, roles_assignable_by
from systemfel.auth.models import RateLimitWindow, User, new_session_token, user_verksamhet
from systemfel.errors import OutOfScope, PermissionDenied, ValidationError
from systemfel.extensions import db
from systemfel.i18n import N_
from systemfel.verksamheter.domain import Operation
from systemfel.verksamheter.models import Verksamhet
from systemfel.verksamheter.scope import NOT_YOURS, Scope

# Checked against when the e-mail is unknown, so a wrong address takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password")
# An unknown address's failures are kept in rate_limit_window under this key prefix; its
# window_start says when the address was last "locked" (never: this date).
_UNKNOWN_PREFIX = "login-unknown:"
_NEVER_LOCKED = datetime(1970, 1, 1, tzinfo=UTC)

WRONG_CREDENTIALS = N_("Fel e-postadress eller lösenord.")
LOCKED = N_("Kontot är tillfälligt låst efter flera misslyckade inloggningar. Försök senare.")


class LoginRefused(Exception):
    """Wrong credentials, a locked or a deactivated account; the message is for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class LoginThrottled(Exception):
    """Too many failed logins from one client address, whichever accounts they tried."""


@dataclass(frozen=True)
class LoginRules:
    """The lockout per account and the throttle per client address, as configured."""

    max_failures: int
    lockout: timedelta
    failures_per_address: int


def find_user_by_email(email: str) -> User | None:
    """Return the account with this e-mail address, ignoring case."""
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def authenticate(
    *, email: str, password: str, address: str, now: datetime, rules: LoginRules
) -> User:
    """Return the user when the password is right; count failures per account and address.

    Refused from an address that has failed too often lately (LoginThrottled), and for an
    account that is locked or has as many attempts under way as it may fail (LoginRefused).
    An unknown address is answered exactly like an account: same messages, same lockout,
    the same password hashing.
    """
    address_key = f"login-address:{address}"
    failed = counted_requests(key=address_key, window=rules.lockout, now=now)
    if failed >= rules.failures_per_address:
        raise LoginThrottled
    try:
        return _check_password(email, password, now, rules)
    except LoginRefused:
        count_request(key=address_key, window=rules.lockout, now=now)
        raise


def _check_password(email: str, password: str, now: datetime, rules: LoginRules) -> User:
    """Claim an attempt atomically, then check the password: at most max_failures are checked."""
    user = find_user_by_email(email)
    attempts: _Attempts = _AccountAttempts(user) if user else _UnknownAttempts(email)
    claimed = attempts.claim(now, rules)
    if claimed is None:
        raise LoginRefused(LOCKED)
    right = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not right:
        _, locked_until = after_failed_login(claimed - 1, now, rules.max_failures, rules.lockout)
        if locked_until is not None:
            attempts.lock(now, rules)
        raise LoginRefused(WRONG_CREDENTIALS)
    _update_user(user, failed_logins=0, locked_until=None)  # the right password: no guess
    if not user.is_active_account:
        raise LoginRefused(N_("Kontot är inaktiverat. Kontakta din samordnare."))
    _update_user(user, last_login_at=now)
    return user


class _Attempts(Protocol):
    """Where the failed attempts on one e-mail address are counted."""

    def claim(self, now: datetime, rules: LoginRules) -> int | None:
        """Count one more attempt and return the count; None while locked."""

    def lock(self, now: datetime, rules: LoginRules) -> None:
        """Lock for the lockout period and start counting afresh."""


class _AccountAttempts:
    """An account's attempts: counted in its row, so every worker sees every attempt."""

    def __init__(self, user: User) -> None:
        self.user = user

    def claim(self, now: datetime, rules: LoginRules) -> int | None:
        """Add one attempt in SQL (counter + 1), unless the account is locked or fully claimed."""
        return db.session.execute(
            update(User)
            .where(
                User.id == self.user.id,
                User.failed_logins < rules.max_failures,
                or_(User.locked_until.is_(None), User.locked_until <= now),
            )
            .values(failed_logins=User.failed_logins + 1)
            .returning(User.failed_logins)
            .execution_options(synchronize_session=False)
        ).scalar()

    def lock(self, now: datetime, rules: LoginRules) -> None:
        """Lock the account until now + lockout."""
        _update_user(self.user, failed_logins=0, locked_until=now + rules.lockout)


class _UnknownAttempts:
    """An unknown address's attempts, kept apart from accounts so it is answered the same way."""

    def __init__(self, email: str) -> None:
        digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
        self.key = f"{_UNKNOWN_PREFIX}{digest}"

    def claim(self, now: datetime, rules: LoginRules) -> int | None:
        """Add one attempt in SQL, unless locked or fully claimed; the first makes the row."""
        claimed = db.session.execute(
            update(RateLimitWindow)
            .where(
                RateLimitWindow.key == self.key,
                RateLimitWindow.count < rules.max_failures,
                RateLimitWindow.window_start <= now - rules.lockout,
            )
            .values(count=RateLimitWindow.count + 1)
            .returning(RateLimitWindow.count)
            .execution_options(synchronize_session=False)
        ).scalar()
        if claimed is not None:
            return claimed
        if db.session.scalar(select(RateLimitWindow.key).where(RateLimitWindow.key == self.key)):
            return None  # locked, or as many attempts under way as may fail
        if _add_window(self.key, _NEVER_LOCKED):
            return 1
        return self.claim(now, rules)  # another worker made the row first

    def lock(self, now: datetime, rules: LoginRules) -> None:
        """Mark the address locked from now (its window starts now) and count afresh."""
        db.session.execute(
            update(RateLimitWindow)
            .where(RateLimitWindow.key == self.key)
            .values(count=0, window_start=now)
            .execution_options(synchronize_session=False)
        )


def _update_user(user: User, **values: object) -> None:
    """Write `values` to the user's row in SQL and forget the loaded copies of them."""
    db.session.execute(
        update(User)
        .where(User.id == user.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(user, list(values))


def end_sessions(*, user: User) -> None:
    """End every session the user has open (signing out): old session cookies stop working."""
    user.session_token = new_session_token()
    db.session.flush()


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


# The signed-in user with her verksamheter, on every request: one statement, made once (its
# making costs more than running it), with plain outer joins (a nested joinedload makes SQLite
# scan every membership).
_SESSION_USER = (
    select(User)
    .outerjoin(user_verksamhet, user_verksamhet.c.user_id == User.id)
    .outerjoin(Verksamhet, Verksamhet.id == user_verksamhet.c.verksamhet_id)
    .where(User.id == bindparam("user_id"))
    .options(contains_eager(User.verksamheter))
    .order_by(Verksamhet.namn)
)


def load_session_user(session_id: str) -> User | None:
    """Return the active user for a session id of the form "<id>:<token>"."""
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.scalars(_SESSION_USER, {"user_id": int(user_id)}).unique().one_or_none()
    if user is None or not user.is_active_account or user.session_token != token:
        return None
    return user


def allow_request(*, key: str, limit: int, window: timedelta, now: datetime) -> bool:
    """Count a request for `key` in the current window; False once `limit` is exceeded."""
    return count_request(key=key, window=window, now=now) <= limit


def count_request(*, key: str, window: timedelta, now: datetime) -> int:
    """Count one more request for `key` in the current window (in SQL); return the count."""
    start = _window_start(now, window)
    counted = db.session.execute(
        update(RateLimitWindow)
        .where(RateLimitWindow.key == key, RateLimitWindow.window_start == start)
        .values(count=RateLimitWindow.count + 1)
        .returning(RateLimitWindow.count)
        .execution_options(synchronize_session=False)
    ).scalar()
    if counted is not None:
        return counted
    if _add_window(key, start):
        return 1
    return count_request(key=key, window=window, now=now)  # another worker made it first


def counted_requests(*, key: str, window: timedelta, now: datetime) -> int:
    """Return how many requests `key` has made in the current window, counting none."""
    count = db.session.scalar(
        select(RateLimitWindow.count).where(
            RateLimitWindow.key == key,
            RateLimitWindow.window_start == _window_start(now, window),
        )
    )
    return count or 0


def _window_start(now: datetime, window: timedelta) -> datetime:
    seconds = window.total_seconds()
    return datetime.fromtimestamp(now.timestamp() // seconds * seconds, tz=now.tzinfo)


def _add_window(key: str, start: datetime) -> bool:
    """Add a window counted once; False when another worker added it first."""
    try:
        with db.session.begin_nested():
            db.session.add(RateLimitWindow(key=key, window_start=start, count=1))
    except IntegrityError:
        return False
    return True


def _check_role(actor_role: Role, role: Role) -> None:
    if role not in roles_assignable_by(actor_role):
        raise PermissionDenied(N_("Du kan inte ge den rollen."), field="role")


def create_user(
    *,
    actor_role: Role,
    scope: Scope,
    email: str,
    namn: str,
    role: Role,
    verksamheter: list[Verksamhet],
    password: str | None = None,
) -> tuple[User, str]:
    """Create an account; return it with its first password (generated when not given)."""
    _check_role(actor_role, role)
    _require_managed(scope, verksamheter)
    if find_user_by_email(email):
        raise ValidationError(_address_taken(actor_role), field="email")
    if role != Role.ADMIN and not verksamheter:
        raise ValidationError(N_("Välj minst en verksamhet."), field="verksamheter")
    user = User(
        email=email.strip().lower(),
        namn=namn.strip(),
        role=role,
        verksamheter=verksamheter,
        password_hash="!",  # noqa: S106 - not a usable hash; the real one is set just below
        session_token=new_session_token(),
    )
    db.session.add(user)
    password = password or generate_temporary_password()
    set_password(user=user, password=password)
    return user, password


def _address_taken(actor_role: Role) -> str:
    """What to say when the address has an account, whichever verksamhet it is in.

    Only an admin, who sees every verksamhet, is told that it exists; a samordnare would
    otherwise learn who works in a verksamhet they cannot see.
    """
    if actor_role.is_system_wide:
        return N_("Det finns redan ett konto med den e-postadressen.")
    return N_(
        "Den e-postadressen kan inte användas för ett nytt konto. Kontakta "
        "systemadministratören om personen ska ha ett konto här."
    )


def update_user(
    *,
    actor_role: Role,
    scope: Scope,
    user: User,
    namn: str,
    role: Role,
    verksamheter: list[Verksamhet],
    is_active: bool,
) -> None:
    """Change an account's name, role, verksamheter or active flag; deactivating logs out."""
    _require_account_in(scope, user, actor_role)
    _check_role(actor_role, role)
    _require_managed(scope, verksamheter)
    if role != Role.ADMIN and not verksamheter:
        raise ValidationError(N_("Välj minst en verksamhet."), field="verksamheter")
    if user.is_active_account and not is_active:
        user.session_token = new_session_token()
    user.namn = namn.strip()
    user.role = role
    user.verksamheter = verksamheter
    user.is_active_account = is_active
    db.session.flush()


def reset_password(*, actor_role: Role, scope: Scope, user: User) -> str:
    """Give the user a new temporary password and end their sessions; return the password."""
    _require_account_in(scope, user, actor_role)
    password = generate_temporary_password()
    set_password(user=user, password=password)
    return password


def _require_managed(scope: Scope, verksamheter: list[Verksamhet]) -> None:
    """Refuse unless the actor manages every verksamhet the account is to belong to."""
    for verksamhet in verksamheter:
        scope.require(Operation.MANAGE_VERKSAMHET, verksamhet.id)


def _require_account_in(scope: Scope, user: User, actor_role: Role) -> None:
    """Refuse an account outside the actor's verksamheter, or of a role the actor cannot give.

    An account that also belongs to a verksamhet the actor does not manage is left to an
    admin: changing it would reach into that verksamhet.
    """
    if not scope.covers_all(user.verksamhet_ids):
        raise OutOfScope(NOT_YOURS)
    if user.role not in roles_assignable_by(actor_role):
        raise PermissionDenied(N_("Du kan inte ändra det kontot."))


def generate_temporary_password() -> str:
    """Return a random password that meets the password rules."""
    return f"{secrets.token_urlsafe(9)}-{secrets.randbelow(90) + 10}"
