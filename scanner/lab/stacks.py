"""What each simulated firmware answers: HTTP pages and APIs, RTSP, and the SADP/DHIP/WS-Discovery replies."""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import json
import secrets
import urllib.parse
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from scanner.lab import onvif
from scanner.lab.auth import digest_ok, new_nonce
from scanner.lab.wire_http import Request, Response
from scanner.wire import WireError, dhip, sadp, wsd

if TYPE_CHECKING:
    from scanner.lab.device import Device

BOM = b"\xef\xbb\xbf"
HUGE_BODY_BYTES = 50 * 1024 * 1024
XML_BOMB = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
            + b"".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
                       for i in range(1, 10))
            + b"]>\n<ProbeMatch><DeviceDescription>&lol9;</DeviceDescription></ProbeMatch>")


def _presented(req: Request, ok: bool) -> bool | None:
    """For the request log: None when no credentials came with the request, else whether they were right."""
    return ok if req.header("authorization") else None


def http_date(now: dt.datetime | None = None) -> str:
    return email.utils.format_datetime(now or dt.datetime.now(dt.UTC), usegmt=True)


def hik_rtsp_date(now: dt.datetime | None = None) -> str:
    # Real Hikvision IPC: "Date:  Thu, May 14 2020 16:45:35 GMT" — two spaces, month before day, no comma after.
    return (now or dt.datetime.now(dt.UTC)).strftime("%a, %b %d %Y %H:%M:%S GMT")


async def _drip() -> AsyncIterator[bytes]:
    while True:
        yield b"<"
        await asyncio.sleep(1.0)


