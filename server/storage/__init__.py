"""The local inventory: scans and the devices they found (SQLAlchemy Core; SQLite in the instance folder by default,
any SQLAlchemy URL via DATABASE_URL). The only code in the project that knows SQL."""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    ForeignKey,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

DEFAULT_DB = Path("instance") / "sponsorwatch.db"
metadata = MetaData()

scans = Table(
    "scans", metadata,
    Column("id", String(36), primary_key=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("status", String(16), nullable=False),  # running | finished | interrupted | timed-out | failed
    Column("targets", Text, nullable=False),
    Column("options", Text, nullable=False),
    Column("stats", Text),
)
scan_devices = Table(
    "scan_devices", metadata,
    Column("scan_id", String(36), ForeignKey("scans.id", ondelete="CASCADE"), nullable=False),
    Column("ip", String(45), nullable=False),
    Column("device", Text, nullable=False),
    Column("saved_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("scan_id", "ip", name="uq_scan_device_ip"),
)


def database_url(explicit: str | None = None) -> str:
    url = explicit or os.environ.get("DATABASE_URL")
    if url:
        return url
    DEFAULT_DB.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_DB}"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Inventory:
    """Scans and their devices. Each device is written as soon as it is found (one short transaction)."""

    def __init__(self, url: str | None = None) -> None:
        self.url = database_url(url)
        self.engine: Engine = create_engine(self.url, future=True)
        if self.engine.dialect.name == "sqlite":
            @event.listens_for(self.engine, "connect")
            def _pragmas(dbapi_conn: Any, _record: Any) -> None:
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA foreign_keys=ON")
                cur.execute("PRAGMA busy_timeout=5000")
                cur.close()
        metadata.create_all(self.engine)

    def start_scan(self, targets: list[str], options: dict[str, Any]) -> str:
        scan_id = str(uuid.uuid4())
        with self.engine.begin() as conn:
            conn.execute(scans.insert().values(id=scan_id, started_at=_now(), status="running",
                                               targets=json.dumps(targets), options=json.dumps(options)))
        return scan_id

    def reopen_scan(self, scan_id: str) -> dict[str, Any]:
        """A scan to resume: its targets and options; marks it running again."""
        with self.engine.begin() as conn:
            row = conn.execute(select(scans).where(scans.c.id == scan_id)).mappings().first()
            if row is None:
                raise KeyError(f"no scan {scan_id!r} in {self.url}")
            conn.execute(update(scans).where(scans.c.id == scan_id).values(status="running", finished_at=None))
        return {"targets": json.loads(row["targets"]), "options": json.loads(row["options"])}

    def save_device(self, scan_id: str, device: dict[str, Any]) -> None:
        values = {"scan_id": scan_id, "ip": device["ip"], "device": json.dumps(device), "saved_at": _now()}
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        stmt = insert(scan_devices).values(**values)
        stmt = stmt.on_conflict_do_update(index_elements=["scan_id", "ip"],
                                          set_={"device": stmt.excluded.device, "saved_at": stmt.excluded.saved_at})
        with self.engine.begin() as conn:
            conn.execute(stmt)

    def finish_scan(self, scan_id: str, status: str, stats: dict[str, Any]) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(scans).where(scans.c.id == scan_id).values(
                status=status, finished_at=_now(), stats=json.dumps(stats)))

    def done_ips(self, scan_id: str) -> frozenset[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(scan_devices.c.ip).where(scan_devices.c.scan_id == scan_id))
            return frozenset(r[0] for r in rows)

    def devices(self, scan_id: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(scan_devices.c.device).where(scan_devices.c.scan_id == scan_id))
            return [json.loads(r[0]) for r in rows]

    def scan(self, scan_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(scans).where(scans.c.id == scan_id)).mappings().first()
        return dict(row) if row else None
