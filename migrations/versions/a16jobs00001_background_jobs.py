"""Background jobs the scheduler claims, and their result files in parts

Revision ID: a16jobs00001
Revises: a13meet00001
Create Date: 2026-12-01 20:05:00

"""

import sqlalchemy as sa
from alembic import op

import systemfel.dbtypes

# revision identifiers, used by Alembic.
revision = "a16jobs00001"
down_revision = "a16list00001"
branch_labels = None
depends_on = None

STATES = ("vantar", "pagar", "klar", "misslyckades")


def upgrade():
    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("title_args", sa.JSON(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("verksamhet_ids", sa.JSON(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("active_key", sa.String(length=64), nullable=True),
        sa.Column("request_key", sa.String(length=64), nullable=False),
        sa.Column(
            "state",
            sa.Enum(*STATES, name="jobstate", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=200), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=False),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("lease_until", systemfel.dbtypes.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", systemfel.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", systemfel.dbtypes.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", systemfel.dbtypes.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", systemfel.dbtypes.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_job_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
        sa.UniqueConstraint("active_key", name=op.f("uq_job_active_key")),
    )
    op.create_index("ix_job_state_id", "job", ["state", "id"])
    op.create_index(op.f("ix_job_request_key"), "job", ["request_key"])
    op.create_index(op.f("ix_job_expires_at"), "job", ["expires_at"])
    op.create_table(
        "job_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("mimetype", sa.String(length=200), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["job.id"], name=op.f("fk_job_file_job_id_job"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_file")),
    )
    op.create_index(op.f("ix_job_file_job_id"), "job_file", ["job_id"])
    op.create_table(
        "job_file_part",
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["job_file.id"], name=op.f("fk_job_file_part_file_id_job_file"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("file_id", "seq", name=op.f("pk_job_file_part")),
    )


def downgrade():
    op.drop_table("job_file_part")
    op.drop_index(op.f("ix_job_file_job_id"), table_name="job_file")
    op.drop_table("job_file")
    op.drop_index(op.f("ix_job_expires_at"), table_name="job")
    op.drop_index(op.f("ix_job_request_key"), table_name="job")
    op.drop_index("ix_job_state_id", table_name="job")
    op.drop_table("job")
