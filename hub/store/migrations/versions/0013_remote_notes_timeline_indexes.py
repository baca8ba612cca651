"""timeline indexes on remote_notes: remote members' notes newest first, replies to them

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("remote_notes", schema=None) as batch_op:
        batch_op.create_index("ix_remote_notes_timeline", ["published_at", "id"], unique=False)
        # Only replies: most notes reply to nothing, and a smaller index is cheaper to keep.
        batch_op.create_index(
            "ix_remote_notes_in_reply_to_uri",
            ["in_reply_to_uri"],
            unique=False,
            sqlite_where=sa.text("in_reply_to_uri IS NOT NULL"),
            postgresql_where=sa.text("in_reply_to_uri IS NOT NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("remote_notes", schema=None) as batch_op:
        batch_op.drop_index("ix_remote_notes_in_reply_to_uri")
        batch_op.drop_index("ix_remote_notes_timeline")
