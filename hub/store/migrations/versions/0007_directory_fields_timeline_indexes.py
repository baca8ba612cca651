"""directory fields on local_actors (sector, region, legal form); timeline indexes on posts

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DIRECTORY_COLUMNS = ("sector", "region", "legal_form")


def upgrade() -> None:
    with op.batch_alter_table("local_actors", schema=None) as batch_op:
        for name in DIRECTORY_COLUMNS:
            batch_op.add_column(sa.Column(name, sa.String(length=100), nullable=True))
            batch_op.create_index(batch_op.f(f"ix_local_actors_{name}"), [name], unique=False)
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.create_index("ix_posts_timeline", ["published_at", "id"], unique=False)
        batch_op.create_index(
            "ix_posts_coop_timeline", ["local_actor_id", "published_at", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_index("ix_posts_coop_timeline")
        batch_op.drop_index("ix_posts_timeline")
    with op.batch_alter_table("local_actors", schema=None) as batch_op:
        for name in DIRECTORY_COLUMNS:
            batch_op.drop_index(batch_op.f(f"ix_local_actors_{name}"))
            batch_op.drop_column(name)
