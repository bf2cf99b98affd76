"""Device records shaped as a real scan makes them: the device record's fields (DeviceVerdict), designations and
explanation from the knowledge base, CVEs judged from the firmware, the evidence list a lab scan produces."""

from __future__ import annotations

from typing import Any

import httpx

from scanner.identify import identify
from scanner.identify.device import DeviceVerdict
from scanner.knowledge.cves import exposure

DAHUA = ("dahua", "IPC-HDW5831R-ZE", "2.420.Dahua 00.14.R, build: 2016-06-18")
EVIDENCE = [  # what a lab scan of a Dahua camera records (18 entries, ~3.7 kB)
    ("dhip", "Answers Dahua DHIP discovery (Dahua firmware, including OEM relabels): 'client.notifyDevInfo' "
             "(dhip reply from {ip}) [rule dahua-dhip]", 0.9),
    ("onvif-scope", "Dahua name scope: 'onvif://www.onvif.org/name/Dahua' (wsd reply from {ip}) "
                    "[rule dahua-name-scope]", 0.9),
    ("onvif-scope", "Dahua scope structure (kept by Dahua OEMs that change name/location): "
                    "'onvif://www.onvif.org/extension/unique_identifier' (wsd reply from {ip}) "
                    "[rule dahua-scope-structure]", 0.6),
    ("http-body", "Dahua login page markers: '<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" "
                  "\"http://www.w3.org/TR/' (http://{ip}/) [rule dahua-web-service]", 0.9),
    ("realm", "Dahua digest realm carrying the device serial: 'Login to 95XCYGUPAH57981' (401 from "
              "http://{ip}/cgi-bin/magicBox.cgi) [rule dahua-login-to-serial]", 0.9),
    ("rtsp", "Dahua RTSP server banner: 'RTSP/1.0 200 OK\\r\\nCSeq: 1\\r\\nServer: Dahua Rtsp Server\\r\\nPublic: "
             "OPTIONS, DESCRIBE, ' (rtsp://{ip}:554/) [rule dahua-rtsp-server]", 0.9),
]


def real_record(i: int) -> dict[str, Any]:
    """The i-th Dahua camera of a fleet, as `sponsorwatch scan` records and uploads it."""
    ip = f"10.{i // 65536}.{(i // 256) % 256}.{i % 256}"
    vendor, model, firmware = DAHUA
    verdict = identify(f"Dahua {model}")
    evidence = [{"source": s, "detail": d.format(ip=ip), "vendor": vendor, "weight": w}
                for s, d, w in EVIDENCE * 3]
    return DeviceVerdict(
        ip=ip, mac=f"b4:4c:3b:{i // 65536:02x}:{(i // 256) % 256:02x}:{i % 256:02x}", vendor=vendor,
        brand=vendor, relation="manufacturer", model=model, serial=f"95XCYGUPAH{i:07d}", firmware=firmware,
        device_class="ip-camera", flagged=True, confidence=0.99, evidence=evidence,
        cves=exposure(vendor, model, firmware), risks=[], designations=verdict.designations,
        explanation=verdict.explanation, ports=[80, 554, 37777]).to_dict()


def upload_size(devices: int) -> int:
    """The bytes of an upload of that many such records, encoded as the upload client (httpx) encodes them."""
    one = real_record(1)
    body = {"site": "kyiv-hq", "scan": {"id": "0b8c4c1e-0000-4000-8000-000000000001"}, "devices": [one] * devices}
    return len(httpx.Request("POST", "http://127.0.0.1/api/v1/scans", json=body).content)
