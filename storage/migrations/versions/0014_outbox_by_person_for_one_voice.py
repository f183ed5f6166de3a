"""the outbox by person for the claim's one-voice hold, and in claim order

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 14:00:00

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every claim (every few seconds) asks, for each proactive row it would take, what that person was
    # sent in the last hour and what else of theirs is due: without this index, a scan of the outbox.
    op.create_index("ix_outbox_person_kind_status", "outbox", ["person_id", "kind", "status", "due_at"])
    # The claim takes rows in (due_at, id) order. With the id in the index, PostgreSQL walks it and
    # stops at the chunk's size; without, it read and sorted every row due at the same moment (a
    # broadcast's ten thousand), testing each against the one-voice hold. SQLite's indexes end with
    # the row id anyway.
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_status_due")
        batch_op.create_index("ix_outbox_status_due", ["status", "due_at", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_status_due")
        batch_op.create_index("ix_outbox_status_due", ["status", "due_at"], unique=False)
    op.drop_index("ix_outbox_person_kind_status", table_name="outbox")
