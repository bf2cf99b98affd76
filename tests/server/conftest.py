"""Server fixtures: a real PostgreSQL started for the session (inside the test's network namespace) and SQLite."""

from __future__ import annotations

import glob
import os
import re
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from scanner.storage import Inventory
from server import create_app
from server import inventory as server_inventory

START_TRIES = 3
SECRET = "test-secret-key-0123456789abcdef0123456789abcdef"
AGENT_SITE = "kyiv-hq"  # the site the `tokens` fixture's agent token is bound to


def _pg_bin() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        raise RuntimeError("PostgreSQL server binaries not found; ./dev test installs the 'postgresql' package")
    return os.path.dirname(found[-1])


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def free_port() -> int:
    """A port nothing listens on right now (the kernel's choice; a fixed one can collide with a test's sockets)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A throwaway PostgreSQL cluster on a free loopback port (trust auth, its own data directory)."""
    bindir = _pg_bin()
    data = tempfile.mkdtemp(prefix="sw-pg-")
    if os.geteuid() == 0:
        shutil.chown(data, "postgres")
    subprocess.run(_as_postgres([f"{bindir}/initdb", "-D", data, "-A", "trust", "-U", "sw", "-E", "UTF8"]),
                   check=True, capture_output=True)
    for attempt in range(START_TRIES):  # a port free a moment ago can be taken by then: try another
        port = free_port()
        started = subprocess.run(_as_postgres([f"{bindir}/pg_ctl", "-D", data, "-w", "-l", f"{data}/log", "-o",
                                               f"-h 127.0.0.1 -p {port} -k {data} -c fsync=off "
                                               "-c max_connections=200", "start"]), capture_output=True)
        if started.returncode == 0:
            break
        if attempt + 1 == START_TRIES:
            raise RuntimeError(f"PostgreSQL did not start: {Path(data, 'log').read_text(errors='replace')[-2000:]}")
    try:
        yield f"postgresql+psycopg://sw@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_postgres([f"{bindir}/pg_ctl", "-D", data, "-m", "fast", "stop"]), capture_output=True)
        shutil.rmtree(data, ignore_errors=True)


def fresh_database(kind: str, pg_server_url: str | None, tmp_path: Any) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'inventory.db'}"
    assert pg_server_url is not None
    name = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(pg_server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return pg_server_url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    pg = request.getfixturevalue("pg_server") if request.param == "postgresql" else None
    return fresh_database(request.param, pg, tmp_path)


def make_app(db_url: str, **config: Any) -> Flask:
    return create_app({"DATABASE_URL": db_url, "TESTING": True, "RATELIMIT_ENABLED": False, "SECRET_KEY": SECRET,
                       **config})


@pytest.fixture()
def app(db_url: str) -> Flask:
    return make_app(db_url)


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class Tokens(dict[str, str]):
    """Bearer tokens by role ("agent" is bound to AGENT_SITE); .agent(site) makes one for another site."""

    def __init__(self, app: Flask) -> None:
        inv = inventory(app)
        super().__init__({"viewer": inv.create_token("test-viewer", "viewer"),
                          "admin": inv.create_token("test-admin", "admin")})
        self.app = app
        self["agent"] = self.agent(AGENT_SITE)

    def agent(self, site: str) -> str:
        key = f"agent:{site}"
        if key not in self:
            self[key] = inventory(self.app).create_token(f"agent-{site}", "agent", site=site)
        return self[key]


@pytest.fixture()
def tokens(app: Flask) -> Tokens:
    return Tokens(app)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def inventory(app: Flask) -> Inventory:
    with app.app_context():
        return server_inventory()


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token of the client's session, read from a page's form."""
    page = client.get(path)
    found = CSRF.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {path} ({page.status_code})"
    return found.group(1)


def login(client: FlaskClient, *, token: str | None = None, username: str | None = None,
          password: str | None = None) -> Any:
    """Sign in to the dashboard as a person would: the login form, with its CSRF token."""
    form = {"csrf_token": csrf(client), "token": token or "", "username": username or "", "password": password or ""}
    return client.post("/login", data=form)
