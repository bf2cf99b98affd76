"""The HTTP API (/api/v1): one blueprint per resource, and how every one of them reads a request.

A body is read only up to its endpoint's limit: a Content-Length over it is refused before a byte is read, and a
body without one (chunked) is read until the limit and no further. JSON is parsed by pydantic-core's parser (no
NaN or Infinity, nesting at most 200 deep, strict UTF-8 without lone surrogates), then checked against the models
in server/api/models.py. Everything wrong is a 400 or a 413 in the one error shape, never a 500.
"""

from __future__ import annotations

from typing import Any, TypeVar

import pydantic_core
from flask import current_app, request
from pydantic import BaseModel, ValidationError

from server.errors import ApiError

M = TypeVar("M", bound=BaseModel)
READ_CHUNK = 64 * 1024
INT64_MAX = 2**63 - 1


def read_body(limit_key: str) -> bytes:
    """The raw body, at most app.config[limit_key] bytes (413 body_too_large otherwise, before parsing)."""
    limit = int(current_app.config[limit_key])
    too_large = ApiError(413, "body_too_large", f"the body is larger than {limit:,} bytes, this endpoint's limit")
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    chunks, total = [], 0
    stream = request.stream
    while True:
        chunk = stream.read(min(READ_CHUNK, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise too_large
    return b"".join(chunks)


def parse_json(raw: bytes) -> Any:
    try:
        return pydantic_core.from_json(raw, allow_inf_nan=False)
    except ValueError as exc:
        raise ApiError(400, "bad_request", f"the body is not valid JSON: {exc}") from None


def json_body(limit_key: str) -> dict[str, Any]:
    """The request's JSON object, read within the endpoint's limit, or a 400/413 that says what is wrong."""
    if not request.is_json:
        raise ApiError(400, "bad_request", "send a JSON object with Content-Type: application/json")
    data = parse_json(read_body(limit_key))
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request", "the body must be a JSON object")
    return data


def where(loc: tuple[int | str, ...], prefix: str = "") -> str:
    """A pydantic error location as a path: ('devices', 0, 'cves', 1, 'id') → devices[0].cves[1].id."""
    out = prefix
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "body"


def invalid(exc: ValidationError, prefix: str = "") -> ApiError:
    problems = [f"{where(e['loc'], prefix)}: {e['msg']}" for e in exc.errors(include_url=False)[:5]]
    more = exc.error_count() - len(problems)
    return ApiError(400, "bad_request", "; ".join(problems) + (f" (and {more} more)" if more > 0 else ""))


def validate(model: type[M], data: Any, prefix: str = "") -> M:
    """data checked against a model (400 naming each wrong field)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid(exc, prefix) from None


def int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw) if len(raw) <= 30 else None
    except ValueError:
        value = None
    if value is None:
        raise ApiError(400, "bad_request", f"{name} must be an integer")
    if not low <= value <= high:
        raise ApiError(400, "bad_request", f"{name} must be between {low} and {high}")
    return value


def id_arg(value: int, what: str = "id") -> int:
    """A numeric path segment that the database can hold (64 bits), else 400."""
    if not 0 <= value <= INT64_MAX:
        raise ApiError(400, "bad_request", f"{what} must be between 0 and {INT64_MAX}")
    return value
