"""a desk session can be ended on the server: each sign-in link's row records when the session it
opened was revoked (signed out, or the person's desk role taken away)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 06:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("desk_links", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("desk_links", schema=None) as batch_op:
        batch_op.drop_column("revoked_at")
