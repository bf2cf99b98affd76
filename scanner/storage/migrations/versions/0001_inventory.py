"""Inventory: sites, scans, scan devices, devices with status history, tokens, feedback.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sites",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(128), nullable=False, unique=True),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "scans",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("site_id", sa.Integer, sa.ForeignKey("sites.id", ondelete="SET NULL")),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("finished_at", TS),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("targets", sa.Text, nullable=False),
        sa.Column("options", sa.Text, nullable=False),
        sa.Column("stats", sa.Text),
        sa.Column("uploaded_at", TS),
    )
    op.create_table(
        "scan_devices",
        sa.Column("scan_id", sa.String(36), sa.ForeignKey("scans.id", ondelete="CASCADE"), nullable=False),
        sa.Column("ip", sa.String(45), nullable=False),
        sa.Column("device", sa.Text, nullable=False),
        sa.Column("saved_at", TS, nullable=False),
        sa.UniqueConstraint("scan_id", "ip", name="uq_scan_device_ip"),
    )
    op.create_table(
        "devices",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("site_id", sa.Integer, sa.ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
        sa.Column("key", sa.String(160), nullable=False),
        sa.Column("ip", sa.String(45), nullable=False),
        sa.Column("mac", sa.String(17)),
        sa.Column("vendor", sa.String(64)),
        sa.Column("brand", sa.String(64)),
        sa.Column("relation", sa.String(32)),
        sa.Column("model", sa.String(128)),
        sa.Column("serial", sa.String(128)),
        sa.Column("firmware", sa.String(128)),
        sa.Column("device_class", sa.String(32)),
        sa.Column("flagged", sa.Boolean, nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("cves", sa.Text, nullable=False),
        sa.Column("kev", sa.Boolean, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("first_seen", TS, nullable=False),
        sa.Column("last_seen", TS, nullable=False),
        sa.Column("last_scan_id", sa.String(36)),
        sa.UniqueConstraint("site_id", "key", name="uq_device_site_key"),
    )
    op.create_index("ix_devices_vendor", "devices", ["vendor"])
    op.create_index("ix_devices_flagged", "devices", ["flagged"])
    op.create_table(
        "device_status",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("device_id", sa.Integer, sa.ForeignKey("devices.id", ondelete="CASCADE"), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("at", TS, nullable=False),
    )
    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("revoked_at", TS),
    )
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("verdict", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )


def downgrade() -> None:
    for table in ("feedback", "tokens", "device_status", "devices", "scan_devices", "scans", "sites"):
        op.drop_table(table)
