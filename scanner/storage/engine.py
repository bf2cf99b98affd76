"""The database under the inventory: URL resolution, engine set-up, migrations, and the dialect's upsert.

SQLite file in the instance folder by default (WAL), PostgreSQL or any SQLAlchemy URL via DATABASE_URL; the
schema is managed by Alembic (scanner/storage/migrations).
"""

from __future__ import annotations

import datetime as dt
import os
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

DEFAULT_DB = Path("instance") / "sponsorwatch.db"


def database_url(explicit: str | None = None) -> str:
    """The URL given, else $DATABASE_URL, else the SQLite file instance/sponsorwatch.db (folder created)."""
    url = explicit or os.environ.get("DATABASE_URL")
    if url:
        return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
    DEFAULT_DB.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_DB}"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


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
    cfg.set_main_option("script_location", str(resources.files("scanner.storage") / "migrations"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


class Store:
    """What every part of the inventory shares: the URL it was opened with and its engine."""

    def __init__(self, url: str | None = None, migrate: bool = True) -> None:
        self.url = database_url(url)
        self.engine = make_engine(self.url)
        if migrate:
            upgrade(self.engine)

    @property
    def display_url(self) -> str:
        """The URL with any password hidden, for messages."""
        return self.engine.url.render_as_string(hide_password=True)

    def upsert(self, table: Any, values: dict[str, Any] | None, keys: list[str], update_cols: list[str]) -> Any:
        """INSERT … ON CONFLICT (keys) DO UPDATE; with values=None the statement takes a list of rows
        (executemany)."""
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        stmt = insert(table).values(**values) if values is not None else insert(table)
        return stmt.on_conflict_do_update(index_elements=keys, set_={c: stmt.excluded[c] for c in update_cols})

    def insert_ignore(self, table: Any, values: dict[str, Any], keys: list[str]) -> Any:
        """INSERT … ON CONFLICT (keys) DO NOTHING."""
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        return insert(table).values(**values).on_conflict_do_nothing(index_elements=keys)
