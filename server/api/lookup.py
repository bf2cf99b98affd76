"""GET/POST /lookup: the identification engine over HTTP, answering exactly what `sponsorwatch lookup --json` does."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from scanner.identify import identify
from server.api import json_body
from server.errors import ApiError
from server.security import limiter

bp = Blueprint("lookup", __name__)
FIELDS = ("brand", "model", "mpn")  # other keys of an item are ignored


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise ApiError(400, "bad_request", f"{where} must be a string")
    if len(value) > current_app.config["LOOKUP_MAX_TEXT"]:
        raise ApiError(413, "text_too_long", f"{where} is longer than {current_app.config['LOOKUP_MAX_TEXT']} "
                                             "characters")
    return value


@bp.get("/lookup")
@limiter.limit(lambda: current_app.config["RATELIMIT_DEFAULT"])
def lookup_one() -> ResponseReturnValue:
    q = request.args.get("q")
    if q is None or not q.strip():
        raise ApiError(400, "bad_request", "give the text to judge as ?q=")
    return jsonify({"result": identify(_text(q, "q")).to_dict()})


@bp.post("/lookup")
@limiter.limit(lambda: current_app.config["RATELIMIT_DEFAULT"])
def lookup_batch() -> ResponseReturnValue:
    items = json_body().get("items")
    if not isinstance(items, list) or not items:
        raise ApiError(400, "bad_request", "items must be a non-empty list of texts or {text, brand, model, ...}")
    limit = current_app.config["LOOKUP_MAX_BATCH"]
    if len(items) > limit:
        raise ApiError(413, "batch_too_large", f"at most {limit} items per request")
    results = []
    for i, item in enumerate(items):
        if isinstance(item, str):
            results.append(identify(_text(item, f"items[{i}]")).to_dict())
            continue
        if not isinstance(item, dict) or "text" not in item:
            raise ApiError(400, "bad_request", f"items[{i}] must be a string or an object with a text")
        fields = {k: _text(item[k], f"items[{i}].{k}") for k in FIELDS if item.get(k) is not None}
        results.append(identify(_text(item["text"], f"items[{i}].text"), **fields).to_dict())
    return jsonify({"results": results})
