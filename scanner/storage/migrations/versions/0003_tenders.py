"""Tenders: judged Prozorro tenders and the checkpoints of `sponsorwatch tenders watch`.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "tenders",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("tender_id", sa.String(40)),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("buyer_name", sa.Text),
        sa.Column("buyer_edrpou", sa.String(32)),
        sa.Column("status", sa.String(64)),
        sa.Column("amount", sa.Float),
        sa.Column("currency", sa.String(8)),
        sa.Column("cpv", sa.Text, nullable=False),
        sa.Column("date_modified", sa.String(40), nullable=False),
        sa.Column("date_created", sa.String(40)),
        sa.Column("month", sa.String(7)),
        sa.Column("flagged", sa.Boolean, nullable=False),
        sa.Column("vendors", sa.Text, nullable=False),
        sa.Column("findings", sa.Integer, nullable=False),
        sa.Column("result", sa.Text, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("judged", sa.Integer, nullable=False),
        sa.Column("checked_at", TS, nullable=False),
    )
    for column in ("tender_id", "buyer_edrpou", "status", "month", "flagged"):
        op.create_index(f"ix_tenders_{column}", "tenders", [column])
    op.create_table(
        "tender_watches",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("api", sa.Text, nullable=False),
        sa.Column("options", sa.Text, nullable=False),
        sa.Column("feed_offset", sa.Text),
        sa.Column("pages", sa.BigInteger, nullable=False),
        sa.Column("seen", sa.BigInteger, nullable=False),
        sa.Column("judged", sa.BigInteger, nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("tender_watches")
    for column in ("tender_id", "buyer_edrpou", "status", "month", "flagged"):
        op.drop_index(f"ix_tenders_{column}", "tenders")
    op.drop_table("tenders")