async def _huge() -> AsyncIterator[bytes]:
    chunk = b"A" * 65536
    for _ in range(HUGE_BODY_BYTES // len(chunk)):
        yield chunk


def _hostile_http(dev: Device, req: Request) -> Response | None:
    if dev.profile.behaviour == "slow-drip":
        return Response("HTTP/1.1 200 OK", [("Content-Type", "text/html")], b"", stream=_drip)
    if dev.profile.behaviour == "huge-http-body" and req.path == "/":
        return Response("HTTP/1.1 200 OK", [("CONTENT-TYPE", "text/html"), ("CONTENT-LENGTH", str(HUGE_BODY_BYTES))],
                        b"", stream=_huge)
    return None


# ---------------------------------------------------------------- ONVIF over HTTP (all stacks that have it)
def onvif_http(dev: Device, req: Request) -> Response:
    soap = onvif.parse_soap(req.body, dev.user, dev.password)
    headers = [("Content-Type", 'application/soap+xml; charset=utf-8'), ("Connection", "close")]
    if soap is None:
        dev.record("onvif", "?", req.path, req.peer, note="unreadable SOAP")
        return Response("HTTP/1.1 400 Bad Request", headers, onvif.fault("ter:WellFormed", "Bad request"),
                        content_length=True)
    dev.record("onvif", soap.operation, req.path, req.peer,
               authorized=soap.authorized if soap.username is not None else None)
    if dev.profile.behaviour == "soap-xml-bomb":
        return Response("HTTP/1.1 200 OK", headers, XML_BOMB, content_length=True)
    if soap.operation not in onvif.SUPPORTED:
        return Response("HTTP/1.1 400 Bad Request", headers,
                        onvif.fault("ter:ActionNotSupported", "Optional Action Not Implemented"), content_length=True)
    if soap.operation not in onvif.PRE_AUTH and not soap.authorized:
        return Response("HTTP/1.1 400 Bad Request", headers,
                        onvif.fault("ter:NotAuthorized", "Sender not Authorized"), content_length=True)
    return Response("HTTP/1.1 200 OK", headers, onvif.answer(soap.operation, dev.onvif_info()), content_length=True)


# ---------------------------------------------------------------- Hikvision
def _hik_page(dev: Device) -> bytes:
    return BOM + (
        b"<!doctype html>\r\n<html>\r\n<head>\r\n<meta charset=\"utf-8\"/>\r\n<title></title>\r\n"
        b"<script>window.location.href = \"/doc/page/login.asp?_\" + (new Date()).getTime();</script>\r\n"
        b"</head>\r\n<body></body>\r\n</html>\r\n"
    )


def _hik_login(dev: Device) -> bytes:
    return (
        b"<!DOCTYPE html>\r\n<html>\r\n<head>\r\n<meta http-equiv=\"X-UA-Compatible\" content=\"IE=edge\"/>\r\n"
        b"<title></title>\r\n<link rel=\"stylesheet\" href=\"../css/ui.css\" type=\"text/css\"/>\r\n"
        b"<script type=\"text/javascript\" src=\"../script/lib/seajs/sea.js\"></script>\r\n</head>\r\n"
        b"<body><div id=\"login\"><input id=\"username\"/><input id=\"password\" type=\"password\"/></div></body>\r\n"
        b"</html>\r\n"
    )


def _host_only(host: str) -> str:
    """A Host header without its port: '127.0.0.5:8080' → '127.0.0.5', '[::1]:80' → '[::1]'."""
    if host.startswith("["):
        return host.partition("]")[0] + "]"
    return host.split(":")[0]


def _hik_root(dev: Device, req: Request) -> Response:
    variant = dev.profile.http.get("variant", "app-webs")
    now = http_date()
    body = _hik_page(dev)
    if variant == "hikvision-webs":
        host = req.header("host") or dev.ip
        return Response("HTTP/1.0 302 Redirect", [
            ("Server", "Hikvision-Webs"), ("Date", dt.datetime.now(dt.UTC).strftime("%a %b %d %H:%M:%S %Y")),
            ("Pragma", "no-cache"), ("Cache-Control", "no-cache"), ("Content-Type", "text/html"),
            ("Location", f"http://{_host_only(host)}:80/index.asp")])
    if variant == "dnvrs-webs":
        return Response("HTTP/1.0 200 OK", [
            ("Date", now), ("Server", "DNVRS-Webs"),
            ("ETag", f'"{dev.identity.mac_plain[-4:]}-{len(body):x}-5f3a2b1c"'),
            ("Content-Length", str(len(body))), ("Content-Type", "text/html"), ("Connection", "close"),
            ("Last-Modified", "Tue, 14 Apr 2020 08:12:01 GMT")], body)
    if variant == "webserver":
        return Response("HTTP/1.0 200 OK", [
            ("Date", now), ("Server", "webserver"), ("X-Frame-Options", "SAMEORIGIN"),
            ("X-Content-Type-Options", "nosniff"), ("X-XSS-Protection", "1;mode=block"),
            ("ETag", f'"{len(body):x}-5f3a2b1c"'), ("Content-Length", str(len(body))), ("Content-Type", "text/html"),
            ("Connection", "close"), ("Last-Modified", "Tue, 14 Apr 2020 08:12:01 GMT")], body)
    return Response("HTTP/1.0 200 OK", [
        ("Date", now), ("Server", "App-webs/"), ("Connection", "close"), ("Content-Length", str(len(body))),
        ("Content-Type", "text/html")], body)


def _hik_server(dev: Device) -> list[tuple[str, str]]:
    name = {"dnvrs-webs": "DNVRS-Webs", "webserver": "webserver", "hikvision-webs": "Hikvision-Webs"}
    return [("Date", http_date()), ("Server", name.get(dev.profile.http.get("variant", ""), "App-webs/"))]


def hik_realm(dev: Device) -> str:
    return f"IP Camera({dev.identity.serial[-5:]})"


def _hik_isapi(dev: Device, req: Request) -> Response:
    realm = hik_realm(dev)
    ok = digest_ok(req.header("authorization"), req.method, dev.user, dev.password, realm)
    dev.record("http", req.method, req.target, req.peer, authorized=_presented(req, ok))
    if not ok:
        return Response("HTTP/1.1 401 Unauthorized", [
            *_hik_server(dev), ("Content-Length", "178"), ("Content-Type", "text/html"), ("Connection", "close"),
            ("WWW-Authenticate", f'Digest qop="auth", realm="{realm}", nonce="{new_nonce()}", stale="FALSE"')],
            b"<!DOCTYPE html>\r\n<html><head><title>Document Error: Unauthorized</title></head>\r\n"
            b"<body><h2>Access Error: 401 -- Unauthorized</h2>\r\n<p>Authentication Error</p>\r\n</body>\r\n</html>\r\n"
            b"\r\n\r\n\r\n")
    ident = dev.identity
    version, _, build = ident.firmware.partition("build")
    ns = dev.profile.isapi.get("namespace", "http://www.hikvision.com/ver20/XMLSchema")
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<DeviceInfo version="2.0" xmlns="{ns}">\n'
        f"<deviceName>{escape(dev.device_name)}</deviceName>\n<deviceID>{ident.uuid}</deviceID>\n"
        f"<model>{escape(dev.model_shown)}</model>\n<serialNumber>{escape(ident.serial)}</serialNumber>\n"
        f"<macAddress>{ident.mac}</macAddress>\n<firmwareVersion>{version.strip()}</firmwareVersion>\n"
        f"<firmwareReleasedDate>build {build.strip()}</firmwareReleasedDate>\n"
        f"<deviceType>{dev.profile.isapi.get('device_type', 'IPCamera')}</deviceType>\n</DeviceInfo>\n"
    ).encode("utf-8", "surrogateescape")
    return Response("HTTP/1.1 200 OK", [*_hik_server(dev), ("Connection", "close"),
                                        ("Content-Type", 'application/xml; charset="UTF-8"')], body,
                    content_length=True)


