"""Device personalities (profiles/*.toml) and fleets (which profiles, how many)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any


class LabError(ValueError):
    """A profile or fleet file is malformed, or a fleet cannot be placed where asked."""


@dataclass(frozen=True)
class Profile:
    id: str
    label: str
    stack: str  # hikvision | dahua | generic
    identity: str  # serial scheme: hikvision | dahua | lorex | generic
    mac_entity: str
    kind: str
    models: tuple[str, ...]
    firmware: tuple[str, ...]
    http: dict[str, Any] = field(default_factory=dict)
    isapi: dict[str, Any] = field(default_factory=dict)
    onvif: dict[str, Any] | None = None
    dahua: dict[str, Any] = field(default_factory=dict)
    sadp: dict[str, Any] = field(default_factory=dict)
    services: dict[str, Any] = field(default_factory=dict)
    quirks: dict[str, Any] = field(default_factory=dict)
    tls: dict[str, Any] = field(default_factory=dict)
    behaviour: str | None = None  # hostile behaviour, if any


STACKS = ("hikvision", "dahua", "generic")
BEHAVIOURS = ("sadp-xml-bomb", "soap-xml-bomb", "huge-http-body", "slow-drip", "malformed-dhip", "invalid-utf8",
              "html-name")


def _profile(raw: dict[str, Any], where: str) -> Profile:
    try:
        prof = Profile(
            id=str(raw["id"]), label=str(raw["label"]), stack=str(raw["stack"]), identity=str(raw["identity"]),
            mac_entity=str(raw.get("mac_entity", "")), kind=str(raw["kind"]),
            models=tuple(raw["models"]), firmware=tuple(raw["firmware"]),
            http=dict(raw.get("http", {})), isapi=dict(raw.get("isapi", {})),
            onvif=dict(raw["onvif"]) if "onvif" in raw else None, dahua=dict(raw.get("dahua", {})),
            sadp=dict(raw.get("sadp", {})), services=dict(raw.get("services", {})),
            quirks=dict(raw.get("quirks", {})), tls=dict(raw.get("tls", {})),
        )
    except (KeyError, TypeError) as exc:
        raise LabError(f"{where}: missing or malformed field {exc}") from exc
    if prof.stack not in STACKS:
        raise LabError(f"{where}: unknown stack {prof.stack!r}")
    if not prof.models or not prof.firmware:
        raise LabError(f"{where}: needs at least one model and one firmware")
    return prof


def load_profiles() -> dict[str, Profile]:
    """All bundled profiles, hostile variants included, keyed by id."""
    base = resources.files("scanner.lab") / "profiles"
    out: dict[str, Profile] = {}
    hostile: list[dict[str, Any]] = []
    for entry in sorted(base.iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".toml"):
            continue
        doc = tomllib.loads(entry.read_text(encoding="utf-8"))
        if "hostile" in doc:
            hostile.extend(doc["hostile"])
            continue
        prof = _profile(doc, entry.name)
        out[prof.id] = prof
    for h in hostile:
        base_prof = out.get(h.get("base", ""))
        if base_prof is None or h.get("behaviour") not in BEHAVIOURS:
            raise LabError(f"hostile profile {h.get('id')!r}: unknown base or behaviour")
        out[h["id"]] = Profile(**{**base_prof.__dict__, "id": h["id"], "behaviour": h["behaviour"],
                                  "label": f"{base_prof.label} — hostile: {h['behaviour']}"})
    return out


@dataclass(frozen=True)
class FleetEntry:
    profile: str
    count: int


DEFAULT_FLEET = (
    FleetEntry("hikvision-ipc", 3), FleetEntry("hikvision-ipc-webserver", 1), FleetEntry("hikvision-nvr", 1),
    FleetEntry("hikvision-dvr", 1), FleetEntry("hikvision-oem", 1), FleetEntry("dahua-ipc", 3),
    FleetEntry("dahua-nvr", 1), FleetEntry("dahua-xvr", 1), FleetEntry("dahua-oem", 1), FleetEntry("lorex-nvr", 1),
    FleetEntry("axis-like", 1), FleetEntry("hanwha-like", 1), FleetEntry("tapo-like", 1),
    FleetEntry("onvif-generic", 1), FleetEntry("printer", 1), FleetEntry("router", 1),
)


def read_fleet(path: Path, profiles: dict[str, Profile]) -> list[FleetEntry]:
    """A fleet file: [[device]] tables with `profile` and `count`."""
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise LabError(f"fleet file {path}: {exc}") from exc
    entries = []
    for i, raw in enumerate(doc.get("device", [])):
        name = raw.get("profile")
        count = raw.get("count", 1)
        if name not in profiles:
            raise LabError(f"fleet file {path}: device #{i + 1}: unknown profile {name!r}")
        if not isinstance(count, int) or not 0 < count <= 10_000:
            raise LabError(f"fleet file {path}: device #{i + 1}: count must be 1..10000")
        entries.append(FleetEntry(name, count))
    if not entries:
        raise LabError(f"fleet file {path}: no [[device]] entries")
    return entries


def scale_fleet(entries: tuple[FleetEntry, ...] | list[FleetEntry], total: int) -> list[FleetEntry]:
    """Repeat the fleet's mix until it has `total` devices."""
    if total <= 0:
        raise LabError("a fleet needs at least one device")
    order = [e.profile for e in entries for _ in range(e.count)]
    counts: dict[str, int] = {}
    for i in range(total):
        name = order[i % len(order)]
        counts[name] = counts.get(name, 0) + 1
    return [FleetEntry(name, n) for name, n in counts.items()]
