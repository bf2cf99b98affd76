"""The sponsorwatch server: HTTP API, dashboard and its commands, over the inventory the agents fill."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from typing import Any

from flask import Flask, current_app

from scanner.storage import Inventory

KiB, MiB = 1024, 1024 * 1024
MIN_SECRET_KEY = 32  # characters of SPONSORWATCH_SECRET_KEY

DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": None,  # None: $DATABASE_URL, else instance/sponsorwatch.db
    # Sessions of the dashboard: signed with SECRET_KEY ($SPONSORWATCH_SECRET_KEY, the same on every node). None: a
    # random key per process (sessions then end with the process and are not shared between workers).
    "SECRET_KEY": None,
    "DASHBOARD_AUTH": True,  # False only through `sponsorwatch serve --insecure-no-auth`
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,  # True forces Secure; it is set anyway on requests that came over https
    "PERMANENT_SESSION_LIFETIME": dt.timedelta(hours=12),
    "LOGIN_LINK_MAX_AGE": 600,  # seconds a one-time login link is valid
    "TRUSTED_PROXIES": 0,  # reverse proxies in front (X-Forwarded-For/-Proto are believed from that many hops)
    # Bounds per request. Body limits are checked from Content-Length (or a bounded read) before parsing.
    "LOOKUP_MAX_BATCH": 100,
    "LOOKUP_MAX_TEXT": 2000,  # characters of one text, raw and once folded (NFKC can expand a character 18-fold)
    "LOOKUP_MAX_TOTAL": 60_000,  # folded characters of all the texts of one request
    "LOOKUP_MAX_BYTES": 2 * MiB,
    "FEEDBACK_MAX_BYTES": 64 * KiB,
    "STATUS_MAX_BYTES": 16 * KiB,
    "FORM_MAX_BYTES": 512 * KiB,  # dashboard forms
    "UPLOAD_MAX_DEVICES": 20_000,
    # Measured: a 10,000-device upload made of the lab's real records (70 % sponsor devices, each with designations,
    # CVEs and evidence; encoded as the upload client sends it) is 93 MiB; 10,000 sponsor devices are 145 MiB.
    "UPLOAD_MAX_BYTES": 192 * MiB,
    "RATELIMIT_DEFAULT": "600 per minute",  # per client address, public lookup and feedback endpoints
    "RATELIMIT_LOGIN": "10 per minute",  # sign-in attempts per client address
    "RATELIMIT_STORAGE_URI": "memory://",  # e.g. redis://host:6379 so several server nodes share the counts
    "RATELIMIT_ENABLED": True,
    "CORS_ORIGIN_PREFIXES": ("chrome-extension://", "moz-extension://"),
    "ALERTS_POLL": 15.0,  # seconds between alert-delivery passes per process (0: `sponsorwatch alerts deliver` only)
    "PUBLIC_URL": None,  # the dashboard's address as people reach it, for links in alert messages
}


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The application factory (Flask tutorial habit): config from defaults, environment, then the argument."""
    app = Flask(__name__, instance_relative_config=True, static_folder=None)  # the dashboard blueprint serves /static
    app.config.update(DEFAULTS)
    for key in ("DATABASE_URL", "RATELIMIT_STORAGE_URI", "RATELIMIT_DEFAULT", "SECRET_KEY", "PUBLIC_URL"):
        if os.environ.get(f"SPONSORWATCH_{key}"):
            app.config[key] = os.environ[f"SPONSORWATCH_{key}"]
    if os.environ.get("SPONSORWATCH_ALERTS_POLL", "").replace(".", "", 1).isdigit():
        app.config["ALERTS_POLL"] = float(os.environ["SPONSORWATCH_ALERTS_POLL"])
    if os.environ.get("SPONSORWATCH_TRUSTED_PROXIES", "").isdigit():
        app.config["TRUSTED_PROXIES"] = int(os.environ["SPONSORWATCH_TRUSTED_PROXIES"])
    app.config.update(config or {})
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = secrets.token_urlsafe(48)
        app.config["SECRET_KEY_GENERATED"] = True
        app.logger.warning("SPONSORWATCH_SECRET_KEY is not set: dashboard sessions are signed with a key of this "
                           "process only (they end with it and are not shared with other workers or nodes)")
    # The largest body any endpoint takes; each endpoint checks its own, smaller limit before reading.
    app.config["MAX_CONTENT_LENGTH"] = max(app.config[k] for k in (
        "UPLOAD_MAX_BYTES", "LOOKUP_MAX_BYTES", "FEEDBACK_MAX_BYTES", "STATUS_MAX_BYTES", "FORM_MAX_BYTES"))
    app.config["MAX_FORM_MEMORY_SIZE"] = app.config["FORM_MAX_BYTES"]

    from server import errors, security
    from server.alerts import Dispatcher
    from server.api import alerts, audit, catalog, feedback, inventory, lookup, openapi, tenders
    from server.web import alerts as alerts_web
    from server.web import auth, views
    from server.web import tenders as tenders_web

    app.extensions["inventory"] = Inventory(app.config["DATABASE_URL"])
    # Alert deliveries: a thread per process, started now if webhooks exist (pending retries survive a restart),
    # else at the first upload that raises an alert once one is added.
    app.extensions["alerts"] = Dispatcher(app.extensions["inventory"], poll=float(app.config["ALERTS_POLL"]),
                                          dashboard=app.config["PUBLIC_URL"], autostart=not app.testing)
    app.extensions["alerts"].kick()
    security.init_app(app)
    errors.init_app(app)
    for module in (lookup, catalog, inventory, feedback, audit, tenders, alerts, openapi):
        app.register_blueprint(module.bp, url_prefix="/api/v1")
    app.register_blueprint(auth.bp)
    app.register_blueprint(views.bp)
    app.register_blueprint(tenders_web.bp)
    app.register_blueprint(alerts_web.bp)
    return app


def inventory() -> Inventory:
    """The inventory of the application handling the current request (the one accessor the server uses)."""
    inv = current_app.extensions["inventory"]
    assert isinstance(inv, Inventory)
    return inv
