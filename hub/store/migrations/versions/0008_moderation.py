"""moderation: domain blocks, reports, the audit log, suspension and limits, reply moderation

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 13:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.store.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = hub.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "domain_blocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("domain", sa.String(length=255), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("reject_media", sa.Boolean(), nullable=False),
        sa.Column("reject_reports", sa.Boolean(), nullable=False),
        sa.Column("public_comment", sa.Text(), nullable=False),
        sa.Column("private_comment", sa.Text(), nullable=False),
        sa.Column("obfuscate", sa.Boolean(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_domain_blocks")),
        sa.UniqueConstraint("domain", name=op.f("uq_domain_blocks_domain")),
    )
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_uri", sa.String(length=2048), nullable=True),
        sa.Column("reporter_uri", sa.String(length=2048), nullable=True),
        sa.Column("reporter_name", sa.String(length=200), nullable=True),
        sa.Column("reporter_email", sa.String(length=320), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("target_uri", sa.String(length=2048), nullable=False),
        sa.Column("local_actor_id", sa.Integer(), nullable=True),
        sa.Column("remote_actor_id", sa.Integer(), nullable=True),
        sa.Column("status_uris", sa.JSON(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=200), nullable=True),
        sa.Column("forwarded_at", WHEN, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("closed_at", WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["local_actor_id"],
            ["local_actors.id"],
            name=op.f("fk_reports_local_actor_id_local_actors"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["remote_actor_id"],
            ["remote_actors.id"],
            name=op.f("fk_reports_remote_actor_id_remote_actors"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint("activity_uri", name=op.f("uq_reports_activity_uri")),
    )
    op.create_index("ix_reports_queue", "reports", ["state", "id"], unique=False)
    op.create_index(op.f("ix_reports_local_actor_id"), "reports", ["local_actor_id"])
    op.create_index(op.f("ix_reports_remote_actor_id"), "reports", ["remote_actor_id"])
    op.create_table(
        "moderation_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("moderator", sa.String(length=320), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=2048), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reason_private", sa.Boolean(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_moderation_actions_report_id_reports"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_actions")),
    )
    op.create_index(op.f("ix_moderation_actions_action"), "moderation_actions", ["action"])
    op.create_index(op.f("ix_moderation_actions_created_at"), "moderation_actions", ["created_at"])
    for table in ("local_actors", "remote_actors"):
        op.add_column(table, sa.Column("suspended_at", WHEN, nullable=True))
        op.add_column(table, sa.Column("limited_at", WHEN, nullable=True))
    op.add_column(
        "local_actors",
        sa.Column("replies", sa.String(length=16), server_default="open", nullable=False),
    )
    op.add_column("posts", sa.Column("replies", sa.String(length=16), nullable=True))
    op.add_column(
        "remote_notes",
        sa.Column("state", sa.String(length=16), server_default="shown", nullable=False),
    )
    op.add_column(
        "remote_notes",
        sa.Column("limited", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    with op.batch_alter_table("remote_notes") as batch:
        batch.drop_column("limited")
        batch.drop_column("state")
    with op.batch_alter_table("posts") as batch:
        batch.drop_column("replies")
    with op.batch_alter_table("local_actors") as batch:
        batch.drop_column("replies")
    for table in ("local_actors", "remote_actors"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("limited_at")
            batch.drop_column("suspended_at")
    op.drop_table("moderation_actions")
    op.drop_table("reports")
    op.drop_table("domain_blocks")
