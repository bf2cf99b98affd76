"""Probes that use credentials the user supplied (never guessed, never echoed): ONVIF GetDeviceInformation and
GetNetworkInterfaces (onvif-zeep-async), Hikvision ISAPI deviceInfo and Dahua magicBox getSystemInfo (digest).
Dahua's RPC2_Login first stage is a login attempt, so it runs only when the user opts in."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from dataclasses import dataclass, field

import httpx
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from scanner.discovery.targets import url_host
from scanner.identify.device import Observation

CREDENTIALS_ENV = "SPONSORWATCH_CREDENTIALS"
AUTH_TIMEOUT_S = 5.0  # per request
AUTH_TOTAL_S = 12.0  # per probe: a device that drips its answer a byte at a time is cut off here
BODY_LIMIT = 64 * 1024
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Credentials:
    user: str
    password: str = field(repr=False)

    def __repr__(self) -> str:
        return f"Credentials(user={self.user!r}, password=<redacted>)"


def parse_credentials(text: str) -> Credentials:
    user, sep, password = text.strip().partition(":")
    if not sep or not user:
        raise ValueError("credentials must look like USER:PASSWORD")
    return Credentials(user, password)


def load_credentials(path: str | None) -> Credentials | None:
    """From a file (first non-comment line USER:PASSWORD) or $SPONSORWATCH_CREDENTIALS."""
    if path:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if line.strip() and not line.lstrip().startswith("#"):
                    return parse_credentials(line)
        raise ValueError(f"no USER:PASSWORD line in {path}")
    env = os.environ.get(CREDENTIALS_ENV)
    return parse_credentials(env) if env else None


async def _get(client: httpx.AsyncClient, url: str, creds: Credentials) -> tuple[int, bytes]:
    async with client.stream("GET", url, auth=httpx.DigestAuth(creds.user, creds.password)) as resp:
        body = bytearray()
        async for chunk in resp.aiter_bytes():
            body += chunk
            if len(body) >= BODY_LIMIT:
                break
        return resp.status_code, bytes(body[:BODY_LIMIT])


def _xml_fields(body: bytes) -> dict[str, str]:
    try:
        root = fromstring(body, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError, UnicodeError):
        return {}
    out = {}
    for el in list(root)[:100]:
        tag = str(el.tag).rsplit("}", 1)[-1]
        if el.text and el.text.strip():
            out[tag] = el.text.strip()[:256]
    out["_namespace"] = str(root.tag).partition("}")[0].lstrip("{")[:128]
    return out


async def isapi_device_info(ip: str, port: int, creds: Credentials) -> list[Observation]:
    url = f"http://{url_host(ip, port)}/ISAPI/System/deviceInfo"
    async with httpx.AsyncClient(timeout=AUTH_TIMEOUT_S) as client:
        status, body = await _get(client, url, creds)
    if status != 200:
        return []
    f = _xml_fields(body)
    if not f.get("model"):
        return []
    firmware = " ".join(x for x in (f.get("firmwareVersion"), f.get("firmwareReleasedDate")) if x)
    return [Observation("isapi", f.get("_namespace", ""), {
        "model": f.get("model"), "serial": f.get("serialNumber"), "mac": f.get("macAddress"), "firmware": firmware,
        "device_type": f.get("deviceType"), "name": None}, url)]


async def magicbox_info(ip: str, port: int, creds: Credentials) -> list[Observation]:
    base = f"http://{url_host(ip, port)}/cgi-bin/magicBox.cgi?action="
    async with httpx.AsyncClient(timeout=AUTH_TIMEOUT_S) as client:
        status, body = await _get(client, base + "getSystemInfo", creds)
        if status != 200:
            return []
        _, version = await _get(client, base + "getSoftwareVersion", creds)
        _, vendor = await _get(client, base + "getVendor", creds)
    kv = {}
    for line in (body + b"\n" + version + b"\n" + vendor).decode("utf-8", "replace").splitlines():
        k, sep, v = line.partition("=")
        if sep:
            kv[k.strip()] = v.strip()[:256]
    return [Observation("magicbox", "getSystemInfo", {
        "model": kv.get("deviceType"), "serial": kv.get("serialNumber"), "update_serial": kv.get("updateSerial"),
        "firmware": kv.get("version"), "vendor_name": kv.get("vendor")}, base + "getSystemInfo")]


async def onvif_info(ip: str, port: int, creds: Credentials) -> list[Observation]:
    from onvif import ONVIFCamera

    cam = ONVIFCamera(ip, port, creds.user, creds.password, adjust_time=True)
    try:
        await asyncio.wait_for(cam.update_xaddrs(), AUTH_TIMEOUT_S)
        mgmt = await cam.create_devicemgmt_service()
        info = await asyncio.wait_for(mgmt.GetDeviceInformation(), AUTH_TIMEOUT_S)
        mac = None
        # Some cameras have broken network-interface answers; the device information is what matters.
        with contextlib.suppress(Exception):
            nics = await asyncio.wait_for(mgmt.GetNetworkInterfaces(), AUTH_TIMEOUT_S)
            mac = nics[0].Info.HwAddress if nics and nics[0].Info is not None else None
    finally:
        with contextlib.suppress(Exception):
            await cam.close()
    fields = {k: str(getattr(info, a, "") or "")[:128] for k, a in (
        ("manufacturer", "Manufacturer"), ("model", "Model"), ("firmware", "FirmwareVersion"),
        ("serial", "SerialNumber"))}
    fields["mac"] = str(mac) if mac else ""
    return [Observation("onvif-info", f"{fields['manufacturer']} {fields['model']}", dict(fields),
                        f"ONVIF GetDeviceInformation at http://{url_host(ip, port)}/onvif/device_service")]


async def rpc2_login_challenge(ip: str, port: int, user: str) -> list[Observation]:
    """Dahua's first login stage (no password is sent): the challenge names the realm and MAC. Opt-in only."""
    body = {"method": "global.login", "params": {"userName": user, "password": "", "clientType": "Web3.0"}, "id": 1}
    async with httpx.AsyncClient(timeout=AUTH_TIMEOUT_S) as client:
        resp = await client.post(f"http://{url_host(ip, port)}/RPC2_Login", json=body)
    try:
        params = json.loads(resp.content[:BODY_LIMIT]).get("params", {})
    except (ValueError, AttributeError):
        return []
    if not isinstance(params, dict):
        return []
    mac = str(params.get("mac", ""))
    mac = ":".join(mac[i:i + 2] for i in range(0, 12, 2)).lower() if len(mac) == 12 else ""
    out = [Observation("rpc2-login", "challenge", {"mac": mac}, f"http://{url_host(ip, port)}/RPC2_Login")]
    if isinstance(params.get("realm"), str):
        out.append(Observation("realm", params["realm"][:128], detail="RPC2_Login challenge"))
    return out


async def run_authenticated(ip: str, port: int, creds: Credentials | None, vendor_hint: str | None,
                            onvif_seen: bool, rpc2: bool) -> list[Observation]:
    """The authenticated probes that fit what the unauthenticated ones found; each failure only disables itself."""
    tasks = []
    if rpc2 and vendor_hint == "dahua":
        tasks.append(rpc2_login_challenge(ip, port, creds.user if creds else "admin"))
    if creds is not None:
        if vendor_hint == "hikvision":
            tasks.append(isapi_device_info(ip, port, creds))
        if vendor_hint == "dahua":
            tasks.append(magicbox_info(ip, port, creds))
        if onvif_seen:
            tasks.append(onvif_info(ip, port, creds))
    out: list[Observation] = []
    bounded = [asyncio.wait_for(t, AUTH_TOTAL_S) for t in tasks]
    for result in await asyncio.gather(*bounded, return_exceptions=True):
        if isinstance(result, BaseException):
            log.debug("%s: authenticated probe failed: %s", ip, result.__class__.__name__)
            continue
        out.extend(result)
    return out
