"""HTTP and RTSP responders: banners byte for byte (checked with nmap's own match lines), digest auth with
an independent client (httpx), login pages, the request log."""

from __future__ import annotations

import hashlib
import re
import socket

import httpx
import pytest

from tests.lab.conftest import PASSWORD, USER, Fleet

# nmap/nmap@db4aefdd:nmap-service-probes lines 9762, 10283, 9906, 10643 and 10445 (docs/protocols.md#http-and-rtsp):
# the real signatures.
NMAP = {
    "hikvision-ipc": rb"^HTTP/1\.0 200 OK\r\nDate: .*\r\nServer: App-webs/\r\n",
    "hikvision-nvr": rb'^HTTP/1\.0 200 OK\r\nDate: .* GMT\r\nServer: DNVRS-Webs\r\nETag: "[a-f\d-]+"\r\n'
                     rb"Content-Length: \d+\r\nContent-Type: text/html\r\nConnection: close\r\nLast-Modified: .* GMT\r\n\r\n",
    "hikvision-dvr": rb"^HTTP/1\.0 302 Redirect\r\nServer: Hikvision-Webs\r\nDate: .*\r\nPragma: no-cache\r\n"
                     rb"Cache-Control: no-cache\r\nContent-Type: text/html\r\nLocation: http://([\w.-]+):\d+/index\.[asphtm]+"
                     rb"\r\n\r\n",
    "hikvision-ipc-webserver": rb'^HTTP/1\.0 200 OK\r\nDate: .* GMT\r\nServer: [Ww]eb(?:s(?:erver)?)?\r\n'
                               rb"(?:X-Frame-Options: SAMEORIGIN\r\n(?:X-Content-Type-Options: nosniff\r\n"
                               rb'X-XSS-Protection: 1;mode=block\r\n)?)?(?:ETag: "[^"]+"\r\n)?Content-Length: \d+\r\n'
                               rb"Content-Type: text/html\r\nConnection: close\r\nLast-Modified: .* GMT\r\n\r\n"
                               rb"\xef\xbb\xbf<!doctype html>\r\n<html>",
    "dahua-ipc": rb"^HTTP/1\.1 200 OK\r\nCONNECTION: close\r\n(?:Date: .*\r\nLast-Modified: .*\r\n"
                 rb'Etag: "\d+:[\da-f]+"\r\n)?CONTENT-LENGTH: \d+\r\n(?:P3P: CP=CAO PSA OUR\r\n)?'
                 rb"(?:CACHE-CONTROL: max-age=0\r\n)?CONTENT-TYPE: text/html\r\n\r\n\xef\xbb\xbf<!DOCTYPE html"
                 rb'(?: PUBLIC "-//W3C//DTD XHTML 1\.0 Strict//EN" "http://www\.w3\.org/TR/xhtml1/DTD/xhtml1-strict\.dtd")?'
                 rb">\r\n<html> *\r\n *<head>\r\n *<title>",
}


def raw(ip: str, port: int, request: bytes, limit: int = 65536, timeout: float = 3.0) -> bytes:
    with socket.create_connection((ip, port), timeout=timeout) as s:
        s.sendall(request)
        chunks = []
        while sum(map(len, chunks)) < limit:
            try:
                data = s.recv(65536)
            except TimeoutError:
                break
            if not data:
                break
            chunks.append(data)
    return b"".join(chunks)


@pytest.mark.parametrize("profile", sorted(NMAP))
def test_http_banner_matches_nmaps_signature_for_the_real_firmware(fleet: Fleet, profile: str) -> None:
    dev = fleet.by_profile(profile)
    reply = raw(dev.ip, 80, b"GET / HTTP/1.0\r\n\r\n")
    assert re.match(NMAP[profile], reply, re.DOTALL), reply[:400]


