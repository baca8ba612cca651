"""web registrations (double opt-in), outgoing mails, event reminders and data purging

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 13:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.store.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAMP = hub.store.types.UTCDateTime(timezone=True)
EVENT_STAMPS = (
    "registration_opens_at",
    "opening_reminded_at",
    "day_before_reminded_at",
    "personal_data_purged_at",
)


def upgrade() -> None:
    op.create_table(
        "web_registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("whole_series", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("confirm_hash", sa.String(length=64), nullable=True),
        sa.Column("manage_hash", sa.String(length=64), nullable=True),
        sa.Column("ip_hash", sa.String(length=64), nullable=True),
        sa.Column("confirmed_at", STAMP, nullable=True),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("purged_at", STAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_web_registrations_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_registrations")),
        sa.UniqueConstraint("confirm_hash", name=op.f("uq_web_registrations_confirm_hash")),
        sa.UniqueConstraint("manage_hash", name=op.f("uq_web_registrations_manage_hash")),
    )
    with op.batch_alter_table("web_registrations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_registrations_event_id"), ["event_id"])
        batch_op.create_index(batch_op.f("ix_web_registrations_ip_hash"), ["ip_hash"])
        batch_op.create_index("ix_web_registrations_email", ["email", "created_at"])
    op.create_table(
        "outgoing_mails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", STAMP, nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", STAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_mails")),
    )
    with op.batch_alter_table("outgoing_mails", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outgoing_mails_next_attempt_at"), ["next_attempt_at"])
    with op.batch_alter_table("events", schema=None) as batch_op:
        for name in EVENT_STAMPS:
            batch_op.add_column(sa.Column(name, STAMP, nullable=True))
        for name in ("remind_opening", "remind_day_before"):
            batch_op.add_column(
                sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.false())
            )
    with op.batch_alter_table("events", schema=None) as batch_op:
        for name in ("remind_opening", "remind_day_before"):
            batch_op.alter_column(name, server_default=None)
    with op.batch_alter_table("event_participants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("web_registration_id", sa.Integer(), nullable=True))
        batch_op.alter_column("remote_actor_id", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("join_uri", existing_type=sa.String(length=2048), nullable=True)
        batch_op.create_foreign_key(
            batch_op.f("fk_event_participants_web_registration_id_web_registrations"),
            "web_registrations",
            ["web_registration_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_unique_constraint(
            "uq_event_participants_web", ["event_id", "web_registration_id"]
        )
        batch_op.create_index(
            batch_op.f("ix_event_participants_web_registration_id"), ["web_registration_id"]
        )


def downgrade() -> None:
    op.execute("DELETE FROM event_participants WHERE remote_actor_id IS NULL")
    with op.batch_alter_table("event_participants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_participants_web_registration_id"))
        batch_op.drop_constraint("uq_event_participants_web", type_="unique")
        batch_op.drop_constraint(
            batch_op.f("fk_event_participants_web_registration_id_web_registrations"),
            type_="foreignkey",
        )
        batch_op.alter_column("join_uri", existing_type=sa.String(length=2048), nullable=False)
        batch_op.alter_column("remote_actor_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("web_registration_id")
    with op.batch_alter_table("events", schema=None) as batch_op:
        for name in (*EVENT_STAMPS, "remind_opening", "remind_day_before"):
            batch_op.drop_column(name)
    op.drop_table("outgoing_mails")
    op.drop_table("web_registrations")
