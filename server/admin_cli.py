"""`sponsorwatch serve`, `token create|list|revoke`, `db upgrade`, and the upload of a finished scan."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import httpx

UPLOAD_TRIES = 5
UPLOAD_TIMEOUT_S = 60.0


def cmd_serve(args: argparse.Namespace) -> int:
    from server import create_app

    app = create_app({"DATABASE_URL": args.db} if args.db else None)
    print(f"sponsorwatch dashboard and API on http://{args.host}:{args.port}/ (development server; for production:"
          f" gunicorn -w 4 -b 0.0.0.0:8080 'server:create_app()')", file=sys.stderr)
    app.run(host=args.host, port=args.port, threaded=True)
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    from server.storage import Inventory

    inv = Inventory(args.db)  # opening the inventory runs the migrations up to the newest
    print(f"database at the newest schema: {inv.engine.url.render_as_string(hide_password=True)}")
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    from server.storage import Inventory, repo

    engine = Inventory(args.db).engine
    if args.token_command == "create":
        token = repo.create_token(engine, args.name, args.role)
        print(token)
        print(f"token for {args.name!r} ({args.role}); it is shown once and stored only as a hash", file=sys.stderr)
    elif args.token_command == "list":
        for t in repo.list_tokens(engine):
            state = "revoked" if t["revoked"] else "active"
            print(f"{t['id']:4}  {t['role']:6}  {state:7}  {t['created_at']}  {t['name']}")
    else:
        if not repo.revoke_token(engine, args.id):
            print(f"no token {args.id}", file=sys.stderr)
            return 1
        print(f"token {args.id} revoked")
    return 0


def upload(url: str, token: str, site: str, scan: dict[str, Any], devices: list[dict[str, Any]],
           tries: int = UPLOAD_TRIES, backoff_s: float = 1.0) -> dict[str, Any]:
    """POST a scan to a server's /api/v1/scans, retrying with exponential backoff. Safe to retry: the server
    keys the scan by its id, so a repeated upload never duplicates anything."""
    endpoint = url.rstrip("/") + ("" if url.rstrip("/").endswith("/api/v1/scans") else "/api/v1/scans")
    body = {"site": site, "scan": scan, "devices": devices}
    last = ""
    for attempt in range(tries):
        try:
            resp = httpx.post(endpoint, json=body, headers={"Authorization": f"Bearer {token}"},
                              timeout=UPLOAD_TIMEOUT_S)
            if resp.status_code == 201:
                return dict(resp.json())
            if resp.status_code < 500 and resp.status_code != 429:
                raise RuntimeError(f"upload refused ({resp.status_code}): {resp.text[:300]}")
            last = f"HTTP {resp.status_code}"
        except httpx.HTTPError as exc:
            last = exc.__class__.__name__
        if attempt + 1 < tries:
            time.sleep(backoff_s * 2**attempt)
    raise ConnectionError(f"upload failed after {tries} tries ({last}); the scan is kept locally")


def add_parsers(sub: Any) -> None:
    serve = sub.add_parser("serve", help="run the API and dashboard (development server)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--db", help="database URL (default: $DATABASE_URL, else instance/sponsorwatch.db)")
    serve.set_defaults(func=cmd_serve)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    up = db_sub.add_parser("upgrade", help="apply the migrations")
    up.add_argument("--db", help="database URL")
    up.set_defaults(func=cmd_db)

    tok = sub.add_parser("token", help="API tokens for scan agents and admins")
    tok_sub = tok.add_subparsers(dest="token_command", required=True)
    create = tok_sub.add_parser("create", help="create a token (printed once)")
    create.add_argument("name")
    create.add_argument("--role", choices=("agent", "viewer", "admin"), default="agent")
    create.add_argument("--db")
    create.set_defaults(func=cmd_token)
    lst = tok_sub.add_parser("list", help="list tokens (never their values)")
    lst.add_argument("--db")
    lst.set_defaults(func=cmd_token)
    rev = tok_sub.add_parser("revoke", help="revoke a token by id")
    rev.add_argument("id", type=int)
    rev.add_argument("--db")
    rev.set_defaults(func=cmd_token)