def hikvision_http(dev: Device, req: Request) -> Response:
    if req.path == "/onvif/device_service" and dev.profile.onvif is not None and req.method == "POST":
        return onvif_http(dev, req)
    if req.path.startswith("/ISAPI/") or req.path.startswith("/PSIA/"):
        return _hik_isapi(dev, req)
    dev.record("http", req.method, req.target, req.peer)
    if req.path == "/SDK/webLanguage":  # the CVE-2021-36260 injection point; recorded so tests can catch a prober
        return Response("HTTP/1.1 403 Forbidden", [*_hik_server(dev), ("Connection", "close")], b"",
                        content_length=True)
    if req.path in ("/", "/index.asp", "/index.html"):
        return _hik_root(dev, req)
    if req.path == "/doc/page/login.asp":
        body = _hik_login(dev)
        html = [*_hik_server(dev), ("Connection", "close"), ("Content-Type", "text/html")]
        return Response("HTTP/1.1 200 OK", html, body, content_length=True)
    html = [*_hik_server(dev), ("Connection", "close"), ("Content-Type", "text/html")]
    return Response("HTTP/1.1 404 Not Found", html, b"<html><body>404 Not Found</body></html>", content_length=True)


# ---------------------------------------------------------------- Dahua
def dahua_realm(dev: Device) -> str:
    return f"Login to {dev.identity.serial}"


def _dahua_page() -> bytes:
    return BOM + (
        b'<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">'
        b"\r\n<html>\r\n<head>\r\n<title>WEB SERVICE</title>\r\n"
        b'<script src="jsBase/lib/jquery.js?version=@WebVersion@"></script>\r\n</head>\r\n<body>\r\n'
        b'<div class="ui-dialog-content"><input id="t_username"/><select id="slct_userType"></select>'
        b'<a class="u-button">Login</a><span>>Login<</span></div>\r\n</body>\r\n</html>\r\n'
    )


def _dahua_headers(length: int, content_type: str = "text/html") -> list[tuple[str, str]]:
    return [("CONNECTION", "close"), ("CONTENT-LENGTH", str(length)), ("CACHE-CONTROL", "max-age=0"),
            ("CONTENT-TYPE", content_type)]


