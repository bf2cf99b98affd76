"""Security headers, CORS for the browser extension only, rate limits, and token authentication."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, Response, current_app, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from server import inventory
from server.errors import ApiError

F = TypeVar("F", bound=Callable[..., Any])
limiter = Limiter(key_func=get_remote_address)
CORS_PATHS = ("/api/v1/lookup", "/api/v1/catalog", "/api/v1/feedback")
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
       "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)

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
        resp.headers.pop("Set-Cookie", None)  # the service never sets cookies
        origin = request.headers.get("Origin", "")
        if origin.startswith(current_app.config["CORS_ORIGIN_PREFIXES"]) and request.path.startswith(CORS_PATHS):
            resp.headers["Access-Control-Allow-Origin"] = origin
            resp.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            resp.headers["Access-Control-Allow-Headers"] = "Content-Type, If-None-Match"
            resp.headers["Access-Control-Expose-Headers"] = "ETag"
            resp.headers["Vary"] = "Origin"
        return resp


def require(*roles: str) -> Callable[[F], F]:
    """A valid, unrevoked bearer token with one of these roles (admin may do everything)."""

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
            g.token = found
            return fn(*args, **kwargs)

        return cast(F, inner)

    return wrap
