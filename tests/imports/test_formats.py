"""Each import format on real samples (sources in tests/data/imports/*/README.md): what is read, what is refused
with its line number, and the verdicts the scan's fusion gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scanner.imports.detect import detect
from scanner.imports.pipeline import MAC_ONLY_CONFIDENCE, read_file, run_import
from scanner.imports.records import ImportFailure
from scanner.imports.tables import parse_mapping

DATA = Path(__file__).parent.parent / "data" / "imports"


def by_ip(devices: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {d["ip"]: d for d in devices}


@pytest.mark.parametrize(("path", "fmt"), [
    ("nmap/libnmap_full_sudo6.xml", "nmap-xml"), ("nmap/constructed_cameras.xml", "nmap-xml"),
    ("leases/isc-dhcp-4.2.4_dhcpd.leases", "dhcpd"), ("leases/dnsmasq.leases", "dnsmasq"),
    ("leases/kea-leases4.csv", "kea"), ("neighbours/android_9_ip_neighbor.out", "ip-neigh"),
    ("neighbours/debian12_iproute2-6.1_ip_neigh.out", "ip-neigh"), ("neighbours/windows_10_arp_-a.out", "arp-a"),
    ("neighbours/macos_15.7.9_arp_-a.out", "arp-a"), ("neighbours/ubuntu_18.04_arp_-a.out", "arp-a"),
    ("cisco/cisco_ios_show_ip_arp.raw", "cisco-arp"), ("cisco/cisco_ios_show_mac-address-table2.raw", "cisco-mac"),
    ("cisco/cisco_ios_show_mac-address-table4.raw", "cisco-mac"),
])
def test_formats_are_detected(path: str, fmt: str) -> None:
    assert detect((DATA / path).read_bytes()) == fmt


def test_real_dnsmasq_leases_find_the_amcrest_camera_by_its_mac_prefix_only() -> None:
    result = run_import([DATA / "leases" / "dnsmasq.leases"])
    assert (result.files[0].format, result.files[0].records, result.files[0].bad) == ("dnsmasq", 43, [])
    devices = by_ip(result.devices)
    assert len(devices) == 43
    cam = devices["172.17.2.160"]  # 9c:8e:cd: Amcrest Technologies in the IEEE registry; Amcrest is a Dahua OEM
    assert cam["mac"] == "9c:8e:cd:26:6a:00" and cam["vendor"] == "dahua" and cam["flagged"]
    assert cam["confidence"] == MAC_ONLY_CONFIDENCE and "MAC prefix only" in cam["explanation"]
    assert cam["evidence"][0]["source"] == "imported:dnsmasq" and "dnsmasq.leases:11" in cam["evidence"][0]["detail"]
    assert all(e["origin"] == "imported:dnsmasq" for e in cam["evidence"])
    assert [d["ip"] for d in result.devices if d["flagged"]] == ["172.17.2.160"]


def test_real_dhcpd_leases_one_device_per_mac_latest_lease_wins() -> None:
    result = run_import([DATA / "leases" / "isc-dhcp-4.2.4_dhcpd.leases"])
    report = result.files[0]
    assert (report.format, report.records, report.bad) == ("dhcpd", 287, [])
    devices = {d["mac"]: d for d in result.devices}
    assert len(devices) == 6 and not any(d["flagged"] for d in result.devices)
    assert devices["00:50:56:31:2b:d5"]["ip"] == "192.168.76.151"
    assert devices["40:a6:d9:db:b0:29"]["ip"] == "192.168.76.100"


def test_kea_documented_sample_rows_refused_as_kea_refuses_them() -> None:
    fmt, parsed = read_file(DATA / "leases" / "kea-leases4.csv")
    assert fmt == "kea" and parsed.skipped == 1  # 192.0.2.5: declined, no client holds it
    assert [(r.ip, r.mac) for r in parsed.records] == [("192.0.2.1", "06:07:08:09:0a:bc"), ("192.0.2.4", None)]
    assert [(b.line, b.reason.split(" ")[0]) for b in parsed.bad] == [(3, "lease"), (4, "hwaddr")]
    assert parsed.records[0].hostname == "host.example.com"


def test_real_nmap_lan_scan_reads_up_hosts_with_their_macs() -> None:
    result = run_import([DATA / "nmap" / "libnmap_full_sudo6.xml"])
    assert result.files[0].skipped == 252  # hosts that were down
    devices = by_ip(result.devices)
    assert devices["192.168.1.1"]["mac"] == "6c:2e:85:19:af:00"
    assert len(devices) == 4 and not any(d["flagged"] for d in result.devices)
    assert 80 in devices["192.168.1.1"]["ports"]


def test_real_nmap_scripts_reach_the_fingerprint_rules_without_false_flags() -> None:
    result = run_import([DATA / "nmap" / "libnmap_1_os_banner_scripts.xml"])
    (device,) = result.devices
    assert device["ip"] == "127.0.0.1" and device["ports"] == [22, 25, 80, 111, 631, 3306, 8009, 8080]
    assert not device["flagged"] and device["vendor"] is None


def test_nmap_service_lines_banners_and_realms_identify_cameras() -> None:
    devices = by_ip(run_import([DATA / "nmap" / "constructed_cameras.xml"]).devices)
    hik, dahua, other = devices["192.0.2.2"], devices["192.0.2.3"], devices["192.0.2.4"]
    assert hik["flagged"] and hik["vendor"] == "hikvision" and hik["confidence"] > 0.9
    assert {"nmap-service", "http-server", "mac-oui"} <= {e["source"] for e in hik["evidence"]}
    assert any("rule nmap-hik-camera-httpd" in e["detail"] for e in hik["evidence"])
    assert dahua["flagged"] and dahua["vendor"] == "dahua" and dahua["model"] == "IPC-HDW5421S"
    assert dahua["serial"] == "4M05CC9FAC28B0B"  # from the Login to <serial> realm
    assert not other["flagged"] and other["vendor"] is None
    assert "192.0.2.5" not in devices  # down


def test_a_cut_off_nmap_report_keeps_the_hosts_before_the_cut() -> None:
    _fmt, parsed = read_file(DATA / "nmap" / "truncated_cameras.xml")
    assert [r.ip for r in parsed.records] == ["192.0.2.2", "192.0.2.3"]
    assert len(parsed.bad) == 1 and parsed.bad[0].line > 20 and "hosts before it are kept" in parsed.bad[0].reason


def test_neighbour_tables_give_mac_only_verdicts_with_lower_confidence() -> None:
    devices = by_ip(run_import([DATA / "neighbours" / "debian12_iproute2-6.1_ip_neigh.out"]).devices)
    hik = devices["10.9.0.5"]
    assert hik["vendor"] == "hikvision" and hik["flagged"] and hik["confidence"] == MAC_ONLY_CONFIDENCE
    assert any("MAC prefix only" in r for r in hik["risks"])
    windows = run_import([DATA / "neighbours" / "windows_10_arp_-a.out"])
    assert [d["ip"] for d in windows.devices] == ["10.0.0.1", "10.0.0.175", "10.0.0.187", "10.0.0.198"]


def test_cisco_tables_skip_cpu_entries_and_merge_mac_and_arp_tables() -> None:
    fmt, parsed = read_file(DATA / "cisco" / "cisco_ios_show_mac-address-table4.raw")
    assert fmt == "cisco-mac" and parsed.skipped == 5 and len(parsed.records) == 12 and not parsed.bad
    assert parsed.records[0].mac == "30:a3:30:a3:a1:c3" and parsed.records[0].fields["switch_port"] == "Po1"
    fmt, parsed = read_file(DATA / "cisco" / "cisco_ios_show_ip_arp.raw")
    assert fmt == "cisco-arp" and parsed.records[0].ip == "172.16.233.229"
    result = run_import([DATA / "cisco" / "cisco_ios_show_mac-address-table4.raw"])
    assert all(d["ip"].startswith("mac:") for d in result.devices)  # a MAC table alone gives no addresses
    assert any("no IP address" in r for r in result.devices[0]["risks"])


def test_switch_mac_table_and_arp_table_together_give_one_device_with_its_address(tmp_path: Path) -> None:
    (tmp_path / "mac.txt").write_text("Vlan    Mac Address       Type        Ports\n"
                                      "----    -----------       --------    -----\n"
                                      "  10    2857.be00.0001    DYNAMIC     Gi1/0/7\n", encoding="utf-8")
    (tmp_path / "arp.txt").write_text("Protocol  Address          Age (min)  Hardware Addr   Type   Interface\n"
                                      "Internet  10.1.1.7                 3   2857.be00.0001  ARPA   Vlan10\n",
                                      encoding="utf-8")
    result = run_import([tmp_path / "mac.txt", tmp_path / "arp.txt"])
    (device,) = result.devices
    assert device["ip"] == "10.1.1.7" and device["vendor"] == "hikvision"
    assert device["evidence"][0]["source"] == "imported:cisco-mac+cisco-arp"
    assert "mac.txt:3" in device["evidence"][0]["detail"] and "arp.txt:2" in device["evidence"][0]["detail"]


def test_csv_with_a_mapping_model_strings_go_through_the_model_families(tmp_path: Path) -> None:
    path = tmp_path / "cmdb.csv"
    path.write_text("IP;MAC Address;Hostname;Device Type;Device Serial No.\n"
                    "10.0.0.5;02-00-00-00-00-05;lobby;DS-2CD2143G0-I;DS-2CD2143G0-I20190101AAWRC12345678\n"
                    "10.0.0.6;;printer;;\n"
                    "10.0.0.x;;broken;;\n"
                    ";;nothing;;\n", encoding="utf-8")
    mapping = parse_mapping('ip=IP,mac="MAC Address",name=Hostname,model=Device Type,serial=Device Serial No.')
    _fmt, parsed = read_file(path, "csv", mapping)
    assert [(b.line, b.reason) for b in parsed.bad] == [(4, "'10.0.0.x' is not an IP address"),
                                                         (5, "row has neither an IP nor a MAC address")]
    devices = by_ip(run_import([path], "csv", mapping).devices)
    cam = devices["10.0.0.5"]
    assert cam["vendor"] == "hikvision" and cam["model"] == "DS-2CD2143G0-I" and cam["flagged"]
    assert cam["device_class"] == "ip-camera" and cam["confidence"] > MAC_ONLY_CONFIDENCE
    assert not devices["10.0.0.6"]["flagged"]
    # without --map the usual header names are found (the SADP tool's column names among them)
    assert by_ip(run_import([path]).devices)["10.0.0.5"]["model"] == "DS-2CD2143G0-I"


def test_bad_mappings_and_unreadable_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ImportFailure, match="FIELD=COLUMN"):
        parse_mapping("colour=Red")
    with pytest.raises(ImportFailure, match="at least an ip= or a mac="):
        parse_mapping("name=Host")
    path = tmp_path / "x.csv"
    path.write_text("IP,Name\n10.0.0.1,a\n", encoding="utf-8")
    with pytest.raises(ImportFailure, match="no such column; the header has 'IP', 'Name'"):
        read_file(path, "csv", parse_mapping("ip=Address"))
    with pytest.raises(ImportFailure, match="No such file"):
        read_file(tmp_path / "missing.leases")
    (tmp_path / "notes.txt").write_text("just some words\nand more\n", encoding="utf-8")
    with pytest.raises(ImportFailure, match="format not recognised"):
        read_file(tmp_path / "notes.txt")
    with pytest.raises(ImportFailure, match="nothing readable as dnsmasq"):
        read_file(DATA / "neighbours" / "windows_10_arp_-a.out", "dnsmasq")