def _magicbox(dev: Device, action: str) -> bytes:
    d = dev.profile.dahua
    ident = dev.identity
    if action == "getSystemInfo":
        lines = [f"deviceType={d.get('device_type_code', ident.model)}", "hardwareVersion=1.00",
                 f"processor={d.get('processor', 'S3LM')}", f"serialNumber={ident.serial}",
                 f"updateSerial={d.get('update_serial', ident.model)}"]
    elif action == "getDeviceType":
        lines = [f"type={ident.model}"]
    elif action == "getSoftwareVersion":
        lines = [f"version={ident.firmware}"]
    elif action == "getMachineName":
        lines = [f"name={dev.device_name}"]
    elif action == "getVendor":
        lines = [f"vendor={d.get('vendor', 'Dahua')}"]
    else:
        return b"Error\r\nBad Request!\r\n"
    return ("\r\n".join(lines) + "\r\n").encode("utf-8", "surrogateescape")


def dahua_http(dev: Device, req: Request) -> Response:
    hostile = _hostile_http(dev, req)
    if hostile is not None:
        dev.record("http", req.method, req.target, req.peer, note=dev.profile.behaviour)
        return hostile
    if req.path == "/onvif/device_service" and dev.profile.onvif is not None and req.method == "POST":
        return onvif_http(dev, req)
    if req.path == "/RPC2_Login" and req.method == "POST":
        dev.record("http", req.method, req.target, req.peer, note="RPC2_Login first stage")
        # Real first-stage challenge (a Greenbone NASL comment; docs/protocols.md#never-sent): leaks MAC and serial.
        body = json.dumps({
            "error": {"code": 268632079, "message": "Component error: login challenge!"}, "id": 1,
            "params": {"authorization": secrets.token_hex(20), "encryption": "Default",
                       "mac": dev.identity.mac_plain.upper(), "random": str(secrets.randbelow(10_000_000)),
                       "realm": dahua_realm(dev)},
            "result": False, "session": secrets.randbelow(2**31)}, separators=(",", ":")).encode()
        return Response("HTTP/1.1 200 OK", _dahua_headers(len(body), "application/json"), body)
    if req.path == "/cgi-bin/magicBox.cgi":
        realm = dahua_realm(dev)
        ok = digest_ok(req.header("authorization"), req.method, dev.user, dev.password, realm)
        dev.record("http", req.method, req.target, req.peer, authorized=_presented(req, ok))
        if not ok:
            body = b"Error\r\nInvalid Authority!\r\n"
            return Response("HTTP/1.1 401 Unauthorized", [
                ("CONNECTION", "close"),
                ("WWW-Authenticate",
                 f'Digest realm="{realm}", qop="auth", nonce="{new_nonce()}", opaque="{new_nonce()}"'),
                ("CONTENT-LENGTH", str(len(body))), ("CONTENT-TYPE", "text/plain")], body)
        action = urllib.parse.parse_qs(req.query).get("action", [""])[0]
        body = _magicbox(dev, action)
        return Response("HTTP/1.1 200 OK", _dahua_headers(len(body), "text/plain;charset=utf-8"), body)
    dev.record("http", req.method, req.target, req.peer)
    if req.path in ("/", "/index.html"):
        body = _dahua_page()
        return Response("HTTP/1.1 200 OK", _dahua_headers(len(body)), body)
    body = b"<html><body>404 File Not Found</body></html>"
    return Response("HTTP/1.1 404 Not Found", _dahua_headers(len(body)), body)


# ---------------------------------------------------------------- not sponsors
def generic_http(dev: Device, req: Request) -> Response:
    if req.path == "/onvif/device_service" and dev.profile.onvif is not None and req.method == "POST":
        return onvif_http(dev, req)
    dev.record("http", req.method, req.target, req.peer)
    title = escape(str(dev.profile.http.get("title", dev.profile.label)))
    body = f"<!DOCTYPE html><html><head><title>{title}</title></head><body><form>Login</form></body></html>".encode()
    headers = [("Date", http_date())]
    if dev.profile.http.get("server"):
        headers.append(("Server", str(dev.profile.http["server"])))
    status = "HTTP/1.1 200 OK" if req.path == "/" else "HTTP/1.1 404 Not Found"
    return Response(status, [*headers, ("Content-Type", "text/html; charset=utf-8"), ("Connection", "close")],
                    body if req.path == "/" else b"Not Found", content_length=True)


