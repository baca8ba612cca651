"""index remote_actors.key_id: every signature check looks a key up by it

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("remote_actors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_remote_actors_key_id"), ["key_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("remote_actors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_remote_actors_key_id"))
