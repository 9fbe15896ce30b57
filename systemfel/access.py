"""Who may see and do what: the request's Scope and role checks for views."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, g
from flask_login import current_user, login_required

from systemfel.auth.domain import Role
from systemfel.auth.models import User
from systemfel.extensions import db
from systemfel.verksamheter.scope import Scope


def scope_of(user: User) -> frozenset[int] | None:
    """Return the verksamheter whose data `user` sees; None means all of them (admin)."""
    if user.role.is_system_wide:
        return None
    return frozenset(user.verksamhet_ids)


def scope_for(user: User) -> Scope:
    """Build the Scope of a signed-in user: their verksamheter and what their role allows."""
    return Scope(
        verksamhet_ids=scope_of(user),
        operations=user.role.operations,
        member_user_id=user.id if user.role == Role.LEDNINGSGRUPP else None,
    )


def signed_in_user() -> User:
    """The signed-in User itself, not Flask-Login's proxy (for services that keep it)."""
    user = db.session.get(User, current_user.id)
    if user is None:
        abort(401)
    return user


def current_scope() -> Scope:
    """The signed-in user's Scope, built once per request."""
    if "scope" not in g:
        g.scope = scope_for(current_user)
    return g.scope


def requires(permission: str) -> Callable:
    """Allow the view only to signed-in users whose role has `permission` (a Role property)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not getattr(current_user.role, permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
