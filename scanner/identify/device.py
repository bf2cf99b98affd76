"""Device verdicts: fuse what the probes observed into maker, brand, model, serial, firmware, class and CVEs.

Pure: observations in, verdict out. Protocol evidence (SADP, DHIP, realms, banners, scopes) says who made the
hardware; names (ONVIF manufacturer, model family, vendor strings) say whose brand is on the label — so an OEM
relabel is reported as the maker's hardware sold under another brand. Unknown stays unknown.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from scanner.identify.engine import Identifier
from scanner.identify.explain import designation_list
from scanner.knowledge import oui_table
from scanner.knowledge.cves import exposure
from scanner.knowledge.fingerprints import match
from scanner.knowledge.model import KnowledgeBase

RULE_WEIGHT = {"high": 0.9, "medium": 0.6, "low": 0.3}
OUI_WEIGHT = 0.6  # OEMs keep the maker's OUI, but Wi-Fi models may carry a module vendor's
MODEL_WEIGHT = 0.7
FLAG_THRESHOLD = 0.5
CLASS_FROM_DHIP = {"IPC": "ip-camera", "NVR": "nvr", "DVR": "dvr", "XVR": "dvr", "VTO": "intercom",
                   "VTH": "intercom", "SD": "ptz"}
CLASS_FROM_ISAPI = {"IPCamera": "ip-camera", "IPDome": "ptz", "NVR": "nvr", "DVR": "dvr", "VIS": "intercom"}
# Where each identity field is most trustworthy, best first (authenticated answers beat discovery replies).
FIELD_ORDER = ("isapi", "onvif-info", "magicbox", "sadp", "dhip", "onvif-scope", "mdns", "realm", "rpc2-login",
               "neighbour")


@dataclass
class Observation:
    source: str  # an evidence source: http-server, http-headers, http-body, realm, rtsp, onvif-scope, sadp, dhip,
    #              mdns, favicon, onvif-info, isapi, magicbox, rpc2-login, neighbour, port
    value: str
    fields: dict[str, Any] = field(default_factory=dict)
    detail: str = ""  # where it came from, for the evidence list (e.g. "http://127.0.0.10:80/")


@dataclass
class DeviceVerdict:
    ip: str
    mac: str | None = None
    vendor: str | None = None
    brand: str | None = None
    relation: str | None = None
    model: str | None = None
    serial: str | None = None
    firmware: str | None = None
    device_class: str | None = None
    flagged: bool = False
    confidence: float = 0.0
    evidence: list[dict[str, Any]] = field(default_factory=list)
    cves: list[dict[str, Any]] = field(default_factory=list)
    risks: list[str] = field(default_factory=list)
    designations: list[dict[str, Any]] = field(default_factory=list)
    explanation: str = ""
    ports: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The device record: what is saved, uploaded and rendered (RECORD_FIELDS, in this order)."""
        return {k: getattr(self, k) for k in RECORD_FIELDS}


# The device record's fields are DeviceVerdict's, defined once above; everything else derives from them.
RECORD_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(DeviceVerdict))
# What a device is (the inventory's columns): ip … device_class, every one a string but the address.
IDENTITY_FIELDS: tuple[str, ...] = RECORD_FIELDS[:RECORD_FIELDS.index("device_class") + 1]


def device_key(d: dict[str, Any]) -> str:
    """What identifies a device across scans of a site: its MAC, else its serial, else its address."""
    for field_name, prefix in (("mac", "mac"), ("serial", "sn"), ("ip", "ip")):
        value = d.get(field_name)
        if isinstance(value, str) and value.strip():
            return f"{prefix}:{value.strip().lower()}"[:160]
    raise ValueError("a device needs an ip")


def _first(observations: list[Observation], key: str) -> tuple[str, str] | None:
    """The most trusted value of an identity field, with the source it came from."""
    ranked = sorted(observations, key=lambda o: FIELD_ORDER.index(o.source) if o.source in FIELD_ORDER else 99)
    for obs in ranked:
        value = obs.fields.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:128], obs.source
    return None


