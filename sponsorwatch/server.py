"""`sponsorwatch serve`, `db upgrade`, `token create|list|revoke`, `user add|list|remove`, `login-link`,
`alerts list|deliver`, `webhook add|list|remove`: the server's commands. The server (and Flask) is imported inside
each command, so an agent installed without the [server] extra still runs the rest."""

from __future__ import annotations

import argparse
import getpass
import sys
from types import ModuleType
from typing import Any

EXTRA_HINT = "pip install 'sponsorwatch[server]'"
SERVER_EXTRA_MODULES = {"flask", "flask_limiter", "werkzeug", "gunicorn", "psycopg", "pydantic", "pydantic_core",
                        "argon2", "itsdangerous"}
MIN_PASSWORD = 12  # as server.auth.MIN_PASSWORD (not imported: the server is imported inside commands only)


def _actor() -> str:
    """How the audit log names whoever runs a command on this machine."""
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):
        return "cli"


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
        except RuntimeError as exc:
            if not getattr(exc, "refused", False):  # server.commands.Refused: unsafe as asked, said why
                raise
            print(f"sponsorwatch: {exc}", file=sys.stderr)
            return 2
    return run


@_guarded
def cmd_serve(args: argparse.Namespace) -> int:
    _commands("serve").serve(args.host, args.port, args.db, insecure_no_auth=args.insecure_no_auth)
    return 0


@_guarded
def cmd_login_link(args: argparse.Namespace) -> int:
    print(_commands("login-link").login_link(args.db, args.url))
    print("one-time admin login link: it signs in once, within the next 10 minutes", file=sys.stderr)
    return 0


@_guarded
def cmd_db(args: argparse.Namespace) -> int:
    print(f"database at the newest schema: {_commands('db').upgrade_db(args.db)}")
    return 0


@_guarded
def cmd_token(args: argparse.Namespace) -> int:
    commands = _commands("token")
    if args.token_command == "create":
        try:
            token = commands.create_token(args.db, args.name, args.role, args.site, actor=_actor())
        except ValueError as exc:
            print(f"sponsorwatch: {exc}", file=sys.stderr)
            return 2
        print(token)
        bound = f", site {args.site!r}" if args.site else ""
        print(f"token for {args.name!r} ({args.role}{bound}); it is shown once and stored only as a hash",
              file=sys.stderr)
    elif args.token_command == "list":
        for t in commands.list_tokens(args.db):
            state = "revoked" if t["revoked"] else "active"
            print(f"{t['id']:4}  {t['role']:6}  {state:7}  {t['created_at']}  {t['name']}"
                  + (f"  site={t['site']}" if t["site"] else ""))
    elif not commands.revoke_token(args.db, args.id, actor=_actor()):
        print(f"no token {args.id}", file=sys.stderr)
        return 1
    else:
        print(f"token {args.id} revoked")
    return 0


def _password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(f"password for {args.name}: ")
    if getpass.getpass("again: ") != first:
        print("sponsorwatch: the two passwords differ", file=sys.stderr)
        return None
    return first


@_guarded
def cmd_user(args: argparse.Namespace) -> int:
    commands = _commands("user")
    if args.user_command == "add":
        password = _password(args)
        if password is None:
            return 2
        if len(password) < MIN_PASSWORD:
            print(f"sponsorwatch: a password has at least {MIN_PASSWORD} characters", file=sys.stderr)
            return 2
        try:
            commands.add_user(args.db, args.name, args.role, password, actor=_actor())
        except ValueError as exc:
            print(f"sponsorwatch: {exc}", file=sys.stderr)
            return 1
        print(f"user {args.name!r} ({args.role}) can sign in to the dashboard", file=sys.stderr)
    elif args.user_command == "list":
        for u in commands.list_users(args.db):
            state = "removed" if u["disabled"] else "active"
            print(f"{u['id']:4}  {u['role']:6}  {state:7}  {u['created_at']}  {u['name']}")
    elif not commands.remove_user(args.db, args.name, actor=_actor()):
        print(f"no user {args.name!r}", file=sys.stderr)
        return 1
    else:
        print(f"user {args.name!r} removed; their sessions end now")
    return 0


@_guarded
def cmd_alerts(args: argparse.Namespace) -> int:
    from scanner.storage import Inventory

    inv = Inventory(args.db)
    if args.alerts_command == "deliver":
        _commands("alerts")  # the server extra (httpx alone would do, but the dispatcher lives with the server)
        from server.alerts import Dispatcher

        counts = Dispatcher(inv, poll=0).run_once()
        print(f"alerts: {counts['sent']} sent, {counts['retry']} to retry, {counts['failed']} given up")
        return 0
    rows, total = inv.list_alerts(site=args.site, limit=args.limit)
    for a in rows:
        sent = ", ".join(f"{d['webhook']}:{d['status']}" for d in a["deliveries"]) or "no webhook"
        print(f"{a['id']:5}  {a['created_at'][:19]}  {a['kind']:20}  {a['site']}: {a['summary']}  [{sent}]")
    print(f"{len(rows)} of {total} alerts", file=sys.stderr)
    return 0


