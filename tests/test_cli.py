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
    assert main(["lookup", "Hikvision DS-2CD2143G2-I", "Reolink RLC-810A"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("FLAG") and "Hikvision DS-2CD2143G2-I" in out[0]
    assert out[1].strip().startswith("why: Hikvision")
    assert out[2].startswith("-") and "No listed maker" in out[3]


def test_lookup_json_is_one_object_per_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lookup", "--json", "Dahua IPC-HDW5421S", "Кронштейн для камер Hikvision"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["flagged"] for r in rows] == [True, False]
    assert rows[0]["vendor"] == "dahua" and rows[1]["relation"] == "compatible"
    for key in ("flagged", "vendor", "brand", "relation", "confidence", "designations", "evidence"):
        assert key in rows[0]


def test_lookup_reads_a_file_of_titles(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    titles = tmp_path / "titles.txt"
    titles.write_bytes(b"HiWatch HWI-B120-D/W\n\n\xff\xfe broken bytes\nAxis M3106-L\n")
    assert main(["lookup", "--json", "--file", str(titles)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 3 and rows[0]["brand"] == "hiwatch" and not rows[2]["flagged"]


def test_lookup_sample_prints_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lookup", "--sample"]) == 0
    out = capsys.readouterr().out
    assert "sponsorwatch lookup" in out and "FLAG" in out and "flagged" in out


def test_lookup_without_input_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lookup"]) == 2
    assert "give TEXT arguments" in capsys.readouterr().err


def test_missing_file_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lookup", "--file", "/nonexistent/titles.txt"]) == 1
    assert "No such file" in capsys.readouterr().err


def test_console_script_runs() -> None:
    exe = Path(sys.executable).with_name("sponsorwatch")
    proc = subprocess.run([str(exe), "lookup", "--json", "EZVIZ C6N"], capture_output=True, text=True,
                          timeout=60, check=True)
    assert json.loads(proc.stdout)["vendor"] == "hikvision"


def test_readme_documents_every_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "./dev demo" in readme and "./dev test" in readme
    for command in ("sponsorwatch lookup", "sponsorwatch kb check", "sponsorwatch lab up", "sponsorwatch scan",
                    "sponsorwatch scan --resume", "sponsorwatch serve", "sponsorwatch token create",
                    "sponsorwatch db upgrade", "--upload", "/api/v1/openapi.json", "sponsorwatch plan",
                    "--costs"):
        assert command in readme, command
