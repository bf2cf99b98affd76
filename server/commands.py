"""The server's own commands (`sponsorwatch serve`, `db upgrade`, `token …`): what each does, without argv."""

from __future__ import annotations

import sys
from typing import Any

from scanner.storage import Inventory
from server import create_app

PRODUCTION_HINT = "gunicorn -w 4 -b 0.0.0.0:8080 'server:create_app()'"


def serve(host: str, port: int, db: str | None) -> None:
    """The API and dashboard on Flask's development server, until interrupted."""
    app = create_app({"DATABASE_URL": db} if db else None)
    print(f"sponsorwatch dashboard and API on http://{host}:{port}/ (development server; for production: "
          f"{PRODUCTION_HINT})", file=sys.stderr)
    app.run(host=host, port=port, threaded=True)


def upgrade_db(db: str | None) -> str:
    """Apply the migrations (opening the inventory runs them up to the newest); the URL, password hidden."""
    return Inventory(db).display_url


def create_token(db: str | None, name: str, role: str) -> str:
    return Inventory(db).create_token(name, role)


def list_tokens(db: str | None) -> list[dict[str, Any]]:
    return Inventory(db).list_tokens()


def revoke_token(db: str | None, token_id: int) -> bool:
    return Inventory(db).revoke_token(token_id)
