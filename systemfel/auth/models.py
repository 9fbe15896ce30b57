"""User accounts and the verksamheter each user belongs to."""

import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from systemfel.auth.domain import Role
from systemfel.dbtypes import UTCDateTime, text_enum, utcnow
from systemfel.extensions import Model, db
from systemfel.verksamheter.models import Verksamhet

user_verksamhet = sa.Table(
    "user_verksamhet",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("verksamhet_id", sa.ForeignKey("verksamhet.id"), primary_key=True),
)


def new_session_token() -> str:
    """Return a fresh token; changing it logs the user out everywhere."""
    return secrets.token_urlsafe(24)


class User(UserMixin, Model):
    """A staff account: ombud, samordnare, ledningsgrupp member or admin."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    namn: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(text_enum(Role))
    is_active_account: Mapped[bool] = mapped_column("is_active", default=True)
    session_token: Mapped[str] = mapped_column(sa.String(64), default=new_session_token)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Loaded on use; the signed-in user's are loaded with the user (load_session_user).
    verksamheter: Mapped[list[Verksamhet]] = relationship(
        secondary=user_verksamhet, order_by=Verksamhet.namn
    )

    @property
    def is_active(self) -> bool:
        """Deactivated accounts cannot log in (Flask-Login reads this)."""
        return self.is_active_account

    def get_id(self) -> str:
        """Identify the session by id and token, so a password reset ends old sessions."""
        return f"{self.id}:{self.session_token}"

    @property
    def verksamhet_ids(self) -> set[int]:
        """Return the ids of the verksamheter the user belongs to."""
        return {verksamhet.id for verksamhet in self.verksamheter}

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


class RateLimitWindow(Model):
    """How many requests one key (e.g. an address on the answer page) made in one window.

    Kept in the database so the limit holds across web workers.
    """

    __tablename__ = "rate_limit_window"

    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    count: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<RateLimitWindow {self.key} {self.window_start} {self.count}>"
