"""POST /feedback: "wrong flag" reports from the extension (the text and the verdict only), stored for review."""

from __future__ import annotations

import json

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from server import inventory
from server.api import json_body, validate
from server.api.models import FeedbackIn
from server.errors import ApiError
from server.security import limiter

bp = Blueprint("feedback", __name__)
MAX_FEEDBACK_TEXT = 2000
MAX_VERDICT = 20_000  # characters of the verdict as stored


@bp.post("/feedback")
@limiter.limit("30 per minute")
def post_feedback() -> ResponseReturnValue:
    data = validate(FeedbackIn, json_body("FEEDBACK_MAX_BYTES"))
    if not data.text.strip():
        raise ApiError(400, "bad_request", "text must be a non-empty string")
    if len(data.text) > MAX_FEEDBACK_TEXT or len(data.note) > MAX_FEEDBACK_TEXT or len(
            json.dumps(data.verdict)) > MAX_VERDICT:
        raise ApiError(413, "too_large", f"text and note are limited to {MAX_FEEDBACK_TEXT} characters")
    fid = inventory().add_feedback(data.text, data.verdict, data.note)
    return jsonify({"id": fid}), 201
