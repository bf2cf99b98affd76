"""Server side of HTTP/RTSP Digest (RFC 2617, MD5) and ONVIF WS-UsernameToken, as the simulated devices check them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

_PARAM = re.compile(r'(\w+)=(?:"([^"]*)"|([^,\s]*))')


def new_nonce() -> str:
    return secrets.token_hex(16)


def parse_digest(header: str | None) -> dict[str, str] | None:
    if not header or not header.lower().startswith("digest "):
        return None
    return {m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3)
            for m in _PARAM.finditer(header[7:])}


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def digest_ok(header: str | None, method: str, username: str, password: str, realm: str) -> bool:
    """Is this Authorization header a valid digest answer for these credentials and realm?"""
    p = parse_digest(header)
    if not p or p.get("username") != username or p.get("realm") != realm:
        return False
    ha1 = _md5(f"{username}:{realm}:{password}")
    ha2 = _md5(f"{method}:{p.get('uri', '')}")
    if p.get("qop"):
        expected = _md5(f"{ha1}:{p.get('nonce', '')}:{p.get('nc', '')}:{p.get('cnonce', '')}:{p['qop']}:{ha2}")
    else:
        expected = _md5(f"{ha1}:{p.get('nonce', '')}:{ha2}")
    return hmac.compare_digest(expected, p.get("response", ""))


def username_token_ok(username: str | None, password_value: str | None, password_type: str | None,
                      nonce_b64: str | None, created: str | None, user: str, password: str) -> bool:
    """WS-UsernameToken: PasswordDigest = Base64(SHA1(nonce + created + password)), or PasswordText."""
    if username != user or password_value is None:
        return False
    if password_type and password_type.endswith("#PasswordText"):
        return hmac.compare_digest(password_value, password)
    try:
        nonce = base64.b64decode(nonce_b64 or "", validate=False)
    except ValueError:
        return False
    digest = base64.b64encode(
        hashlib.sha1(nonce + (created or "").encode() + password.encode(), usedforsecurity=False).digest()
    ).decode()
    return hmac.compare_digest(digest, password_value)
