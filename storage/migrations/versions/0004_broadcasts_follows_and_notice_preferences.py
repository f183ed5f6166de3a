"""broadcasts, topic follows and notice preferences

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 14:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=20)


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notices", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column("timezone", sa.String(length=60), nullable=True))
    op.create_table(
        "topic_follows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_topic_follows_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topic_follows")),
        sa.UniqueConstraint("person_id", "topic", name=op.f("uq_topic_follows_person_id_topic")),
    )
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", _enum("broadcast_status", "draft", "scheduled", "released", "cancelled"), nullable=False),
        sa.Column("step", _enum("broadcast_step", "text", "french", "audience", "preview"), nullable=True),
        sa.Column("text_en", sa.Text(), nullable=True),
        sa.Column("text_fr", sa.Text(), nullable=True),
        sa.Column("webinar", sa.JSON(), nullable=True),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("send_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("targeted", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["people.id"], name=op.f("fk_broadcasts_created_by_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcasts")),
    )
    op.create_index("ix_broadcasts_status_send_at", "broadcasts", ["status", "send_at"], unique=False)
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("broadcast_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f("fk_outbox_broadcast_id_broadcasts"), "broadcasts", ["broadcast_id"], ["id"])
        batch_op.create_index(op.f("ix_outbox_broadcast_id"), ["broadcast_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(op.f("ix_outbox_broadcast_id"))
        batch_op.drop_constraint(op.f("fk_outbox_broadcast_id_broadcasts"), type_="foreignkey")
        batch_op.drop_column("broadcast_id")
    op.drop_index("ix_broadcasts_status_send_at", table_name="broadcasts")
    op.drop_table("broadcasts")
    op.drop_table("topic_follows")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("timezone")
        batch_op.drop_column("notices")
