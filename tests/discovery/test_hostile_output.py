"""What a device says about itself reaches spreadsheets and terminals as text, never as formulas, markup or
escape sequences; and nothing it says can stop a scan from being recorded and uploaded."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from scanner.discovery.scan import ScanStats
from scanner.identify.device import DeviceVerdict
from scanner.lab import FleetEntry, Lab, LabThread
from scanner.session import ScanResult
from scanner.storage import Inventory
from sponsorwatch.lab import render_lab
from sponsorwatch.main import main
from sponsorwatch.scan import render_table
from tests.loopback_http import serving

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A model that closes a markup tag nobody opened (rich raises MarkupError), a terminal hyperlink, an ANSI colour,
# a window-title escape, a bell and a C1 control.
MARKUP = "[/]"
LINK = "[link=https://x.example/]X[/link]"
ANSI = "\x1b[31mred"
HOSTILE_STRINGS = (MARKUP, LINK, ANSI, "\x1b]0;owned\x07", "\x9b2J")


def _device(**kw: Any) -> dict[str, Any]:
    return {**DeviceVerdict("10.0.0.9").to_dict(), "vendor": "hikvision", "brand": "hikvision",
            "relation": "manufacturer", "flagged": True, "confidence": 0.99, "device_class": "ip-camera", **kw}


def _result(devices: list[dict[str, Any]]) -> ScanResult:
    return ScanResult("scan-1", "finished", ["10.0.0.0/24"], ScanStats(), {}, devices)


def _no_escape_sequences(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text, repr(text)


def test_scan_csv_neutralises_formulas() -> None:
    devices = [_device(ip="10.0.0.9", model='=HYPERLINK("https://x.example/","open")', serial="+1+cmd|' /C calc'!A0",
                       firmware="-2+3", mac="@SUM(1)", risks=["=1+1"], explanation="\tnote"),
               _device(ip="10.0.0.10", model="\rDS-2CD\x00\x1b[31m")]
    rows = list(csv.reader(io.StringIO(_result(devices).to_csv(), newline="")))
    cells = [c for row in rows for c in row]
    assert [c for c in cells if c.startswith(FORMULA_START)] == []
    header = rows[0]
    first = dict(zip(header, rows[1], strict=True))
    assert first["model"] == "'=HYPERLINK(\"https://x.example/\",\"open\")" and first["serial"].startswith("'+1")
    assert (first["firmware"], first["mac"], first["risks"], first["explanation"]) == ("'-2+3", "'@SUM(1)", "'=1+1",
                                                                                        "'\tnote")
    assert dict(zip(header, rows[2], strict=True))["model"] == "'\rDS-2CD[31m"


def test_scan_table_shows_device_strings_as_text() -> None:
    devices = [_device(ip=f"10.0.0.{i}", model=s, serial=s, firmware=s, brand=s, relation="oem")
               for i, s in enumerate(HOSTILE_STRINGS, 1)]
    coloured = io.StringIO()
    render_table(devices, Console(file=coloured, force_terminal=True, color_system="truecolor", width=400), "scan")
    assert "\x1b]8;" not in coloured.getvalue()  # no terminal hyperlink was made from a device's string
    assert "\x1b[31mred" not in coloured.getvalue() and "\x1b]0;" not in coloured.getvalue()
    plain = io.StringIO()
    render_table(devices, Console(file=plain, width=400, color_system=None), "scan")
    shown = plain.getvalue()
    assert MARKUP in shown and LINK in shown and "[31mred" in shown  # shown as typed, control characters gone
    _no_escape_sequences(shown)


def test_lab_table_shows_device_strings_as_text() -> None:
    lab = Lab([FleetEntry("hikvision-ipc", 1)], base="127.0.7.10", multicast=False)
    dev = lab.devices[0]
    dev.identity = dataclasses.replace(dev.identity, model=MARKUP + LINK + ANSI, serial="\x1b]0;owned\x07")
    buf = io.StringIO()
    render_lab(lab, Console(file=buf, width=400, color_system=None))
    plain = buf.getvalue()
    assert MARKUP + LINK + "[31mred" in plain and "]0;owned" in plain
    _no_escape_sequences(plain)


def test_lookup_table_shows_titles_as_text(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # one row per line, for the assertions
    assert main(["lookup", "--table", f"Hikvision DS-2CD2143G2-I {MARKUP}", f"Dahua {LINK} {ANSI}"]) == 1
    out = capsys.readouterr().out
    assert MARKUP in out and LINK in out and "[31mred" in out
    _no_escape_sequences(out)


def test_lookup_lines_drop_escape_sequences(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lookup", f"Dahua IPC-HDW5421S {ANSI}\x1b]0;owned\x07"]) == 1
    out = capsys.readouterr().out
    assert "IPC-HDW5421S [31mred]0;owned" in out
    _no_escape_sequences(out)


@pytest.fixture()
def collector() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A real HTTP server on loopback that accepts uploads like the server's scans endpoint (201), keeping them."""
    received: list[dict[str, Any]] = []

    def accept(_path: str, _headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        received.append(json.loads(body))
        return 201, json.dumps({"scan": received[-1]["scan"]["id"], "devices": len(received[-1]["devices"])}).encode()

    with serving(accept) as url:
        yield url, received


@pytest.mark.parametrize("model", [MARKUP, LINK + ANSI])
def test_a_hostile_model_cannot_stop_recording_or_upload(model: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         collector: tuple[str, list[dict[str, Any]]],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A lab camera whose model (in its unauthenticated SADP reply) is markup or an escape sequence: the scan
    command records the site and uploads before it draws anything, and draws the model as text."""
    url, received = collector
    monkeypatch.setenv("SPONSORWATCH_TOKEN", "sw_test")
    monkeypatch.setenv("COLUMNS", "400")
    lab = Lab([FleetEntry("hikvision-ipc", 1)], base="127.0.7.20", multicast=False)
    dev = lab.devices[0]
    dev.identity = dataclasses.replace(dev.identity, model=model)
    db = f"sqlite:///{tmp_path / 'inv.db'}"
    with LabThread(lab):
        code = main(["scan", f"{dev.ip}/32", "--scope", "127.0.0.0/8", "--db", db, "--udp-window", "0.5",
                     "--engine", "asyncio", "--no-multicast", "--site", "[/]site", "--upload", url])
    out = capsys.readouterr()
    assert code == 1, out.err  # exit status 1: a sponsor device was found
    assert len(received) == 1 and received[0]["site"] == "[/]site"
    assert [d["model"] for d in received[0]["devices"]] == [model.replace("\x1b", "")]
    rows, count = Inventory(db).list_devices(site="[/]site")
    assert count == 1 and rows[0]["model"] == model.replace("\x1b", "")  # kept locally without the escape too
    assert [d["model"] for d in Inventory(db).scan_devices(received[0]["scan"]["id"])] == [rows[0]["model"]]
    shown = out.out + out.err
    assert model.replace("\x1b", "") in shown
    _no_escape_sequences(shown)


def test_the_site_is_recorded_and_the_upload_sent_even_when_drawing_fails(
        tmp_path: Path, collector: tuple[str, list[dict[str, Any]]]) -> None:
    """`sponsorwatch scan … | head -0`: the table cannot be written (a closed pipe), yet the scan reaches its site
    and its server, because both happen before anything is drawn."""
    url, received = collector
    lab = Lab([FleetEntry("dahua-ipc", 1)], base="127.0.7.30", multicast=False)
    db = f"sqlite:///{tmp_path / 'inv.db'}"
    exe = Path(sys.executable).with_name("sponsorwatch")
    read_end, write_end = os.pipe()
    os.close(read_end)  # whatever the command draws goes nowhere: EPIPE
    with LabThread(lab):
        proc = subprocess.run([str(exe), "scan", f"{lab.devices[0].ip}/32", "--scope", "127.0.0.0/8", "--db", db,
                               "--udp-window", "0.3", "--engine", "asyncio", "--no-multicast", "--site", "kyiv",
                               "--upload", url], stdout=write_end, stderr=subprocess.PIPE, timeout=120,
                              env={**os.environ, "SPONSORWATCH_TOKEN": "sw_test", "COLUMNS": "200"})
    os.close(write_end)
    assert len(received) == 1 and received[0]["site"] == "kyiv", proc.stderr
    assert Inventory(db).list_devices(site="kyiv")[1] == 1
