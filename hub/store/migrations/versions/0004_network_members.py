"""network members: coops on other servers that the network Group follows and re-shares

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.store.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "network_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("remote_actor_id", sa.Integer(), nullable=False),
        sa.Column("handle", sa.String(length=320), nullable=False),
        sa.Column("added_at", hub.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["remote_actor_id"],
            ["remote_actors.id"],
            name=op.f("fk_network_members_remote_actor_id_remote_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_members")),
        sa.UniqueConstraint("handle", name=op.f("uq_network_members_handle")),
        sa.UniqueConstraint("remote_actor_id", name=op.f("uq_network_members_remote_actor_id")),
    )


def downgrade() -> None:
    op.drop_table("network_members")
