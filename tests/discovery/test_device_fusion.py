"""Device verdicts from observations (pure), fingerprint self-test, CVE judgement."""

from __future__ import annotations

from scanner.discovery.scan import device_identifier
from scanner.identify.device import Observation
from scanner.knowledge import load
from scanner.knowledge.cves import build_date, exposure
from scanner.knowledge.fingerprints import match, problems, rules


def test_fingerprint_rules_pass_their_self_test() -> None:
    table = rules()
    assert problems(table, load()) == []
    assert {"http-server", "realm", "rtsp", "onvif-scope", "sadp", "dhip", "mdns", "favicon", "http-body",
            "http-headers", "tls-subject"} <= set(table)


def test_rules_extract_fields() -> None:
    hit = match("realm", "Login to 4M05CC9FAC28B0B")[0]
    assert hit.rule.entity == "dahua" and hit.extract == {"serial": "4M05CC9FAC28B0B"}
    assert match("http-server", "Apache") == []


def test_oem_hardware_keeps_its_maker_and_shows_the_label() -> None:
    obs = [Observation("sadp", "ProbeMatch", {"model": "CMIP8242WB", "serial": "CMIP8242WB20231014BBWR965453563",
                                              "mac": "44:19:b6:01:02:03", "firmware": "V5.5.82 build 190909"}),
           Observation("onvif-info", "LTS CMIP8242WB", {"manufacturer": "LTS", "model": "CMIP8242WB"})]
    v = device_identifier().identify("127.0.0.9", obs, [80, 554, 8000])
    assert (v.flagged, v.vendor, v.brand, v.relation, v.model) == (True, "hikvision", "lts", "oem", "CMIP8242WB")
    assert any(e["source"] == "mac-oui" for e in v.evidence) and "sold as LTS" in v.explanation
    # A sponsor verdict says which listing, since when, and whose it is.
    assert "made by Hikvision, which NACP listed as a war sponsor on 5 June 2023" in v.explanation


def test_unknown_brand_on_dahua_hardware_is_reported_as_oem() -> None:
    obs = [Observation("dhip", "client.notifyDevInfo", {"model": "IPC-HFW1120S-W", "vendor_name": "General"}),
           Observation("onvif-info", "Acme Vision X1", {"manufacturer": "Acme Vision"})]
    v = device_identifier().identify("127.0.0.9", obs)
    assert v.vendor == "dahua" and v.brand == "Acme Vision" and v.relation == "oem"


def test_non_sponsor_stays_unknown() -> None:
    obs = [Observation("onvif-scope", "onvif://www.onvif.org/name/AXIS M3106-L", {"name": "AXIS M3106-L"}),
           Observation("http-server", "Apache")]
    v = device_identifier().identify("127.0.0.9", obs, [80])
    assert (v.flagged, v.vendor, v.confidence) == (False, None, 0.0) and v.brand == "AXIS M3106-L"


def test_weak_evidence_alone_does_not_flag() -> None:
    v = device_identifier().identify("127.0.0.9", [Observation("http-server", "webserver")], [80])
    assert v.vendor == "hikvision" and not v.flagged and "too weak" in v.explanation


def test_not_activated_hikvision_is_a_risk() -> None:
    v = device_identifier().identify("127.0.0.9", [Observation("sadp", "ProbeMatch", {"activated": False})])
    assert v.flagged and any("not activated" in r for r in v.risks)


def test_cves_from_firmware_only() -> None:
    assert build_date("V5.5.82 build 190909") == "2019-09-09"
    assert build_date("2.811.0000013.0.R, Build Date 2023-12-20") == "2023-12-20"
    assert build_date("2.400.0.8") is None
    found = exposure("hikvision", "DS-2CD2032F-I", "V5.3.0 build 150513")
    assert [f["id"] for f in found] == ["CVE-2017-7921"] and found[0]["kev"] and found[0]["confidence"] == "high"
    assert exposure("hikvision", "DS-2CD2142FWD-I", "V5.5.0 build 170725") == []  # Metasploit: not vulnerable
    possible = exposure("hikvision", "HWI-B120-D/W", "V5.5.101 build 200408")
    assert possible[0]["id"] == "CVE-2021-36260" and possible[0]["summary"].startswith("possibly affected")
    assert exposure("dahua", "IPC-HDW1025C", "2.420.Dahua 00.14.R, build: 2016-06-18")[0]["id"] == "CVE-2017-9315"
    assert exposure("dahua", "IPC-HDW5421S", "2.400.0.8") == []  # no build date: no guess


def test_a_numeric_device_type_is_not_a_model() -> None:
    # A Lorex NVR asked without credentials answers deviceType=31: a type code, not a model number.
    obs = [Observation("magicbox", "deviceType=31", {"model": "31"}),
           Observation("http-server", "Webs", {})]
    assert device_identifier().identify("127.0.0.9", obs).model is None
    with_update = [Observation("magicbox", "deviceType=31", {"model": "31", "update_serial": "DHI-NVR4108HS-8P-4KS2"})]
    assert device_identifier().identify("127.0.0.9", with_update).model == "DHI-NVR4108HS-8P-4KS2"
