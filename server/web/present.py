"""How the dashboard words what it shows: display names from the knowledge base, device classes, the per-device
summary line, evidence grouped into distinct facts, and dates in the reader's time zone. Pure: no request, no SQL."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from markupsafe import Markup

from scanner.identify.catalog import catalog
from scanner.identify.explain import human_date
from scanner.knowledge.fingerprints import rules

DEFAULT_ZONE = "UTC"
CLASS_LABELS = {
    "ip-camera": "IP camera", "ptz": "PTZ camera", "analog-camera": "analogue camera", "thermal": "thermal camera",
    "nvr": "network video recorder", "dvr": "digital video recorder", "recorder": "video recorder",
    "intercom": "intercom", "access-control": "access controller", "accessory": "accessory",
    "storage": "storage device", "unknown": "device",
}
RELATION_WORDS = {"brand": "brand", "oem": "relabel", "subsidiary": "subsidiary",
                  "former-subsidiary": "former subsidiary"}
# The protocol an evidence entry came by, from where the scanner says it read it, else from its source.
REPLY = re.compile(r"^(sadp|dhip|wsd|mdns) reply\b")
REPLY_PROTOCOLS = {"sadp": "SADP", "dhip": "DHIP", "wsd": "WS-Discovery", "mdns": "mDNS"}
SOURCE_PROTOCOLS = {
    "sadp": "SADP", "dhip": "DHIP", "onvif-scope": "WS-Discovery", "mdns": "mDNS", "http-server": "HTTP",
    "http-headers": "HTTP", "http-body": "HTTP", "favicon": "HTTP", "realm": "HTTP", "rtsp": "RTSP",
    "tls-subject": "TLS", "onvif-info": "ONVIF", "isapi": "ISAPI", "magicbox": "HTTP (magicBox)",
    "rpc2-login": "Dahua RPC2", "neighbour": "neighbour table", "mac-oui": "MAC address registry",
    "model-family": "model number",
}
RULE_TAG = re.compile(r" \[rule ([\w.:-]+)\]$")


@lru_cache(maxsize=1)
def _entities() -> dict[str, dict[str, Any]]:
    """Every knowledge-base entity by id, as the catalog exports it (display name, maker, relation)."""
    return {v["id"]: v for v in catalog()["vendors"]}


def display_name(entity: str | None) -> str:
    """The knowledge base's display name of an entity ("Hikvision", "CP PLUS"); a name it does not know as is."""
    if not entity:
        return ""
    found = _entities().get(entity)
    return str(found["name"]) if found else entity


def maker_label(vendor: str | None, brand: str | None, relation: str | None) -> str:
    """Maker and label in words: "Hikvision", "Dahua · Imou brand", "Hikvision · LTS relabel"."""
    if not vendor:
        return display_name(brand) if brand else "unknown"
    maker = display_name(vendor)
    if not brand or brand == vendor:
        return maker
    word = RELATION_WORDS.get(relation or "", "")
    return f"{maker} · {display_name(brand)}{' ' + word if word else ''}"


def class_label(device_class: str | None) -> str:
    return CLASS_LABELS.get(device_class or "unknown", device_class or "device")


def signals(device: dict[str, Any]) -> int | None:
    """How many independent kinds of evidence (distinct sources: SADP, realm, MAC registry, …) name the maker;
    None for a row without its evidence (the device table's rows carry none)."""
    vendor = device.get("vendor")
    evidence = (device.get("detail") or {}).get("evidence", device.get("evidence"))
    if not isinstance(evidence, list):
        return None
    return len({e.get("source") for e in evidence if isinstance(e, dict) and e.get("vendor", vendor) == vendor})


def summary_line(device: dict[str, Any]) -> str:
    """The device in plain words: "Hikvision-made IP camera, identified by 7 independent signals"."""
    what = class_label(device.get("device_class"))
    vendor, brand = device.get("vendor"), device.get("brand")
    if not vendor:
        named = f" that names itself {brand}" if brand else " of unknown make"
        return f"{what[0].upper()}{what[1:]}{named}: no Hikvision or Dahua evidence"
    n = signals(device)
    count = f"{n} independent signal{'s' if n != 1 else ''}" if n is not None else ""
    sold = ""
    if brand and brand != vendor:
        word = RELATION_WORDS.get(device.get("relation") or "", "")
        sold = f" sold as {display_name(brand)}{' (' + word + ')' if word else ''}"
    head = f"{display_name(vendor)}-made {what}{sold}"
    if device.get("flagged"):
        return f"{head}, identified by {count}" if count else head
    weak = f"too weak to flag (confidence {float(device.get('confidence') or 0):.2f})"
    return f"Possibly {head}: {count + ', ' if count else ''}{weak}"


