"""Text that a scanned device, a shop page or a user chose, made safe for where it goes. Pure: no I/O.

A device names its own model, serial and firmware, and a site name is typed by whoever runs a scan; none of it
may act where it lands:

- spreadsheets (`sheet_cell`, used by every CSV and XLSX writer: plans and scan inventories): a cell that starts
  with ``= + - @``, a tab or a carriage return is read as a formula by Excel, LibreOffice and Google Sheets
  (CSV injection); it gets a leading single quote, as OWASP advises, and characters XML forbids (NUL, ESC, …),
  which make openpyxl refuse the whole workbook, are dropped;
- terminals (`terminal_text`): escape sequences and other control characters are dropped, so a device cannot
  recolour, retitle or rewrite the operator's terminal;
- uploads (`clean_strings`): control characters other than tab and newline, and unpaired surrogates left by
  undecodable bytes, are removed from every string before a scan leaves the agent.
"""

from __future__ import annotations

import re
from typing import Any

# C0 controls, DEL and C1 controls; tab (\t) and newline (\n) are kept where text may span lines or columns.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ALL_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
# Unicode bidirectional overrides and isolates: they reorder what a terminal shows ("Trojan Source").
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_SURROGATES = re.compile("[\ud800-\udfff]")
# Characters the XML inside an XLSX may not hold (openpyxl's ILLEGAL_CHARACTERS_RE): C0 but tab, LF and CR.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def strip_controls(text: str) -> str:
    """`text` without control characters (C0, DEL, C1) other than tab and newline, and without unpaired
    surrogates (what undecodable bytes become with errors="surrogateescape"), which are replaced by U+FFFD."""
    return _SURROGATES.sub("\ufffd", _CONTROLS.sub("", text))


def clean_strings(value: Any) -> Any:
    """A JSON-like value with `strip_controls` applied to every string in it, keys included."""
    if isinstance(value, str):
        return strip_controls(value)
    if isinstance(value, dict):
        return {clean_strings(k): clean_strings(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_strings(v) for v in value]
    return value


def sheet_cell(value: Any) -> Any:
    """A value as a CSV or XLSX cell: strings lose the characters XML forbids and, if they would start a
    formula, gain a leading single quote; numbers, booleans and None are returned as they are."""
    if not isinstance(value, str):
        return value
    text = _SURROGATES.sub("\ufffd", _XML_ILLEGAL.sub("", value))
    return "'" + text if text.startswith(FORMULA_START) else text


def terminal_text(value: Any) -> str:
    """A value as plain text for one terminal line: every control character (escape sequences included) and
    bidirectional override dropped, tabs and newlines turned into spaces. Markup is the renderer's concern: show
    the result as rich `Text` or pass it through `rich.markup.escape`."""
    text = "" if value is None else str(value)
    text = _ALL_CONTROLS.sub("", text.replace("\t", " ").replace("\n", " "))
    return _SURROGATES.sub("\ufffd", _BIDI.sub("", text))
