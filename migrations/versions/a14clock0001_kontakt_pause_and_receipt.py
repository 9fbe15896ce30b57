"""kontakt: the clock to the answer deadline can pause; a myndighet can confirm receipt

Revision ID: a14clock0001
Revises: d4e7a1c9b2f0
Create Date: 2026-12-01 17:04:12.691320

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a14clock0001"
down_revision = "d4e7a1c9b2f0"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("kontakt", schema=None) as batch_op:
        batch_op.add_column(sa.Column("paused_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("resumed_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "pause_orsak",
                sa.Enum("komplettering", "samtycke", name="pausorsak", native_enum=False, length=32),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "acknowledged_handlaggare",
                sa.String(length=200),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(
            sa.Column(
                "acknowledged_diarienummer",
                sa.String(length=100),
                nullable=False,
                server_default="",
            )
        )


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+): a batch copy of a table other tables point at
    # cannot be dropped while foreign keys are on.
    op.drop_column("kontakt", "acknowledged_diarienummer")
    op.drop_column("kontakt", "acknowledged_handlaggare")
    op.drop_column("kontakt", "acknowledged_at")
    op.drop_column("kontakt", "pause_orsak")
    op.drop_column("kontakt", "resumed_on")
    op.drop_column("kontakt", "paused_at")
    op.drop_column("kontakt", "paused_on")
