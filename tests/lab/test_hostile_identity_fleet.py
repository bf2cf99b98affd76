"""Hostile devices behave as advertised; identities follow vendor conventions; fleets stay on loopback."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from scanner.knowledge import oui_table
from scanner.lab import DEFAULT_FLEET, FleetEntry, Lab, LabError, addresses, load_profiles
from scanner.lab.profiles import read_fleet, scale_fleet
from scanner.wire import WireError, dhip, sadp
from tests.lab.conftest import Fleet
from tests.lab.test_discovery import udp
from tests.lab.test_http_rtsp import raw

HIK_SERIAL = re.compile(r"^(?P<model>.+?)(?:\d{2})?(?P<date>20\d{6})(?P<batch>[A-Z]{4})(?P<unit>[A-Z0-9]{7,10})$")


def test_sadp_xml_bomb_is_sent_and_defused_by_the_codec(fleet: Fleet) -> None:
    data, _ = udp(fleet.by_profile("hostile-sadp-bomb").ip, 37020, sadp.probe())
    assert b"<!DOCTYPE lolz" in data and b"&lol9;" in data
    with pytest.raises(WireError):
        sadp.parse_reply(data)


def test_soap_xml_bomb(fleet: Fleet) -> None:
    dev = fleet.by_profile("hostile-soap-bomb")
    body = (b'<?xml version="1.0"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>'
            b'<GetSystemDateAndTime xmlns="http://www.onvif.org/ver10/device/wsdl"/></s:Body></s:Envelope>')
    reply = httpx.post(f"http://{dev.ip}/onvif/device_service", content=body,
                       headers={"Content-Type": "application/soap+xml"})
    assert b"<!ENTITY lol9" in reply.content


def test_huge_body_announces_and_streams_50_mb(fleet: Fleet) -> None:
    head = raw(fleet.by_profile("hostile-huge-body").ip, 80, b"GET / HTTP/1.0\r\n\r\n", limit=200_000)
    assert b"CONTENT-LENGTH: 52428800\r\n" in head and len(head) >= 200_000


def test_slow_drip_never_finishes(fleet: Fleet) -> None:
    dev = fleet.by_profile("hostile-slow-drip")
    deadline = time.monotonic() + 3.5
    got = b""
    with socket.create_connection((dev.ip, 80), timeout=2.0) as s:
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        while time.monotonic() < deadline:
            chunk = s.recv(100)
            assert chunk, "the slow-drip server must not close the connection"
            got += chunk
    head, _, body = got.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK") and 1 <= len(body) <= 5  # about one byte a second


def test_malformed_dhip_frames_are_rejected_by_the_codec(fleet: Fleet) -> None:
    dev = fleet.by_profile("hostile-bad-dhip")
    for _ in range(6):
        data, _ = udp(dev.ip, 37810, dhip.probe())
        with pytest.raises(WireError):
            dhip.parse_reply(data)


def test_invalid_utf8_and_html_in_device_strings(fleet: Fleet) -> None:
    data, _ = udp(fleet.by_profile("hostile-invalid-utf8").ip, 37810, dhip.probe())
    with pytest.raises(UnicodeDecodeError):
        data[32:].decode("utf-8")
    with pytest.raises(WireError):
        dhip.parse_reply(data)
    html = fleet.by_profile("hostile-html-name")
    reply, _ = udp(html.ip, 37020, sadp.probe())
    model = sadp.parse_reply(reply).model
    assert model is not None and "<b onmouseover=alert(2)>" in model  # escaped on the wire, hostile once parsed


def test_identities_follow_vendor_conventions() -> None:
    lab = Lab([FleetEntry("hikvision-ipc", 20), FleetEntry("dahua-ipc", 20), FleetEntry("lorex-nvr", 2)])
    table = oui_table()
    serials = set()
    for dev in lab.devices:
        ident = dev.identity
        serials.add(ident.serial)
        if dev.profile.stack == "hikvision":
            m = HIK_SERIAL.match(ident.serial)
            assert m and m.group("model") == ident.model, ident.serial
            assert ident.uuid.endswith(ident.mac_plain)
        elif dev.profile.id == "dahua-ipc":
            assert re.fullmatch(r"[0-9A-Z]{15}", ident.serial) and ident.serial[7:9] == "PA"
        rec = table.lookup(ident.mac)
        assert rec is not None and rec.entity == dev.profile.mac_entity, (dev.profile.id, ident.mac)
        assert ident.model in dev.profile.models and ident.firmware in dev.profile.firmware
    assert len(serials) == len(lab.devices)
    again = Lab([FleetEntry("hikvision-ipc", 20)])
    assert [d.identity for d in again.devices] == [d.identity for d in lab.devices[:20]]  # deterministic


def test_addresses_stay_on_loopback_and_skip_network_and_broadcast_octets() -> None:
    ips = addresses("127.0.0.250", 10)
    assert ips[:5] == ["127.0.0.250", "127.0.0.251", "127.0.0.252", "127.0.0.253", "127.0.0.254"]
    assert ips[5] == "127.0.1.1" and not any(ip.endswith((".0", ".255")) for ip in ips)
    for bad in ("192.168.1.64", "10.0.0.1", "8.8.8.8"):
        with pytest.raises(LabError, match=r"only runs on 127\.0\.0\.0/8"):
            Lab([FleetEntry("hikvision-ipc", 1)], base=bad)
    with pytest.raises(LabError, match="do not fit"):
        addresses("127.255.255.250", 10)


def test_every_socket_of_the_fleet_is_bound_to_loopback(fleet: Fleet) -> None:
    for dev in fleet.lab.devices:
        for server in dev.servers:
            for sock in server.sockets:
                assert sock.getsockname()[0] == dev.ip and dev.ip.startswith("127.")
        for handler in dev.udp.values():
            assert handler.transport is not None
            assert handler.transport.get_extra_info("sockname")[0] == dev.ip


def test_fleet_files_and_scaling(tmp_path: Path) -> None:
    profiles = load_profiles()
    good = tmp_path / "fleet.toml"
    good.write_text('[[device]]\nprofile = "dahua-ipc"\ncount = 2\n[[device]]\nprofile = "printer"\n', encoding="utf-8")
    assert read_fleet(good, profiles) == [FleetEntry("dahua-ipc", 2), FleetEntry("printer", 1)]
    for text, message in (('[[device]]\nprofile = "nokia"\n', "unknown profile"), ("x = 1\n", "no \\[\\[device\\]\\]"),
                          ('[[device]]\nprofile = "printer"\ncount = 0\n', "count must be"), ("[[device]\n", "fleet file")):
        bad = tmp_path / "bad.toml"
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(LabError, match=message):
            read_fleet(bad, profiles)
    scaled = scale_fleet(DEFAULT_FLEET, 250)
    assert sum(e.count for e in scaled) == 250 and {e.profile for e in scaled} == {e.profile for e in DEFAULT_FLEET}


def test_profiles_cite_their_sources() -> None:
    # Every profile cites where its behaviour comes from in comment blocks that start "# source:" (continued on
    # lines starting "#   "). Each block names at least one public original -- a URL, owner/repo@commit[:path],
    # owner/repo:path (commit not recorded), an issue owner/repo#N, or docs/protocols.md#<anchor> (an anchor that
    # exists) -- or starts with SYNTHETIC; profiles of sponsor hardware (stack hikvision/dahua) need at least one
    # real citation. Paths with spaces are quoted. Nothing may point outside the repository: any other .md file a
    # profile names must exist in it.
    root = Path(__file__).resolve().parents[2]
    path_part = r'(?::"[^"]+"|:[\w./-]+)'
    citation = re.compile(rf"https?://\S+|[\w.-]+/[\w.-]+@[0-9a-f]{{7,40}}{path_part}?|[\w.-]+/[\w.-]+{path_part}"
                          r"|[\w.-]+/[\w.-]+#\d+|docs/protocols\.md#[\w-]+")
    anchors = {re.sub(r"[^a-z0-9 -]", "", line[3:].strip().lower()).replace(" ", "-")
               for line in (root / "docs" / "protocols.md").read_text(encoding="utf-8").splitlines()
               if line.startswith("## ")}

    def problems(text: str) -> list[str]:
        out = [f"names {m}, which is not in this repository" for m in re.findall(r"[\w./-]*\.md\b", citation.sub("", text))
               if not (root / m).is_file()]
        if not text.startswith("#"):
            out.append("does not start with a comment")
        blocks: list[str] = []
        for line in text.splitlines():
            if line.startswith("# source:"):
                blocks.append(line.removeprefix("# source:").strip())
            elif blocks and line.startswith("#   "):
                blocks[-1] += " " + line[1:].strip()
        if not blocks:
            out.append("no '# source:' line")
        for block in blocks:
            if not (citation.search(block) or block.startswith("SYNTHETIC")):
                out.append(f"source names no URL, repo@commit:path, issue or docs/protocols.md anchor: {block}")
            out += [f"docs/protocols.md has no #{a}" for a in re.findall(r"docs/protocols\.md#([\w-]+)", block)
                    if a not in anchors]
        if re.search(r'^stack = "(?:hikvision|dahua)"', text, re.M) and not any(map(citation.search, blocks)):
            out.append("sponsor hardware profile without a real source")
        return out

    assert {"sadp", "dhip", "ws-discovery", "http-and-rtsp", "tls", "mdns", "never-sent"} <= anchors
    assert problems("# A camera (see our research notes)\nid = 'x'\n") == ["no '# source:' line"]
    assert problems("# x\n# source: research/notes.md section 3\n")
    assert problems("# x\n# source: docs/protocols.md#nowhere\n")
    assert problems('# x\n# source: SYNTHETIC\nstack = "dahua"\n')
    assert not problems('# x\n# source: nmap/nmap@db4aefdd:nmap-service-probes line 1; docs/protocols.md#dhip\n')
    paths = sorted((root / "scanner" / "lab" / "profiles").glob("*.toml"))
    assert paths
    for path in paths:
        found = problems(path.read_text(encoding="utf-8"))
        assert not found, (path.name, found)


def test_lab_up_command_prints_json_and_stops_on_interrupt() -> None:
    exe = Path(sys.executable).with_name("sponsorwatch")
    proc = subprocess.Popen([str(exe), "lab", "up", "--devices", "4", "--base", "127.0.2.10", "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        doc = json.loads(proc.stdout.readline())
        assert [d["ip"] for d in doc["devices"]] == ["127.0.2.10", "127.0.2.11", "127.0.2.12", "127.0.2.13"]
        reply = raw("127.0.2.10", 80, b"GET / HTTP/1.0\r\n\r\n")
        assert b"Server: App-webs/" in reply
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0
    bad = subprocess.run([str(exe), "lab", "up", "--base", "192.168.1.64"], capture_output=True, text=True,
                         timeout=60, env={**os.environ})
    assert bad.returncode == 2 and "only runs on 127.0.0.0/8" in bad.stderr
