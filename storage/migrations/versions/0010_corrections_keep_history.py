"""which check-in gave an update, and the update it corrects, so corrections keep the history

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 10:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("action_updates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("checkin_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("supersedes_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_action_updates_checkin_id_checkin_sessions"), "checkin_sessions",
                                    ["checkin_id"], ["id"])
        batch_op.create_foreign_key(batch_op.f("fk_action_updates_supersedes_id_action_updates"), "action_updates",
                                    ["supersedes_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("action_updates", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_action_updates_supersedes_id_action_updates"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_action_updates_checkin_id_checkin_sessions"), type_="foreignkey")
        batch_op.drop_column("supersedes_id")
        batch_op.drop_column("checkin_id")