def test_dahua_sends_no_server_header_and_login_markers(fleet: Fleet) -> None:
    reply = raw(fleet.by_profile("dahua-ipc").ip, 80, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    head, _, body = reply.partition(b"\r\n\r\n")
    assert b"\nServer:" not in head and b"\nSERVER:" not in head
    for marker in (b"<title>WEB SERVICE</title>", b"@WebVersion@", b"t_username", b"slct_userType"):
        assert marker in body


def test_hikvision_login_page_and_isapi_digest(fleet: Fleet) -> None:
    dev = fleet.by_profile("hikvision-ipc")
    base = f"http://{dev.ip}"
    assert httpx.get(f"{base}/doc/page/login.asp").status_code == 200
    denied = httpx.get(f"{base}/ISAPI/System/deviceInfo")
    assert denied.status_code == 401
    challenge = denied.headers["www-authenticate"]
    assert re.fullmatch(r'Digest qop="auth", realm="IP Camera\(\w{5}\)", nonce="[0-9a-f]{32}", stale="FALSE"', challenge)
    wrong = httpx.get(f"{base}/ISAPI/System/deviceInfo", auth=httpx.DigestAuth(USER, "wrong"))
    assert wrong.status_code == 401
    ok = httpx.get(f"{base}/ISAPI/System/deviceInfo", auth=httpx.DigestAuth(USER, PASSWORD))
    assert ok.status_code == 200
    assert f"<serialNumber>{dev.identity.serial}</serialNumber>" in ok.text
    assert 'xmlns="http://www.hikvision.com/ver20/XMLSchema"' in ok.text
    assert f"<macAddress>{dev.identity.mac}</macAddress>" in ok.text


def test_oem_isapi_uses_the_std_cgi_namespace(fleet: Fleet) -> None:
    dev = fleet.by_profile("hikvision-oem")
    ok = httpx.get(f"http://{dev.ip}/ISAPI/System/deviceInfo", auth=httpx.DigestAuth(USER, PASSWORD))
    assert 'xmlns="http://www.std-cgi.com/ver20/XMLSchema"' in ok.text and "<model>CMIP8242WB</model>" in ok.text


def test_dahua_magicbox_digest_and_rpc2_login_challenge(fleet: Fleet) -> None:
    dev = fleet.by_profile("dahua-ipc")
    url = f"http://{dev.ip}/cgi-bin/magicBox.cgi?action=getSystemInfo"
    denied = httpx.get(url)
    assert denied.status_code == 401
    assert f'realm="Login to {dev.identity.serial}"' in denied.headers["www-authenticate"]
    ok = httpx.get(url, auth=httpx.DigestAuth(USER, PASSWORD))
    assert ok.status_code == 200
    assert f"serialNumber={dev.identity.serial}\r\n" in ok.text and f"deviceType={dev.identity.model}" in ok.text
    challenge = httpx.post(f"http://{dev.ip}/RPC2_Login", json={"method": "global.login", "params": {}, "id": 1}).json()
    assert challenge["error"]["code"] == 268632079 and challenge["result"] is False
    assert challenge["params"]["realm"] == f"Login to {dev.identity.serial}"
    assert challenge["params"]["mac"] == dev.identity.mac_plain.upper()


def test_lorex_nvr_reports_type_31_with_the_real_model_in_update_serial(fleet: Fleet) -> None:
    dev = fleet.by_profile("lorex-nvr")
    ok = httpx.get(f"http://{dev.ip}/cgi-bin/magicBox.cgi?action=getSystemInfo", auth=httpx.DigestAuth(USER, PASSWORD))
    assert "deviceType=31\r\n" in ok.text and "updateSerial=DHI-NVR4108HS-8P-4KS2" in ok.text
    assert re.search(r"serialNumber=ND0\d{6}[0-9A-Z]{5}\r\n", ok.text)


def _rtsp_digest(realm: str, nonce: str, uri: str) -> str:
    ha1 = hashlib.md5(f"{USER}:{realm}:{PASSWORD}".encode()).hexdigest()
    ha2 = hashlib.md5(f"DESCRIBE:{uri}".encode()).hexdigest()
    response = hashlib.md5(f"{ha1}:{nonce}:{ha2}".encode()).hexdigest()
    return f'Digest username="{USER}", realm="{realm}", nonce="{nonce}", uri="{uri}", response="{response}"'


def test_hikvision_rtsp_quirks_and_digest(fleet: Fleet) -> None:
    dev = fleet.by_profile("hikvision-ipc")
    uri = f"rtsp://{dev.ip}/Streaming/Channels/101"
    with socket.create_connection((dev.ip, 554), timeout=3) as s:
        s.sendall(f"OPTIONS {uri} RTSP/1.0\r\nCSeq: 1\r\n\r\n".encode())
        options = s.recv(4096)
        s.sendall(f"DESCRIBE {uri} RTSP/1.0\r\nCSeq: 2\r\n\r\n".encode())
        denied = s.recv(4096)
        m = re.search(rb'realm="(IP Camera\(\w{5}\))", nonce="([0-9a-f]{32})", stale="FALSE"', denied)
        assert m is not None
        s.sendall(f"DESCRIBE {uri} RTSP/1.0\r\nCSeq: 3\r\nAuthorization: "
                  f"{_rtsp_digest(m.group(1).decode(), m.group(2).decode(), uri)}\r\n\r\n".encode())
        described = s.recv(4096)
    assert options.startswith(b"RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: OPTIONS, DESCRIBE, PLAY")
    assert b"Server:" not in options
    assert re.search(rb"\r\nDate:  \w{3}, \w{3} \d\d \d{4} \d\d:\d\d:\d\d GMT\r\n", options)
    assert denied.startswith(b"RTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\n")
    assert described.startswith(b"RTSP/1.0 200 OK") and b"m=video" in described


def test_dahua_rtsp_server_header_and_realm(fleet: Fleet) -> None:
    dev = fleet.by_profile("dahua-ipc")
    reply = raw(dev.ip, 554, f"DESCRIBE rtsp://{dev.ip}/cam/realmonitor?channel=1 RTSP/1.0\r\nCSeq: 2\r\n\r\n".encode(),
                timeout=1.0)
    assert reply.startswith(b"RTSP/1.0 401 Unauthorized\r\n")
    assert b"\r\nServer: Dahua Rtsp Server\r\n" in reply
    assert f'realm="Login to {dev.identity.serial}"'.encode() in reply
    http_on_rtsp = raw(dev.ip, 554, b"GET / HTTP/1.0\r\n\r\n")
    assert re.match(rb"^RTSP/1\.0 405 Method Not Allowed\r\nServer: Dahua Rtsp Server\r\nContent-Length: 0\r\n"
                    rb"CSeq: 0\r\n\r\n", http_on_rtsp)  # nmap line 11572


def test_lorex_rtsp_401_matches_nmap(fleet: Fleet) -> None:
    dev = fleet.by_profile("lorex-nvr")
    reply = raw(dev.ip, 554, b"OPTIONS / RTSP/1.0\r\nCSeq: 42\r\n\r\nDESCRIBE / RTSP/1.0\r\nCSeq: 42\r\n\r\n", timeout=1.0)
    assert re.search(rb'RTSP/1\.0 401 Unauthorized\r\nCSeq: 42\r\nWWW-Authenticate: Digest realm="Login to '
                     rb'([\w._-]+)", nonce="[a-f\d]{32}"\r\n\r\n', reply)  # nmap line 14883


def test_sdk_ports_are_open(fleet: Fleet) -> None:
    for profile, port in (("hikvision-ipc", 8000), ("dahua-ipc", 37777), ("printer", 631)):
        with socket.create_connection((fleet.by_profile(profile).ip, port), timeout=2):
            pass


def test_request_log_records_what_a_client_sent(fleet: Fleet) -> None:
    dev = fleet.by_profile("hikvision-nvr")
    httpx.put(f"http://{dev.ip}/SDK/webLanguage", content=b"<language>$(id)</language>")
    forbidden = [e for e in dev.requests("http") if e.method == "PUT" and e.target == "/SDK/webLanguage"]
    assert forbidden and forbidden[-1].peer.startswith("127.")


def test_non_sponsor_pages(fleet: Fleet) -> None:
    for profile, marker in (("printer", b"HP LaserJet"), ("router", b"Router Login"), ("axis-like", b"AXIS")):
        reply = raw(fleet.by_profile(profile).ip, 80, b"GET / HTTP/1.0\r\n\r\n")
        assert reply.startswith(b"HTTP/1.1 200 OK") and marker in reply


def test_hikvision_nvr_serves_https_with_the_default_certificate_subject(fleet: Fleet) -> None:
    import ssl

    from cryptography import x509

    dev = fleet.by_profile("hikvision-nvr")
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection((dev.ip, 443), timeout=3) as raw_sock, ctx.wrap_socket(raw_sock) as tls:
        der = tls.getpeercert(binary_form=True)
        tls.sendall(b"GET / HTTP/1.0\r\n\r\n")
        reply = tls.recv(4096)
    assert der is not None
    subject = x509.load_der_x509_certificate(der).subject.rfc4514_string()
    assert subject == "CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,L=HangZhou,ST=ZheJiang,C=CN"  # recog x509_subjects
    assert b"Server: DNVRS-Webs" in reply