@lru_cache(maxsize=1)
def _rule_descriptions() -> dict[str, str]:
    return {r.id: r.description for table in rules().values() for r in table}


def _where(text: str) -> tuple[str, str]:
    """Split "… (where)" into the text before and the place the scanner read it; parentheses nest."""
    if not text.endswith(")"):
        return text, ""
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(text[i], 0)
        if depth == 0:
            return text[:i].rstrip(), text[i + 1:-1]
    return text, ""


def protocol(source: str, where: str) -> str:
    """The protocol an evidence entry came by: "SADP", "HTTPS", "RTSP", "MAC address registry", …"""
    reply = REPLY.match(where)
    if reply:
        return REPLY_PROTOCOLS[reply.group(1)]
    scheme = re.search(r"\b(https?|rtsp)://", where)
    if scheme:
        return scheme.group(1).upper()
    if where.startswith("TLS certificate"):
        return "TLS"
    return SOURCE_PROTOCOLS.get(source, source)


def group_evidence(evidence: Iterable[Any]) -> list[dict[str, Any]]:
    """One entry per distinct fact (a fingerprint rule, else an identical detail), saying how many replies said it,
    what they said and by which protocols; strongest first. The scan lists each reply (unicast and multicast,
    HTTP and RTSP) as its own evidence entry, so one fact arrives several times."""
    descriptions = _rule_descriptions()
    groups: dict[tuple[str, ...], dict[str, Any]] = {}
    for e in evidence:
        if not isinstance(e, dict):
            continue
        source, detail = str(e.get("source") or ""), str(e.get("detail") or "")
        tagged = RULE_TAG.search(detail)
        rule = tagged.group(1) if tagged else None
        body, where = _where(detail[:tagged.start()] if tagged else detail)
        fact, said = body, ""
        if rule and rule in descriptions and body.startswith(descriptions[rule] + ": "):
            fact, said = descriptions[rule], body[len(descriptions[rule]) + 2:]
        elif not tagged:
            fact, where = detail, ""  # no rule: the whole line is the fact (MAC registry, model family)
        key = ("rule", rule) if rule else ("text", source, detail)
        group = groups.setdefault(key, {"fact": fact, "rule": rule, "said": [], "replies": 0, "protocols": [],
                                        "sources": [], "where": [], "weight": 0.0, "vendor": e.get("vendor"),
                                        "order": len(groups)})
        group["replies"] += 1
        for field, value in (("said", said), ("protocols", protocol(source, where)), ("sources", source),
                             ("where", where)):
            if value and value not in group[field]:
                group[field].append(value)
        weight = e.get("weight")
        if isinstance(weight, int | float):
            group["weight"] = max(group["weight"], float(weight))
    return sorted(groups.values(), key=lambda g: (-g["weight"], g["order"]))


@lru_cache(maxsize=1)
def zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def valid_zone(name: str | None) -> str | None:
    """The IANA zone name if this system knows it (a name never reaches the file system otherwise)."""
    return name if name and len(name) <= 64 and name in zones() else None


def parse_time(value: Any) -> dt.datetime | None:
    """A stored timestamp (ISO text or datetime; SQLite keeps them without a zone, always UTC) as aware UTC."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, dt.datetime):
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def local_time(value: Any, zone: str) -> dt.datetime | None:
    when = parse_time(value)
    return when.astimezone(zoneinfo.ZoneInfo(zone)) if when else None


def human_time(value: Any, zone: str, now: dt.datetime | None = None) -> str:
    """"today, 14:03", "yesterday, 02:45", "1 December 2026, 02:45" — in `zone`."""
    when = local_time(value, zone)
    if when is None:
        return ""
    today = (now or dt.datetime.now(dt.UTC)).astimezone(when.tzinfo).date()
    day = {today: "today", today - dt.timedelta(days=1): "yesterday"}.get(when.date())
    return f"{day or human_date(when.date().isoformat())}, {when:%H:%M}"


def time_tag(value: Any, zone: str) -> Markup:
    """A <time> element: the human date, the exact time and zone on hover, the UTC instant for machines."""
    when = local_time(value, zone)
    if when is None:
        return Markup('<span class="muted">never</span>')
    exact = f"{when:%Y-%m-%d %H:%M:%S} {when.tzname()} ({zone})"
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        when.astimezone(dt.UTC).isoformat(timespec="seconds"), exact, human_time(value, zone))
