"""Active, non-intrusive probes of open ports: HTTP(S) paths, favicon, RTSP OPTIONS/DESCRIBE, ONVIF clock.

Every read is bounded in bytes and time, so a device that streams 50 MB or drips a byte a second costs at most
READ_LIMIT bytes and READ_TIMEOUT_S seconds. Nothing here sends credentials.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from scanner.discovery.targets import url_host
from scanner.identify.device import Observation

READ_LIMIT = 64 * 1024
READ_TIMEOUT_S = 3.0
CONNECT_TIMEOUT_S = 2.0
_REALM = re.compile(r'realm="([^"]{1,128})"', re.IGNORECASE)
ONVIF_CLOCK = (
    b'<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">'
    b'<s:Body><GetSystemDateAndTime xmlns="http://www.onvif.org/ver10/device/wsdl"/></s:Body></s:Envelope>'
)


async def exchange(ip: str, port: int, request: bytes, *, limit: int = READ_LIMIT,
                   timeout: float = READ_TIMEOUT_S) -> bytes:
    """Send one request, read until close, `limit` bytes or `timeout` seconds — whichever comes first."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(ip, port), CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError):
        return b""
    data = bytearray()
    try:
        writer.write(request)
        await writer.drain()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(data) < limit:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            try:
                chunk = await asyncio.wait_for(reader.read(min(65536, limit - len(data))), remaining)
            except TimeoutError:
                break
            if not chunk:
                break
            data += chunk
            if bytes(data[:8]) == b"RTSP/1.0" and b"\r\n\r\n" in data:
                break  # RTSP keeps the connection open: one reply is enough
    except (OSError, ConnectionError):
        pass
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(writer.wait_closed(), 0.5)
    return bytes(data[:limit])


