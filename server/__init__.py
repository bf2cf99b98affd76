"""The sponsorwatch server: HTTP API, dashboard and its commands, over the inventory the agents fill."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, current_app

from scanner.storage import Inventory

DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": None,  # None: $DATABASE_URL, else instance/sponsorwatch.db
    "LOOKUP_MAX_BATCH": 100,
    "LOOKUP_MAX_TEXT": 2000,
    "UPLOAD_MAX_DEVICES": 20_000,
    "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,
    "RATELIMIT_DEFAULT": "600 per minute",  # per client address, public lookup and feedback endpoints
    "RATELIMIT_STORAGE_URI": "memory://",  # e.g. redis://host:6379 so several server nodes share the counts
    "RATELIMIT_ENABLED": True,
    "CORS_ORIGIN_PREFIXES": ("chrome-extension://", "moz-extension://"),
}


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The application factory (Flask tutorial habit): config from defaults, environment, then the argument."""
    app = Flask(__name__, instance_relative_config=True, static_folder=None)  # the dashboard blueprint serves /static
    app.config.update(DEFAULTS)
    for key in ("DATABASE_URL", "RATELIMIT_STORAGE_URI", "RATELIMIT_DEFAULT"):
        if os.environ.get(f"SPONSORWATCH_{key}"):
            app.config[key] = os.environ[f"SPONSORWATCH_{key}"]
    app.config.update(config or {})

    from server import errors, security
    from server.api import catalog, feedback, inventory, lookup, openapi
    from server.web import views

    app.extensions["inventory"] = Inventory(app.config["DATABASE_URL"])
    security.init_app(app)
    errors.init_app(app)
    for module in (lookup, catalog, inventory, feedback, openapi):
        app.register_blueprint(module.bp, url_prefix="/api/v1")
    app.register_blueprint(views.bp)
    return app


def inventory() -> Inventory:
    """The inventory of the application handling the current request (the one accessor the server uses)."""
    inv = current_app.extensions["inventory"]
    assert isinstance(inv, Inventory)
    return inv
