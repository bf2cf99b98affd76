"""A local Prozorro on loopback: the tender feed, tender and contract details, the portal's summary endpoint and
document downloads, answering in the shapes of the official docs' HTTP examples (tests/data/prozorro/, each file
names its source), with faults queued per path.

The feed follows the API's own paging rules (openprocurement.api docs/source/basic-actions/feed.rst and
src/openprocurement/api/views/base.py): tenders ordered by their public_modified time, offsets
"{time}.{count}.{md5 of the ids at that time}" that skip what the previous page already showed, a bare Unix time
accepted as an offset, `descending`, `limit` (at most 1000), `opt_fields`, and next_page/prev_page objects.
"""

from __future__ import annotations

import copy
import hashlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

DATA = Path(__file__).resolve().parents[1] / "data" / "prozorro"
FEED_FIELDS = {"dateCreated", "dateModified", "tenderPeriod", "status", "tenderID", "lots", "contracts",
               "procuringEntity", "procurementMethodType", "procurementMethod", "mode", "public_modified"}
API = "/api/2.5"


def fixture(name: str) -> dict[str, Any]:
    """The response body of one of the official docs' examples (see the file's "source")."""
    doc: dict[str, Any] = json.loads((DATA / name).read_text(encoding="utf-8"))
    return doc["response"]


@dataclass
class Fault:
    """What the next request to a path gets instead of the right answer."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    truncate: bool = False  # half the body, with a Content-Length that says so (invalid JSON)
    cut: bool = False  # half the body, with the full Content-Length, then the connection closes
    delay_s: float = 0.0  # wait this long before answering (a slow server)


@dataclass
class Document:
    body: bytes
    content_type: str = "application/octet-stream"
    declare_length: bool = True  # False: chunked, no Content-Length (the client must count)


class Replay:
    """The state of the local Prozorro; `serve()` runs it on 127.0.0.1 (and other loopback addresses)."""

    def __init__(self) -> None:
        self.tenders: dict[str, dict[str, Any]] = {}
        self.modified: dict[str, float] = {}
        self.contracts: dict[str, dict[str, Any]] = {}
        self.documents: dict[str, Document] = {}
        self.faults: dict[str, list[Fault]] = {}
        self.log: list[tuple[float, str, str]] = []  # (time, host header, path with query)
        self.delays: dict[str, float] = {}  # path prefix → seconds every answer under it waits (a slow server)
        self.lock = threading.Lock()
        self.base = ""  # http://127.0.0.1:PORT once serving

    # ---------------------------------------------------------------- content
    def put_tender(self, tender: dict[str, Any], public_modified: float) -> None:
        with self.lock:
            self.tenders[tender["id"]] = tender
            self.modified[tender["id"]] = public_modified

    def put_contract(self, contract: dict[str, Any]) -> None:
        self.contracts[contract["id"]] = contract

    def put_document(self, doc_id: str, body: bytes, content_type: str = "application/octet-stream",
                     declare_length: bool = True) -> str:
        """A document served at /get/<id>; returns its URL in the docs' shape (with a Signature query)."""
        self.documents[doc_id] = Document(body, content_type, declare_length)
        return f"{self.base}/get/{doc_id}?Signature=c2lnbmVk%3D%3D&KeyID=a8968c46"

    def fault(self, path: str, *faults: Fault) -> None:
        self.faults.setdefault(path, []).extend(faults)

    def requests(self, prefix: str) -> list[tuple[float, str, str]]:
        return [r for r in self.log if r[2].startswith(prefix)]

    # ---------------------------------------------------------------- the feed
    def feed(self, query: dict[str, list[str]]) -> dict[str, Any]:
        one = {k: v[-1] for k, v in query.items()}
        limit = max(1, min(int(one.get("limit", "100")), 1000))
        descending = bool(one.get("descending"))
        opt = set(one.get("opt_fields", "").split(",")) & FEED_FIELDS if one.get("opt_fields") else set()
        with self.lock:
            rows = sorted(((pm, tid) for tid, pm in self.modified.items()), reverse=descending)
        offset = one.get("offset")
        skip_len, skip_hash, at = 0, "", None
        if offset:
            parts = offset.split(".")
            at = float(".".join(parts[:2]))
            if len(parts) == 4:
                skip_len, skip_hash = int(parts[2]), parts[3]
            rows = [r for r in rows if (r[0] <= at if descending else r[0] >= at)]
        if skip_len and at is not None:
            same = sorted(tid for pm, tid in rows if pm == at)
            if len(same) == skip_len and _md5(same) == skip_hash:
                rows = [r for r in rows if r[0] != at]
        page = rows[:limit]
        params: dict[str, str] = {"limit": str(limit)} if "limit" in one else {}
        if opt:
            params["opt_fields"] = ",".join(sorted(opt))
        nxt, prev = dict(params), dict(params)
        if descending:
            nxt["descending"] = "1"
        else:
            prev["descending"] = "1"
        if page:
            nxt["offset"], prev["offset"] = _compose(page[-1][0], page), _compose(page[0][0], page)
        elif offset:
            nxt["offset"] = offset
        data = []
        for pm, tid in page:
            tender = self.tenders[tid]
            row = {"dateModified": tender["dateModified"], "id": tid}
            row.update({k: tender[k] for k in sorted(opt) if k in tender})
            if "public_modified" in opt:
                row["public_modified"] = pm
            data.append(row)
        out: dict[str, Any] = {"data": data, "next_page": self._page(nxt)}
        if descending or offset:
            out["prev_page"] = self._page(prev)
        return out

    def _page(self, params: dict[str, str]) -> dict[str, str]:
        query = "&".join(f"{k}={v}" for k, v in params.items())
        path = f"{API}/tenders" + (f"?{query}" if query else "")
        return {"offset": params.get("offset", ""), "path": path, "uri": self.base + path}

    # ---------------------------------------------------------------- routing
    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, bytes, str]:
        if path == f"{API}/tenders":
            return 200, _json(self.feed(query)), "application/json"
        if path.startswith(f"{API}/tenders/"):
            tender = self.tenders.get(path.rsplit("/", 1)[1])
            return (200, _json({"data": tender}), "application/json") if tender else _not_found()
        if path.startswith(f"{API}/contracts/"):
            contract = self.contracts.get(path.rsplit("/", 1)[1])
            return (200, _json({"data": contract}), "application/json") if contract else _not_found()
        if path.startswith("/api/tenders/") and path.endswith("/summary"):
            # The portal's summary: an object whose "id" is the API id, as third-party clients read it (the
            # endpoint is undocumented; medium confidence).
            tid = path.split("/")[3]
            found = next((t for t in self.tenders.values() if t.get("tenderID") == tid), None)
            if found is None:
                return 404, b'{"message": "Not found"}', "application/json"
            return 200, _json({"id": found["id"], "tenderID": tid, "title": found.get("title"),
                               "status": found.get("status")}), "application/json"
        if path.startswith("/get/"):
            doc = self.documents.get(path.split("/")[2])
            if doc is None:
                return 404, b"Not Found", "text/plain"
            return 200, doc.body, doc.content_type
        return _not_found()


