"""wrong invite codes per chat account, so guessing is limited

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 22:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "invite_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invite_attempts")),
    )
    op.create_index("ix_invite_attempts_account", "invite_attempts", ["platform", "user_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_invite_attempts_account", table_name="invite_attempts")
    op.drop_table("invite_attempts")
