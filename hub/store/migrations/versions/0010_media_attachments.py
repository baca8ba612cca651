"""media attachments, posts.attachments, coop favourites/boosts,
scheduled statuses, markers, local_actors.avatar_file/header_file

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.store.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "media_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("local_actor_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("file_name", sa.String(length=80), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("blurhash", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", hub.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["local_actor_id"],
            ["local_actors.id"],
            name=op.f("fk_media_attachments_local_actor_id_local_actors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["posts.id"],
            name=op.f("fk_media_attachments_post_id_posts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_attachments")),
        sa.UniqueConstraint("file_name", name=op.f("uq_media_attachments_file_name")),
    )
    with op.batch_alter_table("media_attachments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_media_attachments_local_actor_id"), ["local_actor_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_media_attachments_post_id"), ["post_id"], unique=False)
    with op.batch_alter_table("local_actors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("avatar_file", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("header_file", sa.String(length=80), nullable=True))
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("attachments", sa.JSON(), nullable=False, server_default="[]")
        )

    op.create_table(
        "coop_interactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("like", "announce", name="interaction_kind", native_enum=False,
                                  length=16), nullable=False),
        sa.Column("local_actor_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("remote_note_id", sa.Integer(), nullable=True),
        sa.Column("activity_uri", sa.String(length=2048), nullable=True),
        sa.Column("created_at", hub.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["local_actor_id"], ["local_actors.id"],
                                name=op.f("fk_coop_interactions_local_actor_id_local_actors"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"],
                                name=op.f("fk_coop_interactions_post_id_posts"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["remote_note_id"], ["remote_notes.id"],
                                name=op.f("fk_coop_interactions_remote_note_id_remote_notes"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coop_interactions")),
    )  # fmt: skip
    with op.batch_alter_table("coop_interactions", schema=None) as batch_op:
        for column in ("local_actor_id", "post_id", "remote_note_id"):
            batch_op.create_index(batch_op.f(f"ix_coop_interactions_{column}"), [column])
    op.create_table(
        "scheduled_statuses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("local_actor_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("scheduled_at", hub.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_at", hub.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", hub.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["local_actor_id"], ["local_actors.id"],
                                name=op.f("fk_scheduled_statuses_local_actor_id_local_actors"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"],
                                name=op.f("fk_scheduled_statuses_person_id_people"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_statuses")),
    )  # fmt: skip
    with op.batch_alter_table("scheduled_statuses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scheduled_statuses_local_actor_id"), ["local_actor_id"]
        )
        batch_op.create_index("ix_scheduled_statuses_due", ["published_at", "scheduled_at"])
    op.create_table(
        "markers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("local_actor_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("timeline", sa.String(length=16), nullable=False),
        sa.Column("last_read_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", hub.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["local_actor_id"], ["local_actors.id"],
                                name=op.f("fk_markers_local_actor_id_local_actors"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"],
                                name=op.f("fk_markers_person_id_people"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_markers")),
    )  # fmt: skip
    with op.batch_alter_table("markers", schema=None) as batch_op:
        batch_op.create_index("ix_markers_owner", ["local_actor_id", "person_id", "timeline"])


def downgrade() -> None:
    op.drop_table("markers")
    with op.batch_alter_table("local_actors", schema=None) as batch_op:
        batch_op.drop_column("header_file")
        batch_op.drop_column("avatar_file")
    op.drop_table("scheduled_statuses")
    op.drop_table("coop_interactions")
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_column("attachments")
    with op.batch_alter_table("media_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_attachments_post_id"))
        batch_op.drop_index(batch_op.f("ix_media_attachments_local_actor_id"))
    op.drop_table("media_attachments")
