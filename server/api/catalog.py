"""GET /catalog (vendors, brands, designations, sources) and /catalog/snapshot for the extension's offline matching."""

from __future__ import annotations

import json

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue

from scanner.identify.catalog import catalog, snapshot
from scanner.identify.normalize import alias_key
from server.errors import ApiError

bp = Blueprint("catalog", __name__)


@bp.get("/catalog")
def get_catalog() -> ResponseReturnValue:
    return Response(json.dumps(catalog(), ensure_ascii=False), mimetype="application/json")


BRAND_QUERY_MAX = 200  # characters of ?q= (a brand name, in any spelling)


@bp.get("/catalog/brands")
def get_brands() -> ResponseReturnValue:
    """Consumer brands of listed companies, each with its company and that company's designations; ?q= keeps
    the brands one of whose spellings (Latin or Cyrillic) is the query, compared as folded words."""
    q = request.args.get("q")
    brands = catalog()["brands"]
    if q is not None:
        if len(q) > BRAND_QUERY_MAX:
            raise ApiError(400, "bad_request", f"?q= takes a brand name of at most {BRAND_QUERY_MAX} characters")
        key = alias_key(q)
        brands = [b for b in brands if key and any(alias_key(s) == key for s in (b["name"], *b["spellings"]))]
    return Response(json.dumps({"brands": brands}, ensure_ascii=False), mimetype="application/json")


@bp.get("/catalog/snapshot")
def get_snapshot() -> ResponseReturnValue:
    body, version = snapshot()
    etag = f'"{version}"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=3600"}
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        return Response(status=304, headers=headers)
    return Response(body, mimetype="application/json", headers=headers)
