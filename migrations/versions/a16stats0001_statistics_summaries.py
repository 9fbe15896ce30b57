"""The statistics page's summaries per verksamhet, counted afresh by the scheduler

Revision ID: a16stats0001
Revises: a13meet00001
Create Date: 2026-12-01 19:50:00

The tables start empty, with the refresh row saying "never counted": until the scheduler's
first run (at its start) or `systemfel statistik uppdatera`, the page counts live, as before.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a16stats0001"
down_revision = "a13meet00001"
branch_labels = None
depends_on = None


def upgrade():
    refresh = op.create_table(
        "statistics_refresh",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("computed_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statistics_refresh")),
    )
    op.bulk_insert(refresh, [{"id": 1, "computed_at": None, "computed_on": None}])
    op.create_table(
        "statistics_count",
        sa.Column("verksamhet_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("dimension", sa.String(length=20), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "verksamhet_id", "year", "dimension", "label", name=op.f("pk_statistics_count")
        ),
    )
    op.create_table(
        "statistics_year",
        sa.Column("verksamhet_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("new", sa.Integer(), nullable=False),
        sa.Column("closed", sa.Integer(), nullable=False),
        sa.Column("open_at_end", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("verksamhet_id", "year", name=op.f("pk_statistics_year")),
    )
    op.create_table(
        "statistics_closing_days",
        sa.Column("verksamhet_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "verksamhet_id", "year", "days", name=op.f("pk_statistics_closing_days")
        ),
    )
    op.create_table(
        "statistics_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("verksamhet_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("myndighet", sa.String(length=200), nullable=False),
        sa.Column("days", sa.Integer(), nullable=True),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("late", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statistics_answers")),
    )
    op.create_index(
        "ix_statistics_answers_verksamhet_year",
        "statistics_answers",
        ["verksamhet_id", "year"],
    )
    op.create_table(
        "statistics_promises",
        sa.Column("verksamhet_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("myndighet", sa.String(length=200), nullable=False),
        sa.Column("kept", sa.Integer(), nullable=False),
        sa.Column("broken", sa.Integer(), nullable=False),
        sa.Column("pending", sa.Integer(), nullable=False),
        sa.Column("other", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "verksamhet_id", "year", "myndighet", name=op.f("pk_statistics_promises")
        ),
    )
    op.create_table(
        "statistics_fixes",
        sa.Column("verksamhet_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("closed_fixed", sa.Integer(), nullable=False),
        sa.Column("checked", sa.Integer(), nullable=False),
        sa.Column("lasting", sa.Integer(), nullable=False),
        sa.Column("returned", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("verksamhet_id", "year", name=op.f("pk_statistics_fixes")),
    )


def downgrade():
    op.drop_table("statistics_fixes")
    op.drop_table("statistics_promises")
    op.drop_index("ix_statistics_answers_verksamhet_year", table_name="statistics_answers")
    op.drop_table("statistics_answers")
    op.drop_table("statistics_closing_days")
    op.drop_table("statistics_year")
    op.drop_table("statistics_count")
    op.drop_table("statistics_refresh")
