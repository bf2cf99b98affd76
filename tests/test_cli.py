"""The `sponsorwatch lookup` command: human lines, JSON lines, files, the bundled sample, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sponsorwatch.main import main

ROOT = Path(__file__).resolve().parents[1]


def test_lookup_human_output_says_why_per_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lookup", "Hikvision DS-2CD2143G2-I", "Reolink RLC-810A"]) == 1  # 1: something flagged
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("FLAG") and "Hikvision DS-2CD2143G2-I" in out[0]
    assert out[1].strip().startswith("why: Hikvision")
    assert out[2].startswith("-") and "No listed maker" in out[3]


def test_lookup_json_is_one_object_per_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lookup", "--json", "Dahua IPC-HDW5421S", "Кронштейн для камер Hikvision"]) == 1
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["flagged"] for r in rows] == [True, False]
    assert rows[0]["vendor"] == "dahua" and rows[1]["relation"] == "compatible"
    for key in ("flagged", "vendor", "brand", "relation", "confidence", "designations", "evidence"):
        assert key in rows[0]


def test_lookup_reads_a_file_of_titles(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    titles = tmp_path / "titles.txt"
    titles.write_bytes(b"HiWatch HWI-B120-D/W\n\n\xff\xfe broken bytes\nAxis M3106-L\n")
    assert main(["lookup", "--json", "--file", str(titles)]) == 1
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 3 and rows[0]["brand"] == "hiwatch" and not rows[2]["flagged"]


def test_lookup_sample_prints_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lookup", "--sample"]) == 1
    out = capsys.readouterr().out
    assert "sponsorwatch lookup" in out and "FLAG" in out and "flagged" in out


def test_lookup_without_input_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lookup"]) == 2
    assert "give TEXT arguments" in capsys.readouterr().err


def test_missing_file_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lookup", "--file", "/nonexistent/titles.txt"]) == 2
    assert "No such file" in capsys.readouterr().err


def test_console_script_runs() -> None:
    exe = Path(sys.executable).with_name("sponsorwatch")
    proc = subprocess.run([str(exe), "lookup", "--json", "EZVIZ C6N"], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 1, proc.stderr  # flagged
    assert json.loads(proc.stdout)["vendor"] == "hikvision"


def test_readme_documents_every_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "./dev demo" in readme and "./dev test" in readme
    for command in ("sponsorwatch lookup", "sponsorwatch kb check", "sponsorwatch lab up", "sponsorwatch scan",
                    "sponsorwatch scan --resume", "sponsorwatch serve", "sponsorwatch token create",
                    "sponsorwatch db upgrade", "--upload", "/api/v1/openapi.json", "sponsorwatch plan",
                    "--costs"):
        assert command in readme, command
    # every command group the parser has is shown in the README
    from sponsorwatch.main import build_parser
    groups = next(a for a in build_parser()._actions if a.dest == "command").choices
    for name in groups:
        assert f"sponsorwatch {name}" in readme, name


def test_exit_status_zero_when_nothing_is_flagged(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lookup", "Reolink RLC-810A", "Кронштейн для камер Hikvision"]) == 0
    capsys.readouterr()


def _device(ip: str, **kw: object) -> dict[str, object]:
    d: dict[str, object] = {"ip": ip, "flagged": True, "vendor": "hikvision", "brand": "lts", "relation": "oem",
                            "model": "CMIP8242WB-28M", "serial": "CMIP8242WB20231014BBWR965453563",
                            "firmware": "V5.5.82 build 190909", "device_class": "ip-camera",
                            "cves": [{"id": "CVE-2021-36260", "confidence": "high", "kev": True},
                                     {"id": "CVE-2017-7921", "confidence": "low", "kev": True}]}
    d.update(kw)
    return d


@pytest.mark.parametrize("width", [80, 100, 120, 200])
def test_scan_table_fits_the_terminal(width: int) -> None:
    from rich.console import Console

    from sponsorwatch.scan import render_table

    console = Console(width=width, record=True, color_system=None)
    devices = [_device("127.0.0.10"), _device("127.0.0.9", flagged=False, vendor=None, brand=None, cves=[]),
               _device("::1", serial="X" * 60),
               _device("127.0.0.29", vendor="dahua", brand="lorex", relation="former-subsidiary", model="N" * 40)]
    render_table(devices, console, "scan 1234: 3 devices")
    lines = console.export_text().splitlines()
    assert max(len(line) for line in lines) <= width
    rows = [line for line in lines if "127.0.0." in line or "::1" in line]
    assert len(rows) == 4  # one line per device: nothing folds over several lines
    assert all("SPONSOR" in r for r in rows if "127.0.0.10" in r or "::1" in r)  # address and verdict never cut
    assert rows[0].split()[1] == "127.0.0.9" or "127.0.0.9" in rows[0]  # sorted by address
    text = "\n".join(lines)
    if width >= 140:
        assert "V5.5.82" in text and "CVE-2021-36260 KEV" in text
    else:
        assert "not shown at" in text and "firmware" in text  # says what it left out
        assert "2 (2 KEV)" in text and "Hikvision · LTS" in text
