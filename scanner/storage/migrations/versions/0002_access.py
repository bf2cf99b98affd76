"""Access: agent tokens bound to a site, dashboard users, the audit log, the inventory version, used login links.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Agent tokens made before 0002 stay without a site: the server refuses them until replaced by a bound one.
    with op.batch_alter_table("tokens") as batch:
        batch.add_column(sa.Column("site", sa.String(128)))
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(128), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("disabled_at", TS),
    )
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(160), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target", sa.String(160), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("address", sa.String(45)),
    )
    op.create_index("ix_audit_action", "audit", ["action"])
    meta = op.create_table(
        "meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(meta, [{"key": "inventory_version", "value": 1}])
    op.create_table(
        "login_links",
        sa.Column("nonce", sa.String(64), primary_key=True),
        sa.Column("used_at", TS, nullable=False),
    )


def downgrade() -> None:
    for table in ("login_links", "meta", "audit", "users"):
        op.drop_table(table)
    with op.batch_alter_table("tokens") as batch:
        batch.drop_column("site")
