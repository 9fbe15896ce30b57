"""Who may see and do what: the request's Scope and role checks for views."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, g
from flask_login import current_user, login_required

from systemfel.auth.domain import Role
from systemfel.auth.models import User
from systemfel.extensions import db
from systemfel.verksamheter.domain import Operation
from systemfel.verksamheter.scope import Scope


def scope_for(user: User) -> Scope:
    """Build the Scope of a signed-in user: their verksamheter and what their role allows."""
    return Scope(
        verksamhet_ids=None if user.role.is_system_wide else frozenset(user.verksamhet_ids),
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


def requires(operation: Operation) -> Callable:
    """Allow the view only to signed-in users whose Scope allows `operation` somewhere."""
    return _only_if(lambda scope: scope.allows(operation))


def requires_everything(view: Callable) -> Callable:
    """Allow the view only to a scope over every verksamhet (the system administrator)."""
    return _only_if(lambda scope: scope.is_everything)(view)


def _only_if(allowed: Callable[[Scope], bool]) -> Callable:
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not allowed(current_scope()):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
