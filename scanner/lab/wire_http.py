"""A small asyncio HTTP/RTSP responder that writes headers exactly as given (name case, order, quirks).

Real firmware is identified by such details (Dahua's upper-case CONTENT-LENGTH, Hikvision's HTTP/1.0 and
missing RTSP Server header), which general-purpose frameworks normalise away; hence this hand-made core.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

MAX_HEAD_BYTES = 16 * 1024
MAX_BODY_BYTES = 1024 * 1024
READ_TIMEOUT_S = 10.0
MAX_REQUESTS_PER_CONNECTION = 32


@dataclass
class Request:
    method: str
    target: str
    version: str
    headers: list[tuple[str, str]]
    body: bytes
    peer: str

    def header(self, name: str) -> str | None:
        lname = name.lower()
        return next((v for k, v in self.headers if k.lower() == lname), None)

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> str:
        return self.target.split("?", 1)[1] if "?" in self.target else ""


@dataclass
class Response:
    status_line: str  # e.g. "HTTP/1.0 200 OK" or "RTSP/1.0 401 Unauthorized"
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    stream: Callable[[], AsyncIterator[bytes]] | None = None  # for endless or huge bodies
    close: bool = True
    content_length: bool = False  # add Content-Length (with this exact header name) if not given

    def encode_head(self, length_name: str = "Content-Length") -> bytes:
        headers = list(self.headers)
        if self.content_length and not any(k.lower() == "content-length" for k, _ in headers):
            headers.append((length_name, str(len(self.body))))
        lines = [self.status_line, *(f"{k}: {v}" for k, v in headers)]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")


Handler = Callable[[Request], Awaitable[Response | None]]


async def _read_request(reader: asyncio.StreamReader, peer: str) -> Request | None:
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), READ_TIMEOUT_S)
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ConnectionError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3:
        return None
    headers = []
    for line in lines[1:]:
        if ":" in line:
            k, _, v = line.partition(":")
            headers.append((k.strip(), v.strip()))
    req = Request(parts[0], parts[1], parts[2], headers, b"", peer)
    if (req.header("transfer-encoding") or "").lower() == "chunked":
        body = await _read_chunked(reader)
        if body is None:
            return None
        req.body = body
        return req
    length = req.header("content-length")
    if length and length.isdigit():
        n = int(length)
        if n > MAX_BODY_BYTES:
            return None
        try:
            req.body = await asyncio.wait_for(reader.readexactly(n), READ_TIMEOUT_S)
        except (asyncio.IncompleteReadError, TimeoutError, ConnectionError):
            return None
    return req


async def _read_chunked(reader: asyncio.StreamReader) -> bytes | None:
    """A chunked request body (aiohttp sends SOAP requests this way), bounded by MAX_BODY_BYTES."""
    body = bytearray()
    try:
        while True:
            size_line = await asyncio.wait_for(reader.readuntil(b"\r\n"), READ_TIMEOUT_S)
            size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                await asyncio.wait_for(reader.readuntil(b"\r\n"), READ_TIMEOUT_S)  # end of trailers
                return bytes(body)
            if len(body) + size > MAX_BODY_BYTES:
                return None
            body += await asyncio.wait_for(reader.readexactly(size + 2), READ_TIMEOUT_S)
            del body[-2:]
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ConnectionError, ValueError):
        return None


async def serve_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, handler: Handler) -> None:
    """Answer requests on one connection until the handler asks to close (or the peer goes away)."""
    peername = writer.get_extra_info("peername")
    peer = f"{peername[0]}:{peername[1]}" if peername else "?"
    try:
        for _ in range(MAX_REQUESTS_PER_CONNECTION):
            req = await _read_request(reader, peer)
            if req is None:
                break
            resp = await handler(req)
            if resp is None:
                break
            writer.write(resp.encode_head() + resp.body)
            if resp.stream is not None:
                async for chunk in resp.stream():
                    writer.write(chunk)
                    await writer.drain()
            await writer.drain()
            if resp.close:
                break
    except (ConnectionError, asyncio.CancelledError):
        pass  # the lab is stopping or the client left; the connection task just ends
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()


async def start_tcp(host: str, port: int, handler: Handler, ssl_context: Any = None) -> asyncio.Server:
    return await asyncio.start_server(
        lambda r, w: serve_connection(r, w, handler), host, port, limit=MAX_HEAD_BYTES, reuse_address=True,
        ssl=ssl_context,
    )


async def start_silent_tcp(host: str, port: int, banner: bytes = b"") -> asyncio.Server:
    """An open port that says nothing (or a fixed banner) and hangs up after a while: SDK 8000, 37777."""

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            if banner:
                writer.write(banner)
                await writer.drain()
            with contextlib.suppress(TimeoutError, ConnectionError, asyncio.IncompleteReadError):
                await asyncio.wait_for(reader.read(4096), READ_TIMEOUT_S)
        finally:
            writer.close()

    return await asyncio.start_server(hold, host, port, reuse_address=True)
