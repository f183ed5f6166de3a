"""each chat account's last question and its results, so paging and follow-ups survive a restart

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 10:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "answer_pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("external_user_id", sa.String(length=100), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("product_ids", sa.JSON(), nullable=False),
        sa.Column("shown", sa.Integer(), nullable=False),
        sa.Column("log_id", sa.Integer(), nullable=True),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["log_id"], ["question_log.id"], name=op.f("fk_answer_pages_log_id_question_log")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_pages")),
        sa.UniqueConstraint("platform", "external_user_id", name=op.f("uq_answer_pages_platform_external_user_id")),
    )


def downgrade() -> None:
    op.drop_table("answer_pages")
