"""Tables of the inventory (SQLAlchemy Core). Migrations in scanner/storage/migrations create them."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

sites = Table(
    "sites", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(128), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
scans = Table(
    "scans", metadata,
    Column("id", String(36), primary_key=True),
    Column("site_id", Integer, ForeignKey("sites.id", ondelete="SET NULL")),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("status", String(16), nullable=False),  # running | finished | interrupted | timed-out | failed
    Column("targets", Text, nullable=False),
    Column("options", Text, nullable=False),
    Column("stats", Text),
    Column("uploaded_at", DateTime(timezone=True)),
)
scan_devices = Table(
    "scan_devices", metadata,
    Column("scan_id", String(36), ForeignKey("scans.id", ondelete="CASCADE"), nullable=False),
    Column("ip", String(45), nullable=False),
    Column("device", Text, nullable=False),
    Column("saved_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("scan_id", "ip", name="uq_scan_device_ip"),
)
devices = Table(
    "devices", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("site_id", Integer, ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(160), nullable=False),  # mac, else serial, else ip: what identifies it across scans
    Column("ip", String(45), nullable=False),
    Column("mac", String(17)),
    Column("vendor", String(64)),
    Column("brand", String(64)),
    Column("relation", String(32)),
    Column("model", String(128)),
    Column("serial", String(128)),
    Column("firmware", String(128)),
    Column("device_class", String(32)),
    Column("flagged", Boolean, nullable=False, default=False),
    Column("confidence", Float, nullable=False, default=0.0),
    Column("cves", Text, nullable=False, default="[]"),
    Column("kev", Boolean, nullable=False, default=False),
    Column("detail", Text, nullable=False),  # the whole device verdict as JSON (evidence, risks, designations)
    Column("status", String(16), nullable=False, default="active"),  # active | replaced | isolated | risk-accepted
    Column("first_seen", DateTime(timezone=True), nullable=False),
    Column("last_seen", DateTime(timezone=True), nullable=False),
    Column("last_scan_id", String(36)),
    UniqueConstraint("site_id", "key", name="uq_device_site_key"),
)
device_status = Table(
    "device_status", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("device_id", Integer, ForeignKey("devices.id", ondelete="CASCADE"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("actor", String(128), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("at", DateTime(timezone=True), nullable=False),
)
tokens = Table(
    "tokens", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(128), nullable=False),
    Column("role", String(16), nullable=False),  # agent (uploads) | viewer (reads) | admin (everything)
    Column("hash", String(64), nullable=False, unique=True),  # sha256 of the token; the token itself is not kept
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Column("site", String(128)),  # agent tokens: the one site they upload for and read (0002)
)
feedback = Table(
    "feedback", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("text", Text, nullable=False),
    Column("verdict", Text, nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
users = Table(  # people who sign in to the dashboard (0002)
    "users", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(128), nullable=False, unique=True),
    Column("role", String(16), nullable=False),  # viewer | admin
    Column("password_hash", String(255), nullable=False),  # argon2id, made by the server (the agent never hashes)
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("disabled_at", DateTime(timezone=True)),
)
audit = Table(  # who did what: status changes, tokens, users, sign-ins (0002)
    "audit", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(160), nullable=False),  # user:NAME, token:NAME, cli:LOGIN, login-link, anonymous
    Column("action", String(32), nullable=False),  # device.status, token.create, token.revoke, user.add, ...
    Column("target", String(160), nullable=False),  # device:ID, token:ID, user:NAME
    Column("detail", Text, nullable=False),  # JSON object
    Column("address", String(45)),  # the client address of a request, when there was one
)
meta = Table(  # counters shared by every server node (0002): inventory_version, bumped by ingest and status changes
    "meta", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", BigInteger, nullable=False),
)
login_links = Table(  # one-time login links already used (0002)
    "login_links", metadata,
    Column("nonce", String(64), primary_key=True),
    Column("used_at", DateTime(timezone=True), nullable=False),
)
tenders = Table(  # Prozorro tenders judged by `sponsorwatch tenders` or POST /api/v1/tenders/check (0003)
    "tenders", metadata,
    Column("id", String(32), primary_key=True),  # the API id (32 hex)
    Column("tender_id", String(40), index=True),  # UA-YYYY-MM-DD-NNNNNN-x
    Column("title", Text, nullable=False),
    Column("buyer_name", Text),
    Column("buyer_edrpou", String(32), index=True),
    Column("status", String(64), index=True),
    Column("amount", Float),
    Column("currency", String(8)),
    Column("cpv", Text, nullable=False),  # the items' codes, space-separated with a space either end (LIKE filters)
    Column("date_modified", String(40), nullable=False),  # the version judged
    Column("date_created", String(40)),
    Column("month", String(7), index=True),  # YYYY-MM of date_created (else date_modified)
    Column("flagged", Boolean, nullable=False, index=True),
    Column("vendors", Text, nullable=False),  # JSON list
    Column("findings", Integer, nullable=False),
    Column("result", Text, nullable=False),  # the whole result as JSON (findings, documents, notes)
    Column("source", String(16), nullable=False),  # watch | check | api
    Column("judged", Integer, nullable=False),  # versions judged: one per dateModified, never two for one
    Column("checked_at", DateTime(timezone=True), nullable=False),
)
tender_watches = Table(  # where each `tenders watch` is in the feed, to resume there (0003)
    "tender_watches", metadata,
    Column("key", String(64), primary_key=True),  # hash of the API URL and the filters
    Column("api", Text, nullable=False),
    Column("options", Text, nullable=False),  # JSON: cpv, buyer, since
    Column("feed_offset", Text),  # the feed's offset of the first page not finished
    Column("pages", BigInteger, nullable=False),
    Column("seen", BigInteger, nullable=False),
    Column("judged", BigInteger, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
webhooks = Table(  # where alerts are sent: generic JSON, Slack or Microsoft Teams incoming webhooks (0004)
    "webhooks", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(128), nullable=False),
    Column("url", Text, nullable=False),
    Column("format", String(16), nullable=False),  # json | slack | teams
    Column("secret", String(128)),  # signs generic JSON bodies (X-Sponsorwatch-Signature: sha256=HMAC)
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("disabled_at", DateTime(timezone=True)),
)
alerts = Table(  # each event once: a new sponsor device, a replaced device answering again, a KEV CVE (0004)
    "alerts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(200), nullable=False, unique=True),  # what makes the event one event
    Column("kind", String(32), nullable=False, index=True),
    Column("site_id", Integer, ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
    Column("device_id", Integer, ForeignKey("devices.id", ondelete="SET NULL")),
    Column("scan_id", String(36)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("summary", Text, nullable=False),
    Column("detail", Text, nullable=False),  # JSON object
)
alert_deliveries = Table(  # one per alert and webhook: pending -> sent | failed | cancelled (0004)
    "alert_deliveries", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alert_id", Integer, ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
    Column("webhook_id", Integer, ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_at", DateTime(timezone=True), nullable=False, index=True),
    Column("sent_at", DateTime(timezone=True)),
    Column("last_error", Text),
    UniqueConstraint("alert_id", "webhook_id", name="uq_delivery_alert_webhook"),
)
