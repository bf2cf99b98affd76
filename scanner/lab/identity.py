"""Identity fields for simulated devices, generated the way each vendor's firmware forms them.

Hikvision serial = model + [2-digit revision] + YYYYMMDD + 4-letter batch + 9-digit unit (as in the real
SADP capture in tests/data/wire: DS-2CD2385G1-I20200414AAWRE33842150 has the unit "E33842150"); Dahua
serials are 15 upper-case alphanumerics, often with "PA" at positions 8-9 (1F006E4PAX00075); MACs take a
prefix that the MAC registries assign to the maker (derived from the registry, as the scanner does).
Deterministic for a given seed.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

BATCHES = ("AAWR", "BBWR", "CCWR", "RRAB")  # batch codes seen in real Hikvision serials
_ALNUM = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"


@dataclass(frozen=True)
class Identity:
    model: str
    serial: str
    mac: str  # lower-case, colon separated
    firmware: str
    uuid: str

    @property
    def mac_plain(self) -> str:
        return self.mac.replace(":", "")


def _digest(*parts: object) -> bytes:
    return hashlib.sha256("|".join(map(str, parts)).encode()).digest()


def _pick(options: Sequence[str], h: bytes, i: int) -> str:
    return options[h[i] % len(options)]


def hikvision_serial(model: str, h: bytes) -> str:
    year = 2016 + h[0] % 8
    date = f"{year}{1 + h[1] % 12:02d}{1 + h[2] % 28:02d}"
    unit = "".join(str(b % 10) for b in h[3:12])
    return f"{model}{date}{_pick(BATCHES, h, 12)}{unit}"


def dahua_serial(h: bytes) -> str:
    head = str(1 + h[0] % 9) + "".join(_pick(_ALNUM, h, i) for i in range(1, 7))
    return f"{head}PA{_pick(_ALNUM[10:], h, 8)}" + "".join(str(b % 10) for b in h[9:14])


def generic_serial(h: bytes, length: int = 12) -> str:
    return "".join(_pick(_ALNUM, h, i) for i in range(length))


def make_mac(prefixes: list[str], h: bytes) -> str:
    """A MAC in one of the given 6-hex-digit prefixes (or a locally administered one if none)."""
    prefix = prefixes[h[20] % len(prefixes)] if prefixes else f"02{h[21]:02x}{h[22]:02x}"
    raw = (prefix + h[23:26].hex()).lower()[:12]
    return ":".join(raw[i:i + 2] for i in range(0, 12, 2))


def make_identity(*, scheme: str, models: list[str], firmwares: list[str], prefixes: list[str],
                  seed: str, index: int) -> Identity:
    h = _digest(seed, index)
    model = _pick(models, h, 30)
    if scheme == "hikvision":
        serial = hikvision_serial(model, h)
    elif scheme == "dahua":
        serial = dahua_serial(h)
    elif scheme == "lorex":
        # Lorex (Dahua-made) NVR serials look like ND0219110NNNNN
        # (rroller/dahua@c2b8b41c:custom_components/dahua/__init__.py).
        serial = "ND0" + "".join(str(b % 10) for b in h[0:6]) + "".join(_pick(_ALNUM, h, i) for i in range(6, 11))
    else:
        serial = generic_serial(h)
    mac = make_mac(prefixes, h)
    dev_uuid = str(uuid.UUID(bytes=h[:16]))
    if scheme == "hikvision":
        # Hikvision's WS-Discovery EPR ends in the MAC (docs/protocols.md#ws-discovery): urn:uuid:…-5850ed1fe385.
        dev_uuid = dev_uuid[:24] + mac.replace(":", "")
    return Identity(model=model, serial=serial, mac=mac, firmware=_pick(firmwares, h, 31), uuid=dev_uuid)
