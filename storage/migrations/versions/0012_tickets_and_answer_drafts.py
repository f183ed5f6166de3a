"""passed questions become tickets the secretariat answers, and answers written after the Answer button

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-04 10:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=20)


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("asker_name", sa.String(length=200), nullable=True),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("external_user_id", sa.String(length=100), nullable=False),
        sa.Column("chat_id", sa.String(length=100), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("result_ids", sa.JSON(), nullable=False),
        sa.Column("state", _enum("ticket_state", "open", "answered", "closed"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("told", sa.Integer(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answers_sent", sa.Integer(), nullable=False),
        sa.Column("reopened", sa.Integer(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("library_id", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(["answered_by_id"], ["people.id"], name=op.f("fk_tickets_answered_by_id_people")),
        sa.ForeignKeyConstraint(["closed_by_id"], ["people.id"], name=op.f("fk_tickets_closed_by_id_people")),
        sa.ForeignKeyConstraint(["operation_id"], ["operations.id"], name=op.f("fk_tickets_operation_id_operations")),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_tickets_person_id_people")),
        sa.ForeignKeyConstraint(["question_id"], ["question_log.id"], name=op.f("fk_tickets_question_id_question_log")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("question_id", name=op.f("uq_tickets_question_id")),
    )
    op.create_index("ix_tickets_asker", "tickets", ["platform", "external_user_id"], unique=False)
    op.create_index("ix_tickets_state_created", "tickets", ["state", "created_at"], unique=False)
    op.create_table(
        "answer_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("step", _enum("answer_draft_step", "text", "confirm"), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_answer_drafts_person_id_people")),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_answer_drafts_ticket_id_tickets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_drafts")),
        sa.UniqueConstraint("person_id", name=op.f("uq_answer_drafts_person_id")),
    )


def downgrade() -> None:
    op.drop_table("answer_drafts")
    op.drop_index("ix_tickets_state_created", table_name="tickets")
    op.drop_index("ix_tickets_asker", table_name="tickets")
    op.drop_table("tickets")
