"""CPV (ДК 021:2015) codes of video surveillance and security equipment, and matching item codes against them.

The default watch list: codes whose names are about surveillance cameras, recorders, intercoms and their
installation. Names copied from ProzorroUKR/standards@c32ccbf2bc9af3107e50ffaeff8a4fc286065555:
classifiers/dk021_uk.json (high confidence). Broad parents (32320000-2 all audio-visual equipment, 32420000-3
network equipment) are left out: they would pull in most of the feed.
"""

from __future__ import annotations

import re

CPV_SOURCE = "ProzorroUKR/standards@c32ccbf2bc9af3107e50ffaeff8a4fc286065555:classifiers/dk021_uk.json"
SURVEILLANCE_CPV: dict[str, str] = {
    "32323500-8": "Системи відеоспостереження",
    "32234000-2": "Камери відеоспостереження",
    "32235000-9": "Системи відеоспостереження замкнутого типу",
    "35120000-1": "Системи та пристрої нагляду та охорони",  # covers 35121000-8, 35123500-7, 35125000-6, 35125300-2
    "35125300-2": "Камери відеоспостереження для охоронних систем",
    "35123500-7": "Системи відеоідентифікації",
    "32441100-7": "Телеметричні системи відеоспостереження",
    "32333000-6": "Апаратура для відеозапису та відео відтворення",
    "32333100-7": "Відеомагнітофони",
    "32323300-6": "Відеообладнання",
    "32240000-7": "Телевізійні камери",
    "32552600-3": "Домофони",
    "34971000-4": "Камери контролю швидкості руху",
    "51314000-6": "Послуги зі встановлення відеоапаратури",
    "50343000-1": "Послуги з ремонту і технічного обслуговування відеообладнання",
    "45312200-9": "Встановлення систем охоронної сигналізації",
}
_CODE = re.compile(r"^(\d{8})(?:-\d)?$")


def cpv_prefix(code: str) -> str:
    """The part of a CPV code that its narrower codes share: 35120000-1 → '3512' (trailing zeros mark the level;
    at least the two digits of the division are kept). ValueError for anything that is not a CPV code."""
    m = _CODE.match(code.strip())
    if not m:
        raise ValueError(f"not a CPV code: {code!r} (expected 8 digits and a check digit, e.g. 32323500-8)")
    digits = m.group(1).rstrip("0")
    return digits.ljust(2, "0")


def cpv_filter(codes: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The prefixes of a list of codes (validated)."""
    return tuple(sorted({cpv_prefix(c) for c in codes}))


def cpv_matches(code: str | None, prefixes: tuple[str, ...]) -> bool:
    """Whether an item's classification code falls under one of the prefixes (itself or a narrower code)."""
    if not code or not prefixes:
        return not prefixes
    digits = code.strip()[:8]
    return any(digits.startswith(p) for p in prefixes)