class DeviceIdentifier:
    """Fuses observations of one host; build once, reuse for every host of a scan."""

    def __init__(self, kb: KnowledgeBase, text_engine: Identifier) -> None:
        self.kb = kb
        self.text = text_engine

    def _model_of(self, obs: list[Observation]) -> str | None:
        found = _first(obs, "model")
        model = found[0] if found else None
        update = _first(obs, "update_serial")
        if update and (model is None or model.isdigit()):
            model = update[0]  # Lorex NVRs report deviceType=31; the real model is in updateSerial
        if model is not None and model.isdigit():
            return None  # a numeric device-type code (Lorex "31" without credentials) is not a model
        return model

    def identify(self, ip: str, observations: list[Observation], ports: list[int] | None = None) -> DeviceVerdict:
        v = DeviceVerdict(ip=ip, ports=sorted(ports or []))
        scores: dict[str, float] = {}

        def add(entity: str, weight: float, source: str, detail: str) -> None:
            root = self.kb.root(entity)
            scores[root] = 1 - (1 - scores.get(root, 0.0)) * (1 - weight)
            v.evidence.append({"source": source, "detail": detail, "vendor": root, "weight": round(weight, 2)})

        for obs in observations:
            for hit in match(obs.source, obs.value):
                where = f" ({obs.detail})" if obs.detail else ""
                add(hit.rule.entity, RULE_WEIGHT[hit.rule.confidence], obs.source,
                    f"{hit.rule.description}: {obs.value[:80]!r}{where} [rule {hit.rule.id}]")
                for key, value in hit.extract.items():
                    obs.fields.setdefault(key, value)

        v.mac = (_first(observations, "mac") or (None, ""))[0]
        if v.mac:
            v.mac = v.mac.lower().replace("-", ":")
            rec = oui_table().lookup(v.mac)
            if rec is not None:
                add(rec.entity, OUI_WEIGHT, "mac-oui",
                    f"MAC {v.mac} is registered to {rec.registrant} ({rec.registry})")
        v.model = self._model_of(observations)
        v.serial = (_first(observations, "serial") or (None, ""))[0]
        v.firmware = (_first(observations, "firmware") or (None, ""))[0]

        model_verdict = self.text.identify(v.model or "", model=v.model) if v.model else None
        if model_verdict is not None and model_verdict.vendor and model_verdict.device_class:
            add(model_verdict.brand or model_verdict.vendor, MODEL_WEIGHT, "model-family",
                f"model {v.model} is in a {self.kb.entities[model_verdict.brand or model_verdict.vendor].display} "
                f"{model_verdict.device_class} family")
            v.device_class = model_verdict.device_class
        v.device_class = v.device_class or self._class(observations)

        if not scores:
            v.explanation = self._unknown_text(observations, v)
            return v
        vendor, score = max(scores.items(), key=lambda kv: kv[1])
        v.vendor, v.confidence = vendor, round(min(score, 0.99), 3)
        v.brand, v.relation = self._label(observations, vendor, model_verdict)
        v.designations = self.text.designations(v.brand if v.brand in self.kb.entities else vendor)
        active = any(d["status"] == "active" for d in v.designations)
        v.flagged = active and score >= FLAG_THRESHOLD
        v.cves = exposure(vendor, v.model, v.firmware)
        for obs in observations:
            if obs.source == "sadp" and obs.fields.get("activated") is False:
                v.risks.append("not activated: SADP reports no admin password set yet (anyone on the LAN can claim it)")
        v.explanation = self._explain(v, score)
        return v

    def _class(self, observations: list[Observation]) -> str | None:
        for obs in observations:
            if obs.source == "dhip" and obs.fields.get("device_class") in CLASS_FROM_DHIP:
                return CLASS_FROM_DHIP[str(obs.fields["device_class"])]
            if obs.source == "isapi" and obs.fields.get("device_type") in CLASS_FROM_ISAPI:
                return CLASS_FROM_ISAPI[str(obs.fields["device_type"])]
        return None

    def _label(self, observations: list[Observation], vendor: str, model_verdict: Any) -> tuple[str, str]:
        """Whose brand is on the device: a name that belongs to the maker's family, else the maker itself."""
        names = [str(o.fields[k]) for o in observations for k in ("manufacturer", "vendor_name", "name")
                 if isinstance(o.fields.get(k), str)]
        candidates = []
        if model_verdict is not None and model_verdict.brand:
            candidates.append(model_verdict.brand)
        for name in names:
            # Found by a camera scan, so the name is read in a surveillance context (LTS, Honeywell, …).
            verdict = self.text.identify(f"{name} IP camera", brand=name)
            if verdict.brand:
                candidates.append(verdict.brand)
        for entity in candidates:
            if entity != vendor and self.kb.root(entity) == vendor:
                chain = self.kb.chain(entity)
                return entity, chain[0].type if chain else "oem"
        foreign = [n for n in names if n and not self.text.identify(f"{n} IP camera", brand=n).vendor
                   and n.lower() not in ("private", "general", "dahua", "hikvision")]
        if foreign:
            return foreign[0][:64], "oem"  # a brand we have no record of, on the maker's hardware
        return vendor, "manufacturer"

    def _explain(self, v: DeviceVerdict, score: float) -> str:
        maker = self.kb.entities[v.vendor].display if v.vendor in self.kb.entities else str(v.vendor)
        sources = sorted({e["source"] for e in v.evidence if e["vendor"] == v.vendor})
        parts = [f"{maker}-made ({', '.join(sources)})"]
        if v.brand and v.brand != v.vendor:
            label = self.kb.entities[v.brand].display if v.brand in self.kb.entities else v.brand
            parts.append(f"sold as {label} ({v.relation})")
        if v.model:
            parts.append(f"model {v.model}")
        if v.cves:
            kev = sum(1 for c in v.cves if c["kev"])
            parts.append(f"{len(v.cves)} CVE(s) by firmware" + (f", {kev} KEV-listed" if kev else ""))
        if v.flagged:
            parts.append(designation_list(v.designations, limit=1))  # which listing, since when
        else:
            parts.append(f"evidence too weak to flag (confidence {score:.2f})")
        return "; ".join(parts)

    @staticmethod
    def _unknown_text(observations: list[Observation], v: DeviceVerdict) -> str:
        names = [str(o.fields.get(k)) for o in observations for k in ("manufacturer", "name") if o.fields.get(k)]
        if names:
            v.brand = names[0][:64]
            return f"No Hikvision/Dahua evidence; the device names itself {names[0][:64]!r}"
        return "No Hikvision/Dahua evidence"
