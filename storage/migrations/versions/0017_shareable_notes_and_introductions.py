"""notes their authors mark shareable with peers; introductions between operations ("Put me in
touch")

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 04:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Notes written before this existed were never offered for sharing: they stay private.
    with op.batch_alter_table("action_updates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shareable", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "introductions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=80), nullable=False),
        sa.Column("state", sa.Enum("pending", "accepted", "declined", name="introduction_state",
                                   native_enum=False, create_constraint=True, length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["action_id"], ["actions.id"], name=op.f("fk_introductions_action_id_actions")),
        sa.ForeignKeyConstraint(["recipient_id"], ["people.id"], name=op.f("fk_introductions_recipient_id_people")),
        sa.ForeignKeyConstraint(["requester_id"], ["people.id"], name=op.f("fk_introductions_requester_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_introductions")),
    )
    op.create_index("ix_introductions_pair_topic", "introductions", ["requester_id", "recipient_id", "topic"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_introductions_pair_topic", table_name="introductions")
    op.drop_table("introductions")
    with op.batch_alter_table("action_updates", schema=None) as batch_op:
        batch_op.drop_column("shareable")
