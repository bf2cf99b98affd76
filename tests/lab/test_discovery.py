"""Discovery responders with independent clients: raw UDP (SADP, DHIP, WS-Discovery, unicast and multicast),
onvif-zeep-async against the ONVIF device service, zeroconf browsing on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import time
import urllib.parse
import uuid

import pytest
import zeep.exceptions
import zeroconf
from onvif import ONVIFCamera

from scanner.wire import WireError, dhip, sadp
from tests.lab.conftest import PASSWORD, USER, Fleet, multicast_on_loopback

needs_multicast = pytest.mark.skipif(not multicast_on_loopback(), reason="no multicast route on loopback here")

# nmap/nmap@db4aefdd:nselib/wsdd.lua "general" probe and a NetworkVideoTransmitter-typed probe
# (edgexfoundry/device-onvif-camera#135; docs/protocols.md#ws-discovery).
WSD_GENERAL = (
    '<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" '
    'xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
    'xmlns:wsd="http://schemas.xmlsoap.org/ws/2005/04/discovery"><env:Header><wsd:AppSequence '
    'InstanceId="1285624958737" MessageNumber="1" SequenceId="urn:uuid:{u}"/><wsa:To>'
    "urn:schemas-xmlsoap-org:ws:2005:04:discovery</wsa:To><wsa:Action>"
    "http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</wsa:Action><wsa:MessageID>urn:uuid:{u}"
    "</wsa:MessageID></env:Header><env:Body><wsd:Probe/></env:Body></env:Envelope>"
)
WSD_NVT = WSD_GENERAL.replace(
    "<wsd:Probe/>", '<wsd:Probe><wsd:Types xmlns:dp0="http://www.onvif.org/ver10/network/wsdl">'
    "dp0:NetworkVideoTransmitter</wsd:Types></wsd:Probe>")


def udp(ip: str, port: int, payload: bytes, timeout: float = 2.0) -> tuple[bytes, tuple[str, int]]:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(payload, (ip, port))
        return s.recvfrom(65535)


def multicast(group: str, port: int, payload: bytes, window: float = 1.5) -> list[tuple[bytes, str]]:
    replies = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("127.0.0.1"))
        s.settimeout(0.3)
        s.sendto(payload, (group, port))
        end = time.monotonic() + window
        while time.monotonic() < end:
            try:
                data, addr = s.recvfrom(65535)
            except TimeoutError:
                continue
            replies.append((data, addr[0]))
    return replies


def test_sadp_unicast_reply_has_the_real_field_set(fleet: Fleet) -> None:
    dev = fleet.by_profile("hikvision-ipc")
    data, addr = udp(dev.ip, 37020, sadp.probe("0b0e5f2c-1111-4222-8333-944455556666"))
    assert addr == (dev.ip, 37020)
    text = data.decode()
    assert "<Uuid>0B0E5F2C-1111-4222-8333-944455556666</Uuid>" in text
    assert "<HCPlatformEnable>flase</HCPlatformEnable>" in text and "<DeviceLock>flase</DeviceLock>" in text
    for tag in ("DeviceType", "DeviceSN", "CommandPort", "SoftwareVersion", "DSPVersion", "Activated", "DetailOEMCode",
                "SDKOverTLSPort", "Salt", "BootTime"):
        assert f"<{tag}>" in text
    parsed = sadp.parse_reply(data)
    assert parsed.serial == dev.identity.serial and parsed.mac == dev.identity.mac and parsed.ipv4 == dev.ip
    assert parsed.command_port == 8000 and parsed.activated is True


def test_sadp_ignores_configuration_messages_and_logs_them(fleet: Fleet) -> None:
    dev = fleet.by_profile("hikvision-nvr")
    reset = b'<?xml version="1.0" encoding="utf-8"?><Probe><Uuid>X</Uuid><Types>reset</Types></Probe>'
    with pytest.raises(TimeoutError):
        udp(dev.ip, 37020, reset, timeout=0.5)
    assert any(e.target == "reset" and e.note == "no reply" for e in dev.requests("sadp"))


@needs_multicast
def test_sadp_multicast_reaches_every_hikvision_made_device(fleet: Fleet) -> None:
    replies = multicast("239.255.255.250", 37020, sadp.probe())
    answered = {ip for _, ip in replies}
    expected = {d.ip for d in fleet.lab.devices if d.profile.services.get("sadp")}
    assert answered == expected
    models = {sadp.parse_reply(data).model for data, ip in replies if ip != fleet.by_profile("hostile-sadp-bomb").ip}
    assert "CMIP8242WB" in models


def test_dhip_unicast_search_and_single_byte_probe(fleet: Fleet) -> None:
    dev = fleet.by_profile("dahua-nvr")
    data, _ = udp(dev.ip, 37810, dhip.probe())
    parsed = dhip.parse_reply(data)
    assert (parsed.model, parsed.device_class, parsed.serial) == (dev.identity.model, "NVR", dev.identity.serial)
    assert parsed.sdk_port == 37777 and parsed.ipv4 == dev.ip and len(parsed.serial or "") == 15
    assert data.endswith(b"\n\x00")
    data, _ = udp(dev.ip, 37810, b"\xff")  # Phenomite/AMP-Research: any non-null byte gets an answer
    assert dhip.parse_reply(data).serial == dev.identity.serial


@needs_multicast
def test_dhip_multicast(fleet: Fleet) -> None:
    replies = multicast("239.255.255.251", 37810, dhip.probe())
    expected = {d.ip for d in fleet.lab.devices if d.profile.services.get("dhip")}
    assert {ip for _, ip in replies} == expected
    vendors = set()
    for data, _ in replies:
        with contextlib.suppress(WireError):  # the malformed-DHIP device
            vendors.add(dhip.parse_reply(data).vendor)
    assert {"Dahua", "General", "Lorex"} <= vendors


def _scopes(reply: bytes) -> list[str]:
    m = re.search(rb"<d:Scopes>(.*?)</d:Scopes>", reply)
    assert m is not None
    return [urllib.parse.unquote(s) for s in m.group(1).decode().split()]


def test_wsd_hikvision_scopes_and_mac_derived_epr(fleet: Fleet) -> None:
    dev = fleet.by_profile("hikvision-ipc")
    u = str(uuid.uuid4())
    for probe in (WSD_GENERAL, WSD_NVT):
        reply, _ = udp(dev.ip, 3702, probe.format(u=u).encode())
        assert f"<wsa:RelatesTo>urn:uuid:{u}</wsa:RelatesTo>".encode() in reply
    scopes = _scopes(reply)
    assert f"onvif://www.onvif.org/MAC/{dev.identity.mac}" in scopes
    assert f"onvif://www.onvif.org/name/HIKVISION {dev.identity.model}" in scopes
    assert "onvif://www.onvif.org/location/city/hangzhou" in scopes
    epr = re.search(rb"<wsa:Address>urn:uuid:([0-9a-f-]+)</wsa:Address>", reply)
    assert epr is not None and epr.group(1).decode().endswith(dev.identity.mac_plain)
    assert f"http://{dev.ip}/onvif/device_service".encode() in reply


def test_wsd_dahua_and_oem_keep_the_dahua_scope_structure(fleet: Fleet) -> None:
    for profile, name, location in (("dahua-ipc", "Dahua", "country/china"), ("dahua-oem", "CP PLUS", "country/india")):
        reply, _ = udp(fleet.by_profile(profile).ip, 3702, WSD_NVT.format(u=uuid.uuid4()).encode())
        scopes = _scopes(reply)
        assert f"onvif://www.onvif.org/name/{name}" in scopes
        assert f"onvif://www.onvif.org/location/{location}" in scopes
        assert "onvif://www.onvif.org/type/Network_Video_Transmitter" in scopes
        assert any(s.startswith("onvif://www.onvif.org/extension/unique_identifier") for s in scopes)


def test_wsd_tapo_like_scopes(fleet: Fleet) -> None:
    reply, _ = udp(fleet.by_profile("tapo-like").ip, 3702, WSD_GENERAL.format(u=uuid.uuid4()).encode())
    scopes = _scopes(reply)
    assert "onvif://www.onvif.org/type/NetworkVideoTransmitter" in scopes
    assert "onvif://www.onvif.org/location/Hong Kong" in scopes


def test_wsd_quirk_no_unicast_reply(fleet: Fleet) -> None:
    with pytest.raises(TimeoutError):
        udp(fleet.by_profile("hikvision-ipc-webserver").ip, 3702, WSD_NVT.format(u=uuid.uuid4()).encode(), 0.5)


@needs_multicast
def test_wsd_multicast_includes_the_quiet_unicast_camera(fleet: Fleet) -> None:
    replies = multicast("239.255.255.250", 3702, WSD_NVT.format(u=uuid.uuid4()).encode())
    answered = {ip for _, ip in replies}
    assert fleet.by_profile("hikvision-ipc-webserver").ip in answered
    assert fleet.by_profile("printer").ip not in answered


def test_onvif_device_service_with_onvif_zeep_async(fleet: Fleet) -> None:
    dev = fleet.by_profile("dahua-ipc")

    async def talk() -> tuple[object, object, object]:
        cam = ONVIFCamera(dev.ip, 80, USER, PASSWORD, adjust_time=True)
        try:
            await cam.update_xaddrs()
            mgmt = await cam.create_devicemgmt_service()
            info = await mgmt.GetDeviceInformation()
            nics = await mgmt.GetNetworkInterfaces()
            caps = await mgmt.GetCapabilities({"Category": "All"})
            return info, nics, caps
        finally:
            await cam.close()

    info, nics, caps = asyncio.run(talk())
    assert info.Manufacturer == "Dahua" and info.Model == dev.identity.model  # type: ignore[attr-defined]
    assert info.SerialNumber == dev.identity.serial and info.HardwareId == "1.00"  # type: ignore[attr-defined]
    assert nics[0].Info.HwAddress == dev.identity.mac  # type: ignore[index]
    assert caps.Device.XAddr == f"http://{dev.ip}/onvif/device_service"  # type: ignore[attr-defined]
    ops = [e.method for e in dev.requests("onvif")]
    assert {"GetSystemDateAndTime", "GetServices", "GetDeviceInformation", "GetNetworkInterfaces",
            "GetCapabilities"} <= set(ops)
    assert all(e.authorized for e in dev.requests("onvif") if e.method == "GetDeviceInformation")


def test_onvif_requires_credentials_except_for_the_clock(fleet: Fleet) -> None:
    dev = fleet.by_profile("hikvision-ipc")

    async def talk() -> object:
        cam = ONVIFCamera(dev.ip, 80, USER, "wrong-password")
        try:
            mgmt = await cam.create_devicemgmt_service()
            clock = await mgmt.authless_GetSystemDateAndTime()
            with pytest.raises(zeep.exceptions.Fault, match=r"[Nn]ot [Aa]uthori"):
                await mgmt.GetDeviceInformation()
            return clock
        finally:
            await cam.close()

    clock = asyncio.run(talk())
    assert clock.UTCDateTime.Date.Year >= 2024  # type: ignore[attr-defined]


@needs_multicast
def test_mdns_cgi_instances_on_loopback_with_zeroconf(fleet: Fleet) -> None:
    zc = zeroconf.Zeroconf(interfaces=["127.0.0.1"])
    try:
        names: list[str] = []

        class Listener(zeroconf.ServiceListener):
            def add_service(self, zc: zeroconf.Zeroconf, type_: str, name: str) -> None:
                names.append(name)

            def update_service(self, zc: zeroconf.Zeroconf, type_: str, name: str) -> None: ...

            def remove_service(self, zc: zeroconf.Zeroconf, type_: str, name: str) -> None: ...

        browser = zeroconf.ServiceBrowser(zc, "_CGI._tcp.local.", Listener())
        dev = fleet.by_profile("hikvision-ipc")
        wanted = f"HIKVISION {dev.identity.model} - {dev.identity.serial[-9:]}._CGI._tcp.local."
        deadline = time.monotonic() + 8
        while wanted not in names and time.monotonic() < deadline:
            time.sleep(0.2)
        browser.cancel()
        assert wanted in names
        info = zc.get_service_info("_CGI._tcp.local.", wanted, timeout=3000)
        assert info is not None and info.parsed_addresses() == [dev.ip] and info.port == 80
        assert info.server == f"{dev.identity.serial}.local."
    finally:
        zc.close()