def http(dev: Device, req: Request) -> Response:
    hostile = _hostile_http(dev, req)
    if hostile is not None:
        dev.record("http", req.method, req.target, req.peer, note=dev.profile.behaviour)
        return hostile
    if dev.profile.stack == "hikvision":
        return hikvision_http(dev, req)
    if dev.profile.stack == "dahua":
        return dahua_http(dev, req)
    return generic_http(dev, req)


# ---------------------------------------------------------------- RTSP
def rtsp(dev: Device, req: Request) -> Response | None:
    style = str(dev.profile.services.get("rtsp", "generic"))
    cseq = req.header("cseq") or "0"
    dev.record("rtsp", req.method, req.target, req.peer,
               authorized=True if req.header("authorization") else None)
    if dev.profile.behaviour == "slow-drip":
        return Response("RTSP/1.0 200 OK", [("CSeq", cseq)], b"", stream=_drip)
    if not req.version.startswith("RTSP/"):
        if style == "dahua":
            return Response("RTSP/1.0 405 Method Not Allowed", [("Server", "Dahua Rtsp Server"),
                                                                 ("Content-Length", "0"), ("CSeq", "0")])
        return None
    public = "OPTIONS, DESCRIBE, PLAY, PAUSE, SETUP, TEARDOWN, SET_PARAMETER, GET_PARAMETER"
    if style in ("hikvision", "hikvision-dvr"):
        date = ("Date", " " + hik_rtsp_date())  # the value starts with a space: "Date:  Thu, …"
        realm = hik_realm(dev) if style == "hikvision" else "Hikvision"
        if req.method == "OPTIONS":
            return Response("RTSP/1.0 200 OK", [("CSeq", cseq), ("Public", public), date], close=False)
        if req.method == "DESCRIBE" and not digest_ok(req.header("authorization"), "DESCRIBE", dev.user,
                                                      dev.password, realm):
            return Response("RTSP/1.0 401 Unauthorized", [
                ("CSeq", cseq), ("WWW-Authenticate", f'Digest realm="{realm}", nonce="{new_nonce()}", stale="FALSE"'),
                date], close=False)
        return Response("RTSP/1.0 200 OK", [("CSeq", cseq), ("Content-Type", "application/sdp"), date],
                        _sdp(dev), close=False, content_length=True)
    server = [("Server", "Dahua Rtsp Server")] if style == "dahua" else []
    if style in ("dahua", "lorex"):
        realm = dahua_realm(dev)
        if req.method == "OPTIONS":
            return Response("RTSP/1.0 200 OK", [("CSeq", cseq), *server, ("Public", public)], close=False)
        if req.method == "DESCRIBE" and not digest_ok(req.header("authorization"), "DESCRIBE", dev.user,
                                                      dev.password, realm):
            return Response("RTSP/1.0 401 Unauthorized", [
                ("CSeq", cseq), ("WWW-Authenticate", f'Digest realm="{realm}", nonce="{new_nonce()}"'), *server],
                close=False)
        return Response("RTSP/1.0 200 OK", [("CSeq", cseq), *server, ("Content-Type", "application/sdp")],
                        _sdp(dev), close=False, content_length=True)
    if req.method == "OPTIONS":
        return Response("RTSP/1.0 200 OK", [("CSeq", cseq), ("Public", public)], close=False)
    return Response("RTSP/1.0 401 Unauthorized", [("CSeq", cseq),
                                                  ("WWW-Authenticate", f'Digest realm="IPC", nonce="{new_nonce()}"')],
                    close=False)


def _sdp(dev: Device) -> bytes:
    return (f"v=0\r\no=- 0 0 IN IP4 {dev.ip}\r\ns=Media Presentation\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n"
            "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n").encode()


