"""Signing in to the dashboard: the login page (a viewer or admin token, or a user's name and password), one-time
login links, logout, the signed session, and CSRF protection of every dashboard form.

The session is Flask's signed cookie (SECRET_KEY, the same on every node, so a session is valid on all of them):
HttpOnly, SameSite=Lax, Secure over https, 12 hours. It names the token or user; each request checks that it is
still valid (a revoked token or removed user ends its sessions at once). Every POST outside the API must carry
the session's CSRF token (a hidden field of each form). The API never reads the session: it takes bearer tokens.
"""

from __future__ import annotations

import hmac
import secrets
import urllib.parse
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session
from flask.typing import ResponseReturnValue

from server import inventory
from server.auth import check_password, read_login_link
from server.security import client_address, limiter

bp = Blueprint("auth", __name__, template_folder="templates")
F = TypeVar("F", bound=Callable[..., Any])
ANONYMOUS = {"kind": "anonymous", "id": 0, "name": "anonymous", "role": "viewer"}
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


def csrf_token() -> str:
    """The session's CSRF token (made on first use), for the hidden field of every form."""
    token = session.get("csrf")
    if not isinstance(token, str):
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


@bp.before_app_request
def _protect_forms() -> None:
    """Every dashboard POST carries the session's CSRF token; form bodies are bounded before they are read."""
    if request.method not in UNSAFE or request.path.startswith("/api/"):
        return
    if (request.content_length or 0) > current_app.config["FORM_MAX_BYTES"]:
        abort(413)
    expected, sent = session.get("csrf"), request.form.get("csrf_token", "")
    if not isinstance(expected, str) or not hmac.compare_digest(expected.encode(), sent.encode()):
        abort(400, "the form's CSRF token is missing or wrong: reload the page and send it again")


@bp.app_context_processor
def _template_globals() -> dict[str, Any]:
    return {"csrf_token": csrf_token, "user": g.get("user")}


def current_user() -> dict[str, Any] | None:
    """Who is signed in (checked against the database each request), the anonymous viewer when the dashboard
    runs without login (--insecure-no-auth), else None."""
    if "user" in g:
        return cast(dict[str, Any] | None, g.user)
    found: dict[str, Any] | None = None
    who = session.get("who")
    if isinstance(who, dict) and who.get("kind") == "link":
        found = dict(who)
    elif isinstance(who, dict) and isinstance(who.get("id"), int):
        still = inventory().principal(str(who.get("kind")), who["id"])
        if still is not None:
            found = {**who, **still}
        else:
            session.pop("who", None)
    if found is None and not current_app.config["DASHBOARD_AUTH"]:
        found = dict(ANONYMOUS)
    g.user = found
    return found


def require_login() -> ResponseReturnValue | None:
    """For the dashboard's before_request: a page for signed-in people only (a redirect to the login page)."""
    if current_user() is None:
        target = request.path + (f"?{request.query_string.decode('latin-1')}" if request.query_string else "")
        return redirect("/login?next=" + urllib.parse.quote(target, safe=""))
    return None


def admin_only(fn: F) -> F:
    @wraps(fn)
    def inner(*args: Any, **kwargs: Any) -> Any:
        user = current_user()
        if user is None or user["role"] != "admin":
            abort(403)
        return fn(*args, **kwargs)

    return cast(F, inner)


def actor() -> str:
    """How the audit log names the signed-in person: user:NAME, token:NAME, login-link."""
    user = current_user() or ANONYMOUS
    return "login-link" if user["kind"] == "link" else f"{user['kind']}:{user['name']}"


def safe_next(raw: str | None) -> str:
    """A path on this site to go back to after a form (never another host); "/" otherwise."""
    if raw and raw.startswith("/") and not raw.startswith(("//", "/\\")) and "\r" not in raw and "\n" not in raw:
        return raw
    return "/"


def _sign_in(who: dict[str, Any]) -> None:
    session.clear()  # a new session: nothing of the anonymous one (a fixed CSRF token, say) survives sign-in
    session.permanent = True
    session["who"] = who
    session["csrf"] = secrets.token_urlsafe(32)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def login() -> ResponseReturnValue:
    nxt = safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("login.html", next=nxt, error=None)
    token, name = request.form.get("token", "").strip(), request.form.get("username", "").strip()
    password = request.form.get("password", "")
    inv, address = inventory(), client_address()
    who: dict[str, Any] | None = None
    found: dict[str, Any] | None = None
    if token:
        found = inv.check_token(token)
        if found is not None and found["role"] in ("viewer", "admin"):
            who = {"kind": "token", "id": found["id"], "name": found["name"], "role": found["role"]}
        target = f"token:{found['id']}" if found else "token"
    elif name and len(name) <= 128:
        user = inv.user_for_login(name)
        ok, rehash = check_password(user["password_hash"] if user else None, password)
        if ok and user is not None:
            if rehash:
                inv.set_password_hash(user["id"], rehash)
            who = {"kind": "user", "id": user["id"], "name": user["name"], "role": user["role"]}
        target = f"user:{name}"
    else:
        target = "nobody"
    if who is None:
        inv.record("anonymous", "login.failed", target[:160], {"with": "token" if token else "password"}, address)
        error = ("Agent tokens upload scans; sign in with a viewer or admin token, or a name and password."
                 if token and found is not None else "Wrong name, password or token.")
        return render_template("login.html", next=nxt, error=error), 401
    _sign_in(who)
    inv.record(f"{who['kind']}:{who['name']}", "login", target, {"role": who["role"]}, address)
    return redirect(nxt, code=303)


@bp.get("/login/link/<token>")
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"])
def login_link(token: str) -> ResponseReturnValue:
    nonce = read_login_link(current_app.config["SECRET_KEY"], token)
    if nonce is None or not inventory().use_login_link(nonce):
        return render_template("login.html", next="/", error="This login link has expired or was used already."), 400
    _sign_in({"kind": "link", "id": nonce[:16], "name": "login-link", "role": "admin"})
    inventory().record("login-link", "login", "login-link", {"role": "admin"}, client_address())
    return redirect("/", code=303)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    session.clear()
    return redirect("/login", code=303)