@_guarded
def cmd_webhook(args: argparse.Namespace) -> int:
    from scanner.storage import Inventory

    inv = Inventory(args.db)
    if args.webhook_command == "add":
        secret = sys.stdin.readline().strip() if args.secret_stdin else None
        try:
            hook = inv.add_webhook(args.name, args.url, args.format, secret or None)
        except ValueError as exc:
            print(f"sponsorwatch: {exc}", file=sys.stderr)
            return 2
        inv.record(_actor(), "webhook.add", f"webhook:{hook['id']}", {"name": args.name, "format": args.format})
        print(f"webhook {hook['id']} ({args.format}) receives new alerts")
    elif args.webhook_command == "list":
        for w in inv.list_webhooks():
            state = "removed" if w["disabled_at"] else "active"
            print(f"{w['id']:4}  {w['format']:5}  {state:7}  {w['name']}  {w['url']}")
    elif not inv.disable_webhook(args.id):
        print(f"no active webhook {args.id}", file=sys.stderr)
        return 1
    else:
        inv.record(_actor(), "webhook.remove", f"webhook:{args.id}")
        print(f"webhook {args.id} removed; what it had not been sent is dropped")
    return 0


def add_parsers(sub: Any) -> None:
    serve = sub.add_parser("serve", help="run the API and dashboard (development server; needs the [server] extra)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--db", help="database URL (default: $DATABASE_URL, else instance/sponsorwatch.db)")
    serve.add_argument("--insecure-no-auth", action="store_true",
                       help="serve the dashboard without login on a network address (anyone who reaches it sees "
                            "every site); without it, a non-loopback --host needs $SPONSORWATCH_SECRET_KEY")
    serve.set_defaults(func=cmd_serve)

    link = sub.add_parser("login-link", help="print a one-time admin login link for the dashboard (needs "
                                             "$SPONSORWATCH_SECRET_KEY, as the servers have it)")
    link.add_argument("--url", default="http://127.0.0.1:8080", help="the dashboard's address")
    link.add_argument("--db", help="database URL")
    link.set_defaults(func=cmd_login_link)

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
    create.add_argument("--site", help="the site an agent token uploads for and reads (required for agents)")
    create.add_argument("--db")
    create.set_defaults(func=cmd_token)
    lst = tok_sub.add_parser("list", help="list tokens (never their values)")
    lst.add_argument("--db")
    lst.set_defaults(func=cmd_token)
    rev = tok_sub.add_parser("revoke", help="revoke a token by id")
    rev.add_argument("id", type=int)
    rev.add_argument("--db")
    rev.set_defaults(func=cmd_token)

    user = sub.add_parser("user", help="people who sign in to the dashboard")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    add = user_sub.add_parser("add", help="add a user (asks for the password, or reads it from stdin)")
    add.add_argument("name")
    add.add_argument("--role", choices=("viewer", "admin"), default="viewer")
    add.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    add.add_argument("--db")
    add.set_defaults(func=cmd_user)
    ulist = user_sub.add_parser("list", help="list users (never their passwords)")
    ulist.add_argument("--db")
    ulist.set_defaults(func=cmd_user)
    remove = user_sub.add_parser("remove", help="remove a user: no more sign-ins, open sessions end")
    remove.add_argument("name")
    remove.add_argument("--db")
    remove.set_defaults(func=cmd_user)

    alerts = sub.add_parser("alerts", help="alerts: new sponsor devices, replaced devices answering again, KEV CVEs")
    alerts_sub = alerts.add_subparsers(dest="alerts_command", required=True)
    alist = alerts_sub.add_parser("list", help="the newest alerts and their deliveries")
    alist.add_argument("--site")
    alist.add_argument("--limit", type=int, default=50)
    alist.add_argument("--db")
    alist.set_defaults(func=cmd_alerts)
    deliver = alerts_sub.add_parser("deliver", help="post due alert deliveries once (for cron, or with "
                                                     "SPONSORWATCH_ALERTS_POLL=0)")
    deliver.add_argument("--db")
    deliver.set_defaults(func=cmd_alerts)

    hook = sub.add_parser("webhook", help="where alerts are sent: generic JSON, Slack or Microsoft Teams")
    hook_sub = hook.add_subparsers(dest="webhook_command", required=True)
    hadd = hook_sub.add_parser("add", help="add a webhook")
    hadd.add_argument("name")
    hadd.add_argument("url")
    hadd.add_argument("--format", choices=("json", "slack", "teams"), default="json")
    hadd.add_argument("--secret-stdin", action="store_true",
                      help="read an HMAC secret from stdin: JSON bodies then carry X-Sponsorwatch-Signature")
    hadd.add_argument("--db")
    hadd.set_defaults(func=cmd_webhook)
    hlist = hook_sub.add_parser("list", help="list webhooks")
    hlist.add_argument("--db")
    hlist.set_defaults(func=cmd_webhook)
    hrm = hook_sub.add_parser("remove", help="stop sending to a webhook")
    hrm.add_argument("id", type=int)
    hrm.add_argument("--db")
    hrm.set_defaults(func=cmd_webhook)