def _md5(ids: list[str]) -> str:
    return hashlib.md5("".join(ids).encode(), usedforsecurity=False).hexdigest()


def _compose(at: float, page: list[tuple[float, str]]) -> str:
    same = sorted(tid for pm, tid in page if pm == at)
    return f"{at}.{len(same)}.{_md5(same)}"


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


def _not_found() -> tuple[int, bytes, str]:
    body = {"status": "error", "errors": [{"location": "url", "name": "tender_id", "description": "Not Found"}]}
    return 404, _json(body), "application/json"


def _handler(replay: Replay) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in separate writes; without this, Nagle and delayed ACKs add ~40 ms to
            # every keep-alive answer.
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            replay.log.append((time.monotonic(), self.headers.get("Host", ""), self.path))
            with replay.lock:
                queue = replay.faults.get(parts.path)
                fault = queue.pop(0) if queue else None
            if fault and fault.delay_s:
                time.sleep(fault.delay_s)
            for prefix, delay in replay.delays.items():
                if parts.path.startswith(prefix):
                    time.sleep(delay)
            if fault and fault.status != 200:
                body = b'{"status": "error"}'
                self.send_response(fault.status)
                for k, v in fault.headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            status, body, ctype = replay.answer(parts.path, parse_qs(parts.query))
            doc = replay.documents.get(parts.path.split("/")[2]) if parts.path.startswith("/get/") else None
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            if fault and fault.truncate:
                body = body[: len(body) // 2]
            if fault and fault.cut:
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            if doc is not None and not doc.declare_length:
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for i in range(0, len(body), 65536):
                    chunk = body[i:i + 65536]
                    try:
                        self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                    except (BrokenPipeError, ConnectionResetError):
                        return  # the client stopped reading at its cap
                self.wfile.write(b"0\r\n\r\n")
                return
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@contextmanager
def serve(replay: Replay, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve the replay on a loopback address (a free port); yields the base URL (the API is at BASE/api/2.5)."""
    assert host.startswith("127."), "the replay server is for loopback only"
    server = ThreadingHTTPServer((host, 0), _handler(replay))
    server.daemon_threads = True
    base = f"http://{host}:{server.server_port}"
    if not replay.base:
        replay.base = base
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()


def real_tender() -> dict[str, Any]:
    """A deep copy of the docs' completed tender (has-auction-false-tender-complete.http)."""
    return copy.deepcopy(fixture("tender-complete.json")["data"])


def real_contract() -> dict[str, Any]:
    return copy.deepcopy(fixture("contract-view.json")["data"])


def real_document() -> dict[str, Any]:
    return copy.deepcopy(fixture("tender-document.json")["data"])
