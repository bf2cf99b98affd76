"""POST /feedback: "wrong flag" reports from the extension (the text and the verdict only), stored for review."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from server import inventory
from server.api import json_body
from server.errors import ApiError
from server.security import limiter

bp = Blueprint("feedback", __name__)
MAX_FEEDBACK_TEXT = 2000


@bp.post("/feedback")
@limiter.limit("30 per minute")
def post_feedback() -> ResponseReturnValue:
    data = json_body()
    text, verdict, note = data.get("text"), data.get("verdict", {}), data.get("note", "")
    if not isinstance(text, str) or not text.strip():
        raise ApiError(400, "bad_request", "text must be a non-empty string")
    if not isinstance(verdict, dict) or not isinstance(note, str):
        raise ApiError(400, "bad_request", "verdict must be an object and note a string")
    if len(text) > MAX_FEEDBACK_TEXT or len(note) > MAX_FEEDBACK_TEXT or len(str(verdict)) > 20_000:
        raise ApiError(413, "too_large", f"text and note are limited to {MAX_FEEDBACK_TEXT} characters")
    fid = inventory().add_feedback(text, verdict, note)
    return jsonify({"id": fid}), 201
