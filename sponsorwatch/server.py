"""`sponsorwatch serve`, `db upgrade`, `token create|list|revoke`: the server's commands. The server (and
Flask) is imported inside each command, so an agent installed without the [server] extra still runs the rest."""

from __future__ import annotations

import argparse
import sys
from types import ModuleType
from typing import Any

EXTRA_HINT = "pip install 'sponsorwatch[server]'"
SERVER_EXTRA_MODULES = {"flask", "flask_limiter", "werkzeug", "gunicorn", "psycopg"}


class ServerMissing(RuntimeError):
    """The backend's dependencies (the [server] extra) are not installed."""


def _commands(command: str) -> ModuleType:
    try:
        from server import commands
    except ImportError as exc:
        if (exc.name or "").split(".")[0] not in SERVER_EXTRA_MODULES:
            raise
        raise ServerMissing(f"sponsorwatch {command} needs the server extra, which is not installed "
                            f"({exc.name or exc}): {EXTRA_HINT}") from exc
    return commands


def _guarded(fn: Any) -> Any:
    def run(args: argparse.Namespace) -> int:
        try:
            return int(fn(args))
        except ServerMissing as exc:
            print(f"sponsorwatch: {exc}", file=sys.stderr)
            return 2
    return run


@_guarded
def cmd_serve(args: argparse.Namespace) -> int:
    _commands("serve").serve(args.host, args.port, args.db)
    return 0


@_guarded
def cmd_db(args: argparse.Namespace) -> int:
    print(f"database at the newest schema: {_commands('db').upgrade_db(args.db)}")
    return 0


@_guarded
def cmd_token(args: argparse.Namespace) -> int:
    commands = _commands("token")
    if args.token_command == "create":
        token = commands.create_token(args.db, args.name, args.role)
        print(token)
        print(f"token for {args.name!r} ({args.role}); it is shown once and stored only as a hash", file=sys.stderr)
    elif args.token_command == "list":
        for t in commands.list_tokens(args.db):
            state = "revoked" if t["revoked"] else "active"
            print(f"{t['id']:4}  {t['role']:6}  {state:7}  {t['created_at']}  {t['name']}")
    elif not commands.revoke_token(args.db, args.id):
        print(f"no token {args.id}", file=sys.stderr)
        return 1
    else:
        print(f"token {args.id} revoked")
    return 0


def add_parsers(sub: Any) -> None:
    serve = sub.add_parser("serve", help="run the API and dashboard (development server; needs the [server] extra)")
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
