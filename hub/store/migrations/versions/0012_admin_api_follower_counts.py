"""reports.assigned_person_id (admin API), follower_counts (daily reach history)

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assigned_person_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_reports_assigned_person_id_people"),
            "people",
            ["assigned_person_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_table(
        "follower_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("local_actor_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("followers", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["local_actor_id"],
            ["local_actors.id"],
            name=op.f("fk_follower_counts_local_actor_id_local_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follower_counts")),
        sa.UniqueConstraint(
            "local_actor_id", "day", name=op.f("uq_follower_counts_local_actor_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("follower_counts")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_reports_assigned_person_id_people"), type_="foreignkey"
        )
        batch_op.drop_column("assigned_person_id")