# ---------------------------------------------------------------- UDP discovery
def sadp_reply(dev: Device, data: bytes) -> bytes | None:
    try:
        probe = sadp.parse_probe(data)
    except WireError:
        return None
    if probe.types not in sadp.DISCOVERY_TYPES:
        return None  # only inquiries are answered; configuration messages are logged and ignored
    if dev.profile.behaviour == "sadp-xml-bomb":
        return XML_BOMB
    ident = dev.identity
    nvr = dev.profile.kind in ("nvr", "dvr")
    return sadp.build_reply([
        ("Uuid", probe.uuid[:64]), ("Types", "inquiry"), ("DeviceType", "141945"),
        ("DeviceDescription", dev.model_shown), ("DeviceSN", ident.serial), ("CommandPort", "8000"),
        ("HttpPort", "80"), ("MAC", ident.mac.replace(":", "-")), ("IPv4Address", dev.ip),
        ("IPv4SubnetMask", "255.0.0.0"), ("IPv4Gateway", "127.0.0.1"), ("IPv6Address", "::"), ("IPv6Gateway", "::"),
        ("IPv6MaskLen", "64"), ("DHCP", "false"), ("AnalogChannelNum", "0"),
        ("DigitalChannelNum", "8" if nvr else "1"),
        ("SoftwareVersion", ident.firmware), ("DSPVersion", "V7.3 build 190626"),
        ("BootTime", "1970-01-15 02:44:11"), ("Encrypt", "true"), ("ResetAbility", "false"),
        ("DiskNumber", "1" if nvr else "0"),
        ("Activated", "false" if dev.profile.quirks.get("not_activated") else "true"),
        ("PasswordResetAbility", "true"), ("PasswordResetModeSecond", "true"),
        ("DetailOEMCode", str(dev.profile.sadp.get("oem_code", "1"))), ("SupportSecurityQuestion", "true"),
        ("SupportHCPlatform", "true"), ("HCPlatformEnable", "flase"), ("IsModifyVerificationCode", "true"),
        ("Salt", secrets.token_hex(32)), ("DeviceLock", "flase"), ("SDKOverTLSPort", "8443"),
        ("SDKServerStatus", "true"), ("SDKOverTLSServerStatus", "true"), ("SupportMailBox", "true"),
    ])


def dhip_reply(dev: Device, data: bytes) -> bytes | None:
    # Real firmware answers even a single non-null byte on 37810 (Phenomite/AMP-Research), not only the search.
    if not data or data == b"\x00":
        return None
    ident = dev.identity
    d = dev.profile.dahua
    reply = dhip.build_notify(ident.mac, {
        "AlarmInputChannels": 0, "AlarmOutputChannels": 0, "DeviceClass": d.get("device_class", "IPC"),
        "DeviceType": dev.model_shown, "HttpPort": 80,
        "IPv4Address": {"DefaultGateway": "127.0.0.1", "DhcpEnable": False, "IPAddress": dev.ip,
                        "SubnetMask": "255.0.0.0"},
        "MachineName": dev.device_name, "Manufacturer": d.get("manufacturer", "Private"), "Port": 37777,
        "RemoteVideoInputChannels": 0 if dev.profile.kind == "ipc" else 8, "SerialNo": ident.serial,
        "Vendor": d.get("vendor", "Dahua"), "Version": ident.firmware, "VideoInputChannels": 1,
        "VideoOutputChannels": 16})
    if dev.profile.behaviour == "malformed-dhip":
        text = reply[dhip.HEADER.size:].rstrip(b"\n\x00")
        bad = secrets.randbelow(3)
        if bad == 0:  # the header announces more body than there is
            return dhip.HEADER.pack(0x20, dhip.MAGIC, 0, 0, len(text) + 500, 0, len(text) + 500, 0) + text
        if bad == 1:  # a broken header
            return b"\x20\x00\x00\x00PIHD" + text
        return dhip.frame(text[: len(text) // 2])  # truncated JSON
    return reply


def wsd_reply(dev: Device, data: bytes, multicast: bool) -> bytes | None:
    if dev.profile.onvif is None:
        return None
    if not multicast and not dev.profile.quirks.get("wsd_unicast", True):
        return None
    try:
        probe = wsd.parse_probe(data)
    except WireError:
        return None
    if not probe.wants_video():
        return None
    return wsd.build_probe_match(probe.message_id, f"urn:uuid:{dev.identity.uuid}", dev.onvif_scopes(),
                                 [f"http://{dev.url_host}/onvif/device_service"])
