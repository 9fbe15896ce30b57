"""Who may see and do what: scoping by verksamhet and role checks for views."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user, login_required

from systemfel.auth.models import User


def scope_of(user: User) -> frozenset[int] | None:
    """Return the verksamheter whose data `user` sees; None means all of them (admin)."""
    if user.role.is_system_wide:
        return None
    return frozenset(user.verksamhet_ids)


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
