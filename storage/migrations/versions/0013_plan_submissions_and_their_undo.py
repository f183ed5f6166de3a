"""each submission of a plan's update is kept (who, when, what it replaced), so it can be undone; the
"mark as sent?" question waiting for its yes or no

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 12:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plan_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("replaced_submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["plan_id"], ["action_plans.id"],
                                name=op.f("fk_plan_submissions_plan_id_action_plans")),
        sa.ForeignKeyConstraint(["submitted_by_id"], ["people.id"],
                                name=op.f("fk_plan_submissions_submitted_by_id_people")),
        sa.ForeignKeyConstraint(["undone_by_id"], ["people.id"], name=op.f("fk_plan_submissions_undone_by_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_submissions")),
    )
    op.create_index("ix_plan_submissions_plan", "plan_submissions", ["plan_id", "submitted_at"], unique=False)
    # Plans marked as sent before this table existed get their row (by whom is not known), so that
    # an undo within the 7 days works for them too.
    op.execute("INSERT INTO plan_submissions (plan_id, submitted_at) "
               "SELECT id, submitted_at FROM action_plans WHERE submitted_at IS NOT NULL")
    op.create_table(
        "submission_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_submission_questions_person_id_people")),
        sa.ForeignKeyConstraint(["plan_id"], ["action_plans.id"],
                                name=op.f("fk_submission_questions_plan_id_action_plans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission_questions")),
        sa.UniqueConstraint("person_id", name=op.f("uq_submission_questions_person_id")),
    )


def downgrade() -> None:
    op.drop_table("submission_questions")
    op.drop_index("ix_plan_submissions_plan", table_name="plan_submissions")
    op.drop_table("plan_submissions")