def split_http(raw: bytes) -> tuple[str, dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    text = head.decode("latin-1")
    headers: dict[str, str] = {}
    for line in text.split("\r\n")[1:]:
        if ":" in line:
            k, _, v = line.partition(":")
            headers.setdefault(k.strip().lower(), v.strip())
    return text, headers, body


def _realm(headers: dict[str, str]) -> str | None:
    m = _REALM.search(headers.get("www-authenticate", ""))
    return m.group(1) if m else None


@dataclass(frozen=True)
class Request:
    """One request a banner probe sends: what it is (for reports), its bytes for a host, how much is read back."""

    label: str
    build: Callable[[str], bytes]
    limit: int = READ_LIMIT


def _get(path: str) -> Callable[[str], bytes]:
    return lambda host: (f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nUser-Agent: sponsorwatch"
                         "\r\n\r\n").encode()


def _onvif_clock(host: str) -> bytes:
    return (b"POST /onvif/device_service HTTP/1.1\r\nHost: " + host.encode()
            + b"\r\nContent-Type: application/soap+xml; charset=utf-8\r\nConnection: close\r\nContent-Length: "
            + str(len(ONVIF_CLOCK)).encode() + b"\r\n\r\n" + ONVIF_CLOCK)


# GET / plus the few vendor paths whose 401 names the vendor, the favicon and the ONVIF clock (pre-auth).
HTTP_REQUESTS: dict[str, Request] = {
    "root": Request("GET /", _get("/")),
    "isapi": Request("GET /ISAPI/System/deviceInfo", _get("/ISAPI/System/deviceInfo"), 8192),
    "magicbox": Request("GET /cgi-bin/magicBox.cgi", _get("/cgi-bin/magicBox.cgi?action=getDeviceType"), 8192),
    "favicon": Request("GET /favicon.ico", _get("/favicon.ico")),
    "onvif": Request("POST /onvif/device_service GetSystemDateAndTime", _onvif_clock, 16384),
}
REALM_PATHS = {"isapi": "/ISAPI/System/deviceInfo", "magicbox": "/cgi-bin/magicBox.cgi"}
RTSP_REQUESTS: dict[str, Request] = {
    "options": Request("RTSP OPTIONS", lambda uri: f"OPTIONS {uri} RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: sponsorwatch"
                       "\r\n\r\n".encode(), 8192),
    "describe": Request("RTSP DESCRIBE", lambda uri: f"DESCRIBE {uri} RTSP/1.0\r\nCSeq: 2\r\nAccept: application/sdp"
                        "\r\n\r\n".encode(), 8192),
}
TLS_REQUESTS: dict[str, Request] = {
    "https": Request("TLS handshake, then GET /", _get("/")),
}


async def _send_all(ip: str, port: int, requests: dict[str, Request], arg: str) -> dict[str, bytes]:
    replies = await asyncio.gather(*(exchange(ip, port, r.build(arg), limit=r.limit) for r in requests.values()))
    return dict(zip(requests, replies, strict=True))


async def http_probes(ip: str, port: int) -> list[Observation]:
    """Every request of HTTP_REQUESTS, at once; replies become header, server, body, realm, favicon observations."""
    host = url_host(ip, port if port != 80 else None)
    url = f"http://{host}"
    out: list[Observation] = []
    raw = await _send_all(ip, port, HTTP_REQUESTS, host)
    if raw["root"]:
        head, headers, body = split_http(raw["root"])
        out.append(Observation("http-headers", head + "\r\n", detail=f"{url}/"))
        if "server" in headers:
            out.append(Observation("http-server", headers["server"], detail=f"{url}/"))
        out.append(Observation("http-body", body[:16384].decode("utf-8", "replace"), detail=f"{url}/"))
    for key, path in REALM_PATHS.items():
        if raw[key]:
            realm = _realm(split_http(raw[key])[1])
            if realm:
                out.append(Observation("realm", realm, detail=f"401 from {url}{path}"))
    if raw["favicon"]:
        head, _, body = split_http(raw["favicon"])
        if head.split(" ")[1:2] == ["200"] and body:
            out.append(Observation("favicon", hashlib.md5(body, usedforsecurity=False).hexdigest(),
                                   detail=f"{url}/favicon.ico"))
    if raw["onvif"] and b"GetSystemDateAndTimeResponse" in raw["onvif"]:
        out.append(Observation("onvif-service", "device_service", detail=f"{url}/onvif/device_service"))
    return out


async def rtsp_probes(ip: str, port: int = 554) -> list[Observation]:
    uri = f"rtsp://{url_host(ip, port)}/"
    out = []
    for raw in (await _send_all(ip, port, RTSP_REQUESTS, uri)).values():
        if raw.startswith(b"RTSP/1.0"):
            head = raw.partition(b"\r\n\r\n")[0].decode("latin-1") + "\r\n"
            out.append(Observation("rtsp", head, detail=uri))
            realm = _realm(split_http(raw)[1])
            if realm:
                out.append(Observation("realm", realm, detail=f"RTSP 401 from {uri}"))
    return out


async def tls_probes(ip: str, port: int) -> list[Observation]:
    """The certificate subject on a TLS port (not verified: devices use self-signed ones) and the HTTPS banner."""
    import ssl

    from cryptography import x509

    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(ip, port, ssl=ctx), CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError, ssl.SSLError):
        return []
    out: list[Observation] = []
    try:
        der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
        if der:
            with contextlib.suppress(ValueError):
                subject = x509.load_der_x509_certificate(der).subject.rfc4514_string()
                out.append(Observation("tls-subject", subject[:512], detail=f"TLS certificate on {url_host(ip, port)}"))
        writer.write(TLS_REQUESTS["https"].build(url_host(ip)))
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(READ_LIMIT), READ_TIMEOUT_S)
        if raw:
            _, headers, _ = split_http(raw)
            if "server" in headers:
                out.append(Observation("http-server", headers["server"], detail=f"https://{url_host(ip, port)}/"))
    except (OSError, TimeoutError, ssl.SSLError, ConnectionError):
        pass
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(writer.wait_closed(), 0.5)
    return out
