"""The server's own commands (`sponsorwatch serve`, `db upgrade`, `token …`, `user …`, `login-link`): what each
does, without argv."""

from __future__ import annotations

import ipaddress
import os
import sys
from typing import Any

from flask import Flask

from scanner.storage import Inventory
from server import MIN_SECRET_KEY, create_app
from server.auth import hash_password, make_login_link

PRODUCTION_HINT = ("SPONSORWATCH_SECRET_KEY=… DATABASE_URL=postgresql://… gunicorn -w 4 -b 0.0.0.0:8080 "
                   "'server:create_app()'")
SECRET_ENV = "SPONSORWATCH_SECRET_KEY"


class Refused(RuntimeError):
    """A command that would be unsafe as asked (an open dashboard on the network, a weak secret, …)."""

    refused = True  # the command line reports it and exits 2


def is_loopback(host: str) -> bool:
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def configured_secret() -> str | None:
    """$SPONSORWATCH_SECRET_KEY, refused when too short to sign sessions safely."""
    secret = os.environ.get(SECRET_ENV) or None
    if secret is not None and len(secret) < MIN_SECRET_KEY:
        raise Refused(f"{SECRET_ENV} must have at least {MIN_SECRET_KEY} characters (e.g. python -c 'import secrets; "
                      "print(secrets.token_urlsafe(48))'), the same on every node")
    return secret


def login_link_path(app: Flask, max_age: int | None = None) -> str:
    """A one-time admin login link for this app (its secret key), valid max_age seconds (default: config)."""
    return make_login_link(app.config["SECRET_KEY"], app.config["LOGIN_LINK_MAX_AGE"] if max_age is None else max_age)


def prepare_serve(host: str, port: int, db: str | None, insecure_no_auth: bool = False) -> tuple[Flask, list[str]]:
    """The app `serve` would run and what to tell the operator. Refused: a dashboard reachable from the network
    without a configured secret key (unless insecure_no_auth, which opens it to anyone, loudly)."""
    secret = configured_secret()
    local = is_loopback(host)
    if secret is None and not local and not insecure_no_auth:
        raise Refused(f"refusing to serve the dashboard on {host} without a secret key: set {SECRET_ENV} (at least "
                      f"{MIN_SECRET_KEY} random characters, the same on every node) and sign in with a token or a "
                      "user (sponsorwatch user add NAME --role admin); or pass --insecure-no-auth to serve it open "
                      f"to anyone who can reach {host}")
    config: dict[str, Any] = {"DASHBOARD_AUTH": not insecure_no_auth}
    if db:
        config["DATABASE_URL"] = db
    if secret:
        config["SECRET_KEY"] = secret
    app = create_app(config)
    base = f"http://{'[' + host + ']' if ':' in host else host}:{port}"
    notes = [f"sponsorwatch dashboard and API on {base}/ (development server; for production: {PRODUCTION_HINT})"]
    if insecure_no_auth:
        notes.append(f"WARNING: --insecure-no-auth: the dashboard has no login; anyone who can reach {base}/ sees "
                     "every site's devices. Admin actions still need a sign-in.")
    elif app.config.get("SECRET_KEY_GENERATED"):
        notes.append(f"one-time admin login link (valid {app.config['LOGIN_LINK_MAX_AGE'] // 60} minutes, for this "
                     f"process only): {base}{login_link_path(app)}")
    return app, notes


def serve(host: str, port: int, db: str | None, insecure_no_auth: bool = False) -> None:
    """The API and dashboard on Flask's development server, until interrupted."""
    app, notes = prepare_serve(host, port, db, insecure_no_auth)
    for note in notes:
        print(note, file=sys.stderr, flush=True)
    app.run(host=host, port=port, threaded=True)


def login_link(db: str | None, url: str) -> str:
    """A one-time admin login link for the servers that share $SPONSORWATCH_SECRET_KEY and this database."""
    secret = configured_secret()
    if secret is None:
        raise Refused(f"a login link is signed with the servers' {SECRET_ENV}: set it here as on the servers")
    app = create_app({"SECRET_KEY": secret, **({"DATABASE_URL": db} if db else {})})
    return url.rstrip("/") + login_link_path(app)


def upgrade_db(db: str | None) -> str:
    """Apply the migrations (opening the inventory runs them up to the newest); the URL, password hidden."""
    return Inventory(db).display_url


def create_token(db: str | None, name: str, role: str, site: str | None = None, actor: str = "cli") -> str:
    return Inventory(db).create_token(name, role, site, actor=actor)


def list_tokens(db: str | None) -> list[dict[str, Any]]:
    return Inventory(db).list_tokens()


def revoke_token(db: str | None, token_id: int, actor: str = "cli") -> bool:
    return Inventory(db).revoke_token(token_id, actor=actor)


def add_user(db: str | None, name: str, role: str, password: str, actor: str = "cli") -> int:
    """A dashboard user; ValueError for a short password, a taken name or an unknown role."""
    return Inventory(db).create_user(name, role, hash_password(password), actor=actor)


def list_users(db: str | None) -> list[dict[str, Any]]:
    return Inventory(db).list_users()


def remove_user(db: str | None, name: str, actor: str = "cli") -> bool:
    return Inventory(db).remove_user(name, actor=actor)
