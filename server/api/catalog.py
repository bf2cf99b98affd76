"""GET /catalog (vendors, brands, designations, sources) and /catalog/snapshot for the extension's offline matching."""

from __future__ import annotations

import json

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue

from scanner.identify.catalog import catalog, snapshot

bp = Blueprint("catalog", __name__)


@bp.get("/catalog")
def get_catalog() -> ResponseReturnValue:
    return Response(json.dumps(catalog(), ensure_ascii=False), mimetype="application/json")


@bp.get("/catalog/snapshot")
def get_snapshot() -> ResponseReturnValue:
    body, version = snapshot()
    etag = f'"{version}"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=3600"}
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        return Response(status=304, headers=headers)
    return Response(body, mimetype="application/json", headers=headers)
