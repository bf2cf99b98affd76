"""nmap XML reports (`nmap -oX`): hosts with their MAC, hostnames, service/version lines and script output.

Parsed incrementally with defusedxml (no entity expansion, no external resources), one <host> element at a
time and freed after use, so a report of a /16 does not sit in memory. What nmap saw goes to the same
fingerprint rules as the scanner's own probes: the service product line (`nmap-service`, nmap's match lines),
the Server header from http-server-header / http-headers output (`http-server`), Digest/Basic realms from
http-auth (`realm`), and the certificate subject from ssl-cert (`tls-subject`).
"""

from __future__ import annotations

import io
import re
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, iterparse

from scanner.identify.device import Observation
from scanner.imports.records import Parsed, Record, clean_ip, clean_mac, clip

_SERVER_LINE = re.compile(r"^\s*Server:\s*(.+?)\s*$", re.MULTILINE)
_REALM = re.compile(r'realm="([^"\n]+)"|realm=(\S+)')
# ssl-cert elem keys → the RFC 4514-style order our tls-subject rules read (CN, OU, O, L, ST, C)
_SUBJECT_KEYS = (("commonName", "CN"), ("organizationalUnitName", "OU"), ("organizationName", "O"),
                 ("localityName", "L"), ("stateOrProvinceName", "ST"), ("countryName", "C"))
MAX_SCRIPT_CHARS = 20_000


def _script_observations(script: Element, where: str) -> list[Observation]:
    sid, output = script.get("id", ""), clip(script.get("output", ""), MAX_SCRIPT_CHARS)
    out: list[Observation] = []
    if sid in ("http-server-header", "http-headers"):
        values = _SERVER_LINE.findall(output) if sid == "http-headers" else [
            e.text or "" for e in script.iter("elem")] or output.splitlines()
        out += [Observation("http-server", clip(v, 200), {}, f"nmap {sid} {where}") for v in values if v.strip()]
    elif sid == "http-auth":
        realms = ([e.text or "" for e in script.iter("elem") if e.get("key") == "realm"]
                  or [quoted or bare for quoted, bare in _REALM.findall(output)])
        out += [Observation("realm", clip(r, 200), {}, f"nmap http-auth {where}") for r in realms if r.strip()]
    elif sid == "ssl-cert":
        subject = next((t for t in script.iter("table") if t.get("key") == "subject"), None)
        if subject is not None:
            elems = {e.get("key"): (e.text or "") for e in subject.iter("elem")}
            parts = [f"{short}={elems[key]}" for key, short in _SUBJECT_KEYS if key in elems]
            if parts:
                out.append(Observation("tls-subject", clip(",".join(parts), 400), {}, f"nmap ssl-cert {where}"))
    return out


def _host_record(host: Element, line: int) -> Record | None:
    status = host.find("status")
    if status is not None and status.get("state") not in (None, "up"):
        return None
    record = Record(line=line)
    for addr in host.findall("address"):
        kind, value = addr.get("addrtype"), addr.get("addr", "")
        if kind in ("ipv4", "ipv6") and record.ip is None:
            record.ip = clean_ip(value)
        elif kind == "mac":
            record.mac = clean_mac(value)
    names = [h.get("name", "") for h in host.iter("hostname") if h.get("name")]
    record.hostname = clip(names[0], 128) if names else None
    for port in host.iter("port"):
        state = port.find("state")
        if state is None or state.get("state") != "open":
            continue
        portid = port.get("portid", "")
        if portid.isdigit() and port.get("protocol") == "tcp" and 0 < int(portid) < 65536:
            record.ports.append(int(portid))
        where = f"{port.get('protocol', '?')}/{portid}"
        service = port.find("service")
        if service is not None and service.get("product"):
            product = clip(service.get("product"), 200)
            detail = " ".join(clip(service.get(k), 100) for k in ("name", "version", "extrainfo") if service.get(k))
            record.observations.append(Observation("nmap-service", product, {}, f"nmap -sV {where} {detail}".strip()))
        for script in port.iter("script"):
            record.observations += _script_observations(script, where)
    return record


def parse_nmap_xml(data: bytes) -> Parsed:
    """Hosts that were up in an nmap XML report. A report cut off mid-way (nmap interrupted) keeps the hosts
    before the cut and reports the cut as a bad line; a file that is not nmap XML raises nothing here but yields
    one bad line saying so."""
    out = Parsed()
    stream = io.BytesIO(data)
    seen_root = False
    counted = lines_before = 0
    try:
        parser: Any = iterparse(stream, events=("start", "end"), forbid_dtd=False, forbid_entities=True,
                                forbid_external=True)
        for event, elem in parser:
            if event == "start":
                if not seen_root:
                    if elem.tag != "nmaprun":
                        out.fail(1, f"not an nmap XML report (root element <{clip(elem.tag, 40)}>)")
                        return out
                    seen_root = True
                continue
            if elem.tag == "host":
                # approximate (the parser reads ahead in chunks), counted incrementally: linear in the file size
                position = stream.tell()
                lines_before += data.count(b"\n", counted, position)
                counted = max(counted, position)
                line = lines_before + 1
                record = _host_record(elem, line)
                if record is None:
                    out.skipped += 1
                elif record.ip is None and record.mac is None:
                    out.fail(line, "host without an IP or MAC address")
                else:
                    out.records.append(record)
                elem.clear()
    except (ParseError, DefusedXmlException) as exc:
        at = getattr(exc, "position", None)
        out.fail(int(at[0]) if at else 0, f"XML stops being readable here ({clip(exc, 120)}); hosts before it are kept")
    return out
