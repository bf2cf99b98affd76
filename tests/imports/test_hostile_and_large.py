"""Hostile and large inputs: entity bombs and external entities are refused by the XML parser, huge lines and
binary junk are bounded, and generated 50,000-line files import every good line and report every bad one."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from scanner.imports import pipeline, records
from scanner.imports.neighbours import parse_arp_a, parse_ip_neigh
from scanner.imports.pipeline import read_file, run_import
from scanner.imports.records import ImportFailure
from tests.imports.generated import GENERATORS, expected_sponsors

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE nmaprun [<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
<nmaprun><host><status state="up"/><address addr="192.0.2.9" addrtype="ipv4"/>
<hostnames><hostname name="&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"/></hostnames></host></nmaprun>
"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE nmaprun [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<nmaprun><host><status state="up"/><address addr="192.0.2.9" addrtype="ipv4"/>
<hostnames><hostname name="&x;"/></hostnames></host></nmaprun>
"""


@pytest.mark.parametrize("payload", [BOMB, EXTERNAL], ids=["entity-bomb", "external-entity"])
def test_xml_entities_are_refused_not_expanded(tmp_path: Path, payload: bytes) -> None:
    path = tmp_path / "evil.xml"
    path.write_bytes(payload)
    started = time.perf_counter()
    with pytest.raises(ImportFailure, match="nothing readable as nmap-xml"):
        read_file(path)
    assert time.perf_counter() - started < 5  # a sanity bound on a parser that would otherwise expand 10^7 chars


def test_a_host_is_cut_to_size_and_c1_control_characters_never_reach_the_record(tmp_path: Path) -> None:
    path = tmp_path / "odd.xml"
    path.write_bytes(b'<?xml version="1.0"?><nmaprun><host><status state="up"/>'
                     b'<address addr="192.0.2.9" addrtype="ipv4"/><hostnames><hostname name="cam&#x9b;31m'
                     + b"x" * 100_000 + b'"/></hostnames><ports><port protocol="tcp" portid="80"><state state="open"/>'
                     b'<service name="http" product="Hikvision IP camera httpd&#x85;"/></port></ports></host></nmaprun>')
    _fmt, parsed = read_file(path)
    (rec,) = parsed.records
    assert rec.hostname is not None and len(rec.hostname) <= 128 and "\x9b" not in rec.hostname
    (device,) = run_import([path]).devices
    assert device["vendor"] == "hikvision"  # the C1 NEL is dropped before the rule reads the product line
    assert "\x9b" not in str(device) and "\x85" not in str(device)


def test_binary_junk_and_overlong_lines_are_bounded(tmp_path: Path) -> None:
    junk = bytes(range(256)) * 4000 + b"\n" + b"A" * 2_000_000 + b"\n"
    (tmp_path / "junk.bin").write_bytes(junk)
    with pytest.raises(ImportFailure):
        read_file(tmp_path / "junk.bin")
    text = junk.decode("latin-1")
    assert parse_ip_neigh(text) == [] and parse_arp_a(text) == []


def test_files_larger_than_the_limit_are_refused_before_reading(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "MAX_FILE_BYTES", 1000)
    path = tmp_path / "big.leases"
    path.write_text("1750000000 00:11:22:33:44:55 10.0.0.1 a *\n" * 100, encoding="utf-8")
    with pytest.raises(ImportFailure, match="larger than an import accepts"):
        read_file(path)
    assert records.MAX_FILE_BYTES >= 100 * 1024 * 1024  # the real limit leaves room for any device list


@pytest.mark.parametrize("fmt", sorted(GENERATORS))
def test_generated_50000_line_files_parse_every_good_line_and_report_every_bad_one(tmp_path: Path, fmt: str) -> None:
    text, bad = GENERATORS[fmt](50_000)
    assert 49_900 <= len(text.splitlines()) <= 50_000
    path = tmp_path / "big"
    path.write_text(text, encoding="utf-8")
    found, parsed = read_file(path)
    assert found == fmt
    assert [b.line for b in parsed.bad] == bad
    assert len(parsed.records) > 5000 and all(r.ip or r.mac for r in parsed.records)


def test_a_generated_50000_line_lease_file_gives_the_expected_verdicts(tmp_path: Path) -> None:
    text, bad = GENERATORS["dnsmasq"](50_000)
    path = tmp_path / "dnsmasq.leases"
    path.write_text(text, encoding="utf-8")
    result = run_import([path])
    assert len(result.devices) == 50_000 - len(bad)
    broken = {n for n in bad}
    assert sum(d["flagged"] for d in result.devices) == expected_sponsors(50_001) - sum(
        1 for n in broken if n % 10 in (0, 1)) - 1  # host 0 is not generated (lines count from 1)
    assert all(d["confidence"] == pipeline.MAC_ONLY_CONFIDENCE for d in result.devices if d["flagged"])
