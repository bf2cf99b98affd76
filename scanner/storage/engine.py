"""The inventory store (SQLAlchemy Core): SQLite file in the instance folder by default (WAL), PostgreSQL or any
SQLAlchemy URL via DATABASE_URL; schema managed by Alembic. The only code in the project that knows SQL."""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from server.storage.schema import metadata, scan_devices, scans

__all__ = ["Inventory", "database_url", "metadata", "now", "upsert"]
DEFAULT_DB = Path("instance") / "sponsorwatch.db"


def database_url(explicit: str | None = None) -> str:
    url = explicit or os.environ.get("DATABASE_URL")
    if url:
        return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
    DEFAULT_DB.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_DB}"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def upsert(engine: Engine, table: Any, values: dict[str, Any] | None, keys: list[str], update_cols: list[str]) -> Any:
    """INSERT … ON CONFLICT (keys) DO UPDATE; with values=None the statement takes a list of rows (executemany)."""
    insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(table).values(**values) if values is not None else insert(table)
    return stmt.on_conflict_do_update(index_elements=keys, set_={c: stmt.excluded[c] for c in update_cols})


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (what `sponsorwatch db upgrade` runs)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("server.storage") / "migrations"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


class Inventory:
    """Scans and their devices, as the scanner saves them: each device in its own short transaction."""

    def __init__(self, url: str | None = None, migrate: bool = True) -> None:
        self.url = database_url(url)
        self.engine = make_engine(self.url)
        if migrate:
            upgrade(self.engine)

    def start_scan(self, targets: list[str], options: dict[str, Any], scan_id: str | None = None) -> str:
        scan_id = scan_id or str(uuid.uuid4())
        with self.engine.begin() as conn:
            conn.execute(scans.insert().values(id=scan_id, started_at=now(), status="running",
                                               targets=json.dumps(targets), options=json.dumps(options)))
        return scan_id

    def reopen_scan(self, scan_id: str) -> dict[str, Any]:
        """A scan to resume: its targets and options; marks it running again."""
        with self.engine.begin() as conn:
            row = conn.execute(select(scans).where(scans.c.id == scan_id)).mappings().first()
            if row is None:
                raise KeyError(f"no scan {scan_id!r} in the inventory")
            conn.execute(update(scans).where(scans.c.id == scan_id).values(status="running", finished_at=None))
        return {"targets": json.loads(row["targets"]), "options": json.loads(row["options"])}

    def save_device(self, scan_id: str, device: dict[str, Any]) -> None:
        values = {"scan_id": scan_id, "ip": device["ip"], "device": json.dumps(device), "saved_at": now()}
        with self.engine.begin() as conn:
            conn.execute(upsert(self.engine, scan_devices, values, ["scan_id", "ip"], ["device", "saved_at"]))

    def finish_scan(self, scan_id: str, status: str, stats: dict[str, Any]) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(scans).where(scans.c.id == scan_id).values(
                status=status, finished_at=now(), stats=json.dumps(stats)))

    def done_ips(self, scan_id: str) -> frozenset[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(scan_devices.c.ip).where(scan_devices.c.scan_id == scan_id))
            return frozenset(r[0] for r in rows)

    def devices(self, scan_id: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(scan_devices.c.device).where(scan_devices.c.scan_id == scan_id))
            return [json.loads(r[0]) for r in rows]
