"""Security headers, CORS for the browser extension only, rate limits, bearer tokens with roles (agent tokens bound
to one site), and the dashboard's session cookie (signed, HttpOnly, SameSite, Secure over https)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, Response, current_app, g, request
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.middleware.proxy_fix import ProxyFix

from server import inventory
from server.errors import ApiError

F = TypeVar("F", bound=Callable[..., Any])
limiter = Limiter(key_func=get_remote_address)
CORS_PATHS = ("/api/v1/lookup", "/api/v1/catalog", "/api/v1/feedback")
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
       "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, marked Secure whenever the request came over https."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
    app.session_interface = SessionInterface()
    hops = int(app.config["TRUSTED_PROXIES"])
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    @app.before_request
    def _preflight() -> Response | None:
        if request.method == "OPTIONS" and request.path.startswith(CORS_PATHS):
            return Response(status=204)
        return None

    @app.after_request
    def _headers(resp: Response) -> Response:
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["X-Frame-Options"] = "DENY"
        resp.headers["Referrer-Policy"] = "no-referrer"
        resp.headers["Content-Security-Policy"] = CSP
        resp.headers["Cross-Origin-Resource-Policy"] = "same-site"
        if request.path.startswith("/api/") and "Cache-Control" not in resp.headers:
            resp.headers["Cache-Control"] = "no-store"
        if request.path.startswith("/api/"):
            resp.headers.pop("Set-Cookie", None)  # the API never sets cookies; only the dashboard has a session
        origin = request.headers.get("Origin", "")
        if origin.startswith(current_app.config["CORS_ORIGIN_PREFIXES"]) and request.path.startswith(CORS_PATHS):
            resp.headers["Access-Control-Allow-Origin"] = origin
            resp.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            resp.headers["Access-Control-Allow-Headers"] = "Content-Type, If-None-Match"
            resp.headers["Access-Control-Expose-Headers"] = "ETag"
            resp.headers["Vary"] = "Origin"
        return resp


def require(*roles: str) -> Callable[[F], F]:
    """A valid, unrevoked bearer token with one of these roles (admin may do everything). An agent token acts
    for the one site it is bound to (see caller_site); one bound to no site (made before 0002) is refused."""

    def wrap(fn: F) -> F:
        @wraps(fn)
        def inner(*args: Any, **kwargs: Any) -> Any:
            header = request.headers.get("Authorization", "")
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise ApiError(401, "unauthorized", "a bearer token is required (sponsorwatch token create)")
            found = inventory().check_token(token.strip())
            if found is None:
                raise ApiError(401, "unauthorized", "unknown or revoked token")
            if found["role"] != "admin" and found["role"] not in roles:  # admin may do everything
                raise ApiError(403, "forbidden", f"this needs a token with role {' or '.join(roles)}")
            if found["role"] == "agent" and not found.get("site"):
                raise ApiError(403, "forbidden", "this agent token is bound to no site; replace it with one that "
                                                 "is: sponsorwatch token create NAME --role agent --site SITE")
            g.token = found
            return fn(*args, **kwargs)

        return cast(F, inner)

    return wrap


def caller_site() -> str | None:
    """The site an agent token is bound to (its uploads and reads are limited to it); None for viewers and admins."""
    token = g.get("token")
    return str(token["site"]) if token and token["role"] == "agent" else None


def client_address() -> str | None:
    return request.remote_addr
