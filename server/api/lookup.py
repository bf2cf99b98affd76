"""GET/POST /lookup: the identification engine over HTTP, answering exactly what `sponsorwatch lookup --json` does.

Bounded before any matching: the body by LOOKUP_MAX_BYTES, the batch by LOOKUP_MAX_BATCH, each text by
LOOKUP_MAX_TEXT characters raw and folded, all texts of a request by LOOKUP_MAX_TOTAL folded characters
(server/bounds.py)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from scanner.identify import identify
from server.api import json_body, validate
from server.api.models import LookupRequest
from server.bounds import Budget, TooMuch
from server.errors import ApiError
from server.security import limiter

bp = Blueprint("lookup", __name__)
FIELDS = ("brand", "model", "mpn", "category")  # category: the page's category or breadcrumbs


@bp.get("/lookup")
@limiter.limit(lambda: current_app.config["RATELIMIT_DEFAULT"])
def lookup_one() -> ResponseReturnValue:
    q = request.args.get("q")
    if q is None or not q.strip():
        raise ApiError(400, "bad_request", "give the text to judge as ?q=")
    try:
        Budget(current_app.config).take(q, "q")
    except TooMuch as exc:
        raise ApiError(413, exc.code, exc.message) from None
    return jsonify({"result": identify(q).to_dict()})


@bp.post("/lookup")
@limiter.limit(lambda: current_app.config["RATELIMIT_DEFAULT"])
def lookup_batch() -> ResponseReturnValue:
    data = json_body("LOOKUP_MAX_BYTES")
    items = data.get("items")
    limit = current_app.config["LOOKUP_MAX_BATCH"]
    if isinstance(items, list) and len(items) > limit:
        raise ApiError(413, "batch_too_large", f"at most {limit} items per request")
    batch = validate(LookupRequest, data).items
    budget = Budget(current_app.config)
    work: list[tuple[str, dict[str, str]]] = []
    try:  # every text is checked before any is judged
        for i, item in enumerate(batch):
            if isinstance(item, str):
                work.append((budget.take(item, f"items[{i}]"), {}))
                continue
            fields = {k: budget.take(v, f"items[{i}].{k}") for k in FIELDS
                      if isinstance(v := getattr(item, k), str)}
            work.append((budget.take(item.text, f"items[{i}].text"), fields))
    except TooMuch as exc:
        raise ApiError(413, exc.code, exc.message) from None
    return jsonify({"results": [identify(text, **fields).to_dict() for text, fields in work]})
