"""WS-Discovery codec: a real captured ProbeMatch, the probe/reply round trip, and hostile input."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.discovery.udp import wsd_observations
from scanner.wire import MAX_REPLY_BYTES, WireError, wsd

DATA = Path(__file__).resolve().parents[1] / "data" / "wire"


def test_real_hikvision_probe_match() -> None:
    match = wsd.parse_probe_match((DATA / "wsd_ds-2cd2385g1-i.xml").read_bytes())
    assert match.epr == "urn:uuid:aa85c000-6324-11b3-819e-5850ed1fe385"
    assert match.types == "dn:NetworkVideoTransmitter tds:Device"
    assert match.scope_value("hardware") == "DS-2CD2385G1-I"
    assert match.scope_value("name") == "HIKVISION DS-2CD2385G1-I"  # %20 decoded
    assert match.scope_value("MAC") == "58:50:ed:1f:e3:85"
    assert match.xaddrs[0] == "http://192.168.124.40/onvif/device_service" and len(match.xaddrs) == 2
    obs = wsd_observations((DATA / "wsd_ds-2cd2385g1-i.xml").read_bytes(), "test")
    assert len(obs) == 8 and obs[0].fields["model"] == "DS-2CD2385G1-I" and obs[0].fields["mac"] == "58:50:ed:1f:e3:85"


@pytest.mark.parametrize("typed", [False, True])
def test_probe_round_trip_through_the_device_side(typed: bool) -> None:
    probe = wsd.parse_probe(wsd.probe(typed, message_id="urn:uuid:0f5d2d3a-0000-4000-8000-000000000001"))
    assert probe.message_id == "urn:uuid:0f5d2d3a-0000-4000-8000-000000000001"
    assert probe.wants_video()
    assert ("NetworkVideoTransmitter" in probe.types) is typed


def test_reply_builder_round_trip_escapes_values() -> None:
    scopes = ["onvif://www.onvif.org/name/A%26B<cam>", "onvif://www.onvif.org/hardware/IPC-HFW2228M-I1-V2"]
    raw = wsd.build_probe_match("urn:uuid:1", "urn:uuid:503b687a-b9d7-474f-a2d0-a18c8b25a464", scopes,
                                ["http://127.0.0.10/onvif/device_service"])
    match = wsd.parse_probe_match(raw)
    assert match.relates_to == "urn:uuid:1" and match.scope_value("hardware") == "IPC-HFW2228M-I1-V2"
    assert match.epr == "urn:uuid:503b687a-b9d7-474f-a2d0-a18c8b25a464"
    assert b"<cam>" not in raw  # escaped on the wire


def test_a_probe_is_not_a_match_and_a_match_is_not_a_probe() -> None:
    with pytest.raises(WireError):
        wsd.parse_probe_match(wsd.probe(True))
    with pytest.raises(WireError):
        wsd.parse_probe((DATA / "wsd_ds-2cd2385g1-i.xml").read_bytes())


def test_oversized_and_bomb_replies_fail_soft() -> None:
    with pytest.raises(WireError, match="exceeds"):
        wsd.parse_probe_match(b"<d:ProbeMatch>" + b"x" * MAX_REPLY_BYTES + b"</d:ProbeMatch>")
    bomb = (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            b"<d:ProbeMatch><d:Scopes>&b;</d:Scopes></d:ProbeMatch>")
    assert wsd.parse_probe_match(bomb).scopes == ("&b;",)  # never expanded


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4096))
def test_garbage_never_raises_anything_but_wire_error(data: bytes) -> None:
    for parse in (wsd.parse_probe, wsd.parse_probe_match):
        with contextlib.suppress(WireError):
            parse(data)
