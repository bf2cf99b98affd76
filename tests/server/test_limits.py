"""Bounded requests: per-endpoint body limits checked before anything is read or parsed (finding 3), lookup lengths
checked after folding with a cap on a request's characters (7), and hostile JSON or numbers answered with 400s in
the error shape, never 500s (9)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from tests.server.conftest import Tokens, auth, csrf, inventory, login
from tests.server.records import upload_size
from tests.server.test_api import device

MiB = 1024 * 1024


class Body(io.RawIOBase):
    """A request body of `size` bytes (JSON padded with x) that counts the bytes the server reads from it."""

    def __init__(self, size: int) -> None:
        self.size, self.pos, self.read_bytes = size, 0, 0
        self.head = b'{"items": ["x"], "pad": "'

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:  # the test client measures the body by seeking to its end
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        self.pos = offset if whence == 0 else self.size + offset if whence == 2 else self.pos + offset
        return self.pos

    def tell(self) -> int:
        return self.pos

    def readinto(self, buf: Any) -> int:
        n = min(len(buf), self.size - self.pos)
        if n <= 0:
            return 0
        data = (self.head + b"x" * (self.pos + n))[self.pos:self.pos + n] if self.pos < len(self.head) else b"x" * n
        buf[:n] = data
        self.pos += n
        self.read_bytes += n
        return n


def error(resp: Any) -> dict[str, str]:
    body = resp.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    return dict(body["error"])


ENDPOINTS = [("/api/v1/lookup", "LOOKUP_MAX_BYTES", 2 * MiB), ("/api/v1/feedback", "FEEDBACK_MAX_BYTES", 64 * 1024),
             ("/api/v1/scans", "UPLOAD_MAX_BYTES", None), ("/api/v1/devices/1/status", "STATUS_MAX_BYTES", None)]


@pytest.mark.parametrize(("path", "key", "expected"), ENDPOINTS)
def test_a_body_over_the_endpoints_limit_is_refused_before_it_is_read(
        app: Flask, client: FlaskClient, tokens: Tokens, path: str, key: str, expected: int | None) -> None:
    limit = app.config[key]
    if expected is not None:
        assert limit == expected
    body = Body(limit + 1)
    resp = client.post(path, input_stream=body, content_length=limit + 1, content_type="application/json",
                       headers=auth(tokens["admin"]))
    assert resp.status_code == 413 and error(resp)["code"] == "body_too_large"
    assert body.read_bytes == 0


@pytest.mark.parametrize(("path", "key", "expected"), ENDPOINTS[:2])
def test_a_chunked_body_is_read_only_up_to_the_limit(app: Flask, client: FlaskClient, path: str, key: str,
                                                     expected: int) -> None:
    body = Body(50 * MiB)  # the 50 MB lookup body of the report, sent without a Content-Length
    resp = client.post(path, input_stream=body, content_type="application/json",
                       headers={"Transfer-Encoding": "chunked"},
                       environ_overrides={"wsgi.input_terminated": True, "CONTENT_LENGTH": ""})
    assert resp.status_code == 413 and error(resp)["code"] == "body_too_large"
    assert body.read_bytes <= expected + 64 * 1024


def test_a_real_10000_device_upload_fits_the_upload_limit(app: Flask) -> None:
    """Sized from real records (designations, CVEs, evidence as a scan makes them), not from bare test devices."""
    assert upload_size(10_000) <= app.config["UPLOAD_MAX_BYTES"]
    assert app.config["UPLOAD_MAX_DEVICES"] >= 10_000


def test_a_body_under_the_limit_is_still_served(client: FlaskClient) -> None:
    items = ["Hikvision DS-2CD2143G2-I " + "x" * 1900] * 20
    assert client.post("/api/v1/lookup", json={"items": items}).status_code == 200


# --- finding 7: lengths after folding, a cap per request ---------------------------------------------------------

def test_lookup_lengths_are_checked_after_folding(client: FlaskClient) -> None:
    expands = "\ufdfa" * 200  # 200 characters that NFKC folds to 3,600
    for resp in (client.get("/api/v1/lookup", query_string={"q": expands}),
                 client.post("/api/v1/lookup", json={"items": [expands]}),
                 client.post("/api/v1/lookup", json={"items": [{"text": "camera", "brand": expands}]})):
        assert resp.status_code == 413 and error(resp)["code"] == "text_too_long"
        assert "folded" in error(resp)["message"]
    ok = client.get("/api/v1/lookup", query_string={"q": "\ufdfa" * 100})  # 1,800 folded: within the limit
    assert ok.status_code == 200


def test_a_lookup_request_has_a_cap_on_its_characters(app: Flask, client: FlaskClient) -> None:
    cap = app.config["LOOKUP_MAX_TOTAL"]
    assert cap < app.config["LOOKUP_MAX_BATCH"] * app.config["LOOKUP_MAX_TEXT"]
    items = ["Dahua IPC-HDW5421S " + "x" * 1900] * app.config["LOOKUP_MAX_BATCH"]  # each under the per-text limit
    resp = client.post("/api/v1/lookup", json={"items": items})
    assert resp.status_code == 413 and error(resp)["code"] == "batch_too_large"
    assert str(cap) in error(resp)["message"].replace(",", "")


def test_the_dashboard_lookup_is_bounded_the_same_way(client: FlaskClient, tokens: Tokens) -> None:
    login(client, token=tokens["viewer"])
    token = csrf(client, "/lookup")
    resp = client.post("/lookup", data={"titles": "\n".join(["\ufdfa" * 2000] * 10), "csrf_token": token})
    assert resp.status_code == 413 and "too long" in resp.get_data(as_text=True)


# --- finding 9: hostile JSON and numbers are 400s ------------------------------------------------------------------

def raw_post(client: FlaskClient, path: str, body: str | bytes, token: str | None = None) -> Any:
    return client.post(path, data=body, content_type="application/json", headers=auth(token) if token else {})


def upload_with(device_json: str) -> str:
    return '{"site": "kyiv-hq", "scan": {"id": "s-1"}, "devices": [' + device_json + "]}"


def test_deep_nesting_is_a_400(client: FlaskClient, tokens: Tokens) -> None:
    deep = "[" * 1000 + "]" * 1000
    for path, body, token in (("/api/v1/lookup", '{"items": ' + deep + "}", None),
                              ("/api/v1/feedback", '{"text": "x", "verdict": {"a": ' + deep + "}}", None),
                              ("/api/v1/scans", '{"site": "kyiv-hq", "scan": {"options": ' + deep + '}, "devices": []}',
                               tokens["agent"])):
        resp = raw_post(client, path, body, token)
        assert resp.status_code == 400 and error(resp)["code"] == "bad_request", (path, resp.status_code)


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999", "-1e999", "1" + "0" * 400])
def test_non_finite_or_huge_numbers_are_refused_never_stored(app: Flask, client: FlaskClient, tokens: Tokens,
                                                             number: str) -> None:
    dev = json.dumps(device("10.9.0.1"))
    for body in (upload_with(dev.replace('"confidence": 0.99', f'"confidence": {number}')),
                 upload_with(dev.replace('"cves": []', f'"cves": [{{"id": "CVE-2021-36260", "cvss": {number}}}]')),
                 '{"site": "kyiv-hq", "scan": {"stats": {"hosts": ' + number + '}}, "devices": []}'):
        resp = raw_post(client, "/api/v1/scans", body, tokens["agent"])
        assert resp.status_code == 400 and error(resp)["code"] == "bad_request", (body[:80], resp.status_code)
    resp = raw_post(client, "/api/v1/feedback", '{"text": "x", "verdict": {"confidence": ' + number + "}}")
    assert resp.status_code == 400
    with inventory(app).engine.connect() as conn:
        assert conn.execute(text("select count(*) from devices")).scalar_one() == 0
        assert conn.execute(text("select count(*) from feedback")).scalar_one() == 0
    assert client.get("/api/v1/overview", headers=auth(tokens["viewer"])).status_code == 200


def test_integers_beyond_64_bits_are_a_400(client: FlaskClient, tokens: Tokens) -> None:
    big = 2**64 + 1
    resp = raw_post(client, "/api/v1/scans", '{"site": "kyiv-hq", "scan": {"stats": {"n": ' + str(big) + '}}, '
                                             '"devices": []}', tokens["agent"])
    assert resp.status_code == 400
    h = auth(tokens["admin"])
    for path in (f"/api/v1/devices?offset={big}", f"/api/v1/devices?limit={big}", f"/api/v1/devices/{big}",
                 f"/api/v1/audit?offset={big}"):
        resp = client.get(path, headers=h)
        assert resp.status_code == 400 and error(resp)["code"] == "bad_request", path
    resp = client.post(f"/api/v1/devices/{big}/status", json={"status": "replaced"}, headers=h)
    assert resp.status_code == 400 and error(resp)["code"] == "bad_request"
    login(client, token=tokens["viewer"])
    for path in (f"/devices?page={big}", f"/devices/{big}", "/devices?page=-5", "/devices?page=x"):
        assert client.get(path).status_code == 400, path


def test_lone_surrogates_are_a_400(app: Flask, client: FlaskClient, tokens: Tokens) -> None:
    dev = json.dumps(device("10.9.0.1")).replace('"DS-2CD2142FWD-I"', '"DS-\\ud800"')
    for path, body, token in (("/api/v1/scans", upload_with(dev), tokens["agent"]),
                              ("/api/v1/lookup", '{"items": ["Hikvision \\udc00"]}', None),
                              ("/api/v1/feedback", '{"text": "x\\ud83d"}', None),
                              ("/api/v1/scans", b'{"site": "kyiv-hq\xed\xa0\x80", "devices": []}', tokens["agent"])):
        resp = raw_post(client, path, body, token)
        assert resp.status_code == 400 and error(resp)["code"] == "bad_request", (path, resp.status_code)
    with inventory(app).engine.connect() as conn:
        assert conn.execute(text("select count(*) from devices")).scalar_one() == 0
    pair = raw_post(client, "/api/v1/lookup", '{"items": ["Hikvision \\ud83d\\ude00"]}')  # a valid pair is fine
    assert pair.status_code == 200
