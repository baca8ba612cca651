"""cancelled and rejected registrations for the organisers; indexes for the feeds' marker

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-28 15:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.store.types

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAMP = hub.store.types.UTCDateTime(timezone=True)
LINKS = ("event_id", "remote_actor_id", "web_registration_id")
STAMPS = ("published_at", "updated_at", "deleted_at")
COOP_STAMPS = ("updated_at", "deleted_at")


def upgrade() -> None:
    op.create_table(
        "event_withdrawals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("remote_actor_id", sa.Integer(), nullable=True),
        sa.Column("web_registration_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("registered_at", STAMP, nullable=False),
        sa.Column("withdrawn_at", STAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_withdrawals_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["remote_actor_id"],
            ["remote_actors.id"],
            name=op.f("fk_event_withdrawals_remote_actor_id_remote_actors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["web_registration_id"],
            ["web_registrations.id"],
            name=op.f("fk_event_withdrawals_web_registration_id_web_registrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_withdrawals")),
    )
    with op.batch_alter_table("event_withdrawals", schema=None) as batch_op:
        for name in LINKS:
            batch_op.create_index(batch_op.f(f"ix_event_withdrawals_{name}"), [name])
    with op.batch_alter_table("events", schema=None) as batch_op:
        for name in STAMPS:
            batch_op.create_index(f"ix_events_{name}", [name])
    with op.batch_alter_table("local_actors", schema=None) as batch_op:
        for name in COOP_STAMPS:
            batch_op.create_index(batch_op.f(f"ix_local_actors_{name}"), [name])


def downgrade() -> None:
    with op.batch_alter_table("local_actors", schema=None) as batch_op:
        for name in COOP_STAMPS:
            batch_op.drop_index(batch_op.f(f"ix_local_actors_{name}"))
    with op.batch_alter_table("events", schema=None) as batch_op:
        for name in STAMPS:
            batch_op.drop_index(f"ix_events_{name}")
    op.drop_table("event_withdrawals")
