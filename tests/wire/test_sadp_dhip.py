"""SADP and DHIP codecs against real captured replies, and against hostile input that must fail soft."""

from __future__ import annotations

import contextlib
import json
import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.wire import MAX_REPLY_BYTES, WireError, dhip, sadp

DATA = Path(__file__).resolve().parents[1] / "data" / "wire"


def test_sadp_probe_is_byte_exact_and_discovery_only() -> None:
    assert sadp.probe("e8ecfe09-90e4-44c0-842b-703f46b58c81") == (
        b'<?xml version="1.0" encoding="utf-8"?><Probe><Uuid>E8ECFE09-90E4-44C0-842B-703F46B58C81</Uuid>'
        b"<Types>inquiry</Types></Probe>"
    )
    assert b"inquiry_v32" in sadp.probe(types="inquiry_v32")
    for forbidden in ("update", "reset", "getcode"):
        with pytest.raises(ValueError, match="refusing"):
            sadp.probe(types=forbidden)
    with pytest.raises(ValueError):
        sadp.probe("</Uuid><Types>reset")


def test_sadp_real_capture() -> None:
    dev = sadp.parse_reply((DATA / "sadp_ds-2cd2385g1-i.xml").read_bytes())
    assert dev.model == "DS-2CD2385G1-I"
    assert dev.serial == "DS-2CD2385G1-I20200414AAWRE33842150"
    assert dev.mac == "58:50:ed:1f:e3:85"
    assert dev.software_version == "V5.6.2build 190701"
    assert dev.activated is True and dev.command_port == 8000 and dev.http_port == 80
    assert dev.oem_code == "1" and dev.device_type == "141945"
    assert sadp.lenient_bool(dev.fields["HCPlatformEnable"]) is False  # real firmware writes "flase"


def test_sadp_not_activated_device() -> None:
    data = (DATA / "sadp_ds-2cd2385g1-i.xml").read_bytes().replace(b"<Activated>true", b"<Activated>false")
    assert sadp.parse_reply(data).activated is False


@pytest.mark.parametrize("payload", [
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
    b"<ProbeMatch><DeviceDescription>&lol2;</DeviceDescription></ProbeMatch>",
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><ProbeMatch>&e;</ProbeMatch>',
    b"<ProbeMatch><MAC>58-50-ed",
    b"\xff\xfe\x00garbage",
    b"",
    b'<?xml version="1.0" encoding="utf-8"?><Probe><Uuid>X</Uuid><Types>inquiry</Types></Probe>',
    b"<ProbeMatch>" + b"A" * (MAX_REPLY_BYTES + 1) + b"</ProbeMatch>",
])
def test_sadp_hostile_replies_fail_soft(payload: bytes) -> None:
    with pytest.raises(WireError):
        sadp.parse_reply(payload)


def test_sadp_bad_fields_are_dropped_not_fatal() -> None:
    dev = sadp.parse_reply(b"<ProbeMatch><MAC>zz</MAC><HttpPort>eighty</HttpPort>"
                           b"<DeviceDescription>&lt;script&gt;</DeviceDescription></ProbeMatch>")
    assert dev.mac is None and dev.http_port is None and dev.model == "<script>"


def _dhip_capture() -> bytes:
    return dhip.frame((DATA / "dhip_ipc-hdw5421s.json").read_bytes() + b"\n\x00")


def test_dhip_probe_layout() -> None:
    data = dhip.probe()
    size, magic, _, _, length, _, length2, _ = struct.unpack_from("<I4sIIIIII", data)
    assert (size, magic, length, length2) == (0x20, b"DHIP", len(data) - 32, len(data) - 32)
    assert json.loads(data[32:]) == {"method": "DHDiscover.search", "params": {"mac": "", "uni": 1}}


def test_dhip_real_capture() -> None:
    dev = dhip.parse_reply(_dhip_capture())
    assert (dev.model, dev.device_class, dev.serial) == ("IPC-HDW5421S", "IPC", "1F006E4PAX00075")
    assert dev.mac == "4c:11:bf:c2:0b:9d" and dev.firmware == "2.400.0.8"
    assert dev.vendor == "Dahua" and dev.manufacturer == "Private"
    assert dev.sdk_port == 37777 and dev.http_port == 80 and dev.ipv4 == "218.5.136.140"


@pytest.mark.parametrize("payload", [
    b"",
    b"\xff",
    b"\x20\x00\x00\x00XXXX" + b"\x00" * 24,
    dhip.frame(b"not json"),
    dhip.frame(b"[1, 2]"),
    dhip.frame(b'{"method": "DHDiscover.search", "params": {}}'),
    dhip.frame(b'{"method": "client.notifyDevInfo", "params": {"deviceInfo": 5}}'),
    dhip.frame(b"[" * 100_000 + b"]" * 100_000)[: MAX_REPLY_BYTES - 1],
    struct.pack("<I4sIIIIII", 0x20, b"DHIP", 0, 0, 10_000, 0, 10_000, 0) + b"{}",
    dhip.frame(b"\xc3\x28 invalid utf-8"),
    dhip.frame(b"{" + b" " * (MAX_REPLY_BYTES + 1) + b"}"),
])
def test_dhip_hostile_replies_fail_soft(payload: bytes) -> None:
    with pytest.raises(WireError):
        dhip.parse_reply(payload)


def test_dhip_wrong_types_are_ignored() -> None:
    body = {"mac": 5, "method": "client.notifyDevInfo",
            "params": {"deviceInfo": {"DeviceType": ["x"], "HttpPort": 99999, "Port": True, "Vendor": "General"}}}
    dev = dhip.parse_reply(dhip.frame(json.dumps(body).encode()))
    assert dev.mac is None and dev.model is None and dev.http_port is None and dev.sdk_port is None
    assert dev.vendor == "General"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_never_escape_as_other_errors(data: bytes) -> None:
    for parse in (sadp.parse_reply, dhip.parse_reply):
        with contextlib.suppress(WireError):
            parse(data)
