"""live replies go through the outbox: a row may name its chat instead of a person

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 22:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("person_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("platform", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("chat_id", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("thread", sa.String(length=100), nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM outbox WHERE person_id IS NULL")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("thread")
        batch_op.drop_column("chat_id")
        batch_op.drop_column("platform")
        batch_op.alter_column("person_id", existing_type=sa.Integer(), nullable=False)
