"""a notice's webinar asked in the chat and its time chosen at the preview (more /broadcast steps);
who pressed "Remind me" on a webinar's notice

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 16:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STEPS = ("text", "french", "audience", "preview")
NEW_STEPS = (*OLD_STEPS, "webinar_title", "webinar_start", "webinar_duration", "webinar_link", "time")


def _steps(steps: tuple[str, ...]) -> str:
    return "step IN (" + ", ".join(f"'{step}'" for step in steps) + ")"


def _replace_step_check(steps: tuple[str, ...]) -> None:
    # The step is text with a CHECK constraint (portable enums): a new step needs a new constraint,
    # or the database refuses the draft that reaches it. Batch mode rebuilds the table on SQLite.
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_broadcasts_broadcast_step"), type_="check")
        batch_op.create_check_constraint(op.f("ck_broadcasts_broadcast_step"), _steps(steps))


def upgrade() -> None:
    _replace_step_check(NEW_STEPS)
    op.create_table(
        "webinar_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("broadcast_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("remind_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["broadcast_id"], ["broadcasts.id"],
                                name=op.f("fk_webinar_reminders_broadcast_id_broadcasts")),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_webinar_reminders_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webinar_reminders")),
        sa.UniqueConstraint("broadcast_id", "person_id", name=op.f("uq_webinar_reminders_broadcast_id_person_id")),
    )
    op.create_index("ix_webinar_reminders_remind_at", "webinar_reminders", ["remind_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_webinar_reminders_remind_at", table_name="webinar_reminders")
    op.drop_table("webinar_reminders")
    # Drafts at a step the old schema does not know go back to their text.
    broadcasts = sa.table("broadcasts", sa.column("step", sa.String(20)))
    op.execute(broadcasts.update().where(broadcasts.c.step.not_in(OLD_STEPS)).values(step="text"))
    _replace_step_check(OLD_STEPS)
