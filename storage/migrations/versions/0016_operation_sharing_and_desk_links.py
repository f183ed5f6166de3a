"""each operation's sharing level (what other operations may see of its plan); the web desk's
single-use sign-in links

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 09:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing operations share nothing until their HC or the secretariat says otherwise.
    with op.batch_alter_table("operations", schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            "sharing",
            sa.Enum("none", "peers", "all", name="sharing", native_enum=False, create_constraint=True, length=20),
            nullable=False, server_default="none"))
    op.create_table(
        "desk_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_desk_links_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_desk_links_token_hash")),
    )


def downgrade() -> None:
    op.drop_table("desk_links")
    with op.batch_alter_table("operations", schema=None) as batch_op:
        batch_op.drop_column("sharing")
